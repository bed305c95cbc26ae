"""Personal data: fødselsnummer masking and encryption at rest (Fernet)."""

from __future__ import annotations

import base64
import hashlib
import re

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from stdnum.no import fodselsnummer

_ELEVEN_DIGITS = re.compile(r"(?<!\d)\d{11}(?!\d)")


def mask_fodselsnummer(value: str | None) -> str:
    """``15108695088`` → ``151086 *****``: the birth date a person recognises, never the personnummer.

    The last five digits (individual number and check digits) are what make a fødselsnummer
    usable by someone else; the birth date alone is not. (It was ``******95088``: the wrong half.)
    """
    if not value:
        return ""
    digits = re.sub(r"\D", "", value)
    return f"{digits[:6]} *****" if len(digits) == 11 else "*****"


def mask_fodselsnummer_in_text(text: str) -> str:
    def _mask(match: re.Match) -> str:
        number = match.group(0)
        return mask_fodselsnummer(number) if fodselsnummer.is_valid(number) else number

    return _ELEVEN_DIGITS.sub(_mask, text)


def _key(secret: str) -> Fernet:
    # Any string works as the configured key: it is stretched to the 32 bytes Fernet wants.
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(secret.encode()).digest()))


def _fernet() -> MultiFernet:
    """The current key first (it encrypts), then the retired ones (they only decrypt).

    Rotation (README, "Secrets"): put the old key in ``FIELD_ENCRYPTION_OLD_KEYS``, the new one
    in ``FIELD_ENCRYPTION_KEY``, run ``manage.py rotate_field_encryption``, then drop the old key.
    """
    from django.conf import settings

    keys = [settings.FIELD_ENCRYPTION_KEY, *getattr(settings, "FIELD_ENCRYPTION_OLD_KEYS", [])]
    return MultiFernet([_key(k) for k in keys])


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:  # a rotated key without re-encryption must be loud
        raise ValueError(
            "encrypted value cannot be decrypted with FIELD_ENCRYPTION_KEY or FIELD_ENCRYPTION_OLD_KEYS"
        ) from exc


def reencrypt(token: str) -> str:
    """``token`` under the current key (whichever configured key it was made with)."""
    try:
        return _fernet().rotate(token.encode()).decode()
    except InvalidToken as exc:
        raise ValueError(
            "encrypted value cannot be decrypted with FIELD_ENCRYPTION_KEY or FIELD_ENCRYPTION_OLD_KEYS"
        ) from exc

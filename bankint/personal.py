"""Personal data: fødselsnummer masking and encryption at rest (Fernet)."""

from __future__ import annotations

import base64
import hashlib
import re

from cryptography.fernet import Fernet, InvalidToken
from stdnum.no import fodselsnummer

_ELEVEN_DIGITS = re.compile(r"(?<!\d)\d{11}(?!\d)")


def mask_fodselsnummer(value: str | None) -> str:
    """``15108695088`` → ``******95088``: enough for a person to recognise, not to misuse."""
    if not value:
        return ""
    digits = re.sub(r"\D", "", value)
    return "******" + digits[-5:] if len(digits) >= 5 else "******"


def mask_fodselsnummer_in_text(text: str) -> str:
    def _mask(match: re.Match) -> str:
        number = match.group(0)
        return mask_fodselsnummer(number) if fodselsnummer.is_valid(number) else number

    return _ELEVEN_DIGITS.sub(_mask, text)


def _fernet() -> Fernet:
    from django.conf import settings

    # Any string works as the configured key: it is stretched to the 32 bytes Fernet wants.
    digest = hashlib.sha256(settings.FIELD_ENCRYPTION_KEY.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:  # a rotated key without re-encryption must be loud
        raise ValueError(
            "encrypted value cannot be decrypted with the configured FIELD_ENCRYPTION_KEY"
        ) from exc

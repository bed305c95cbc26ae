"""API token keys and the password fingerprint: pure functions, no models.

A key is shown once, when it is made; the database keeps only its SHA-256 (the key has 160
random bits, so a plain hash cannot be guessed backwards, and a leaked table opens nothing).
The key keeps the shape DRF's keys had (40 hexadecimal characters): integrations already
store and send it, and some check its length.

The fingerprint ties a token to the password its user had when it was made, as Django ties a
session to it (``AbstractBaseUser.get_session_auth_hash``): any change of ``user.password``,
through the portal, the admin or ``set_password``, ends every token without a signal. It is
an HMAC with the project's secret, so the stored value says nothing about the password hash;
tokens made before a ``SECRET_KEY`` rotation keep working through ``SECRET_KEY_FALLBACKS``.
"""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.utils.crypto import constant_time_compare, salted_hmac

KEY_BYTES = 20  # 40 hexadecimal characters
PREFIX_LENGTH = 8
_FINGERPRINT_SALT = "companies.credentials.password_fingerprint"


def key_generate() -> str:
    return secrets.token_hex(KEY_BYTES)


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def key_prefix(key: str) -> str:
    """The first characters, for telling tokens apart in a list; not enough to use one."""
    return key[:PREFIX_LENGTH]


def password_fingerprint(password_hash: str, *, secret: str | None = None) -> str:
    return salted_hmac(_FINGERPRINT_SALT, password_hash or "", secret=secret, algorithm="sha256").hexdigest()


def password_fingerprint_matches(password_hash: str, fingerprint: str) -> bool:
    for secret in (settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", ())):
        if constant_time_compare(password_fingerprint(password_hash, secret=secret), fingerprint):
            return True
    return False

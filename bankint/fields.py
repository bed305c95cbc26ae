"""Model fields of the shared kernel."""

from __future__ import annotations

from django.db import models

from .personal import decrypt, encrypt


class EncryptedTextField(models.TextField):
    """Stores Fernet ciphertext; Python code sees the clear value.

    Used for fødselsnummer: the column never holds the number itself, so a database dump or a
    support query cannot leak it. Not searchable by design.
    """

    def from_db_value(self, value, expression, connection):
        return None if value in (None, "") else decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return value if value in (None, "") else encrypt(value)

"""Re-encrypt every encrypted column under the current FIELD_ENCRYPTION_KEY (key rotation).

1. Set the new key in ``FIELD_ENCRYPTION_KEY`` and the old one in ``FIELD_ENCRYPTION_OLD_KEYS``
   (both decrypt meanwhile, so the portal keeps working), restart.
2. ``manage.py rotate_field_encryption`` rewrites each value under the new key.
3. Remove the old key from ``FIELD_ENCRYPTION_OLD_KEYS``, restart.
"""

from __future__ import annotations

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from bankint.fields import EncryptedTextField
from bankint.personal import reencrypt


class Command(BaseCommand):
    help = "Re-encrypt every encrypted field under the current FIELD_ENCRYPTION_KEY."

    def handle(self, *args, **options):
        total = 0
        with transaction.atomic():
            for model in apps.get_models():
                for field in model._meta.concrete_fields:
                    if isinstance(field, EncryptedTextField):
                        total += self._rotate(model, field)
        self.stdout.write(f"Re-encrypted {total} value(s) under the current key.")

    def _rotate(self, model, field) -> int:
        table, column = model._meta.db_table, field.column
        pk = model._meta.pk.column
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            # The ciphertext as stored (the field's from_db_value would decrypt it).
            cursor.execute(
                f"SELECT {quote(pk)}, {quote(column)} FROM {quote(table)} "  # noqa: S608 - names from the models
                f"WHERE {quote(column)} IS NOT NULL AND {quote(column)} <> '' FOR UPDATE"
            )
            rows = cursor.fetchall()
            try:
                updates = [(reencrypt(token), key) for key, token in rows]
            except ValueError as exc:
                raise CommandError(f"{table}.{column}: {exc}") from exc
            cursor.executemany(
                f"UPDATE {quote(table)} SET {quote(column)} = %s WHERE {quote(pk)} = %s",  # noqa: S608
                updates,
            )
        return len(rows)

"""A statement entry keeps its transactions' amounts in other currencies, with the exchange
rate the bank gave (``StatementEntry.foreign_amounts``): a card purchase of USD 140.00 booked as
NOK 1,249.85 was stored as 140.00 without its currency (issue 20 item 7).

SQLite adds a column by rebuilding the table, and its row triggers that name the table (0008)
would refuse the rename: they are dropped around the change and created again.
"""

import importlib

from django.db import migrations, models

_sqlite = importlib.import_module("reconciliation.migrations.0005_entry_unmatched_reason")._sqlite
_CHECKS = importlib.import_module("reconciliation.migrations.0008_entry_names_its_match")


class Migration(migrations.Migration):

    dependencies = [
        ('reconciliation', '0008_entry_names_its_match'),
    ]

    operations = [
        migrations.RunPython(_sqlite(_CHECKS.SQLITE_DROP), _sqlite(_CHECKS.SQLITE_CREATE)),
        migrations.AddField(
            model_name='statemententry',
            name='foreign_amounts',
            field=models.JSONField(blank=True, default=list, verbose_name='amounts in other currencies'),
        ),
        migrations.RunPython(_sqlite(_CHECKS.SQLITE_CREATE), _sqlite(_CHECKS.SQLITE_DROP)),
    ]

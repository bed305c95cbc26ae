"""Why the automatic matcher left an entry for a person (``StatementEntry.unmatched_reason``).

With a database default too, for any INSERT … SELECT that does not name the column.

SQLite adds a column by rebuilding the table, and its row triggers that name the table (0004)
would refuse the rename: they are dropped around the change and created again.
"""

import importlib

from django.db import migrations, models

_CHECKS = importlib.import_module("reconciliation.migrations.0004_links_checked_per_statement")


def _sqlite(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "sqlite":
            for statement in statements:
                schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):

    dependencies = [
        ('reconciliation', '0004_links_checked_per_statement'),
    ]

    operations = [
        migrations.RunPython(_sqlite(_CHECKS.SQLITE_DROP), _sqlite(_CHECKS.SQLITE_CREATE)),
        migrations.AddField(
            model_name='statemententry',
            name='unmatched_reason',
            field=models.CharField(blank=True, db_default='', default='', max_length=200, verbose_name='why unmatched'),
        ),
        migrations.RunPython(_sqlite(_CHECKS.SQLITE_CREATE), _sqlite(_CHECKS.SQLITE_DROP)),
    ]

"""Match links keyed by what they link: an entry, a ledger line is in one match at most.

No id column, no sequence, and one index fewer per link (the one-to-one's unique index is
the primary key): an automatic match of a 100,000-entry file writes 200,000 links. The
statement-level link checks of 0004 stay as they are. SQLite rebuilds the tables and its
row triggers that name them (0004) would refuse the rename: dropped around the change.
"""

import importlib

import django.db.models.deletion
from django.db import migrations, models

_CHECKS = importlib.import_module("reconciliation.migrations.0004_links_checked_per_statement")
_sqlite = importlib.import_module("reconciliation.migrations.0005_entry_unmatched_reason")._sqlite


class Migration(migrations.Migration):

    dependencies = [
        ('ledger', '0007_open_bank_lines'),
        ('reconciliation', '0005_entry_unmatched_reason'),
    ]

    operations = [
        migrations.RunPython(_sqlite(_CHECKS.SQLITE_DROP), _sqlite(_CHECKS.SQLITE_CREATE)),
        migrations.RemoveField(
            model_name='matchentry',
            name='id',
        ),
        migrations.RemoveField(
            model_name='matchline',
            name='id',
        ),
        migrations.AlterField(
            model_name='matchentry',
            name='entry',
            field=models.OneToOneField(db_constraint=False, on_delete=django.db.models.deletion.PROTECT, primary_key=True, related_name='match_link', serialize=False, to='reconciliation.statemententry'),
        ),
        migrations.AlterField(
            model_name='matchline',
            name='voucher_line',
            field=models.OneToOneField(db_constraint=False, on_delete=django.db.models.deletion.PROTECT, primary_key=True, related_name='+', serialize=False, to='ledger.voucherline'),
        ),
        migrations.RunPython(_sqlite(_CHECKS.SQLITE_CREATE), _sqlite(_CHECKS.SQLITE_DROP)),
    ]

"""The reference checks of statement entries and matches become triggers of ledger's one function.

As ledger 0002 did for voucher lines and settlements: the triggers name the references they
stand in for and run bankint_refs_check (ledger/sql/refs_check.sql). Same queries per
statement. A fresh database gets this form from 0001 already; the old functions are dropped
only where they exist.
"""

from django.db import migrations

from bankint.sqlfiles import read_sql


class Migration(migrations.Migration):
    dependencies = [
        ("ledger", "0002_refs_checked_by_one_function"),
        ("reconciliation", "0001_initial_squashed_0009_entry_foreign_amounts"),
    ]

    operations = [
        # Backwards the triggers keep the one function: they check what the old ones did.
        migrations.RunSQL(
            [
                read_sql("reconciliation", "entry_refs"),
                read_sql("reconciliation", "match_refs"),
                "DROP FUNCTION IF EXISTS recon_entry_refs_check(), recon_match_refs_check()",
            ],
            reverse_sql=migrations.RunSQL.noop,
        ),
    ]

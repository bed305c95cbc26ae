"""The reference checks of voucher lines and invoice settlements become triggers of one function.

Each table's check of the foreign keys it has no constraint for was a function of its own
that wrote the same query out once per reference; refs_check.sql has one function, and each
trigger names the references it stands in for (docs/DATABASE.md). Same queries per statement.
A fresh database gets this form from 0001 already: running the files again changes nothing
there, and the old functions are dropped only where they exist.
"""

from django.db import migrations

from bankint.sqlfiles import read_sql


class Migration(migrations.Migration):
    dependencies = [
        ("ledger", "0001_initial_squashed_0009_voucherline_refs_checked_per_statement"),
    ]

    operations = [
        # Backwards the triggers keep the one function: they check what the old ones did.
        migrations.RunSQL(
            [
                read_sql("ledger", "refs_check"),
                read_sql("ledger", "voucherline_refs"),
                read_sql("ledger", "settlement_refs"),
                "DROP FUNCTION IF EXISTS ledger_line_refs_check(), ledger_settlement_refs_check()",
            ],
            reverse_sql=migrations.RunSQL.noop,
        ),
    ]

"""Flagging voucher lines reconciled touches fewer indexes and no PL/pgSQL.

Reconciliation flips ``reconciled`` on up to 100,000 lines per statement file. The flag is
in the open-lines index (company, ledger_account, reconciled), which the matcher and the
manual-matching screen need, so such an UPDATE cannot be HOT and writes a new entry into
every index of the table: the redundant ``company_id`` index goes (both composite indexes
lead with company), ``invoice_id``/``bill_id`` are indexed only where set (bank lines never
are). The immutability trigger fires only for an UPDATE that sets a guarded column
(``UPDATE OF``), instead of calling PL/pgSQL once per flagged line to find nothing changed.
"""

import importlib

import django.db.models.deletion
from django.db import migrations, models

GUARDED = "voucher_id, ledger_account, amount, company_id, bank_account_id, reference, invoice_id, bill_id"
PG_FORWARD = f"""
DROP TRIGGER IF EXISTS ledger_voucherline_no_edit ON ledger_voucherline;
CREATE TRIGGER ledger_voucherline_no_edit
    BEFORE DELETE OR UPDATE OF {GUARDED} ON ledger_voucherline
    FOR EACH ROW EXECUTE FUNCTION ledger_voucherline_immutable();
"""
PG_BACKWARD = """
DROP TRIGGER IF EXISTS ledger_voucherline_no_edit ON ledger_voucherline;
CREATE TRIGGER ledger_voucherline_no_edit
    BEFORE UPDATE OR DELETE ON ledger_voucherline
    FOR EACH ROW EXECUTE FUNCTION ledger_voucherline_immutable();
"""


def _sqlite_guard(schema_editor) -> None:
    # SQLite alters a column by rebuilding the table, which drops its triggers: put the
    # voucher-line guard of 0002 back (it already runs only when a guarded column changes).
    guards = importlib.import_module("ledger.migrations.0002_voucher_guards")
    schema_editor.execute("DROP TRIGGER IF EXISTS ledger_voucherline_no_update;")
    for statement in guards.SQLITE_CREATE:
        if "ledger_voucherline_no_update" in statement:
            schema_editor.execute(statement)


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_FORWARD, params=None)
    elif schema_editor.connection.vendor == "sqlite":
        _sqlite_guard(schema_editor)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_BACKWARD, params=None)


def sqlite_guard_after_unapply(apps, schema_editor):
    # First operation, so unapplying runs it last, after the table was rebuilt back.
    if schema_editor.connection.vendor == "sqlite":
        _sqlite_guard(schema_editor)


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0001_initial'),
        ('companies', '0002_audit_append_only'),
        ('ledger', '0004_settlement_speed'),
    ]

    operations = [
        migrations.RunPython(migrations.RunPython.noop, sqlite_guard_after_unapply),
        migrations.AlterField(
            model_name='voucherline',
            name='bill',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='voucher_lines', to='ledger.bill'),
        ),
        migrations.AlterField(
            model_name='voucherline',
            name='company',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='companies.company'),
        ),
        migrations.AlterField(
            model_name='voucherline',
            name='invoice',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='voucher_lines', to='ledger.invoice'),
        ),
        migrations.AddIndex(
            model_name='voucherline',
            index=models.Index(condition=models.Q(('invoice__isnull', False)), fields=['invoice'], name='ledger_line_invoice_set'),
        ),
        migrations.AddIndex(
            model_name='voucherline',
            index=models.Index(condition=models.Q(('bill__isnull', False)), fields=['bill'], name='ledger_line_bill_set'),
        ),
        migrations.RunPython(forwards, backwards),
    ]

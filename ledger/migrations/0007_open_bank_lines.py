"""Open bank lines in a queue of their own (``OpenBankLine``) instead of a flag on the line.

Matching 100,000 lines deleted from a narrow table by key takes about 0.1 s; flipping
``VoucherLine.reconciled`` on them took about 0.9 s, because the flag was in the open-lines
index and such an UPDATE rewrites each line and all its index entries. Lines are now never
updated at all.

The database fills the queue: every INSERT of voucher lines puts those on a bank ledger
account (1900–1999, the only accounts a bank account may post to) into it, with what the
matcher reads (the voucher's date, amount, reference). On PostgreSQL one statement-level
trigger per INSERT or COPY (a transition table), on SQLite a row trigger. Lines that exist
already go in when they are not reconciled.
"""

import importlib

import django.db.models.deletion
from django.db import migrations, models

COLUMNS = "line_id, company_id, ledger_account, bank_account_id, date, amount, reference_kind, reference"
PG_CREATE = f"""
CREATE OR REPLACE FUNCTION ledger_open_bank_lines_add() RETURNS trigger AS $$
BEGIN
    INSERT INTO ledger_openbankline ({COLUMNS})
    SELECT a.id, a.company_id, a.ledger_account, a.bank_account_id, v.date, a.amount,
           a.reference_kind, a.reference
      FROM added AS a JOIN ledger_voucher AS v ON v.id = a.voucher_id
     WHERE a.ledger_account LIKE '19%';
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER ledger_voucherline_open_bank_lines
    AFTER INSERT ON ledger_voucherline REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_open_bank_lines_add();
"""
PG_DROP = """
DROP TRIGGER IF EXISTS ledger_voucherline_open_bank_lines ON ledger_voucherline;
DROP FUNCTION IF EXISTS ledger_open_bank_lines_add();
"""
SQLITE_CREATE = f"""
CREATE TRIGGER ledger_voucherline_open_bank_lines AFTER INSERT ON ledger_voucherline
WHEN NEW.ledger_account LIKE '19%'
BEGIN
    INSERT INTO ledger_openbankline ({COLUMNS})
    SELECT NEW.id, NEW.company_id, NEW.ledger_account, NEW.bank_account_id, v.date, NEW.amount,
           NEW.reference_kind, NEW.reference
      FROM ledger_voucher AS v WHERE v.id = NEW.voucher_id;
END;
"""
SQLITE_DROP = "DROP TRIGGER IF EXISTS ledger_voucherline_open_bank_lines;"


def _sqlite_guards(schema_editor) -> None:
    # SQLite drops a column by rebuilding the table, which drops its triggers: put back the
    # voucher-line guard of 0002 and, going forwards, the queue's trigger.
    importlib.import_module("ledger.migrations.0005_voucherline_fewer_indexes")._sqlite_guard(schema_editor)


def fill(apps, schema_editor):
    schema_editor.execute(
        f"INSERT INTO ledger_openbankline ({COLUMNS}) "
        "SELECT l.id, l.company_id, l.ledger_account, l.bank_account_id, v.date, l.amount, "
        "l.reference_kind, l.reference FROM ledger_voucherline AS l "
        "JOIN ledger_voucher AS v ON v.id = l.voucher_id "
        "WHERE l.ledger_account LIKE '19%%' AND NOT l.reconciled",
        params=[],
    )


def unfill(apps, schema_editor):
    schema_editor.execute(
        "UPDATE ledger_voucherline SET reconciled = TRUE WHERE ledger_account LIKE '19%%' "
        "AND id NOT IN (SELECT line_id FROM ledger_openbankline)",
        params=[],
    )


def triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_CREATE, params=None)
    elif vendor == "sqlite":
        _sqlite_guards(schema_editor)
        schema_editor.execute(SQLITE_CREATE)


def triggers_dropped(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_DROP, params=None)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_DROP)


def sqlite_guard_after_unapply(apps, schema_editor):
    # Run last when unapplying, after the table was rebuilt with its flag.
    if schema_editor.connection.vendor == "sqlite":
        _sqlite_guards(schema_editor)


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0001_initial'),
        ('companies', '0002_audit_append_only'),
        ('ledger', '0006_voucherline_fewer_indexes_for_flagging'),
    ]

    operations = [
        migrations.RunPython(migrations.RunPython.noop, sqlite_guard_after_unapply),
        migrations.CreateModel(
            name='OpenBankLine',
            fields=[
                ('line', models.OneToOneField(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, primary_key=True, related_name='open_entry', serialize=False, to='ledger.voucherline')),
                ('ledger_account', models.CharField(max_length=4, verbose_name='ledger account')),
                ('date', models.DateField(verbose_name='date')),
                ('amount', models.DecimalField(decimal_places=2, max_digits=15, verbose_name='amount')),
                ('reference_kind', models.CharField(choices=[('NONE', 'None'), ('KID', 'KID'), ('E2E', 'EndToEndId'), ('OCR_ASSIGNMENT', 'OCR assignment number'), ('INVOICE', 'Invoice')], max_length=20, verbose_name='reference kind')),
                ('reference', models.CharField(blank=True, max_length=35, verbose_name='reference')),
                ('bank_account', models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='accounts.bankaccount')),
                ('company', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='companies.company')),
            ],
            options={
                'verbose_name': 'open bank line',
                'verbose_name_plural': 'open bank lines',
                'indexes': [models.Index(fields=['company', 'ledger_account'], name='ledger_open_bank_line_account')],
            },
        ),
        migrations.RunPython(fill, unfill),
        migrations.RemoveIndex(
            model_name='voucherline',
            name='ledger_vouc_company_44d57e_idx',
        ),
        migrations.RemoveField(
            model_name='voucherline',
            name='reconciled',
        ),
        migrations.AddIndex(
            model_name='voucherline',
            index=models.Index(fields=['company', 'ledger_account'], name='ledger_line_account'),
        ),
        migrations.RunPython(triggers, triggers_dropped),
    ]

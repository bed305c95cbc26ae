"""Settling 100,000 invoices at once (an OCR file) without per-row costs that buy nothing.

* Invoices: no index on status, none on company alone (uniq_invoice_number leads with it) or
  on voucher (nothing looks invoices up by voucher). What a settlement changes (status,
  paid_amount, paid_at) is then in no index, and with a fillfactor of 50 the new row version
  fits on its page: PostgreSQL updates it in place (HOT) instead of adding an entry to every
  index. Existing pages keep their fill until rewritten; new invoices get the room.
* Settlements: the per-row foreign keys on company, invoice and voucher (three deferred
  checks per row at commit) give way to one check per INSERT or UPDATE statement: every
  row's invoice and voucher must exist and belong to the row's company (more than the
  foreign keys said; the company's existence follows, invoices and vouchers have foreign
  keys to it). What the invoice foreign key also did, refuse deleting an invoice that has
  settlements, a row trigger on the invoice does. Vouchers are never deleted or edited (0002).
  The check runs as dynamic SQL so each statement is planned for its own row count (one
  row: index probes; an OCR file: one hash join).
* SQLite gets the insert and update checks as row triggers (it has no statement triggers);
  like 0002 it leaves DELETE alone, which Django's test flush needs there.
"""

import django.db.models.deletion
from django.db import migrations, models

PG_CREATE = """
ALTER TABLE ledger_invoice SET (fillfactor = 50);

CREATE OR REPLACE FUNCTION ledger_settlement_refs_check() RETURNS trigger AS $$
DECLARE
    bad_ref bigint;
    bad_company bigint;
BEGIN
    EXECUTE 'SELECT n.voucher_id, n.company_id
               FROM (SELECT DISTINCT voucher_id, company_id FROM ledger_settlement_rows) AS n
              WHERE NOT EXISTS (SELECT 1 FROM ledger_voucher AS v
                                 WHERE v.id = n.voucher_id AND v.company_id = n.company_id)
              LIMIT 1' INTO bad_ref, bad_company;
    IF bad_ref IS NOT NULL THEN
        RAISE EXCEPTION 'invoice settlement refers to voucher %, which is not a voucher of company %',
            bad_ref, bad_company USING ERRCODE = 'foreign_key_violation';
    END IF;
    EXECUTE 'SELECT n.invoice_id, n.company_id FROM ledger_settlement_rows AS n
              WHERE NOT EXISTS (SELECT 1 FROM ledger_invoice AS i
                                 WHERE i.id = n.invoice_id AND i.company_id = n.company_id)
              LIMIT 1' INTO bad_ref, bad_company;
    IF bad_ref IS NOT NULL THEN
        RAISE EXCEPTION 'invoice settlement refers to invoice %, which is not an invoice of company %',
            bad_ref, bad_company USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER ledger_invoicesettlement_refs_ins
    AFTER INSERT ON ledger_invoicesettlement
    REFERENCING NEW TABLE AS ledger_settlement_rows
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_settlement_refs_check();
CREATE TRIGGER ledger_invoicesettlement_refs_upd
    AFTER UPDATE ON ledger_invoicesettlement
    REFERENCING NEW TABLE AS ledger_settlement_rows
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_settlement_refs_check();

CREATE OR REPLACE FUNCTION ledger_invoice_settled_guard() RETURNS trigger AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM ledger_invoicesettlement WHERE invoice_id = OLD.id) THEN
        RAISE EXCEPTION 'invoice % has settlements: it cannot be deleted or moved', OLD.id
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER ledger_invoice_settled_no_delete
    BEFORE DELETE ON ledger_invoice
    FOR EACH ROW EXECUTE FUNCTION ledger_invoice_settled_guard();
CREATE TRIGGER ledger_invoice_settled_no_move
    BEFORE UPDATE OF id, company_id ON ledger_invoice
    FOR EACH ROW WHEN (OLD.id <> NEW.id OR OLD.company_id <> NEW.company_id)
    EXECUTE FUNCTION ledger_invoice_settled_guard();
"""
PG_DROP = """
DROP TRIGGER IF EXISTS ledger_invoicesettlement_refs_ins ON ledger_invoicesettlement;
DROP TRIGGER IF EXISTS ledger_invoicesettlement_refs_upd ON ledger_invoicesettlement;
DROP FUNCTION IF EXISTS ledger_settlement_refs_check();
DROP TRIGGER IF EXISTS ledger_invoice_settled_no_delete ON ledger_invoice;
DROP TRIGGER IF EXISTS ledger_invoice_settled_no_move ON ledger_invoice;
DROP FUNCTION IF EXISTS ledger_invoice_settled_guard();
ALTER TABLE ledger_invoice RESET (fillfactor);
"""
_SQLITE_CHECK = """
WHEN NOT EXISTS (SELECT 1 FROM ledger_voucher WHERE id = NEW.voucher_id AND company_id = NEW.company_id)
  OR NOT EXISTS (SELECT 1 FROM ledger_invoice WHERE id = NEW.invoice_id AND company_id = NEW.company_id)
BEGIN SELECT RAISE(ABORT, 'invoice settlement refers to an invoice or voucher that is not its company''s'); END;
"""
SQLITE_CREATE = [
    "CREATE TRIGGER ledger_invoicesettlement_refs_ins BEFORE INSERT ON ledger_invoicesettlement" + _SQLITE_CHECK,
    "CREATE TRIGGER ledger_invoicesettlement_refs_upd BEFORE UPDATE ON ledger_invoicesettlement" + _SQLITE_CHECK,
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS ledger_invoicesettlement_refs_ins;",
    "DROP TRIGGER IF EXISTS ledger_invoicesettlement_refs_upd;",
]


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_CREATE, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_CREATE:
            schema_editor.execute(statement)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_DROP, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_DROP:
            schema_editor.execute(statement)



class Migration(migrations.Migration):

    dependencies = [
        ('companies', '0002_audit_append_only'),
        ('ledger', '0003_balance_check_on_insert_only'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='invoice',
            name='ledger_invo_company_15b218_idx',
        ),
        migrations.AlterField(
            model_name='invoice',
            name='company',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='companies.company'),
        ),
        migrations.AlterField(
            model_name='invoice',
            name='voucher',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='ledger.voucher'),
        ),
        migrations.AlterField(
            model_name='invoicesettlement',
            name='company',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='companies.company'),
        ),
        migrations.AlterField(
            model_name='invoicesettlement',
            name='invoice',
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.PROTECT, related_name='settlements', to='ledger.invoice'),
        ),
        migrations.AlterField(
            model_name='invoicesettlement',
            name='voucher',
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='ledger.voucher'),
        ),
        migrations.RunPython(forwards, backwards),
    ]

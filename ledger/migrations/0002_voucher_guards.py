"""The database itself keeps the books balanced and posted vouchers unchanged.

PostgreSQL: a deferred constraint trigger checks at commit that every voucher touched in the
transaction sums to zero, so no code path (a shell, a bulk insert, a future bug) can commit
an unbalanced voucher; BEFORE triggers refuse UPDATE of what a voucher and its lines say
and DELETE of either (a correction is a reversing voucher). Only ``reconciled`` on a line may
change. TRUNCATE (test teardown only) is left alone.

SQLite cannot defer a check to commit; it gets the UPDATE guards, and the balance is kept by
``ledger.services.voucher_post``, the only code that creates vouchers. DELETE stays possible
there because Django's test flush on SQLite deletes rows.
"""

from django.db import migrations

PG_CREATE = """
CREATE OR REPLACE FUNCTION ledger_voucher_balance_check() RETURNS trigger AS $$
DECLARE
    vid bigint;
    total numeric;
BEGIN
    IF TG_OP = 'DELETE' THEN vid := OLD.voucher_id; ELSE vid := NEW.voucher_id; END IF;
    SELECT COALESCE(SUM(amount), 0) INTO total FROM ledger_voucherline WHERE voucher_id = vid;
    IF total <> 0 THEN
        RAISE EXCEPTION 'voucher % does not balance (lines sum to %)', vid, total
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE CONSTRAINT TRIGGER ledger_voucherline_balanced
    AFTER INSERT OR UPDATE OR DELETE ON ledger_voucherline
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION ledger_voucher_balance_check();

CREATE OR REPLACE FUNCTION ledger_voucherline_immutable() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'posted voucher lines are never deleted: post a reversing voucher';
    END IF;
    IF NEW.voucher_id <> OLD.voucher_id OR NEW.ledger_account <> OLD.ledger_account
       OR NEW.amount <> OLD.amount OR NEW.company_id <> OLD.company_id
       OR NEW.bank_account_id IS DISTINCT FROM OLD.bank_account_id
       OR NEW.reference IS DISTINCT FROM OLD.reference
       OR NEW.invoice_id IS DISTINCT FROM OLD.invoice_id
       OR NEW.bill_id IS DISTINCT FROM OLD.bill_id THEN
        RAISE EXCEPTION 'posted voucher lines are never edited: post a reversing voucher';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER ledger_voucherline_no_edit
    BEFORE UPDATE OR DELETE ON ledger_voucherline
    FOR EACH ROW EXECUTE FUNCTION ledger_voucherline_immutable();

CREATE OR REPLACE FUNCTION ledger_voucher_immutable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'posted vouchers are never edited or deleted (% refused): post a reversing voucher', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER ledger_voucher_no_edit
    BEFORE UPDATE OR DELETE ON ledger_voucher
    FOR EACH ROW EXECUTE FUNCTION ledger_voucher_immutable();
"""
PG_DROP = """
DROP TRIGGER IF EXISTS ledger_voucherline_balanced ON ledger_voucherline;
DROP TRIGGER IF EXISTS ledger_voucherline_no_edit ON ledger_voucherline;
DROP TRIGGER IF EXISTS ledger_voucher_no_edit ON ledger_voucher;
DROP FUNCTION IF EXISTS ledger_voucher_balance_check();
DROP FUNCTION IF EXISTS ledger_voucherline_immutable();
DROP FUNCTION IF EXISTS ledger_voucher_immutable();
"""
SQLITE_CREATE = [
    """
CREATE TRIGGER ledger_voucher_no_update BEFORE UPDATE ON ledger_voucher
BEGIN SELECT RAISE(ABORT, 'posted vouchers are never edited: post a reversing voucher'); END;
""",
    """
CREATE TRIGGER ledger_voucherline_no_update BEFORE UPDATE ON ledger_voucherline
WHEN NEW.voucher_id <> OLD.voucher_id OR NEW.ledger_account <> OLD.ledger_account
     OR NEW.amount <> OLD.amount OR NEW.company_id <> OLD.company_id
     OR NEW.bank_account_id IS NOT OLD.bank_account_id OR NEW.reference IS NOT OLD.reference
     OR NEW.invoice_id IS NOT OLD.invoice_id OR NEW.bill_id IS NOT OLD.bill_id
BEGIN SELECT RAISE(ABORT, 'posted voucher lines are never edited: post a reversing voucher'); END;
""",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS ledger_voucher_no_update;",
    "DROP TRIGGER IF EXISTS ledger_voucherline_no_update;",
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
    dependencies = [("ledger", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]

"""The deferred balance check fires on INSERT only.

UPDATE of a line's voucher or amount and every DELETE are already refused by the BEFORE
triggers of 0002, so only an INSERT can unbalance a voucher. Firing the check on UPDATE
as well made reconciliation, which flips ``reconciled`` on up to 100,000 lines at a time,
run one deferred SUM per line at commit for nothing.
"""

from django.db import migrations

PG_FORWARD = """
DROP TRIGGER IF EXISTS ledger_voucherline_balanced ON ledger_voucherline;
CREATE CONSTRAINT TRIGGER ledger_voucherline_balanced
    AFTER INSERT ON ledger_voucherline
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION ledger_voucher_balance_check();
"""
PG_BACKWARD = """
DROP TRIGGER IF EXISTS ledger_voucherline_balanced ON ledger_voucherline;
CREATE CONSTRAINT TRIGGER ledger_voucherline_balanced
    AFTER INSERT OR UPDATE OR DELETE ON ledger_voucherline
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION ledger_voucher_balance_check();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_FORWARD, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0002_voucher_guards")]
    operations = [migrations.RunPython(forwards, backwards)]

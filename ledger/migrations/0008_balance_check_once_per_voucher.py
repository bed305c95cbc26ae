"""The deferred balance check sums a voucher once, not once per line.

The check (0002) runs at commit for every inserted line and sums that line's whole voucher.
A voucher of 51 lines (reconciliation's daily fee vouchers: 50 fees and their sum) was
summed 51 times; 20,000 fees took 0.2 s of the import's commit. The check now remembers,
for the rest of the transaction, the voucher it summed last and the highest line id it
counted: the events of lines that sum already covered (the same voucher, an id no higher)
are done without summing again. A line inserted after that check gets a higher id, so its
own event sums the voucher again: nothing escapes the check. The memory is two
transaction-local settings, keyed by the transaction's id so that a value set in another
way never matches.
"""

import importlib

from django.db import migrations

PG_FORWARD = """
CREATE OR REPLACE FUNCTION ledger_voucher_balance_check() RETURNS trigger AS $$
DECLARE
    vid bigint;
    total numeric;
    last_line bigint;
    checked text;
BEGIN
    IF TG_OP = 'DELETE' THEN vid := OLD.voucher_id; ELSE vid := NEW.voucher_id; END IF;
    checked := txid_current()::text || ':' || vid::text;
    IF TG_OP = 'INSERT'
       AND current_setting('ledger.balanced_voucher', true) = checked
       AND NEW.id <= NULLIF(current_setting('ledger.balanced_line', true), '')::bigint THEN
        RETURN NULL;  -- this line was counted by the last sum of its voucher
    END IF;
    SELECT COALESCE(SUM(amount), 0), MAX(id) INTO total, last_line
      FROM ledger_voucherline WHERE voucher_id = vid;
    IF total <> 0 THEN
        RAISE EXCEPTION 'voucher % does not balance (lines sum to %)', vid, total
            USING ERRCODE = 'check_violation';
    END IF;
    PERFORM set_config('ledger.balanced_voucher', checked, true),
            set_config('ledger.balanced_line', last_line::text, true);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
"""
# Backwards: the check as 0002 made it (its first statement).
_V0002 = importlib.import_module("ledger.migrations.0002_voucher_guards").PG_CREATE
PG_BACKWARD = _V0002[: _V0002.index("$$ LANGUAGE plpgsql;") + len("$$ LANGUAGE plpgsql;")] + "\n"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_FORWARD, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0007_open_bank_lines")]
    operations = [migrations.RunPython(forwards, backwards)]

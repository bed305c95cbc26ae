-- Every voucher balances: at commit (a deferred constraint trigger) the lines of each voucher
-- that got a line in the transaction sum to zero. INSERT only: lines are never updated or
-- deleted (voucher_immutable.sql). The check remembers, for the rest of the transaction, the
-- voucher it summed last and the highest line id it counted, so a voucher of 51 lines is
-- summed once, not 51 times; a line inserted after that sum has a higher id and is summed
-- again. The memory is two transaction-local settings keyed by the transaction's id.
-- See docs/DATABASE.md.

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

-- CREATE OR REPLACE is not allowed for constraint triggers.
DROP TRIGGER IF EXISTS ledger_voucherline_balanced ON ledger_voucherline;
CREATE CONSTRAINT TRIGGER ledger_voucherline_balanced
    AFTER INSERT ON ledger_voucherline
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION ledger_voucher_balance_check();

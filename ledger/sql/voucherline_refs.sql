-- A voucher line's voucher, and its bank account, invoice and bill where it has one, exist
-- and are the line's company's, checked once per INSERT or COPY statement over its new rows
-- (refs_check.sql) instead of by five deferred foreign keys per line: reconciliation's fee
-- vouchers post 20,000 lines at once. Lines are never updated in what they name
-- (voucher_immutable.sql), so INSERT is the only way in. See docs/DATABASE.md.

CREATE OR REPLACE TRIGGER ledger_voucherline_refs_ins
    AFTER INSERT ON ledger_voucherline
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION bankint_refs_check(
        'voucher_id', 'ledger_voucher', 'company_id', 'distinct',
        'bank_account_id', 'accounts_bankaccount', 'company_id', 'distinct',
        'invoice_id', 'ledger_invoice', 'company_id', 'distinct',
        'bill_id', 'ledger_bill', 'company_id', 'distinct'
    );

-- The other side of the foreign keys: a bank account, invoice or bill that lines name cannot
-- be deleted or re-keyed. TG_ARGV[0]: the line column that names the row. The triggers on
-- ledger_invoice are named to fire after ledger_invoice_settled_* (settlement_refs.sql),
-- whose message is the more specific one for a settled invoice. Vouchers are never deleted.

CREATE OR REPLACE FUNCTION ledger_line_referenced_guard() RETURNS trigger AS $$
DECLARE
    named boolean;
BEGIN
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM ledger_voucherline WHERE %I = $1)', TG_ARGV[0])
        INTO named USING OLD.id;
    IF named THEN
        RAISE EXCEPTION '% % has voucher lines: it cannot be deleted or moved', TG_TABLE_NAME, OLD.id
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE TRIGGER accounts_bankaccount_voucher_lines_no_delete
    BEFORE DELETE ON accounts_bankaccount
    FOR EACH ROW EXECUTE FUNCTION ledger_line_referenced_guard('bank_account_id');
CREATE OR REPLACE TRIGGER accounts_bankaccount_voucher_lines_no_move
    BEFORE UPDATE OF id, company_id ON accounts_bankaccount
    FOR EACH ROW WHEN (OLD.id <> NEW.id OR OLD.company_id <> NEW.company_id)
    EXECUTE FUNCTION ledger_line_referenced_guard('bank_account_id');

CREATE OR REPLACE TRIGGER ledger_invoice_voucher_lines_no_delete
    BEFORE DELETE ON ledger_invoice
    FOR EACH ROW EXECUTE FUNCTION ledger_line_referenced_guard('invoice_id');
CREATE OR REPLACE TRIGGER ledger_invoice_voucher_lines_no_move
    BEFORE UPDATE OF id, company_id ON ledger_invoice
    FOR EACH ROW WHEN (OLD.id <> NEW.id OR OLD.company_id <> NEW.company_id)
    EXECUTE FUNCTION ledger_line_referenced_guard('invoice_id');

CREATE OR REPLACE TRIGGER ledger_bill_voucher_lines_no_delete
    BEFORE DELETE ON ledger_bill
    FOR EACH ROW EXECUTE FUNCTION ledger_line_referenced_guard('bill_id');
CREATE OR REPLACE TRIGGER ledger_bill_voucher_lines_no_move
    BEFORE UPDATE OF id, company_id ON ledger_bill
    FOR EACH ROW WHEN (OLD.id <> NEW.id OR OLD.company_id <> NEW.company_id)
    EXECUTE FUNCTION ledger_line_referenced_guard('bill_id');

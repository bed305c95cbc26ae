-- Posted vouchers and their lines are never edited or deleted: a correction is a reversing
-- voucher. TRUNCATE (test teardown only) is left alone. See docs/DATABASE.md.

CREATE OR REPLACE FUNCTION ledger_voucher_immutable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'posted vouchers are never edited or deleted (% refused): post a reversing voucher', TG_OP;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE TRIGGER ledger_voucher_no_edit
    BEFORE UPDATE OR DELETE ON ledger_voucher
    FOR EACH ROW EXECUTE FUNCTION ledger_voucher_immutable();

-- A line: fires only for an UPDATE that names a guarded column (UPDATE OF), so an UPDATE of
-- anything else costs no PL/pgSQL call per row.

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

CREATE OR REPLACE TRIGGER ledger_voucherline_no_edit
    BEFORE DELETE OR UPDATE OF voucher_id, ledger_account, amount, company_id, bank_account_id, reference, invoice_id, bill_id
    ON ledger_voucherline
    FOR EACH ROW EXECUTE FUNCTION ledger_voucherline_immutable();

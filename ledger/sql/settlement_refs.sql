-- An invoice settlement's invoice and voucher exist and are the settlement's company's, checked
-- once per INSERT or UPDATE statement over its new rows (refs_check.sql) instead of by three
-- deferred foreign keys per row: an OCR file writes 100,000 settlements, with COPY, nearly
-- each of another invoice (so those are checked as they are, not looked up once each). The other
-- side of the foreign key: an invoice with settlements cannot be deleted or re-keyed. Vouchers
-- are never deleted (voucher_immutable.sql). See docs/DATABASE.md.

CREATE OR REPLACE TRIGGER ledger_invoicesettlement_refs_ins
    AFTER INSERT ON ledger_invoicesettlement
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION bankint_refs_check(
        'voucher_id', 'ledger_voucher', 'company_id', 'distinct',
        'invoice_id', 'ledger_invoice', 'company_id', 'all'
    );
CREATE OR REPLACE TRIGGER ledger_invoicesettlement_refs_upd
    AFTER UPDATE ON ledger_invoicesettlement
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION bankint_refs_check(
        'voucher_id', 'ledger_voucher', 'company_id', 'distinct',
        'invoice_id', 'ledger_invoice', 'company_id', 'all'
    );

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

CREATE OR REPLACE TRIGGER ledger_invoice_settled_no_delete
    BEFORE DELETE ON ledger_invoice
    FOR EACH ROW EXECUTE FUNCTION ledger_invoice_settled_guard();
CREATE OR REPLACE TRIGGER ledger_invoice_settled_no_move
    BEFORE UPDATE OF id, company_id ON ledger_invoice
    FOR EACH ROW WHEN (OLD.id <> NEW.id OR OLD.company_id <> NEW.company_id)
    EXECUTE FUNCTION ledger_invoice_settled_guard();

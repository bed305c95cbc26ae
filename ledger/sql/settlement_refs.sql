-- An invoice settlement's invoice and voucher exist and are the settlement's company's, checked
-- once per INSERT or UPDATE statement over its new rows (a transition table) instead of by
-- three deferred foreign keys per row: an OCR file writes 100,000 settlements, with COPY. The
-- check runs as dynamic SQL so each statement is planned for its own row count (one row:
-- index probes; a file: one hash join). The other side of the foreign key: an invoice with
-- settlements cannot be deleted or re-keyed. Vouchers are never deleted (voucher_immutable.sql).
-- See docs/DATABASE.md.

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

CREATE OR REPLACE TRIGGER ledger_invoicesettlement_refs_ins
    AFTER INSERT ON ledger_invoicesettlement
    REFERENCING NEW TABLE AS ledger_settlement_rows
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_settlement_refs_check();
CREATE OR REPLACE TRIGGER ledger_invoicesettlement_refs_upd
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

CREATE OR REPLACE TRIGGER ledger_invoice_settled_no_delete
    BEFORE DELETE ON ledger_invoice
    FOR EACH ROW EXECUTE FUNCTION ledger_invoice_settled_guard();
CREATE OR REPLACE TRIGGER ledger_invoice_settled_no_move
    BEFORE UPDATE OF id, company_id ON ledger_invoice
    FOR EACH ROW WHEN (OLD.id <> NEW.id OR OLD.company_id <> NEW.company_id)
    EXECUTE FUNCTION ledger_invoice_settled_guard();

-- A voucher line's voucher, and its bank account, invoice and bill where it has one, exist
-- and are the line's company's, checked once per INSERT or COPY statement over its new rows
-- (a transition table) instead of by five deferred foreign keys per line: reconciliation's
-- fee vouchers post 20,000 lines at once. Dynamic SQL, so each statement is planned for its
-- own row count. Lines are never updated in what they name (voucher_immutable.sql), so INSERT
-- is the only way in. See docs/DATABASE.md.

CREATE OR REPLACE FUNCTION ledger_line_refs_check() RETURNS trigger AS $$
DECLARE
    bad bigint;
BEGIN
    EXECUTE 'SELECT n.voucher_id
               FROM (SELECT DISTINCT voucher_id, company_id FROM ledger_line_rows
                      WHERE voucher_id IS NOT NULL) AS n
              WHERE NOT EXISTS (SELECT 1 FROM ledger_voucher AS r
                                 WHERE r.id = n.voucher_id AND r.company_id = n.company_id)
              LIMIT 1' INTO bad;
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'voucher line refers to voucher %, which is not a voucher of its company', bad
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    EXECUTE 'SELECT n.bank_account_id
               FROM (SELECT DISTINCT bank_account_id, company_id FROM ledger_line_rows
                      WHERE bank_account_id IS NOT NULL) AS n
              WHERE NOT EXISTS (SELECT 1 FROM accounts_bankaccount AS r
                                 WHERE r.id = n.bank_account_id AND r.company_id = n.company_id)
              LIMIT 1' INTO bad;
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'voucher line refers to bank account %, which is not a bank account of its company', bad
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    EXECUTE 'SELECT n.invoice_id
               FROM (SELECT DISTINCT invoice_id, company_id FROM ledger_line_rows
                      WHERE invoice_id IS NOT NULL) AS n
              WHERE NOT EXISTS (SELECT 1 FROM ledger_invoice AS r
                                 WHERE r.id = n.invoice_id AND r.company_id = n.company_id)
              LIMIT 1' INTO bad;
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'voucher line refers to invoice %, which is not an invoice of its company', bad
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    EXECUTE 'SELECT n.bill_id
               FROM (SELECT DISTINCT bill_id, company_id FROM ledger_line_rows
                      WHERE bill_id IS NOT NULL) AS n
              WHERE NOT EXISTS (SELECT 1 FROM ledger_bill AS r
                                 WHERE r.id = n.bill_id AND r.company_id = n.company_id)
              LIMIT 1' INTO bad;
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'voucher line refers to bill %, which is not a bill of its company', bad
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE TRIGGER ledger_voucherline_refs_ins
    AFTER INSERT ON ledger_voucherline
    REFERENCING NEW TABLE AS ledger_line_rows
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_line_refs_check();

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

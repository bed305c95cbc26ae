-- The other side of the foreign keys that entry_refs.sql and matchline_refs.sql stand in for:
-- what is referred to stays in place. A statement with entries, a matched entry, and a match
-- that entries or ledger-line links name cannot be deleted or re-keyed (undoing a match clears
-- its entries, and Django deletes its links, before the match goes). Ledger lines and vouchers
-- are never deleted. See docs/DATABASE.md.

CREATE OR REPLACE FUNCTION recon_referenced_guard() RETURNS trigger AS $$
DECLARE
    found boolean;
BEGIN
    IF TG_TABLE_NAME = 'reconciliation_statement' THEN
        found := EXISTS (SELECT 1 FROM reconciliation_statemententry WHERE statement_id = OLD.id);
    ELSIF TG_TABLE_NAME = 'reconciliation_statemententry' THEN
        found := OLD.match_id IS NOT NULL;
    ELSE
        found := EXISTS (SELECT 1 FROM reconciliation_statemententry WHERE match_id = OLD.id)
              OR EXISTS (SELECT 1 FROM reconciliation_matchline WHERE match_id = OLD.id);
    END IF;
    IF found THEN
        RAISE EXCEPTION '% row % is referred to: it cannot be deleted or re-keyed', TG_TABLE_NAME, OLD.id
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE TRIGGER recon_statement_referenced_del BEFORE DELETE ON reconciliation_statement
    FOR EACH ROW EXECUTE FUNCTION recon_referenced_guard();
CREATE OR REPLACE TRIGGER recon_statement_referenced_upd BEFORE UPDATE OF id, company_id, bank_account_id, file_id
    ON reconciliation_statement FOR EACH ROW
    WHEN (OLD.id <> NEW.id OR OLD.company_id <> NEW.company_id
          OR OLD.bank_account_id <> NEW.bank_account_id OR OLD.file_id <> NEW.file_id)
    EXECUTE FUNCTION recon_referenced_guard();
CREATE OR REPLACE TRIGGER recon_entry_referenced_del BEFORE DELETE ON reconciliation_statemententry
    FOR EACH ROW EXECUTE FUNCTION recon_referenced_guard();
CREATE OR REPLACE TRIGGER recon_entry_referenced_upd BEFORE UPDATE OF id, bank_account_id
    ON reconciliation_statemententry FOR EACH ROW
    WHEN (OLD.id <> NEW.id OR OLD.bank_account_id <> NEW.bank_account_id)
    EXECUTE FUNCTION recon_referenced_guard();
CREATE OR REPLACE TRIGGER recon_match_referenced_del BEFORE DELETE ON reconciliation_match
    FOR EACH ROW EXECUTE FUNCTION recon_referenced_guard();
CREATE OR REPLACE TRIGGER recon_match_referenced_upd BEFORE UPDATE OF id, company_id, bank_account_id
    ON reconciliation_match FOR EACH ROW
    WHEN (OLD.id <> NEW.id OR OLD.company_id <> NEW.company_id OR OLD.bank_account_id <> NEW.bank_account_id)
    EXECUTE FUNCTION recon_referenced_guard();

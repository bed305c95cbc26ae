-- A statement entry agrees with its statement, and a matched entry with its match, checked
-- once per INSERT or UPDATE statement over its new rows (a transition table) instead of by
-- deferred foreign keys per row (a 100,000-entry file):
-- * its statement exists and has the entry's company, bank account and file (the entry's
--   copies of them);
-- * its match, where it has one, exists and is a match of the entry's bank account.
-- See docs/DATABASE.md.

CREATE OR REPLACE FUNCTION recon_entry_refs_check() RETURNS trigger AS $$
DECLARE
    bad bigint;
BEGIN
    EXECUTE 'SELECT n.statement_id
               FROM (SELECT DISTINCT statement_id, company_id, bank_account_id, file_id
                       FROM recon_entry_rows) AS n
              WHERE NOT EXISTS (SELECT 1 FROM reconciliation_statement AS s
                                 WHERE s.id = n.statement_id AND s.company_id = n.company_id
                                   AND s.bank_account_id = n.bank_account_id AND s.file_id = n.file_id)
              LIMIT 1' INTO bad;
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'statement entry refers to statement %, which does not exist or has another company, account or file', bad
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    EXECUTE 'SELECT n.id FROM recon_entry_rows AS n
              WHERE n.match_id IS NOT NULL
                AND NOT EXISTS (SELECT 1 FROM reconciliation_match AS m
                                 WHERE m.id = n.match_id AND m.bank_account_id = n.bank_account_id)
              LIMIT 1' INTO bad;
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'matched entry %: its match does not exist or is a match of another bank account', bad
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE TRIGGER recon_entry_refs_ins AFTER INSERT ON reconciliation_statemententry
    REFERENCING NEW TABLE AS recon_entry_rows FOR EACH STATEMENT EXECUTE FUNCTION recon_entry_refs_check();
CREATE OR REPLACE TRIGGER recon_entry_refs_upd AFTER UPDATE ON reconciliation_statemententry
    REFERENCING NEW TABLE AS recon_entry_rows FOR EACH STATEMENT EXECUTE FUNCTION recon_entry_refs_check();

-- A statement entry agrees with its statement, and a matched entry with its match, checked
-- once per INSERT or UPDATE statement over its new rows (ledger's refs_check.sql) instead of
-- by deferred foreign keys per row (a 100,000-entry file):
-- * its statement exists and has the entry's company, bank account and file (the entry's
--   copies of them);
-- * its match, where it has one, exists and is a match of the entry's bank account (nearly
--   every entry of a file has a match of its own: checked as they are, not looked up once each).
-- See docs/DATABASE.md.

CREATE OR REPLACE TRIGGER recon_entry_refs_ins AFTER INSERT ON reconciliation_statemententry
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION bankint_refs_check(
        'statement_id', 'reconciliation_statement', 'company_id, bank_account_id, file_id', 'distinct',
        'match_id', 'reconciliation_match', 'bank_account_id', 'all'
    );
CREATE OR REPLACE TRIGGER recon_entry_refs_upd AFTER UPDATE ON reconciliation_statemententry
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION bankint_refs_check(
        'statement_id', 'reconciliation_statement', 'company_id, bank_account_id, file_id', 'distinct',
        'match_id', 'reconciliation_match', 'bank_account_id', 'all'
    );

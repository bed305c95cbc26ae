-- A match's voucher (fee postings), where it has one, is a voucher of the match's company, and
-- its user, where it has one, exists; checked once per INSERT or UPDATE statement over its new
-- rows (ledger's refs_check.sql). See docs/DATABASE.md.

CREATE OR REPLACE TRIGGER recon_match_refs_ins AFTER INSERT ON reconciliation_match
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION bankint_refs_check(
        'voucher_id', 'ledger_voucher', 'company_id', 'distinct',
        'created_by_id', 'auth_user', '', 'distinct'
    );
CREATE OR REPLACE TRIGGER recon_match_refs_upd AFTER UPDATE ON reconciliation_match
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION bankint_refs_check(
        'voucher_id', 'ledger_voucher', 'company_id', 'distinct',
        'created_by_id', 'auth_user', '', 'distinct'
    );

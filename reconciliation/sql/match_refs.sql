-- A match's voucher (fee postings), where it has one, is a voucher of the match's company, and
-- its user, where it has one, exists; checked once per INSERT or UPDATE statement over its new
-- rows. See docs/DATABASE.md.

CREATE OR REPLACE FUNCTION recon_match_refs_check() RETURNS trigger AS $$
DECLARE
    bad bigint;
BEGIN
    EXECUTE 'SELECT n.voucher_id FROM (SELECT DISTINCT voucher_id, company_id FROM recon_match_rows
                                        WHERE voucher_id IS NOT NULL) AS n
              WHERE NOT EXISTS (SELECT 1 FROM ledger_voucher AS v
                                 WHERE v.id = n.voucher_id AND v.company_id = n.company_id)
              LIMIT 1' INTO bad;
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'match refers to voucher %, which is not a voucher of its company', bad
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    EXECUTE 'SELECT n.created_by_id FROM (SELECT DISTINCT created_by_id FROM recon_match_rows
                                           WHERE created_by_id IS NOT NULL) AS n
              WHERE NOT EXISTS (SELECT 1 FROM auth_user AS u WHERE u.id = n.created_by_id)
              LIMIT 1' INTO bad;
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'match refers to user %, who does not exist', bad
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE TRIGGER recon_match_refs_ins AFTER INSERT ON reconciliation_match
    REFERENCING NEW TABLE AS recon_match_rows FOR EACH STATEMENT EXECUTE FUNCTION recon_match_refs_check();
CREATE OR REPLACE TRIGGER recon_match_refs_upd AFTER UPDATE ON reconciliation_match
    REFERENCING NEW TABLE AS recon_match_rows FOR EACH STATEMENT EXECUTE FUNCTION recon_match_refs_check();

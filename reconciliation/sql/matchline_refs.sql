-- A matched ledger line's link names an existing match and an existing voucher line of the
-- match's company, checked once per INSERT or UPDATE statement over its new rows.
-- See docs/DATABASE.md.

CREATE OR REPLACE FUNCTION recon_matchline_refs_check() RETURNS trigger AS $$
DECLARE
    bad bigint;
BEGIN
    EXECUTE 'SELECT n.voucher_line_id FROM recon_matchline_rows AS n
              WHERE NOT EXISTS (SELECT 1 FROM reconciliation_match AS m
                                  JOIN ledger_voucherline AS l ON l.company_id = m.company_id
                                 WHERE m.id = n.match_id AND l.id = n.voucher_line_id)
              LIMIT 1' INTO bad;
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'matched ledger line %: the line or its match does not exist, or they are of different companies', bad
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE TRIGGER recon_matchline_refs_ins AFTER INSERT ON reconciliation_matchline
    REFERENCING NEW TABLE AS recon_matchline_rows FOR EACH STATEMENT EXECUTE FUNCTION recon_matchline_refs_check();
CREATE OR REPLACE TRIGGER recon_matchline_refs_upd AFTER UPDATE ON reconciliation_matchline
    REFERENCING NEW TABLE AS recon_matchline_rows FOR EACH STATEMENT EXECUTE FUNCTION recon_matchline_refs_check();

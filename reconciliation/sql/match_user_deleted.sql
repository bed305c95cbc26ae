-- Deleting a user clears created_by on their matches (ON DELETE SET NULL, as the ORM does),
-- for a delete past the ORM. See docs/DATABASE.md.

CREATE OR REPLACE FUNCTION recon_user_deleted() RETURNS trigger AS $$
BEGIN
    UPDATE reconciliation_match SET created_by_id = NULL WHERE created_by_id = OLD.id;
    RETURN OLD;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE TRIGGER recon_match_user_deleted BEFORE DELETE ON auth_user
    FOR EACH ROW EXECUTE FUNCTION recon_user_deleted();

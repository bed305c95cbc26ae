-- The audit trail is append-only: UPDATE and DELETE of an audit event are refused.
-- TRUNCATE (test teardown only) is left alone. See docs/DATABASE.md.

CREATE OR REPLACE FUNCTION bankint_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE TRIGGER companies_auditevent_append_only
    BEFORE UPDATE OR DELETE ON companies_auditevent
    FOR EACH ROW EXECUTE FUNCTION bankint_audit_append_only();

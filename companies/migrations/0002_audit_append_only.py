"""The audit trail is append-only in the database itself, not just in the admin.

PostgreSQL refuses UPDATE and DELETE on the table with a trigger (TRUNCATE, used only by
test teardown, is left alone). SQLite refuses UPDATE; DELETE stays possible there because
Django's test flush on SQLite deletes rows.
"""

from django.db import migrations

PG_CREATE = """
CREATE OR REPLACE FUNCTION bankint_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER companies_auditevent_append_only
    BEFORE UPDATE OR DELETE ON companies_auditevent
    FOR EACH ROW EXECUTE FUNCTION bankint_audit_append_only();
"""
PG_DROP = """
DROP TRIGGER IF EXISTS companies_auditevent_append_only ON companies_auditevent;
DROP FUNCTION IF EXISTS bankint_audit_append_only();
"""
SQLITE_CREATE = """
CREATE TRIGGER companies_auditevent_no_update BEFORE UPDATE ON companies_auditevent
BEGIN SELECT RAISE(ABORT, 'audit events are append-only (UPDATE refused)'); END;
"""
SQLITE_DROP = "DROP TRIGGER IF EXISTS companies_auditevent_no_update;"


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_CREATE, params=None)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_CREATE)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_DROP, params=None)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_DROP)


class Migration(migrations.Migration):
    dependencies = [("companies", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]

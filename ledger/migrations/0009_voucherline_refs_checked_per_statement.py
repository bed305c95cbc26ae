"""A voucher line's references are checked once per INSERT statement, not by five foreign keys.

Each line carried five deferred foreign keys (voucher, company, bank account, invoice, bill):
five checks per line at commit, queued even where the reference is empty. Reconciliation's
daily fee vouchers post 20,000 lines for a 100,000-entry statement, and those checks were
0.2 s of its commit. As 0004 did for settlements, one check per INSERT statement replaces
them: every line's voucher, and its bank account, invoice and bill where it has one, must
exist and belong to the line's company (more than the foreign keys said; the company's
existence follows, vouchers have a foreign key to it). The check runs as dynamic SQL so each
statement is planned for its own row count. Lines are never updated in what they refer to
(0002's guard), so INSERT is the only way in.

What the foreign keys also did, refuse deleting (or renumbering) a bank account, invoice or
bill that lines name, row triggers on those tables do (named to run after 0004's settlement
guard, whose message is the more specific one for a settled invoice). Vouchers are never deleted (0002),
and a company with lines has vouchers, whose foreign key keeps it.

SQLite keeps its foreign keys (the table is not rebuilt, which would drop its triggers) and
gets the same check on INSERT as a row trigger.
"""

import django.db.models.deletion
from django.db import migrations, models

# What a line names: its column, the table of what it names, and that thing in a message.
REFERENCES = (
    ("voucher_id", "ledger_voucher", "a voucher"),
    ("bank_account_id", "accounts_bankaccount", "a bank account"),
    ("invoice_id", "ledger_invoice", "an invoice"),
    ("bill_id", "ledger_bill", "a bill"),
)
COLUMNS = (*(column for column, _table, _what in REFERENCES), "company_id")

_CHECKS = "".join(
    f"""
    EXECUTE 'SELECT n.{column}
               FROM (SELECT DISTINCT {column}, company_id FROM ledger_line_rows
                      WHERE {column} IS NOT NULL) AS n
              WHERE NOT EXISTS (SELECT 1 FROM {table} AS r
                                 WHERE r.id = n.{column} AND r.company_id = n.company_id)
              LIMIT 1' INTO bad;
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'voucher line refers to {what.split(" ", 1)[1]} %, which is not {what} of its company', bad
            USING ERRCODE = 'foreign_key_violation';
    END IF;"""
    for column, table, what in REFERENCES
)
PG_CREATE = f"""
CREATE OR REPLACE FUNCTION ledger_line_refs_check() RETURNS trigger AS $$
DECLARE
    bad bigint;
BEGIN{_CHECKS}
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER ledger_voucherline_refs_ins
    AFTER INSERT ON ledger_voucherline
    REFERENCING NEW TABLE AS ledger_line_rows
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_line_refs_check();

-- TG_ARGV[0]: the line column that names the row (bank_account_id, invoice_id or bill_id).
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
"""
# What lines name and may be deleted: vouchers never are (0002).
GUARDED = tuple((table, column) for column, table, _what in REFERENCES if column != "voucher_id")
PG_GUARDS = "".join(
    f"""
CREATE TRIGGER {table}_voucher_lines_no_delete
    BEFORE DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION ledger_line_referenced_guard('{column}');
CREATE TRIGGER {table}_voucher_lines_no_move
    BEFORE UPDATE OF id, company_id ON {table}
    FOR EACH ROW WHEN (OLD.id <> NEW.id OR OLD.company_id <> NEW.company_id)
    EXECUTE FUNCTION ledger_line_referenced_guard('{column}');
"""
    for table, column in GUARDED
)
PG_DROP = (
    """
DROP TRIGGER IF EXISTS ledger_voucherline_refs_ins ON ledger_voucherline;
DROP FUNCTION IF EXISTS ledger_line_refs_check();
"""
    + "".join(
        f"""
DROP TRIGGER IF EXISTS {table}_voucher_lines_no_delete ON {table};
DROP TRIGGER IF EXISTS {table}_voucher_lines_no_move ON {table};
"""
        for table, _column in GUARDED
    )
    + "DROP FUNCTION IF EXISTS ledger_line_referenced_guard();\n"
)
# Where the foreign keys pointed, to put them back (as Django made them: deferred to commit).
TARGETS = {column: table for column, table, _what in REFERENCES} | {"company_id": "companies_company"}
SQLITE_CREATE = [
    """
CREATE TRIGGER ledger_voucherline_refs_ins BEFORE INSERT ON ledger_voucherline
WHEN NOT EXISTS (SELECT 1 FROM ledger_voucher WHERE id = NEW.voucher_id AND company_id = NEW.company_id)
  OR (NEW.bank_account_id IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM accounts_bankaccount WHERE id = NEW.bank_account_id AND company_id = NEW.company_id))
  OR (NEW.invoice_id IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM ledger_invoice WHERE id = NEW.invoice_id AND company_id = NEW.company_id))
  OR (NEW.bill_id IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM ledger_bill WHERE id = NEW.bill_id AND company_id = NEW.company_id))
BEGIN SELECT RAISE(ABORT, 'voucher line refers to a voucher, bank account, invoice or bill that is not its company''s'); END;
"""
]
SQLITE_DROP = ["DROP TRIGGER IF EXISTS ledger_voucherline_refs_ins;"]


def _line_foreign_keys(schema_editor) -> dict[str, str]:
    """The foreign-key constraints on the line's reference columns: column → constraint name."""
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "ledger_voucherline")
    return {
        info["columns"][0]: name
        for name, info in constraints.items()
        if info["foreign_key"] and len(info["columns"]) == 1 and info["columns"][0] in COLUMNS
    }


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for name in _line_foreign_keys(schema_editor).values():
            schema_editor.execute(
                f"ALTER TABLE ledger_voucherline DROP CONSTRAINT {schema_editor.quote_name(name)}"
            )
        schema_editor.execute(PG_CREATE + PG_GUARDS, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_CREATE:
            schema_editor.execute(statement)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_DROP, params=None)
        present = _line_foreign_keys(schema_editor)
        for column, target in TARGETS.items():
            if column not in present:
                name = schema_editor.quote_name(f"ledger_voucherline_{column}_fk_{target}_id")
                schema_editor.execute(
                    f"ALTER TABLE ledger_voucherline ADD CONSTRAINT {name} FOREIGN KEY ({column}) "
                    f"REFERENCES {target} (id) DEFERRABLE INITIALLY DEFERRED"
                )
    elif vendor == "sqlite":
        for statement in SQLITE_DROP:
            schema_editor.execute(statement)


def _field(to, related_name, **extra):
    return models.ForeignKey(
        db_constraint=False,
        on_delete=django.db.models.deletion.PROTECT,
        related_name=related_name,
        to=to,
        **extra,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("companies", "0002_audit_append_only"),
        ("ledger", "0008_balance_check_once_per_voucher"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # The constraints go by RunPython: AlterField would rebuild the table on SQLite,
            # which drops the triggers 0002 and 0007 put on it.
            state_operations=[
                migrations.AlterField("voucherline", "voucher", _field("ledger.voucher", "lines")),
                migrations.AlterField(
                    "voucherline", "company", _field("companies.company", "+", db_index=False)
                ),
                migrations.AlterField(
                    "voucherline",
                    "bank_account",
                    _field("accounts.bankaccount", "+", null=True, blank=True, db_index=False),
                ),
                migrations.AlterField(
                    "voucherline",
                    "invoice",
                    _field("ledger.invoice", "voucher_lines", null=True, blank=True, db_index=False),
                ),
                migrations.AlterField(
                    "voucherline",
                    "bill",
                    _field("ledger.bill", "voucher_lines", null=True, blank=True, db_index=False),
                ),
            ],
            database_operations=[migrations.RunPython(forwards, backwards)],
        ),
    ]

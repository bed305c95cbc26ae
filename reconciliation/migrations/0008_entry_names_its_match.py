"""An entry names its match (``StatementEntry.match``): the entry links' table goes.

An import that matches 100,000 new entries wrote them, then 100,000 link rows with two index
entries each and a statement-level check joining each link to its match and its entry. The
entry now carries its match in its own row, written with its status by the same INSERT: one
index entry per matched entry, and the check of 0004 on the entry's statement also checks its
match (exists, and is a match of the entry's bank account). The guards of 0004 follow: a
match that entries name, or a matched entry, cannot be deleted or re-keyed.

The existing links are copied into the entries first. SQLite's row triggers of 0004 are
dropped around the change and come back with the entry's match checked on insert and update.
"""

import importlib

import django.db.models.deletion
from django.db import migrations, models

_CHECKS = importlib.import_module("reconciliation.migrations.0004_links_checked_per_statement")
_sqlite = importlib.import_module("reconciliation.migrations.0005_entry_unmatched_reason")._sqlite


def _block(sql: str, start: str, end: str) -> str:
    """The part of 0004's SQL from ``start`` up to and including the first ``end`` after it."""
    i = sql.index(start)
    return sql[i : sql.index(end, i) + len(end)]


_OLD_ENTRY_CHECK = _block(_CHECKS.PG_CREATE, "CREATE OR REPLACE FUNCTION recon_entry_refs_check()", "$$ LANGUAGE plpgsql;")
_OLD_GUARD = _block(_CHECKS.PG_CREATE, "CREATE OR REPLACE FUNCTION recon_referenced_guard()", "$$ LANGUAGE plpgsql;")
_OLD_LINK_CHECK = _block(
    _CHECKS.PG_CREATE,
    "CREATE OR REPLACE FUNCTION recon_matchentry_refs_check()",
    "FOR EACH STATEMENT EXECUTE FUNCTION recon_matchentry_refs_check();\nCREATE TRIGGER recon_matchentry_refs_upd"
    " AFTER UPDATE ON reconciliation_matchentry\n"
    "    REFERENCING NEW TABLE AS recon_matchentry_rows FOR EACH STATEMENT EXECUTE FUNCTION recon_matchentry_refs_check();",
)


def _changed(sql: str, old: str, new: str) -> str:
    """``sql`` with ``old`` (which it holds exactly once) replaced by ``new``."""
    assert sql.count(old) == 1, old
    return sql.replace(old, new)


# 0004's statement check, followed by the check of the entry's match.
_ENTRY_CHECK = _changed(
    _OLD_ENTRY_CHECK,
    "    RETURN NULL;\nEND;",
    """    EXECUTE 'SELECT n.id FROM recon_entry_rows AS n
              WHERE n.match_id IS NOT NULL
                AND NOT EXISTS (SELECT 1 FROM reconciliation_match AS m
                                 WHERE m.id = n.match_id AND m.bank_account_id = n.bank_account_id)
              LIMIT 1' INTO bad;
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'matched entry %: its match does not exist or is a match of another bank account', bad
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END;""",
)
# 0004's guard, with the entry's own column where the link table was.
_GUARD = _changed(
    _changed(
        _OLD_GUARD,
        "found := EXISTS (SELECT 1 FROM reconciliation_matchentry WHERE entry_id = OLD.id);",
        "found := OLD.match_id IS NOT NULL;",
    ),
    "found := EXISTS (SELECT 1 FROM reconciliation_matchentry WHERE match_id = OLD.id)",
    "found := EXISTS (SELECT 1 FROM reconciliation_statemententry WHERE match_id = OLD.id)",
)
PG_CHECKS = _ENTRY_CHECK + "\n" + _GUARD
PG_OLD_CHECKS = _OLD_ENTRY_CHECK + "\n" + _OLD_GUARD

PG_DROP_LINK_CHECK = """
DROP TRIGGER IF EXISTS recon_matchentry_refs_ins ON reconciliation_matchentry;
DROP TRIGGER IF EXISTS recon_matchentry_refs_upd ON reconciliation_matchentry;
DROP FUNCTION IF EXISTS recon_matchentry_refs_check();
"""

COPY_LINKS = """
UPDATE reconciliation_statemententry SET match_id = (
    SELECT l.match_id FROM reconciliation_matchentry AS l WHERE l.entry_id = reconciliation_statemententry.id
) WHERE id IN (SELECT entry_id FROM reconciliation_matchentry)
"""
COPY_LINKS_BACK = """
INSERT INTO reconciliation_matchentry (entry_id, match_id)
SELECT id, match_id FROM reconciliation_statemententry WHERE match_id IS NOT NULL
"""

_ENTRY_MATCH_OK = (
    "NEW.match_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM reconciliation_match "
    "WHERE id = NEW.match_id AND bank_account_id = NEW.bank_account_id) "
    "BEGIN SELECT RAISE(ABORT, 'matched entry: its match does not exist or is of another bank account'); END;"
)
SQLITE_CREATE = [
    _CHECKS.SQLITE_CREATE[0],  # the entry's statement
    _CHECKS.SQLITE_CREATE[2],  # the ledger line's match
    "CREATE TRIGGER recon_entry_match_ins BEFORE INSERT ON reconciliation_statemententry WHEN " + _ENTRY_MATCH_OK,
    "CREATE TRIGGER recon_entry_match_upd BEFORE UPDATE OF match_id, bank_account_id "
    "ON reconciliation_statemententry WHEN " + _ENTRY_MATCH_OK,
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS recon_entry_refs_ins;",
    "DROP TRIGGER IF EXISTS recon_matchline_refs_ins;",
    "DROP TRIGGER IF EXISTS recon_entry_match_ins;",
    "DROP TRIGGER IF EXISTS recon_entry_match_upd;",
]


def _pg(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)

    return run


def _sql(sql):
    def run(apps, schema_editor):
        schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):

    dependencies = [
        ('reconciliation', '0007_entry_unmatched_partial_index'),
    ]

    operations = [
        migrations.RunPython(_sqlite(_CHECKS.SQLITE_DROP), _sqlite(_CHECKS.SQLITE_CREATE)),
        migrations.AddField(
            model_name='statemententry',
            name='match',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='entries', to='reconciliation.match', verbose_name='match'),
        ),
        migrations.RunPython(_pg(PG_CHECKS), _pg(PG_OLD_CHECKS)),
        migrations.RunPython(_sql(COPY_LINKS), _sql(COPY_LINKS_BACK)),
        migrations.RunPython(_pg(PG_DROP_LINK_CHECK), _pg(_OLD_LINK_CHECK)),
        migrations.DeleteModel(
            name='MatchEntry',
        ),
        migrations.RunPython(_sqlite(SQLITE_CREATE), _sqlite(SQLITE_DROP)),
    ]

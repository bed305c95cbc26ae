"""docs/DATABASE.md tells the truth about the database's rules, and the rules live in one place.

Every trigger in the database is in the document's trigger tables (by name and table) and
every trigger there exists; the same for the functions. Each function is defined once, in
the SQL file the document names, each trigger in the file whose section lists it, and every
SQL file is read by a migration of its app. Every test the document names exists. The
migrations know one engine and read no other migration.
"""

import re
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "DATABASE.md"
SQL_FILES = sorted(p for p in ROOT.glob("*/sql/*.sql") if p.parts[-3] not in {".venv", "var"})
MIGRATIONS = sorted(p for p in ROOT.glob("*/migrations/*.py") if p.parts[-3] not in {".venv", "var"})
# A table row whose first two cells are code: | `name` | `table or file` | ...
ROW = re.compile(r"^\|\s*`([^`]+)`\s*\|\s*`([^`]+)`\s*\|")
FILE_HEADING = re.compile(r"^### `([^`]+\.sql)`")
TEST_REF = re.compile(r"`(tests/[\w/]+\.py)::(test_\w+)`")
CREATES_FUNCTION = re.compile(r"^CREATE (?:OR REPLACE )?FUNCTION (\w+)\(", re.MULTILINE)
CREATES_TRIGGER = re.compile(r"^CREATE (?:OR REPLACE )?(?:CONSTRAINT )?TRIGGER (\w+)", re.MULTILINE)


def _section(title: str) -> list[str]:
    text = DOC.read_text(encoding="utf-8")
    start = text.index(f"\n## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else None].splitlines()


def _documented_triggers() -> dict[tuple[str, str], str]:
    """(trigger, table) → the SQL file whose section lists it."""
    triggers: dict[tuple[str, str], str] = {}
    file = None
    for line in _section("Triggers"):
        if heading := FILE_HEADING.match(line):
            file = heading[1]
        elif row := ROW.match(line):
            assert file, f"{row[1]} is listed before any file heading"
            assert (row[1], row[2]) not in triggers, f"{row[1]} is listed twice"
            triggers[row[1], row[2]] = file
    return triggers


def _documented_functions() -> dict[str, str]:
    """function → the SQL file the document says defines it."""
    functions: dict[str, str] = {}
    for line in _section("Functions"):
        if row := ROW.match(line):
            assert row[1] not in functions, f"{row[1]} is listed twice"
            functions[row[1]] = row[2]
    return functions


def _defined_in_files(pattern: re.Pattern) -> dict[str, list[str]]:
    """name → the SQL files (relative paths) that create it."""
    found: dict[str, list[str]] = {}
    for path in SQL_FILES:
        for name in pattern.findall(path.read_text(encoding="utf-8")):
            found.setdefault(name, []).append(path.relative_to(ROOT).as_posix())
    return found


@pytest.mark.django_db
def test_every_trigger_in_the_database_is_documented_and_every_documented_one_exists():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT t.tgname, c.relname FROM pg_trigger AS t JOIN pg_class AS c ON c.oid = t.tgrelid"
            " WHERE NOT t.tgisinternal"
        )
        in_database = set(cursor.fetchall())
    documented = set(_documented_triggers())
    assert in_database, "no trigger at all: were the migrations run?"
    assert sorted(in_database - documented) == [], "triggers missing from docs/DATABASE.md"
    assert sorted(documented - in_database) == [], "documented triggers the database does not have"


@pytest.mark.django_db
def test_every_function_in_the_database_is_documented_and_every_documented_one_exists():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p.proname FROM pg_proc AS p JOIN pg_namespace AS n ON n.oid = p.pronamespace"
            " WHERE n.nspname = 'public'"
        )
        in_database = {name for (name,) in cursor.fetchall()}
    documented = set(_documented_functions())
    assert sorted(in_database - documented) == [], "functions missing from docs/DATABASE.md"
    assert sorted(documented - in_database) == [], "documented functions the database does not have"


def test_each_function_is_defined_once_in_the_file_the_document_names():
    defined = _defined_in_files(CREATES_FUNCTION)
    assert {name: [file] for name, file in _documented_functions().items()} == defined


def test_each_trigger_is_created_once_in_the_file_whose_section_lists_it():
    created = _defined_in_files(CREATES_TRIGGER)
    assert {name: [file] for (name, _table), file in _documented_triggers().items()} == created


def test_every_sql_file_is_read_by_a_migration_of_its_app():
    assert SQL_FILES
    for path in SQL_FILES:
        app, name = path.parts[-3], path.stem
        call = f'read_sql("{app}", "{name}")'
        readers = [m for m in MIGRATIONS if m.parts[-3] == app and call in m.read_text(encoding="utf-8")]
        assert readers, f"no migration of {app} runs {call}"


def test_every_test_the_document_names_exists():
    references = TEST_REF.findall(DOC.read_text(encoding="utf-8"))
    assert references
    for file, test in set(references):
        path = ROOT / file
        assert path.is_file(), file
        assert re.search(rf"^\s*def {test}\(", path.read_text(encoding="utf-8"), re.MULTILINE), (
            f"{file}::{test} does not exist"
        )


def test_the_migrations_know_one_engine_and_read_no_other_migration():
    for path in MIGRATIONS:
        text = path.read_text(encoding="utf-8")
        # Another engine's name or a branch on the engine; loading another migration's code.
        found = re.search(r"sq[l]ite|connection\.vendo[r]|importlib|import_module", text, re.IGNORECASE)
        assert found is None, f"{path.relative_to(ROOT)} mentions {found and found.group()}"

"""The SQL of the database's rules (triggers and their functions): ``<app>/sql/<name>.sql``.

Migrations read a rule's file with :func:`read_sql`, never another migration's text, and
docs/DATABASE.md says what each rule enforces. Each file can be run again (CREATE OR REPLACE):
to change a rule, edit its file and add a migration that runs it again.
"""

from importlib.resources import files


def read_sql(app: str, name: str) -> str:
    """The text of ``<app>/sql/<name>.sql`` (``app`` is the app's package, e.g. ``"ledger"``)."""
    return (files(app) / "sql" / f"{name}.sql").read_text(encoding="utf-8")

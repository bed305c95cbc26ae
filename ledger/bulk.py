"""COPY inserts for imports of 100,000 rows (the services that book them are ``ledger.services``).

COPY streams rows in one statement (no per-row parameters, no 65,535-parameter limit), which
is what lets an OCR file of 100,000 payments be stored faster than netsgiro parses it.
Rows are tuples in the order of ``fields`` (model field names; a ``ForeignKey`` by its
``<name>_id`` attribute), or, where the caller has the values as text already, ready-made
lines of COPY's text format (:func:`copy_lines`). No ids come back: callers that need them
use ``bulk_create``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TypeVar

from django.db import connection

T = TypeVar("T")


def insert_rows(model, fields: Sequence[str], rows: Iterable[tuple]) -> int:
    """Insert ``rows`` into ``model``'s table with one COPY; the number of rows."""
    columns = [model._meta.get_field(name).column for name in fields]
    table = connection.ops.quote_name(model._meta.db_table)
    cols = ", ".join(connection.ops.quote_name(c) for c in columns)
    count = 0
    # Errors from the raw cursor become Django's (IntegrityError for a duplicate row);
    # Django's cursor passes ``copy`` to psycopg 3 (and logs the COPY as one query).
    with (
        connection.wrap_database_errors,
        connection.cursor() as cursor,
        cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy,
    ):
        write = copy.write_row
        for row in rows:
            write(row)
            count += 1
    return count


# COPY's text format: what a text value must escape. Values without any of these (KIDs,
# account numbers, most notes) are written as they are.
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_text(value: str) -> str:
    """``value`` as a field of COPY's text format."""
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        return value.translate(_COPY_ESCAPES)
    return value


def copy_lines(model, fields: Sequence[str], chunks: Iterable[str]) -> None:
    """COPY ``chunks`` of ready-made text-format lines into ``model``'s table.

    For the 100,000-row paths whose callers hold the values as text already (the OCR file's
    own digits, ISO dates): one f-string per row costs less than adapting each value. Fields
    go through :func:`copy_text` unless they are digits or numbers; NULL is ``\\N``.
    """
    columns = [model._meta.get_field(name).column for name in fields]
    table = connection.ops.quote_name(model._meta.db_table)
    cols = ", ".join(connection.ops.quote_name(c) for c in columns)
    with (
        connection.wrap_database_errors,
        connection.cursor() as cursor,
        cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy,
    ):
        for chunk in chunks:
            copy.write(chunk)

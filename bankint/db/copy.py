"""COPY … FROM STDIN: rows as tuples (text or binary format) or as ready-made text lines."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import islice

from django.db import connection

from ._names import table_and_columns


def copy_rows(
    target, columns: Sequence[str], rows: Iterable[tuple], *, types: Sequence[str] | None = None
) -> int:
    """COPY ``rows`` (tuples in the order of ``columns``) into ``target``; the number of rows.

    ``target`` is a model or a table's name (see :func:`table_and_columns`). With ``types``
    (PostgreSQL type names, one per column) the rows go in the binary format: the values
    travel as they are instead of as text the server parses again, a third less time for
    100,000 rows of ids, numbers and timestamps. Without, psycopg adapts each value to text.
    No ids come back: callers that need them take them first (:func:`next_ids`).
    """
    table, names = table_and_columns(target, columns)
    binary = " (FORMAT BINARY)" if types is not None else ""
    count = 0
    # Django's cursor hands ``copy`` to psycopg 3 and logs the COPY as one query; errors from
    # psycopg become Django's.
    with (
        connection.wrap_database_errors,
        connection.cursor() as cursor,
        cursor.copy(f"COPY {table} ({names}) FROM STDIN{binary}") as copy,
    ):
        if types is not None:
            copy.set_types(list(types))
        write = copy.write_row
        for row in rows:
            write(row)
            count += 1
    return count


def copy_lines(target, columns: Sequence[str], chunks: Iterable[str]) -> None:
    """COPY ``chunks`` of ready-made lines of COPY's text format into ``target``.

    For the 100,000-row paths whose callers hold the values as text already (an OCR file's
    own digits, ISO dates): one f-string per row costs less than adapting each value. Text
    fields go through :func:`copy_text` unless they are digits or numbers; NULL is ``\\N``;
    each line ends with ``\\n``. :func:`joined` makes chunks of lines.
    """
    table, names = table_and_columns(target, columns)
    with (
        connection.wrap_database_errors,
        connection.cursor() as cursor,
        cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy,
    ):
        for chunk in chunks:
            copy.write(chunk)


# COPY's text format: what a text value must escape. Values without any of these (KIDs,
# account numbers, most notes) are written as they are.
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_text(value: str) -> str:
    """``value`` as a field of COPY's text format."""
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        return value.translate(_COPY_ESCAPES)
    return value


def joined(lines: Iterable[str], size: int = 10_000):
    """``lines`` joined ``size`` at a time: the chunks :func:`copy_lines` writes (one write
    per 10,000 lines, not one per line, and never all 100,000 lines in one string)."""
    lines = iter(lines)
    while batch := list(islice(lines, size)):
        yield "".join(batch)


def array_literal(values: Iterable) -> str:
    """A PostgreSQL array literal of values that need no quoting (ints, Decimals, digit
    strings): one parameter for ``unnest(%s::bigint[])`` where adapting 100,000 values one by
    one would cost more than the statement."""
    return "{" + ",".join(map(str, values)) + "}"

"""A file's raw bytes into a bytea column, past the client-side binding of Django's cursor.

Django's psycopg cursor binds parameters client-side, which spells a bytea out as hex inside
the SQL text (and, when queries are logged, once more as a str), and libpq keeps its output
buffer at the size of the largest message it sent: a 70 MB parameter costs several times that
in memory for the rest of the connection's life. :func:`store_bytes` sends bytes that are in
memory as one binary parameter; :func:`stream_bytes` streams a file of any size in pieces.
"""

from __future__ import annotations

import struct
import time
from collections.abc import Iterable
from contextlib import contextmanager

import psycopg
from django.db import connection

_STAGE = "bankint_bytes_stage"
# PGCOPY signature, flags and header extension length; then per tuple its field count; the
# trailer is a field count of -1 (PostgreSQL's binary COPY format).
_HEADER = b"PGCOPY\n\xff\r\n\x00" + struct.pack("!ii", 0, 0)
_TRAILER = struct.pack("!h", -1)


class SizeChanged(Exception):
    """The pieces added up to another size than announced: the file changed while it was read."""


def store_bytes(table: str, column: str, pk: int, data: bytes) -> None:
    """``UPDATE table SET column = data WHERE id = pk``, the bytes sent as one binary parameter
    by a server-binding cursor (a few MB of compressed file in memory once, not as hex)."""
    quote = connection.ops.quote_name
    sql = f"UPDATE {quote(table)} SET {quote(column)} = %b WHERE id = %s"  # noqa: S608
    connection.ensure_connection()
    with connection.wrap_database_errors, _logged(sql), psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(sql, [data, pk])


def stream_bytes(table: str, column: str, pk: int, chunks: Iterable[bytes], size: int) -> None:
    """Store ``size`` bytes arriving as ``chunks`` in ``table.column`` of row ``pk``.

    One binary COPY of one row of one field, written piece by piece (the client's share stays
    at a piece's size), into a temporary table where the bytes sit uncompressed; one UPDATE
    then moves them into the row, compressing them once. Appending piece by piece to the row
    would rewrite and recompress the growing value per piece: quadratic, seconds for 67 MB.
    Raises :class:`SizeChanged`, storing nothing, when the pieces are not ``size`` bytes.
    """
    quote = connection.ops.quote_name
    connection.ensure_connection()
    with connection.wrap_database_errors, connection.connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMP TABLE IF NOT EXISTS {_STAGE} (data bytea) ON COMMIT DROP")
        cursor.execute(f"ALTER TABLE {_STAGE} ALTER COLUMN data SET STORAGE EXTERNAL")
        cursor.execute(f"TRUNCATE {_STAGE}")
        written = 0
        with cursor.copy(f"COPY {_STAGE} (data) FROM STDIN (FORMAT binary)") as copy:
            copy.write(_HEADER + struct.pack("!hi", 1, size))  # one field of ``size`` bytes
            for chunk in chunks:
                copy.write(chunk)
                written += len(chunk)
            if written != size:  # leaving the block ends the COPY with this error: nothing stored
                raise SizeChanged(f"{written} bytes read where {size} were announced")
            copy.write(_TRAILER)
        cursor.execute(
            f"UPDATE {quote(table)} SET {quote(column)} = (SELECT data FROM {_STAGE}) WHERE id = %s",  # noqa: S608
            [pk],
        )
        cursor.execute(f"TRUNCATE {_STAGE}")


@contextmanager
def _logged(sql: str):
    """Count a statement run past Django's cursor among the connection's queries, as Django would."""
    began = time.monotonic()
    try:
        yield
    finally:
        if connection.queries_logged:
            connection.queries_log.append({"sql": sql, "time": f"{time.monotonic() - began:.3f}"})

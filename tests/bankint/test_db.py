"""bankint.db on the real PostgreSQL: COPY in both formats, ready-made COPY text, ids from a
sequence, array literals, and raw bytes stored whole or streamed."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from bankint.db import (
    SizeChanged,
    array_literal,
    copy_lines,
    copy_rows,
    copy_text,
    id_sequence,
    joined,
    next_ids,
    store_bytes,
    stream_bytes,
)
from bankint.db._names import table_and_columns

pytestmark = pytest.mark.django_db

TABLE = "test_db_rows"


@pytest.fixture
def table():
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMP TABLE {TABLE} (id bigserial PRIMARY KEY, name text, amount numeric(14,2), "
            "day date, at timestamptz, data bytea, UNIQUE (name))"
        )
    return TABLE


def _rows(sql: str) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall()


def test_copy_rows_text_format(table):
    rows = [(1, "a\tb\\c\nd", Decimal("1.50"), datetime.date(2026, 1, 2)), (2, None, Decimal("-3.00"), None)]
    assert copy_rows(table, ["id", "name", "amount", "day"], iter(rows)) == 2
    assert _rows(f"SELECT id, name, amount, day FROM {table} ORDER BY id") == rows


def test_copy_rows_binary_format(table):
    at = datetime.datetime(2026, 3, 4, 5, 6, 7, tzinfo=datetime.UTC)
    rows = [(7, "x", Decimal("12345.67"), at), (8, "y", Decimal("0.00"), at)]
    count = copy_rows(
        table, ["id", "name", "amount", "at"], rows, types=["int8", "text", "numeric", "timestamptz"]
    )
    assert count == 2
    assert _rows(f"SELECT id, name, amount, at FROM {table} ORDER BY id") == rows


def test_copy_rows_duplicate_is_djangos_integrity_error(table):
    copy_rows(table, ["id", "name"], [(1, "same")])
    with pytest.raises(IntegrityError), transaction.atomic():
        copy_rows(table, ["id", "name"], [(2, "same")])
    assert _rows(f"SELECT count(*) FROM {table}") == [(1,)]


def test_copy_lines_and_copy_text_round_trip(table):
    names = ["plain", "tab\there", "new\nline", "back\\slash", "cr\rhere"]
    lines = (f"{i}\t{copy_text(name)}\n" for i, name in enumerate(names, start=1))
    copy_lines(table, ["id", "name"], joined(lines, size=2))
    assert [name for (name,) in _rows(f"SELECT name FROM {table} ORDER BY id")] == names
    assert copy_text("plain") == "plain"


def test_joined_chunks():
    assert list(joined(["a\n", "b\n", "c\n"], size=2)) == ["a\nb\n", "c\n"]
    assert list(joined([])) == []


def test_table_and_columns_from_a_model():
    from companies.models import Membership

    table, names = table_and_columns(Membership, ["company", "user"])
    assert table == connection.ops.quote_name(Membership._meta.db_table)
    assert names == '"company_id", "user_id"'


def test_array_literal_with_unnest():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT sum(v) FROM unnest(%s::numeric[]) AS v", [array_literal([Decimal("1.10"), 2, -3])]
        )
        assert cursor.fetchone()[0] == Decimal("0.10")
    assert array_literal([]) == "{}"


def test_next_ids_from_the_sequence(table):
    sequence = id_sequence(table)
    assert sequence.endswith("test_db_rows_id_seq")
    first = next_ids(sequence, 3)
    second = next_ids(sequence, 2)
    assert len(set(first + second)) == 5
    assert max(first) < min(second)
    assert next_ids(sequence, 0) == []
    # rows written with those ids, later rows from the same sequence do not collide
    copy_rows(table, ["id", "name"], [(i, f"n{i}") for i in first])
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} (name) VALUES ('later') RETURNING id")
        assert cursor.fetchone()[0] > max(second)


def test_store_bytes_whole(table):
    copy_rows(table, ["id"], [(1,)])
    data = bytes(range(256)) * 1000
    with CaptureQueriesContext(connection) as queries:
        store_bytes(table, "data", 1, data)
    assert bytes(_rows(f"SELECT data FROM {table}")[0][0]) == data
    # counted among the connection's queries, without the bytes in the SQL text
    assert len(queries) == 1 and "%b" in queries[0]["sql"]


def test_stream_bytes_in_pieces(table):
    copy_rows(table, ["id"], [(1,), (2,)])
    data = bytes(range(256)) * 4099
    pieces = [data[i : i + 65536] for i in range(0, len(data), 65536)]
    stream_bytes(table, "data", 2, iter(pieces), len(data))
    assert _rows(f"SELECT id, data IS NULL FROM {table} ORDER BY id") == [(1, True), (2, False)]
    assert bytes(_rows(f"SELECT data FROM {table} WHERE id = 2")[0][0]) == data
    stream_bytes(table, "data", 1, [b""], 0)  # an empty file is stored as empty, not NULL
    assert bytes(_rows(f"SELECT data FROM {table} WHERE id = 1")[0][0]) == b""


def test_stream_bytes_refuses_a_file_that_changed(table):
    copy_rows(table, ["id"], [(1,)])
    with pytest.raises(SizeChanged), transaction.atomic():
        stream_bytes(table, "data", 1, [b"abc", b"def"], 5)
    assert _rows(f"SELECT data FROM {table}") == [(None,)]
    stream_bytes(table, "data", 1, [b"abc"], 3)  # the connection goes on as before
    assert bytes(_rows(f"SELECT data FROM {table}")[0][0]) == b"abc"

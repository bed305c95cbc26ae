"""Table and column names for the SQL the fast paths build: from a model's metadata, quoted."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection


def table_and_columns(target, columns: Sequence[str]) -> tuple[str, str]:
    """``target`` is a model (``columns`` are its field names, a foreign key by its name) or a
    table's name (``columns`` are column names). Both come back quoted; names come from code,
    never from input."""
    quote = connection.ops.quote_name
    if isinstance(target, str):
        table, names = target, list(columns)
    else:
        table = target._meta.db_table
        names = [target._meta.get_field(name).column for name in columns]
    return quote(table), ", ".join(quote(name) for name in names)

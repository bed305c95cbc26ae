"""PostgreSQL's fast paths, in one place: COPY, raw bytes, ids from a sequence, array literals.

The imports of 100,000 rows (OCR payments, camt.053 entries and their matches, invoice
settlements) write through these instead of the ORM: one COPY stream instead of a statement
or a parameter per row, bytes sent as they are instead of as hex inside the SQL text, ids
taken from the sequence in one query so rows can name each other before they are written.
Everything runs on Django's connection and inside its transaction; errors come out as
Django's (``IntegrityError`` for a duplicate row). Tested on its own in tests/bankint/test_db.py.
"""

from .copy import array_literal, copy_lines, copy_rows, copy_text, joined
from .ids import id_sequence, next_ids
from .raw import SizeChanged, store_bytes, stream_bytes

__all__ = [
    "SizeChanged",
    "array_literal",
    "copy_lines",
    "copy_rows",
    "copy_text",
    "id_sequence",
    "joined",
    "next_ids",
    "store_bytes",
    "stream_bytes",
]

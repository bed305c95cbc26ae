"""An OCR file read and checked whole before anything is written, kept compactly for the import."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from itertools import zip_longest
from typing import NamedTuple

from bankint.errors import localized, reason_of

from ..models import OcrFile
from ..parsing import (
    OcrAssignmentEnd,
    OcrAssignmentStart,
    OcrParseError,
    OcrTransmissionEnd,
    OcrTransmissionStart,
    iter_records,
)


class Tx(NamedTuple):
    """What the import keeps of a parsed transaction: a tuple, ~40% of the parser's object
    with the fields nobody stores, which matters at 100,000 payments (peak memory)."""

    type: int
    number: int
    nets_date: date
    amount: Decimal
    kid: str | None
    payer_account: str | None
    text: str | None
    bank_date: date | None
    archive_reference: str | None
    form_number: str


@dataclass
class Assignment:
    head: OcrAssignmentStart
    transactions: list[Tx] = field(default_factory=list)
    end: OcrAssignmentEnd | None = None


@dataclass
class Parsed:
    start: OcrTransmissionStart
    assignments: list[Assignment]
    end: OcrTransmissionEnd


def parse(data: bytes) -> Parsed:
    """The whole file, checked (88/89 totals, sequence, digits) before anything is written."""
    start = end = None
    assignments: list[Assignment] = []
    current: Assignment | None = None
    append = None
    new = tuple.__new__
    for r in iter_records(data, tuples=True):
        if r.__class__ is tuple:
            # type, number, nets_date, amount, kid, payer_account, text, bank_date,
            # archive_reference, form_number (OcrTransaction's field order)
            append(new(Tx, (r[0], r[1], r[2], r[8], r[9], r[13], r[14], r[12], r[11], r[10])))  # type: ignore[misc]
        elif isinstance(r, OcrAssignmentStart):
            current = Assignment(r)
            append = current.transactions.append
            assignments.append(current)
        elif isinstance(r, OcrAssignmentEnd):
            current.end = r  # type: ignore[union-attr]
        elif isinstance(r, OcrTransmissionStart):
            start = r
        elif isinstance(r, OcrTransmissionEnd):
            end = r
    return Parsed(start, assignments, end)  # type: ignore[arg-type]


def same_content(earlier: OcrFile, data: bytes) -> bool:
    """Whether two files say the same thing record by record (other line endings, stripped
    trailing blanks, blank instead of zero fillers: a re-send, not a new transmission)."""
    try:
        return all(
            a == b
            for a, b in zip_longest(iter_records(earlier.data, tuples=True), iter_records(data, tuples=True))
        )
    except OcrParseError:  # the earlier file no longer reads (a stricter parser): not the same
        return False


def parse_error_reason(exc: OcrParseError) -> str:
    """A refusal of ``ocr.parsing`` in the active language (a note's own refusal first)."""
    if not any(isinstance(v, OcrParseError) for v in exc.params.values()):
        return reason_of(exc)
    return localized(
        exc.template,
        {k: parse_error_reason(v) if isinstance(v, OcrParseError) else v for k, v in exc.params.items()},
    )

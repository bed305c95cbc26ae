"""Streaming parser for Nets OCR giro files (incoming KID payments), with control totals.

Why this exists next to netsgiro: netsgiro is the reference reading of the format (our tests
require field-by-field agreement with it), but it cannot guard real money on its own. It does
not check the counts and amounts in the end records 88/89 against the transactions (a
tampered amount or a dropped transaction pair parses fine), it rejects files whose trailing
blanks were stripped (real files have them), it raises bare ``AssertionError``/``KeyError``
on truncated or odd input, and it is slow: the OCR import of 100,000 invoices has to finish
in less time than netsgiro needs merely to parse the file. So this package:

* reads a file line by line (bounded memory: one 256 kB chunk at a time, even of a newline-free blob),
  ISO-8859-1, CRLF or LF, padding lines whose trailing blanks were stripped (:mod:`.lines`);
* checks every fixed position with slicing and ``str.isdecimal`` (no regex per field): the
  layout of each record in :mod:`.layouts`, the checks of single fields in :mod:`.fields`;
* checks the record sequence (10, then per assignment 20, 30/31(/32)…, 88, and 89 last) and
  transaction numbers (:mod:`.machine`), the assignment account's MOD11 check digit, and the
  counts and totals in every 88 and in the 89 (:mod:`.totals`);
* reports every problem as one :class:`OcrParseError` naming the line and the field
  (:mod:`.errors`).

Policy is left to the importer: whether the data recipient is our kundeenhetsid, whether an
assignment account is registered, and what a KID means (``ocr`` importer and ``ledger``).

A credit note's ``amount`` is negative. The transaction types 18 and 20 (reversals) keep
the amount as written: what a reversal undoes is the ledger's call.

The names below are the package's interface; its modules are not imported from elsewhere.
This package imports no Django (an import-linter contract in ``pyproject.toml`` says so).
"""

from __future__ import annotations

from .errors import OcrParseError
from .fields import LINE_LENGTH
from .machine import iter_records, parse_ocr
from .records import (
    OcrAssignment,
    OcrAssignmentEnd,
    OcrAssignmentStart,
    OcrRecord,
    OcrTransaction,
    OcrTransmission,
    OcrTransmissionEnd,
    OcrTransmissionStart,
)

__all__ = [
    "LINE_LENGTH",
    "OcrAssignment",
    "OcrAssignmentEnd",
    "OcrAssignmentStart",
    "OcrParseError",
    "OcrRecord",
    "OcrTransaction",
    "OcrTransmission",
    "OcrTransmissionEnd",
    "OcrTransmissionStart",
    "iter_records",
    "parse_ocr",
]

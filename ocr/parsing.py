"""Streaming parser for Nets OCR giro files (incoming KID payments), with control totals.

Why this exists next to netsgiro: netsgiro is the reference reading of the format (our tests
require field-by-field agreement with it), but it cannot guard real money on its own. It does
not check the counts and amounts in the end records 88/89 against the transactions (a
tampered amount or a dropped transaction pair parses fine), it rejects files whose trailing
blanks were stripped (real files have them), it raises bare ``AssertionError``/``KeyError``
on truncated or odd input, and it is slow: the OCR import of 100,000 invoices has to finish
in less time than netsgiro needs merely to parse the file. So this module:

* reads a file line by line (bounded memory: one 256 kB chunk at a time, even of a newline-free blob),
  ISO-8859-1, CRLF or LF, padding lines whose trailing blanks were stripped;
* checks every fixed position with slicing and ``str.isdecimal`` (no regex per field);
* checks the record sequence (10, then per assignment 20, 30/31(/32)…, 88, and 89 last),
  transaction numbers, the assignment account's MOD11 check digit, and the counts and
  totals in every 88 and in the 89;
* reports every problem as one :class:`OcrParseError` naming the line and the field.

Policy is left to the importer: whether the data recipient is our kundeenhetsid, whether an
assignment account is registered, and what a KID means (``ocr`` importer and ``ledger``).

Layout (positions 1-based, inclusive, as in Nets' system manual and netsgiro's records):

====== ====================================================================================
Record Fields
====== ====================================================================================
10     1-2 ``NY``, 3-8 ``000010``, 9-16 data transmitter, 17-23 transmission number,
       24-31 data recipient, 32-80 filler
20     3-4 service code ``09``, 5-6 assignment type ``00``, 9-17 agreement id (may be zeros
       or blank: DNB never fills it in for OCR), 18-24 assignment number, 25-35 account
30     5-6 transaction type 10-21, 9-15 transaction number, 16-21 Nets date, 22-23 centre
       id, 24-25 day code, 26 partial settlement number, 27-31 partial settlement serial,
       32 sign, 33-49 amount in øre, 50-74 KID right-aligned, 75-80 filler
31     9-15 transaction number, 16-25 form number, 26-34 archive reference, 35-41 (in use
       in Nets' own test data though documented as filler; not read), 42-47 bank date,
       48-58 payer's account, 59-80 filler
32     9-15 transaction number, 16-55 free text (types 20 and 21 only), 56-80 filler
88     9-16 number of transactions, 17-24 number of records, 25-41 total amount in øre,
       42-47 Nets date, 48-53 first date, 54-59 last date, 60-80 filler
89     9-16 number of transactions, 17-24 number of records, 25-41 total amount in øre,
       42-47 Nets date, 48-80 filler
====== ====================================================================================

"Number of records" follows netsgiro's writer (``get_num_records``), which encodes the
manual: in an 88 it counts the assignment's own 20 and 88 plus its 30/31/32 records; in the
89 it counts the 10 and 89 plus every assignment's records, i.e. every line of the file.
The amount totals are the *signed* sum of the transactions: a transaction with ``-`` in
position 32 is a credit note and counts negative, as in the example of Nets' Norwegian "OCR
giro Systemspesifikasjon" (java-netsgiro's ``ocr1.txt``: 23 transactions, three of them
credit notes, 88/89 total 15 630.00 where the plain sum is 19 930.00). netsgiro's writer
sums without the sign, which is wrong for such files. A credit note's ``amount`` is
negative. The transaction types 18 and 20 (reversals) keep the amount as written: what a
reversal undoes is the ledger's call.

Refusals are :class:`OcrParseError` s whose English template and values are kept apart, so
the OCR service shows them in the user's language; ``_()`` only marks the templates for
``makemessages`` (this module imports no Django).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import IO

from stdnum.no import kontonr

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

LINE_LENGTH = 80


OcrSource = bytes | bytearray | memoryview | str | IO[bytes] | IO[str] | Iterable[bytes] | Iterable[str]


def _(text: str) -> str:
    """Mark a message for translation (``makemessages`` extracts it). This module imports no
    Django: the service that shows a refusal translates it (``bankint.errors.reason_of``)."""
    return text


class OcrParseError(Exception):
    """The file is not a valid Nets OCR giro transmission; the whole file must be rejected.

    ``template`` is the English message with ``%(name)s`` placeholders (a msgid the OCR app's
    catalogue translates) and ``params`` its values, kept apart so the service can show the
    refusal in the user's language. Every message says where: it starts with the line
    (``params["line"]``) when there is one. ``line_no`` (1-based) and ``field`` (a stable
    snake_case name such as ``"amount"``) are there for programs. ``message`` and ``str()``
    are the English text. A parameter may itself be an ``OcrParseError`` (a refusal with a
    note added): a renderer translates it first (``ocr.services``). The arguments are kept
    in ``args`` so the error survives pickling (Celery).
    """

    def __init__(
        self,
        template: str,
        params: dict | None = None,
        line_no: int | None = None,
        field: str | None = None,
    ) -> None:
        super().__init__(template, params, line_no, field)
        self.template = template
        self.params = dict(params or {})
        self.line_no = line_no
        self.field = field

    @property
    def message(self) -> str:
        """The refusal in English."""
        params = {k: str(v) if isinstance(v, OcrParseError) else v for k, v in self.params.items()}
        return self.template % params if params else self.template

    def __str__(self) -> str:
        return self.message


def _error(template: str, line_no: int | None, field: str | None, **params) -> OcrParseError:
    """A refusal at ``line_no``: its template starts with ``Line %(line)d: ``."""
    if line_no is not None:
        params["line"] = line_no
    return OcrParseError(template, params, line_no, field)


# --- Output --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OcrTransmissionStart:
    """Record 10. Yielded first, so an importer can detect a re-sent transmission early."""

    transmitter: str
    number: str
    recipient: str
    line_no: int


@dataclass(frozen=True, slots=True)
class OcrAssignmentStart:
    """Record 20: one assignment per payee account (and agreement)."""

    service_code: str
    agreement_id: str | None
    number: str
    account: str
    line_no: int


@dataclass(frozen=True, slots=True)
class OcrTransaction:
    """One payment: records 30 + 31 (+ 32 for types 20/21). ``amount`` is kroner, negative
    for a credit note (``sign`` ``-``, position 32)."""

    type: int
    number: int
    nets_date: date
    centre_id: str
    day_code: int
    partial_settlement_number: int
    partial_settlement_serial: str
    sign: str
    amount: Decimal
    kid: str | None
    form_number: str
    archive_reference: str | None
    bank_date: date | None
    payer_account: str | None
    text: str | None
    line_no: int


@dataclass(frozen=True, slots=True)
class OcrAssignmentEnd:
    """Record 88, yielded only after its counts and total matched the assignment's transactions."""

    number: str
    transaction_count: int
    record_count: int
    total_amount: Decimal
    nets_date: date | None
    first_date: date | None
    last_date: date | None
    line_no: int


@dataclass(frozen=True, slots=True)
class OcrTransmissionEnd:
    """Record 89, yielded only after its totals matched and nothing but blank lines followed.

    Receiving it is the one signal that the whole file is valid.
    """

    transaction_count: int
    record_count: int
    total_amount: Decimal
    nets_date: date | None
    line_no: int


OcrRecord = OcrTransmissionStart | OcrAssignmentStart | OcrTransaction | OcrAssignmentEnd | OcrTransmissionEnd


@dataclass(frozen=True, slots=True)
class OcrAssignment:
    """An assignment with its transactions; counts and total are the 88's, verified."""

    service_code: str
    agreement_id: str | None
    number: str
    account: str
    transactions: tuple[OcrTransaction, ...]
    total_amount: Decimal
    record_count: int
    transaction_count: int
    nets_date: date | None
    first_date: date | None
    last_date: date | None
    start_line: int


@dataclass(frozen=True, slots=True)
class OcrTransmission:
    """A whole file; counts and total are the 89's, verified against every transaction."""

    transmitter: str
    number: str
    recipient: str
    assignments: tuple[OcrAssignment, ...]
    total_amount: Decimal
    nets_date: date | None
    record_count: int
    transaction_count: int


# --- Field helpers (cold paths kept out of the hot loop) -----------------------------------

_ZEROS = {n: "0" * n for n in range(1, LINE_LENGTH + 1)}
_BLANKS = {n: " " * n for n in range(1, LINE_LENGTH + 1)}
_TRANSACTION_TYPES = {str(t): t for t in range(10, 22)}
# Positions 3-6 of a 30/31/32: service code 09 and the transaction type, in one look-up.
_ITEM_CODES = {f"09{t}": t for t in range(10, 22)}
_TEXT_TYPES = frozenset(("20", "21"))
# C0/C1 control characters: never in a Nets text, and a NUL would break PostgreSQL later.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
# Holds only valid DDMMYY strings, so at most 100 years of days (~36,500 entries).
_DATE_CACHE: dict[str, date] = {}


def _show(value: str) -> str:
    """Quote a fragment of the file for a message, escaping anything unprintable."""
    return repr(value[:40] + ("…" if len(value) > 40 else ""))


def _kroner(ore: int) -> str:
    return f"NOK {Decimal(ore).scaleb(-2):,.2f}".replace(",", " ")


def _to_kroner(digits17: str) -> Decimal:
    # String surgery instead of Decimal(int) / 100: exact, and one C call per amount.
    return Decimal(f"{digits17[:15]}.{digits17[15:]}")


# One message per field, so that each names its field in words in either language. The
# positions are the field's own (1-based, inclusive), as in the layout table above.
_DIGITS = {
    "data_transmitter": _(
        "Line %(line)d: the data transmitter (positions 9-16) must be 8 digits, got %(got)s"
    ),
    "transmission_number": _(
        "Line %(line)d: the transmission number (positions 17-23) must be 7 digits, got %(got)s"
    ),
    "data_recipient": _("Line %(line)d: the data recipient (positions 24-31) must be 8 digits, got %(got)s"),
    "assignment_number": _(
        "Line %(line)d: the assignment number (positions 18-24) must be 7 digits, got %(got)s"
    ),
    "assignment_account": _(
        "Line %(line)d: the assignment account (positions 25-35) must be 11 digits, got %(got)s"
    ),
    "number_of_transactions": _(
        "Line %(line)d: the number of transactions (positions 9-16) must be 8 digits, got %(got)s"
    ),
    "number_of_records": _(
        "Line %(line)d: the number of records (positions 17-24) must be 8 digits, got %(got)s"
    ),
    "total_amount": _("Line %(line)d: the total amount (positions 25-41) must be 17 digits, got %(got)s"),
    "transaction_number": _(
        "Line %(line)d: the transaction number (positions 9-15) must be 7 digits, got %(got)s"
    ),
    "centre_id": _("Line %(line)d: the centre id (positions 22-23) must be 2 digits, got %(got)s"),
    "day_code": _("Line %(line)d: the day code (positions 24-25) must be 2 digits, got %(got)s"),
    "partial_settlement_number": _(
        "Line %(line)d: the partial settlement number (position 26) must be a digit, got %(got)s"
    ),
    "partial_settlement_serial": _(
        "Line %(line)d: the partial settlement serial number (positions 27-31) must be 5 digits, got %(got)s"
    ),
    "amount": _("Line %(line)d: the amount (positions 33-49) must be 17 digits, got %(got)s"),
    "form_number": _("Line %(line)d: the form number (positions 16-25) must be 10 digits, got %(got)s"),
    "bank_date": _("Line %(line)d: the bank date (positions 42-47) must be 6 digits, got %(got)s"),
    "payer_account": _("Line %(line)d: the payer's account (positions 48-58) must be 11 digits, got %(got)s"),
}
_NOT_A_DATE = {
    "nets_date": _(
        "Line %(line)d: the Nets date (positions %(start)d-%(end)d) must be a date DDMMYY, got %(got)s"
    ),
    "bank_date": _(
        "Line %(line)d: the bank date (positions %(start)d-%(end)d) must be a date DDMMYY, got %(got)s"
    ),
    "first_date": _(
        "Line %(line)d: the first date (positions %(start)d-%(end)d) must be a date DDMMYY, got %(got)s"
    ),
    "last_date": _(
        "Line %(line)d: the last date (positions %(start)d-%(end)d) must be a date DDMMYY, got %(got)s"
    ),
}
_NO_SUCH_DATE = {
    "nets_date": _("Line %(line)d: the Nets date (positions %(start)d-%(end)d) is not a real date: %(got)s"),
    "bank_date": _("Line %(line)d: the bank date (positions %(start)d-%(end)d) is not a real date: %(got)s"),
    "first_date": _(
        "Line %(line)d: the first date (positions %(start)d-%(end)d) is not a real date: %(got)s"
    ),
    "last_date": _("Line %(line)d: the last date (positions %(start)d-%(end)d) is not a real date: %(got)s"),
}
# Only the Nets date of a transaction (record 30) is required.
_DATE_REQUIRED = _("Line %(line)d: the Nets date (positions %(start)d-%(end)d) is required, got 000000")


_EMPTY = _("The file is empty")
# AvtaleGiro (service code 21) has the same layout but other records and meanings.
_AVTALEGIRO = _(
    "Line %(line)d: this is an AvtaleGiro file (service code 21 in record %(record)s), not OCR giro: "
    "only Nets OCR giro files (service code 09) can be imported here"
)


def _expect_digits(line: str, line_no: int, fields: tuple[tuple[str, int, int], ...]) -> None:
    """Raise for the first field (name, start, end as 1-based positions) that is not all digits."""
    for name, start, end in fields:
        value = line[start - 1 : end]
        if not value.isdecimal():
            raise _error(_DIGITS[name], line_no, name, got=_show(value))


def _date(value: str, line_no: int, name: str, start: int, *, required: bool) -> date | None:
    """DDMMYY → date, ``000000`` → None. Two-digit years pivot like strptime's ``%y`` (and so
    netsgiro): 00-68 → 2000-2068, 69-99 → 1969-1999."""
    cached = _DATE_CACHE.get(value)
    if cached is not None:
        return cached
    where = {"start": start, "end": start + 5}
    if not value.isdecimal():
        raise _error(_NOT_A_DATE[name], line_no, name, got=_show(value), **where)
    if value == "000000":
        if required:
            raise _error(_DATE_REQUIRED, line_no, name, **where)
        return None
    yy = int(value[4:6])
    try:
        parsed = date(2000 + yy if yy < 69 else 1900 + yy, int(value[2:4]), int(value[0:2]))
    except ValueError:
        raise _error(_NO_SUCH_DATE[name], line_no, name, got=value, **where) from None
    _DATE_CACHE[value] = parsed
    return parsed


def _filler(line: str, line_no: int, start: int) -> None:
    value = line[start - 1 :]
    n = len(value)
    if value != _ZEROS[n] and value != _BLANKS[n]:
        raise _error(
            _(
                "Line %(line)d: the filler (positions %(start)d-80) must be all zeros or all blanks, got %(got)s"
            ),
            line_no,
            "filler",
            start=start,
            got=_show(value),
        )


def _refuse_avtalegiro(line: str, line_no: int, record: str) -> None:
    """Service code 21 is AvtaleGiro, not OCR giro: say so rather than "wrong code"."""
    if line[2:4] == "21":
        raise _error(_AVTALEGIRO, line_no, "service_code", record=record)


def _codes(line: str, line_no: int, expected: str, record: str) -> None:
    """Positions 3-6: service code and transmission/assignment type."""
    if line[2:6] != expected:
        _refuse_avtalegiro(line, line_no, record)
        raise _error(
            _(
                "Line %(line)d: positions 3-6 (service code and type) of a record %(record)s must be "
                "%(expected)s, got %(got)s"
            ),
            line_no,
            "service_code",
            record=record,
            expected=expected,
            got=_show(line[2:6]),
        )


def _transaction_codes(line: str, line_no: int, record: str) -> int:
    if line[2:4] != "09":
        _refuse_avtalegiro(line, line_no, record)
        raise _error(
            _(
                "Line %(line)d: the service code (positions 3-4) of a record %(record)s must be 09 "
                "(OCR giro), got %(got)s"
            ),
            line_no,
            "service_code",
            record=record,
            got=_show(line[2:4]),
        )
    transaction_type = _TRANSACTION_TYPES.get(line[4:6])
    if transaction_type is None:
        raise _error(
            _("Line %(line)d: the transaction type (positions 5-6) must be 10-21, got %(got)s"),
            line_no,
            "transaction_type",
            got=_show(line[4:6]),
        )
    return transaction_type


def _parse_transmission_start(line: str, line_no: int) -> OcrTransmissionStart:
    _codes(line, line_no, "0000", "10")
    _expect_digits(
        line,
        line_no,
        (("data_transmitter", 9, 16), ("transmission_number", 17, 23), ("data_recipient", 24, 31)),
    )
    _filler(line, line_no, 32)
    return OcrTransmissionStart(line[8:16], line[16:23], line[23:31], line_no)


def _parse_assignment_start(line: str, line_no: int) -> OcrAssignmentStart:
    _codes(line, line_no, "0900", "20")
    agreement = line[8:17]
    if not agreement.isdecimal() and agreement != _BLANKS[9]:
        raise _error(
            _(
                "Line %(line)d: the agreement id (positions 9-17) must be 9 digits, zeros or blank, got %(got)s"
            ),
            line_no,
            "agreement_id",
            got=_show(agreement),
        )
    _expect_digits(line, line_no, (("assignment_number", 18, 24), ("assignment_account", 25, 35)))
    account = line[24:35]
    # python-stdnum reads an 11-digit number starting 0000 as a 7-digit postgiro number
    # (Luhn on the rest); no bank has registry code 0000, so such an account is refused.
    if account.startswith("0000"):
        raise _error(
            _(
                "Line %(line)d: the assignment account (positions 25-35) %(account)s has no bank "
                "registry code (0000)"
            ),
            line_no,
            "assignment_account",
            account=account,
        )
    if not kontonr.is_valid(account):
        raise _error(
            _(
                "Line %(line)d: the assignment account (positions 25-35) %(account)s fails the MOD11 "
                "check digit: it is not a Norwegian account number"
            ),
            line_no,
            "assignment_account",
            account=account,
        )
    _filler(line, line_no, 36)
    # AvtaleID is optional for OCR (DNB never fills it in): zeros and blanks both mean none.
    agreement_id = agreement if agreement.strip("0 ") else None
    return OcrAssignmentStart("09", agreement_id, line[17:24], account, line_no)


def _parse_totals(line: str, line_no: int) -> tuple[int, int, int]:
    _expect_digits(
        line,
        line_no,
        (("number_of_transactions", 9, 16), ("number_of_records", 17, 24), ("total_amount", 25, 41)),
    )
    return int(line[8:16]), int(line[16:24]), int(line[24:41])


_TOTALS = {
    # (record, what): the messages of an end record whose control figures are wrong
    ("88", "count"): _(
        "Line %(line)d: record 88 states %(stated)d transactions, but assignment %(assignment)s "
        "(line %(start)d) has %(actual)d"
    ),
    ("89", "count"): _(
        "Line %(line)d: record 89 states %(stated)d transactions, but the transmission has %(actual)d"
    ),
    ("88", "records"): _(
        "Line %(line)d: record 88 states %(stated)d records, but assignment %(assignment)s "
        "(line %(start)d) has %(actual)d"
    ),
    ("89", "records"): _(
        "Line %(line)d: record 89 states %(stated)d records, but the transmission has %(actual)d"
    ),
    ("88", "total"): _(
        "Line %(line)d: record 88 states a total of %(stated)s, but the transactions of assignment "
        "%(assignment)s (line %(start)d) add up to %(actual)s"
    ),
    ("89", "total"): _(
        "Line %(line)d: record 89 states a total of %(stated)s, but the transactions of the transmission "
        "add up to %(actual)s"
    ),
    # Nets' totals are signed: a credit note (sign '-') counts negative.
    ("88", "signed"): _(
        "Line %(line)d: record 88 states a total of %(stated)s, but the transactions of assignment "
        "%(assignment)s (line %(start)d) add up to %(actual)s: %(payments)s in payments less "
        "%(credits)s in credit notes (sign '-' at position 32)"
    ),
    ("89", "signed"): _(
        "Line %(line)d: record 89 states a total of %(stated)s, but the transactions of the transmission "
        "add up to %(actual)s: %(payments)s in payments less %(credits)s in credit notes (sign '-' at "
        "position 32)"
    ),
}


def _check_totals(
    line_no: int,
    record: str,
    assignment: OcrAssignmentStart | None,
    stated: tuple[int, int, int],
    actual: tuple[int, int, int, int],
) -> None:
    """Compare an end record's control figures with what was actually read.

    ``actual`` is (transactions, records, signed total, credit notes) in øre, the credit
    notes (sign '-') as a positive sum: the signed total is the payments less the credit notes.
    """
    (s_count, s_records, s_total), (a_count, a_records, a_total, a_credits) = stated, actual
    scope = {} if assignment is None else {"assignment": assignment.number, "start": assignment.line_no}
    if s_count != a_count:
        raise _error(
            _TOTALS[record, "count"],
            line_no,
            "number_of_transactions",
            stated=s_count,
            actual=a_count,
            **scope,
        )
    if s_records != a_records:
        raise _error(
            _TOTALS[record, "records"],
            line_no,
            "number_of_records",
            stated=s_records,
            actual=a_records,
            **scope,
        )
    if s_total != a_total:
        amounts = {"stated": _kroner(s_total), "actual": _kroner(a_total)}
        if a_credits:
            amounts.update(payments=_kroner(a_total + a_credits), credits=_kroner(a_credits))
        raise _error(
            _TOTALS[record, "signed" if a_credits else "total"], line_no, "total_amount", **amounts, **scope
        )


def _diagnose_item1(line: str, line_no: int) -> None:
    """Cold path: find which field of a record 30 made the combined digit check fail."""
    _expect_digits(line, line_no, (("transaction_number", 9, 15),))
    _date(line[15:21], line_no, "nets_date", 16, required=True)
    _expect_digits(
        line,
        line_no,
        (
            ("centre_id", 22, 23),
            ("day_code", 24, 25),
            ("partial_settlement_number", 26, 26),
            ("partial_settlement_serial", 27, 31),
            ("amount", 33, 49),
        ),
    )


def _unexpected(rt: str, line_no: int, state: int) -> OcrParseError:
    """A record that may not come here (``state``: what the parser expects, see ``iter_records``)."""
    if rt not in _RECORD_TYPES:
        return _error(
            _(
                "Line %(line)d: unknown record type %(got)s at positions 7-8 (an OCR giro file has "
                "10, 20, 30, 31, 32, 88 and 89)"
            ),
            line_no,
            "record_type",
            got=_show(rt),
        )
    return _error(_EXPECTED[state], line_no, "record_type", got=rt)


_RECORD_TYPES = frozenset(("10", "20", "30", "31", "32", "88", "89"))
# What may come in each state of ``iter_records``, and what came instead (the record type).
_EXPECTED = (
    _("Line %(line)d: expected the transmission start (record 10) as the first record, got record %(got)s"),
    _(
        "Line %(line)d: expected an assignment start (record 20) or the transmission end (89), got record %(got)s"
    ),
    _("Line %(line)d: expected an amount item 1 (record 30) or the assignment end (88), got record %(got)s"),
    _("Line %(line)d: expected amount item 2 (record 31) right after amount item 1 (30), got record %(got)s"),
    _(
        "Line %(line)d: expected amount item 3 (record 32), amount item 1 (30) or the assignment end "
        "(88), got record %(got)s"
    ),
    _("Line %(line)d: expected nothing after the transmission end (89), got record %(got)s"),
)


# --- Reading lines ----------------------------------------------------------------------

# Read in chunks and split in C: a generator step per line would cost more than the checks.
_CHUNK = 1 << 18
# A newline-free remainder longer than this is reported, not read further.
_OVERLONG = 1000


def _line_batches(source: OcrSource) -> Iterator[list[str]]:
    """Lists of lines without their LF/CRLF endings; the last list may end the file.

    Never holds more than one chunk plus a short remainder: a newline-free blob is reported
    as an overlong line without being read whole.
    """
    if isinstance(source, bytes | bytearray | memoryview):
        source = io.BytesIO(source)
    elif isinstance(source, str):
        source = io.StringIO(source)  # newline="\n" (the default): no translation, CR kept
    read = getattr(source, "read", None)
    if read is None:
        yield from _iterable_batches(source)
        return
    carry = ""
    seen = 0
    while chunk := read(_CHUNK):
        if chunk.__class__ is not str:
            chunk = bytes(chunk).decode("latin-1")
        elif not chunk.isascii() and _not_latin1(chunk):
            _raise_not_latin1(carry + chunk, seen)
        text = carry + chunk
        if "\r" in text:
            text = text.replace("\r\n", "\n")
        lines = text.split("\n")
        carry = lines.pop()
        seen += len(lines)
        if len(carry) >= _OVERLONG:
            # An overlong line: stop reading here, the parser reports it.
            lines.append(carry[:_OVERLONG])
            yield lines
            return
        yield lines
    if carry:
        yield [carry[:-1] if carry[-1] == "\r" else carry]


def _iterable_batches(source: Iterable[bytes] | Iterable[str]) -> Iterator[list[str]]:
    """An iterable of lines (bytes or str, with or without line endings), normalised."""
    batch: list[str] = []
    for seen, raw in enumerate(source):
        if isinstance(raw, str):
            line = raw
            if not line.isascii() and _not_latin1(line):
                _raise_not_latin1(line, seen)
        elif isinstance(raw, bytes | bytearray | memoryview):
            line = bytes(raw).decode("latin-1")
        else:
            raise TypeError(f"lines must be bytes or str, got {type(raw).__name__}")
        if line[-1:] == "\n":
            line = line[:-1]
        if line[-1:] == "\r":
            line = line[:-1]
        batch.append(line)
        if len(batch) >= 4096:
            yield batch
            batch = []
    yield batch


def _looks_utf8(line: str) -> bool:
    try:
        return len(line.encode("latin-1").decode("utf-8")) <= LINE_LENGTH
    except UnicodeError:
        return False


def _raise_not_latin1(text: str, lines_before: int) -> None:
    """Name the line of the first character Nets could not have sent (a text source)."""
    index = next(i for i, char in enumerate(text) if char > "\xff")
    raise _error(
        _("Line %(line)d: %(got)s is outside ISO-8859-1, the character set of Nets files"),
        lines_before + text.count("\n", 0, index) + 1,
        "encoding",
        got=_show(text[index]),
    )


def _not_latin1(text: str) -> bool:
    try:
        text.encode("latin-1")
    except UnicodeEncodeError:
        return True
    return False


# --- The parser ----------------------------------------------------------------------------


def _fields(*values):
    return values


def iter_records(source: OcrSource, *, tuples: bool = False) -> Iterator[OcrRecord]:
    """Yield the records of an OCR giro file as they are read and checked.

    ``source``: the file's bytes, a binary (or ISO-8859-1 text) file object, a ``str``, or an
    iterable of lines (bytes or str, with or without their line endings).

    ``tuples=True`` yields each transaction as a plain tuple of the :class:`OcrTransaction`
    fields in their order (``OcrTransaction.__match_args__``), for a bulk importer: building
    a frozen dataclass costs as much as all the checks of its two lines together.

    Order: one :class:`OcrTransmissionStart`; per assignment an :class:`OcrAssignmentStart`,
    its :class:`OcrTransaction` s and an :class:`OcrAssignmentEnd`; finally one
    :class:`OcrTransmissionEnd`. Memory stays bounded by one read chunk plus the transaction
    numbers of the current assignment, however large the file.

    An error can surface after many transactions were yielded (a wrong total is only known at
    the 88/89), so a consumer must store inside one database transaction and treat the file
    as valid only once :class:`OcrTransmissionEnd` has been yielded.
    """
    # 0 expect 10 · 1 expect 20/89 · 2 expect 30/88 · 3 expect 31 · 4 text transaction, a 32
    # may follow · 5 done
    state = 0
    line_no = 0
    blank_at = 0
    end_line = 0
    length = 0
    short = False
    end: OcrTransmissionEnd | None = None
    # The transaction being read: fields of its 30, then of its 31.
    codes = number_s = ""
    t_type = number = day_code = settlement_number = line30 = 0
    nets_date: date | None = None
    centre_id = serial = sign = ""
    amount: Decimal | None = None
    kid: str | None = None
    pending: tuple = ()
    assignment: OcrAssignmentStart | None = None
    assignment_numbers: set[str] = set()
    numbers: set[int] = set()
    a_count = a_records = a_total = a_credits = 0
    t_count = t_records = t_total = t_credits = 0
    zeros6, blanks6, zeros22, blanks22, blanks9 = _ZEROS[6], _BLANKS[6], _ZEROS[22], _BLANKS[22], _BLANKS[9]
    no_account = _ZEROS[11]
    date_cache = _DATE_CACHE
    item_codes = _ITEM_CODES
    text_types = _TEXT_TYPES
    Tx = _fields if tuples else OcrTransaction
    try:
        for batch in _line_batches(source):
            for line in batch:
                line_no += 1
                if len(line) != 80:  # LINE_LENGTH, as a literal in the hot loop
                    length = len(line)
                    if length > LINE_LENGTH:
                        raise _overlong(line, line_no)
                    if not line.strip(" "):
                        blank_at = blank_at or line_no  # fine at the end of the file, not inside
                        continue
                    # Real files arrive with trailing blanks stripped (netsgiro rejects them):
                    # pad back. If what is missing was not blanks, a field check below fails.
                    line = line.ljust(LINE_LENGTH)
                    short = True
                elif short:
                    short = False
                if blank_at:
                    raise _error(_("Line %(line)d: an empty line inside the file"), blank_at, "line_length")
                if state == 5:
                    raise _error(
                        _(
                            "Line %(line)d: data after the transmission end record (89) on line %(end)d; "
                            "a file holds exactly one transmission"
                        ),
                        line_no,
                        "record_type",
                        end=end_line,
                    )
                if line[:2] != "NY":
                    if line_no == 1:
                        raise _error(
                            _(
                                "Line %(line)d: this is not a Nets OCR giro file: it should start with "
                                "'NY', got %(got)s"
                            ),
                            line_no,
                            "format_code",
                            got=_show(line[:8]),
                        )
                    raise _error(
                        _("Line %(line)d: every record starts with 'NY' (positions 1-2), got %(got)s"),
                        line_no,
                        "format_code",
                        got=_show(line[:2]),
                    )
                rt = line[6:8]

                # A text transaction (20/21) is complete once we know whether a 32 follows.
                if state == 4 and rt != "32":
                    yield Tx(*pending, None, line30)
                    state = 2

                if rt == "30":
                    if state != 2:
                        raise _unexpected(rt, line_no, state)
                    codes = line[2:6]
                    t_type = item_codes.get(codes, 0)
                    if not t_type:
                        _transaction_codes(line, line_no, "30")
                    # positions 9-31: transaction number, Nets date, centre, day code, settlement
                    digits = line[8:31]
                    amount_s = line[32:49]
                    if not (digits.isdecimal() and amount_s.isdecimal()):
                        _diagnose_item1(line, line_no)
                    sign = line[31]
                    if sign != "0" and sign != "-":
                        raise _error(
                            _("Line %(line)d: the sign (position 32) must be '0' or '-', got %(got)s"),
                            line_no,
                            "sign",
                            got=_show(sign),
                        )
                    nets_date_s = digits[7:13]
                    nets_date = date_cache.get(nets_date_s) or _date(
                        nets_date_s, line_no, "nets_date", 16, required=True
                    )
                    # The KID is right-aligned in 25 positions: leading blanks, then digits.
                    # netsgiro strips blanks on both sides; we also refuse trailing blanks,
                    # because a KID that is not flush right means the line was shifted.
                    # Leading zeros belong to the KID (``0000531`` is a valid MOD11 KID),
                    # exactly as netsgiro reads it.
                    kid = line[49:74].lstrip(" ")
                    if kid:
                        if not kid.isdecimal():
                            raise _error(
                                _(
                                    "Line %(line)d: the KID (positions 50-74) must be digits, right-aligned, got %(got)s"
                                ),
                                line_no,
                                "kid",
                                got=_show(line[49:74]),
                            )
                    else:
                        kid = None
                    filler = line[74:80]
                    if filler != zeros6 and filler != blanks6:
                        _filler(line, line_no, 75)
                    number_s = digits[:7]
                    number = int(number_s)
                    if number in numbers:
                        raise _error(
                            _(
                                "Line %(line)d: transaction number %(number)d appears twice in assignment %(assignment)s"
                            ),
                            line_no,
                            "transaction_number",
                            number=number,
                            assignment=assignment.number,  # type: ignore[union-attr]
                        )
                    numbers.add(number)
                    centre_id = digits[13:15]
                    day_code = int(digits[15:17])
                    settlement_number = int(digits[17])
                    serial = digits[18:23]
                    ore = int(amount_s)
                    # String surgery instead of Decimal(ore) / 100: exact, one C call.
                    if sign == "0":
                        amount = Decimal(f"{amount_s[:15]}.{amount_s[15:]}")
                        a_total += ore
                    else:
                        # A credit note: Nets' 88/89 totals are signed (OCR giro
                        # Systemspesifikasjon; java-netsgiro's ocr1.txt, its example).
                        amount = Decimal(f"-{amount_s[:15]}.{amount_s[15:]}")
                        a_total -= ore
                        a_credits += ore
                    a_count += 1
                    a_records += 1
                    line30 = line_no
                    state = 3
                elif rt == "31":
                    if state != 3:
                        raise _unexpected(rt, line_no, state)
                    if line[2:6] != codes or line[8:15] != number_s:
                        _check_item_link(line, line_no, "31", codes, number_s)
                    form_number = line[15:25]
                    reference = line[25:34]
                    date_account = line[41:58]
                    if not (form_number.isdecimal() and date_account.isdecimal()):
                        _expect_digits(
                            line,
                            line_no,
                            (("form_number", 16, 25), ("bank_date", 42, 47), ("payer_account", 48, 58)),
                        )
                    if not reference.isdecimal():
                        if reference != blanks9:
                            raise _error(
                                _(
                                    "Line %(line)d: the archive reference (positions 26-34) must be 9 digits "
                                    "or blank, got %(got)s"
                                ),
                                line_no,
                                "archive_reference",
                                got=_show(reference),
                            )
                        reference = None
                    filler = line[58:80]
                    if filler != zeros22 and filler != blanks22:
                        _filler(line, line_no, 59)
                    bank_date_s = date_account[:6]
                    bank_date = date_cache.get(bank_date_s) or _date(
                        bank_date_s, line_no, "bank_date", 42, required=False
                    )
                    payer_account = date_account[6:]
                    if payer_account == no_account:
                        payer_account = None  # no payer account, e.g. cash paid at a counter
                    a_records += 1
                    if t_type >= 20:
                        pending = (
                            t_type,
                            number,
                            nets_date,
                            centre_id,
                            day_code,
                            settlement_number,
                            serial,
                            sign,
                            amount,
                            kid,
                            form_number,
                            reference,
                            bank_date,
                            payer_account,
                        )
                        state = 4
                    else:
                        state = 2
                        yield Tx(
                            t_type,
                            number,
                            nets_date,  # type: ignore[arg-type]
                            centre_id,
                            day_code,
                            settlement_number,
                            serial,
                            sign,
                            amount,  # type: ignore[arg-type]
                            kid,
                            form_number,
                            reference,
                            bank_date,
                            payer_account,
                            None,
                            line30,
                        )
                elif rt == "32":
                    if state != 4:
                        if state == 2 and codes and codes[2:] not in text_types:
                            raise _error(
                                _(
                                    "Line %(line)d: record 32 (free text) is only for transaction types 20 "
                                    "and 21, transaction %(number)d has type %(type)d"
                                ),
                                line_no,
                                "record_type",
                                number=number,
                                type=t_type,
                            )
                        raise _unexpected(rt, line_no, state)
                    if line[2:6] != codes or line[8:15] != number_s:
                        _check_item_link(line, line_no, "32", codes, number_s)
                    _filler(line, line_no, 56)
                    text = line[15:55]
                    if _CONTROL.search(text):
                        raise _error(
                            _(
                                "Line %(line)d: the free text (positions 16-55) contains control characters: %(got)s"
                            ),
                            line_no,
                            "text",
                            got=_show(text),
                        )
                    a_records += 1
                    state = 2
                    yield Tx(*pending, text.strip() or None, line30)
                elif rt == "20":
                    if state != 1:
                        raise _unexpected(rt, line_no, state)
                    assignment = _parse_assignment_start(line, line_no)
                    if assignment.number in assignment_numbers:
                        raise _error(
                            _(
                                "Line %(line)d: assignment number %(assignment)s appears twice in the transmission"
                            ),
                            line_no,
                            "assignment_number",
                            assignment=assignment.number,
                        )
                    assignment_numbers.add(assignment.number)
                    numbers = set()
                    codes = ""
                    a_count = a_total = a_credits = 0
                    a_records = 2  # its 20 and 88 count themselves (netsgiro get_num_records)
                    state = 2
                    yield assignment
                elif rt == "88":
                    if state != 2:
                        raise _unexpected(rt, line_no, state)
                    _codes(line, line_no, "0900", "88")
                    stated = _parse_totals(line, line_no)
                    _check_totals(line_no, "88", assignment, stated, (a_count, a_records, a_total, a_credits))
                    nets_date_88 = _date(line[41:47], line_no, "nets_date", 42, required=False)
                    first_date = _date(line[47:53], line_no, "first_date", 48, required=False)
                    last_date = _date(line[53:59], line_no, "last_date", 54, required=False)
                    _filler(line, line_no, 60)
                    t_count += a_count
                    t_records += a_records
                    t_total += a_total
                    t_credits += a_credits
                    state = 1
                    yield OcrAssignmentEnd(
                        assignment.number,  # type: ignore[union-attr]
                        a_count,
                        a_records,
                        _to_kroner(line[24:41]),
                        nets_date_88,
                        first_date,
                        last_date,
                        line_no,
                    )
                elif rt == "10":
                    if state != 0:
                        raise _error(
                            _(
                                "Line %(line)d: a second transmission start (record 10); a file holds exactly "
                                "one transmission"
                            ),
                            line_no,
                            "record_type",
                        )
                    start = _parse_transmission_start(line, line_no)
                    t_records = 2  # the 10 and the 89 count themselves
                    state = 1
                    yield start
                elif rt == "89":
                    if state != 1:
                        raise _unexpected(rt, line_no, state)
                    _codes(line, line_no, "0000", "89")
                    stated = _parse_totals(line, line_no)
                    _check_totals(line_no, "89", None, stated, (t_count, t_records, t_total, t_credits))
                    nets_date_89 = _date(line[41:47], line_no, "nets_date", 42, required=False)
                    _filler(line, line_no, 48)
                    end = OcrTransmissionEnd(
                        t_count, t_records, _to_kroner(line[24:41]), nets_date_89, line_no
                    )
                    end_line = line_no
                    state = 5
                else:
                    raise _unexpected(rt, line_no, state)
    except OcrParseError as error:
        if short and error.line_no == line_no:
            raise OcrParseError(
                _(
                    "%(problem)s (the line has only %(length)d characters: only trailing blanks may be missing)"
                ),
                {"problem": error, "length": length},
                error.line_no,
                error.field,
            ) from None
        raise
    except UnicodeDecodeError:
        # A text-mode file opened with the wrong codec; the chunk read ahead, so no line.
        raise _error(
            _("The file could not be decoded: open it in binary mode, Nets files are ISO-8859-1"),
            None,
            "encoding",
        ) from None

    if state != 5 or end is None:
        if state == 0:
            raise _error(_EMPTY, None, None)
        if state in (2, 3, 4):
            raise _error(
                _(
                    "Line %(line)d: the file ends inside assignment %(assignment)s (line %(start)d) without "
                    "its end record 88: the file is truncated"
                ),
                line_no,
                "record_type",
                assignment=assignment.number,  # type: ignore[union-attr]
                start=assignment.line_no,  # type: ignore[union-attr]
            )
        raise _error(
            _("Line %(line)d: the file ends without the transmission end record 89: the file is truncated"),
            line_no,
            "record_type",
        )
    yield end


def _overlong(line: str, line_no: int) -> OcrParseError:
    """Cold path: say why a line is longer than a record (only its first 1,000 characters are read)."""
    if line[:2] == "NY" and line[80:82] == "NY":
        # Records one after the other without line breaks (as normalnorway/avtalegiro writes).
        if any(line[i + 2 : i + 4] == "21" for i in range(0, len(line) - 3, LINE_LENGTH)):
            return _error(_AVTALEGIRO, line_no, "service_code", record="20")
        return _error(
            _(
                "Line %(line)d: the records are not separated by line breaks; every record is exactly "
                "80 characters on a line of its own"
            ),
            line_no,
            "line_length",
        )
    length = len(line)
    if length >= _OVERLONG:
        template = _(
            "Line %(line)d: the line has no line break; every record is exactly 80 characters on a line "
            "of its own"
        )
    elif "\r" in line:
        template = _(
            "Line %(line)d: the line has %(length)d characters (a carriage return inside the line); every "
            "record is exactly 80"
        )
    elif _looks_utf8(line):
        template = _(
            "Line %(line)d: the line has %(length)d characters (it looks UTF-8 encoded; Nets files are "
            "ISO-8859-1); every record is exactly 80"
        )
    else:
        template = _("Line %(line)d: the line has %(length)d characters; every record is exactly 80")
    return _error(template, line_no, "line_length", length=length)


def _check_item_link(line: str, line_no: int, record: str, codes: str, number_s: str) -> None:
    """Cold path: say how a 31/32 fails to belong to the 30 before it (type or number)."""
    if line[2:6] != codes:
        _transaction_codes(line, line_no, record)
        raise _error(
            _(
                "Line %(line)d: transaction type %(got)s in record %(record)s differs from type %(type)s in "
                "the amount item 1 (30) before it"
            ),
            line_no,
            "transaction_type",
            got=line[4:6],
            record=record,
            type=codes[2:],
        )
    _expect_digits(line, line_no, (("transaction_number", 9, 15),))
    raise _error(
        _(
            "Line %(line)d: transaction number %(got)d in record %(record)s differs from %(number)d in the "
            "amount item 1 (30) before it"
        ),
        line_no,
        "transaction_number",
        got=int(line[8:15]),
        record=record,
        number=int(number_s),
    )


def parse_ocr(source: OcrSource) -> OcrTransmission:
    """Parse and check a whole OCR giro file into one :class:`OcrTransmission`.

    Convenient for files of ordinary size; for very large files use :func:`iter_records`,
    which never holds more than one transaction at a time.
    """
    start: OcrTransmissionStart | None = None
    end: OcrTransmissionEnd | None = None
    assignments: list[OcrAssignment] = []
    head: OcrAssignmentStart | None = None
    transactions: list[OcrTransaction] = []
    append = transactions.append
    for record in iter_records(source):
        if record.__class__ is OcrTransaction:
            append(record)  # type: ignore[arg-type]
        elif isinstance(record, OcrAssignmentStart):
            head = record
            transactions = []
            append = transactions.append
        elif isinstance(record, OcrAssignmentEnd):
            if head is None:  # unreachable: iter_records enforces the order
                raise _unexpected("88", record.line_no, 2)
            assignments.append(
                OcrAssignment(
                    service_code=head.service_code,
                    agreement_id=head.agreement_id,
                    number=head.number,
                    account=head.account,
                    transactions=tuple(transactions),
                    total_amount=record.total_amount,
                    record_count=record.record_count,
                    transaction_count=record.transaction_count,
                    nets_date=record.nets_date,
                    first_date=record.first_date,
                    last_date=record.last_date,
                    start_line=head.line_no,
                )
            )
        elif isinstance(record, OcrTransmissionStart):
            start = record
        elif isinstance(record, OcrTransmissionEnd):
            end = record
    if start is None or end is None:  # unreachable: iter_records raises first
        raise _error(_EMPTY, None, None)
    return OcrTransmission(
        transmitter=start.transmitter,
        number=start.number,
        recipient=start.recipient,
        assignments=tuple(assignments),
        total_amount=end.total_amount,
        nets_date=end.nets_date,
        record_count=end.record_count,
        transaction_count=end.transaction_count,
    )

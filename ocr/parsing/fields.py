"""The fields of the OCR giro records: where each sits and how it is checked.

Every fixed position is checked with slicing and ``str.isdecimal`` (no regex per field). The
record parsers (:mod:`ocr.parsing.layouts`) check whole slices at once on the hot path and
call the helpers here on the cold path, to name the field that failed; the checks every
record shares (service code, dates, filler) are here too.

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
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from .errors import OcrParseError, _, error, show

LINE_LENGTH = 80

ZEROS = {n: "0" * n for n in range(1, LINE_LENGTH + 1)}
BLANKS = {n: " " * n for n in range(1, LINE_LENGTH + 1)}
_TRANSACTION_TYPES = {str(t): t for t in range(10, 22)}
# Holds only valid DDMMYY strings, so at most 100 years of days (~36,500 entries).
DATE_CACHE: dict[str, date] = {}


def to_kroner(digits17: str) -> Decimal:
    """17 digits of øre as kroner."""
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


# AvtaleGiro (service code 21) has the same layout but other records and meanings.
AVTALEGIRO = _(
    "Line %(line)d: this is an AvtaleGiro file (service code 21 in record %(record)s), not OCR giro: "
    "only Nets OCR giro files (service code 09) can be imported here"
)


def not_ny(line: str, line_no: int) -> OcrParseError:
    """The refusal of a line whose positions 1-2 are not ``NY``."""
    if line_no == 1:
        return error(
            _("Line %(line)d: this is not a Nets OCR giro file: it should start with 'NY', got %(got)s"),
            line_no,
            "format_code",
            got=show(line[:8]),
        )
    return error(
        _("Line %(line)d: every record starts with 'NY' (positions 1-2), got %(got)s"),
        line_no,
        "format_code",
        got=show(line[:2]),
    )


def expect_ny(line: str, line_no: int) -> None:
    """Positions 1-2: every record starts with ``NY``."""
    if line[:2] != "NY":
        raise not_ny(line, line_no)


def expect_digits(line: str, line_no: int, fields: tuple[tuple[str, int, int], ...]) -> None:
    """Raise for the first field (name, start, end as 1-based positions) that is not all digits."""
    for name, start, end in fields:
        value = line[start - 1 : end]
        if not value.isdecimal():
            raise error(_DIGITS[name], line_no, name, got=show(value))


def to_date(value: str, line_no: int, name: str, start: int, *, required: bool) -> date | None:
    """DDMMYY → date, ``000000`` → None. Two-digit years pivot like strptime's ``%y`` (and so
    netsgiro): 00-68 → 2000-2068, 69-99 → 1969-1999."""
    cached = DATE_CACHE.get(value)
    if cached is not None:
        return cached
    where = {"start": start, "end": start + 5}
    if not value.isdecimal():
        raise error(_NOT_A_DATE[name], line_no, name, got=show(value), **where)
    if value == "000000":
        if required:
            raise error(_DATE_REQUIRED, line_no, name, **where)
        return None
    yy = int(value[4:6])
    try:
        parsed = date(2000 + yy if yy < 69 else 1900 + yy, int(value[2:4]), int(value[0:2]))
    except ValueError:
        raise error(_NO_SUCH_DATE[name], line_no, name, got=value, **where) from None
    DATE_CACHE[value] = parsed
    return parsed


def expect_filler(line: str, line_no: int, start: int) -> None:
    value = line[start - 1 :]
    n = len(value)
    if value != ZEROS[n] and value != BLANKS[n]:
        raise error(
            _(
                "Line %(line)d: the filler (positions %(start)d-80) must be all zeros or all blanks, got %(got)s"
            ),
            line_no,
            "filler",
            start=start,
            got=show(value),
        )


def refuse_avtalegiro(line: str, line_no: int, record: str) -> None:
    """Service code 21 is AvtaleGiro, not OCR giro: say so rather than "wrong code"."""
    if line[2:4] == "21":
        raise error(AVTALEGIRO, line_no, "service_code", record=record)


def expect_codes(line: str, line_no: int, expected: str, record: str) -> None:
    """Positions 3-6: service code and transmission/assignment type."""
    if line[2:6] != expected:
        refuse_avtalegiro(line, line_no, record)
        raise error(
            _(
                "Line %(line)d: positions 3-6 (service code and type) of a record %(record)s must be "
                "%(expected)s, got %(got)s"
            ),
            line_no,
            "service_code",
            record=record,
            expected=expected,
            got=show(line[2:6]),
        )


def expect_transaction_codes(line: str, line_no: int, record: str) -> int:
    if line[2:4] != "09":
        refuse_avtalegiro(line, line_no, record)
        raise error(
            _(
                "Line %(line)d: the service code (positions 3-4) of a record %(record)s must be 09 "
                "(OCR giro), got %(got)s"
            ),
            line_no,
            "service_code",
            record=record,
            got=show(line[2:4]),
        )
    transaction_type = _TRANSACTION_TYPES.get(line[4:6])
    if transaction_type is None:
        raise error(
            _("Line %(line)d: the transaction type (positions 5-6) must be 10-21, got %(got)s"),
            line_no,
            "transaction_type",
            got=show(line[4:6]),
        )
    return transaction_type

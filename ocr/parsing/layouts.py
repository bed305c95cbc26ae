"""One parser per record type: the fields of one line, sliced and checked.

Each function reads one 80-character line and knows nothing of the lines around it, except
that a 31 or 32 must belong to the 30 before it. The order of the records, the uniqueness
of numbers and the control totals are :mod:`ocr.parsing.machine`'s and
:mod:`ocr.parsing.totals`' job.

The transaction records (30, 31, 32) are the hot path: a file of 100,000 payments has
200,000 of them. Their parsers check whole slices at once (``str.isdecimal`` on positions
9-31, not field by field) and return plain tuples in :class:`~ocr.parsing.OcrTransaction`'s
field order; only when a check fails do they call the helpers of :mod:`ocr.parsing.fields`
that find and name the field.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from stdnum.no import kontonr

from .errors import _, error, show
from .fields import (
    DATE_CACHE,
    expect_codes,
    expect_digits,
    expect_filler,
    expect_ny,
    expect_transaction_codes,
    to_date,
)
from .records import OcrAssignmentStart, OcrTransmissionStart

# Constants such as " " * 9 are folded by the compiler: no look-up on the hot path.
# Positions 1-6 of a 30/31/32: ``NY``, service code 09 and the transaction type, in one
# look-up (``NY`` is not checked on its own for these records: see ocr.parsing.machine).
_ITEM_HEADS = {f"NY09{t}": t for t in range(10, 22)}
# C0/C1 control characters: never in a Nets text, and a NUL would break PostgreSQL later.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
# Digits to numbers by look-up: cheaper than int() on the hot path.
_ONE_DIGIT = {str(n): n for n in range(10)}
_TWO_DIGITS = {f"{n:02d}": n for n in range(100)}

# A transaction as the parsers of its records pass it on: a plain tuple in OcrTransaction's
# field order (building the frozen dataclass costs as much as all the checks of two lines).
Item1 = tuple  # the ten fields of a 30: type … kid
TransactionTuple = tuple  # all sixteen fields of an OcrTransaction


def transmission_start(line: str, line_no: int) -> OcrTransmissionStart:
    """Record 10."""
    expect_codes(line, line_no, "0000", "10")
    expect_digits(
        line,
        line_no,
        (("data_transmitter", 9, 16), ("transmission_number", 17, 23), ("data_recipient", 24, 31)),
    )
    expect_filler(line, line_no, 32)
    return OcrTransmissionStart(line[8:16], line[16:23], line[23:31], line_no)


def assignment_start(line: str, line_no: int) -> OcrAssignmentStart:
    """Record 20, with the MOD11 check of the assignment account."""
    expect_codes(line, line_no, "0900", "20")
    agreement = line[8:17]
    if not agreement.isdecimal() and agreement != " " * 9:
        raise error(
            _(
                "Line %(line)d: the agreement id (positions 9-17) must be 9 digits, zeros or blank, got %(got)s"
            ),
            line_no,
            "agreement_id",
            got=show(agreement),
        )
    expect_digits(line, line_no, (("assignment_number", 18, 24), ("assignment_account", 25, 35)))
    account = line[24:35]
    # python-stdnum reads an 11-digit number starting 0000 as a 7-digit postgiro number
    # (Luhn on the rest); no bank has registry code 0000, so such an account is refused.
    if account.startswith("0000"):
        raise error(
            _(
                "Line %(line)d: the assignment account (positions 25-35) %(account)s has no bank "
                "registry code (0000)"
            ),
            line_no,
            "assignment_account",
            account=account,
        )
    if not kontonr.is_valid(account):
        raise error(
            _(
                "Line %(line)d: the assignment account (positions 25-35) %(account)s fails the MOD11 "
                "check digit: it is not a Norwegian account number"
            ),
            line_no,
            "assignment_account",
            account=account,
        )
    expect_filler(line, line_no, 36)
    # AvtaleID is optional for OCR (DNB never fills it in): zeros and blanks both mean none.
    agreement_id = agreement if agreement.strip("0 ") else None
    return OcrAssignmentStart("09", agreement_id, line[17:24], account, line_no)


def amount_item_1(line: str, line_no: int) -> tuple[Item1, int, str, str]:
    """Record 30: its ten fields, the amount in øre, signed, and its positions 1-6 (``NY``
    and codes) and 9-15 (number) as written, which its 31 and 32 must repeat.

    A credit note (``-`` in position 32) has a negative amount: Nets' 88/89 totals are
    signed (OCR giro Systemspesifikasjon; java-netsgiro's ``ocr1.txt``, its example).
    """
    head = line[:6]
    t_type = _ITEM_HEADS.get(head, 0)
    if not t_type:
        expect_ny(line, line_no)
        expect_transaction_codes(line, line_no, "30")
    # positions 9-31: transaction number, Nets date, centre, day code, settlement
    digits = line[8:31]
    amount_s = line[32:49]
    if not (digits.isdecimal() and amount_s.isdecimal()):
        _diagnose_item1(line, line_no)
    sign = line[31]
    if sign != "0" and sign != "-":
        raise error(
            _("Line %(line)d: the sign (position 32) must be '0' or '-', got %(got)s"),
            line_no,
            "sign",
            got=show(sign),
        )
    nets_date_s = digits[7:13]
    nets_date = DATE_CACHE.get(nets_date_s) or to_date(nets_date_s, line_no, "nets_date", 16, required=True)
    # The KID is right-aligned in 25 positions: leading blanks, then digits. netsgiro strips
    # blanks on both sides; we also refuse trailing blanks, because a KID that is not flush
    # right means the line was shifted. Leading zeros belong to the KID (``0000531`` is a
    # valid MOD11 KID), exactly as netsgiro reads it.
    kid = line[49:74].lstrip(" ")
    if kid:
        if not kid.isdecimal():
            raise error(
                _("Line %(line)d: the KID (positions 50-74) must be digits, right-aligned, got %(got)s"),
                line_no,
                "kid",
                got=show(line[49:74]),
            )
    else:
        kid = None
    filler = line[74:80]
    if filler != "0" * 6 and filler != " " * 6:
        expect_filler(line, line_no, 75)
    number_s = digits[:7]
    # String surgery instead of Decimal(ore) / 100: exact, one C call.
    if sign == "0":
        amount = Decimal(f"{amount_s[:15]}.{amount_s[15:]}")
        ore = int(amount_s)
    else:
        amount = Decimal(f"-{amount_s[:15]}.{amount_s[15:]}")
        ore = -int(amount_s)
    fields = (
        t_type,
        int(number_s),
        nets_date,
        digits[13:15],  # centre id
        _TWO_DIGITS[digits[15:17]],  # day code
        _ONE_DIGIT[digits[17]],  # partial settlement number
        digits[18:23],  # partial settlement serial
        sign,
        amount,
        kid,
    )
    return fields, ore, head, number_s


def amount_item_2(line: str, line_no: int, item1: Item1, head: str, number_s: str) -> TransactionTuple:
    """Record 31, right after the 30 (on the line before) whose fields are ``item1`` and
    positions 1-6 and 9-15 ``head`` and ``number_s``: the whole transaction, its free text
    ``None`` (a 32 may still follow for types 20 and 21)."""
    if line[:6] != head or line[8:15] != number_s:
        _check_item_link(line, line_no, "31", head, number_s)
    form_number = line[15:25]
    reference = line[25:34]
    date_account = line[41:58]
    if not (form_number.isdecimal() and date_account.isdecimal()):
        expect_digits(
            line,
            line_no,
            (("form_number", 16, 25), ("bank_date", 42, 47), ("payer_account", 48, 58)),
        )
    if not reference.isdecimal():
        if reference != " " * 9:
            raise error(
                _(
                    "Line %(line)d: the archive reference (positions 26-34) must be 9 digits "
                    "or blank, got %(got)s"
                ),
                line_no,
                "archive_reference",
                got=show(reference),
            )
        reference = None
    filler = line[58:80]
    if filler != "0" * 22 and filler != " " * 22:
        expect_filler(line, line_no, 59)
    bank_date_s = date_account[:6]
    bank_date = DATE_CACHE.get(bank_date_s) or to_date(bank_date_s, line_no, "bank_date", 42, required=False)
    payer_account = date_account[6:]
    if payer_account == "0" * 11:
        payer_account = None  # no payer account, e.g. cash paid at a counter
    # Concatenation: faster here than unpacking into a new tuple.
    return item1 + (form_number, reference, bank_date, payer_account, None, line_no - 1)  # noqa: RUF005


def amount_item_3(
    line: str, line_no: int, transaction: TransactionTuple, head: str, number_s: str
) -> TransactionTuple:
    """Record 32 (types 20 and 21): ``transaction`` with its free text."""
    if line[:6] != head or line[8:15] != number_s:
        _check_item_link(line, line_no, "32", head, number_s)
    expect_filler(line, line_no, 56)
    text = line[15:55]
    if _CONTROL.search(text):
        raise error(
            _("Line %(line)d: the free text (positions 16-55) contains control characters: %(got)s"),
            line_no,
            "text",
            got=show(text),
        )
    return (*transaction[:14], text.strip() or None, transaction[15])


def end_figures(line: str, line_no: int, record: str) -> tuple[int, int, int]:
    """Records 88 and 89: the codes and the stated number of transactions, number of records
    and total amount in øre."""
    expect_codes(line, line_no, "0900" if record == "88" else "0000", record)
    expect_digits(
        line,
        line_no,
        (("number_of_transactions", 9, 16), ("number_of_records", 17, 24), ("total_amount", 25, 41)),
    )
    return int(line[8:16]), int(line[16:24]), int(line[24:41])


def assignment_end_dates(line: str, line_no: int) -> tuple[date | None, date | None, date | None]:
    """Record 88, after its figures: Nets date, first and last date, and the filler."""
    nets_date = to_date(line[41:47], line_no, "nets_date", 42, required=False)
    first_date = to_date(line[47:53], line_no, "first_date", 48, required=False)
    last_date = to_date(line[53:59], line_no, "last_date", 54, required=False)
    expect_filler(line, line_no, 60)
    return nets_date, first_date, last_date


def transmission_end_date(line: str, line_no: int) -> date | None:
    """Record 89, after its figures: Nets date and the filler."""
    nets_date = to_date(line[41:47], line_no, "nets_date", 42, required=False)
    expect_filler(line, line_no, 48)
    return nets_date


# --- Cold paths: which field failed ---------------------------------------------------------


def _diagnose_item1(line: str, line_no: int) -> None:
    """Find which field of a record 30 made the combined digit check fail."""
    expect_digits(line, line_no, (("transaction_number", 9, 15),))
    to_date(line[15:21], line_no, "nets_date", 16, required=True)
    expect_digits(
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


def _check_item_link(line: str, line_no: int, record: str, head: str, number_s: str) -> None:
    """Say how a 31/32 fails to belong to the 30 before it (type or number)."""
    expect_ny(line, line_no)
    codes = head[2:]
    if line[2:6] != codes:
        expect_transaction_codes(line, line_no, record)
        raise error(
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
    expect_digits(line, line_no, (("transaction_number", 9, 15),))
    raise error(
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

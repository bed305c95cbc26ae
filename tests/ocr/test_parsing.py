"""The OCR parser on the real Nets sample, on hand-made edge cases and on broken files.

A file that moves money is rejected whole on any doubt, with an error that names the line
and the field (so support can tell the customer what is wrong), and never with an
AssertionError, KeyError or UnicodeDecodeError (so the importer never shows a 500). The
checks netsgiro lacks (control totals in 88/89, record order, stripped blanks) are pinned
here one by one; a hypothesis mutator then throws random damage at a valid file.
"""

import contextlib
import io
import pickle
import random
import tracemalloc
from datetime import date
from decimal import Decimal
from pathlib import Path

import netsgiro
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ocr.parsing import (
    OcrAssignmentEnd,
    OcrAssignmentStart,
    OcrParseError,
    OcrTransaction,
    OcrTransmissionEnd,
    OcrTransmissionStart,
    iter_records,
    parse_ocr,
)
from tests.ocr.ocrgen import (
    AssignmentSpec,
    TransmissionSpec,
    TxSpec,
    account_number,
    big_spec,
    fast_ocr,
    iter_fast_lines,
)

SAMPLE = Path(__file__).parent / "data" / "nets_ocr_giro_sample.txt"
NORWEGIAN_TEXT = "Takk fra Ærlige Øyvind på Ås"
ACCOUNT_1 = account_number(1503_12_34560)
ACCOUNT_2 = account_number(8601_11_17940)


def base_spec() -> TransmissionSpec:
    """Two assignments; line numbers of the written file in the comments."""
    day = date(2025, 3, 3)
    return TransmissionSpec(  # line 1: 10
        number="0000042",
        date=day,
        assignments=[
            AssignmentSpec(  # line 2: 20
                number="0000001",
                account=ACCOUNT_1,
                date=day,
                transactions=[
                    TxSpec(10, 1, day, 102000, kid="0000531"),  # lines 3-4
                    TxSpec(21, 2, day, 50, kid="12", text=NORWEGIAN_TEXT),  # lines 5-7
                    TxSpec(13, 3, day, 99_999_99, kid="1" * 25, debit_account="86011117947"),  # lines 8-9
                ],
            ),  # line 10: 88
            AssignmentSpec(  # line 11: 20
                number="0000002",
                account=ACCOUNT_2,
                agreement_id="001008566",
                transactions=[TxSpec(10, 1, day, 4200, kid="1234567890")],  # lines 12-13
            ),  # line 14: 88
        ],
    )  # line 15: 89


BASE = fast_ocr(base_spec()).split("\n")


def as_bytes(lines: list[str], newline: str = "\r\n") -> bytes:
    return newline.join(lines).encode("latin-1") + newline.encode()


def put(line: str, pos: int, value: str) -> str:
    """Overwrite ``line`` at 1-based position ``pos``."""
    return line[: pos - 1] + value + line[pos - 1 + len(value) :]


def edited(**changes) -> list[str]:
    lines = list(BASE)
    for key, value in changes.items():
        lines[int(key[1:]) - 1] = value
    return lines


def test_base_file_is_read_in_full():
    result = parse_ocr(as_bytes(BASE))
    assert (result.transmitter, result.number, result.recipient) == ("00008080", "0000042", "00105625")
    assert result.transaction_count == 4 and result.record_count == 15
    assert result.total_amount == Decimal("1020.00") + Decimal("0.50") + Decimal("99999.99") + Decimal(
        "42.00"
    )
    first, second = result.assignments
    assert (first.number, first.account, first.agreement_id, first.start_line) == (
        "0000001",
        ACCOUNT_1,
        None,
        2,
    )
    assert (second.agreement_id, second.transaction_count, second.record_count) == ("001008566", 1, 4)
    assert [t.kid for t in first.transactions] == ["0000531", "12", "1" * 25]
    assert [t.line_no for t in first.transactions] == [3, 5, 8]
    text_payment = first.transactions[1]
    assert (text_payment.type, text_payment.amount, text_payment.text) == (
        21,
        Decimal("0.50"),
        NORWEGIAN_TEXT,
    )
    assert first.transactions[2].payer_account == "86011117947"
    assert first.transactions[0].payer_account is None  # all zeros: no payer account


def _with_credit_note() -> TransmissionSpec:
    """BASE with transaction 1 of the first assignment (NOK 1 020.00) a credit note."""
    spec = base_spec()
    spec.assignments[0].transactions[0].sign = "-"
    return spec


def test_a_credit_note_is_negative_and_the_totals_are_signed():
    """Item 5 of issue 20: Nets' 88/89 state the signed sum (sign '-' at position 32)."""
    lines = fast_ocr(_with_credit_note()).split("\n")
    signed = -102000 + 50 + 9999999
    assert (
        lines[2][31] == "-"
        and lines[9][24:41] == f"{signed:017d}"
        and lines[14][24:41] == f"{signed + 4200:017d}"
    )
    result = parse_ocr(as_bytes(lines))
    credit = result.assignments[0].transactions[0]
    assert (credit.sign, credit.amount) == ("-", Decimal("-1020.00"))
    assert result.assignments[0].total_amount == Decimal("98980.49")
    assert result.total_amount == Decimal("99022.49")


@pytest.mark.parametrize("record", ["88", "89"])
def test_a_total_that_ignores_the_sign_is_refused_with_the_signed_totals(record):
    lines = fast_ocr(_with_credit_note()).split("\n")
    # what netsgiro's writer states: the sum without signs
    if record == "88":
        lines[9] = put(lines[9], 25, f"{102000 + 50 + 9999999:017d}")
    else:
        lines[14] = put(lines[14], 25, f"{102000 + 50 + 9999999 + 4200:017d}")
    with pytest.raises(OcrParseError) as caught:
        parse_ocr(as_bytes(lines))
    error = caught.value
    assert error.field == "total_amount"
    if record == "88":
        assert error.message == (
            "Line 10: record 88 states a total of NOK 101 020.49, but the transactions of assignment "
            "0000001 (line 2) add up to NOK 98 980.49: NOK 100 000.49 in payments less NOK 1 020.00 in "
            "credit notes (sign '-' at position 32)"
        )
    else:
        assert error.message == (
            "Line 15: record 89 states a total of NOK 101 062.49, but the transactions of the transmission "
            "add up to NOK 99 022.49: NOK 100 042.49 in payments less NOK 1 020.00 in credit notes "
            "(sign '-' at position 32)"
        )


def test_the_nets_sample_file():
    """The manual's example as shipped with netsgiro: 20 transactions, NOK 51 449.00."""
    raw = SAMPLE.read_bytes()
    result = parse_ocr(raw)
    assert result.recipient == "00010200"
    assert result.transmitter == "00008080"
    assert result.nets_date == date(1992, 1, 20)
    assert result.transaction_count == 20 and result.record_count == 45
    assert result.total_amount == Decimal("51449.00")
    (assignment,) = result.assignments
    assert (assignment.account, assignment.agreement_id) == ("99991042764", "001008566")
    assert len(assignment.transactions) == 20
    assert sum(t.amount for t in assignment.transactions) == Decimal("51449.00")
    first = assignment.transactions[0]
    assert (first.type, first.kid, first.text, first.amount) == (
        21,
        "0000531",
        "Foo bar baz",
        Decimal("1020.00"),
    )
    ng = netsgiro.parse(raw.decode("latin-1"))
    assert [t.kid for t in assignment.transactions] == [t.kid for t in ng.assignments[0].transactions]
    assert [t.amount for t in assignment.transactions] == [t.amount for t in ng.assignments[0].transactions]


def test_iter_records_yields_in_file_order_and_ends_with_the_verified_89():
    kinds = [type(r) for r in iter_records(io.BytesIO(as_bytes(BASE)))]
    assert kinds == [
        OcrTransmissionStart,
        OcrAssignmentStart,
        OcrTransaction,
        OcrTransaction,
        OcrTransaction,
        OcrAssignmentEnd,
        OcrAssignmentStart,
        OcrTransaction,
        OcrAssignmentEnd,
        OcrTransmissionEnd,
    ]


def test_tuples_carry_the_transactions_fields_in_order():
    """The importer's form: the same records, transactions as plain tuples of their fields."""
    records = list(iter_records(as_bytes(BASE)))
    tuples = list(iter_records(as_bytes(BASE), tuples=True))
    assert len(records) == len(tuples)
    for record, plain in zip(records, tuples, strict=True):
        if isinstance(record, OcrTransaction):
            assert plain.__class__ is tuple
            assert plain == tuple(getattr(record, name) for name in OcrTransaction.__match_args__)
        else:
            assert plain == record
    # errors are the same too
    bad = as_bytes(edited(l10=_count_records(BASE[9], 99)))
    with pytest.raises(OcrParseError) as plain_error:
        list(iter_records(bad, tuples=True))
    with pytest.raises(OcrParseError) as error:
        list(iter_records(bad))
    assert str(plain_error.value) == str(error.value)


def test_trailing_blank_lines_are_fine_and_lf_too():
    assert parse_ocr(as_bytes(BASE, "\n") + b"\n\n").transaction_count == 4


def test_zero_transactions():
    empty_assignment = TransmissionSpec("0000001", date(2025, 1, 2), [AssignmentSpec("0000009", ACCOUNT_1)])
    result = parse_ocr(fast_ocr(empty_assignment))
    assert result.transaction_count == 0 and result.total_amount == Decimal("0.00")
    assert result.assignments[0].transactions == () and result.assignments[0].record_count == 2
    nothing = parse_ocr(fast_ocr(TransmissionSpec("0000001", date(2025, 1, 2))))
    assert nothing.assignments == () and nothing.record_count == 2


def test_blank_kid_is_none_and_kid_of_two_and_twenty_five_digits_kept():
    lines = edited(l5=put(BASE[4], 50, " " * 25))  # the 21 without a KID
    result = parse_ocr(as_bytes(lines))
    assert [t.kid for t in result.assignments[0].transactions] == ["0000531", None, "1" * 25]
    assert netsgiro.parse("\n".join(lines)).assignments[0].transactions[1].kid is None


def test_a_text_transaction_may_come_without_its_32():
    lines = edited(l10=_count_records(BASE[9], 8), l15=_count_records(BASE[14], 14))
    del lines[6]
    result = parse_ocr(as_bytes(lines))
    payment = result.assignments[0].transactions[1]
    assert (payment.type, payment.text, payment.kid) == (21, None, "12")
    assert result.assignments[0].record_count == 8 and result.record_count == 14


def test_norwegian_text_is_read_as_iso_8859_1():
    raw = as_bytes(BASE)
    assert NORWEGIAN_TEXT.encode("latin-1") in raw  # one byte per letter, as Nets writes it
    assert parse_ocr(raw).assignments[0].transactions[1].text == NORWEGIAN_TEXT


def test_lines_with_stripped_trailing_blanks_are_padded():
    # A bank that writes blank fillers and strips them: record 10 loses its 49 filler zeros.
    lines = edited(l1=BASE[0][:31], l7=BASE[6][:55].rstrip())
    result = parse_ocr(as_bytes(lines))
    assert result.recipient == "00105625"
    assert result.assignments[0].transactions[1].text == NORWEGIAN_TEXT


def _tx_number(line: str, number: int) -> str:
    return put(line, 9, f"{number:07d}")


def _count_records(line: str, count: int) -> str:
    return put(line, 17, f"{count:08d}")


BAD = {
    "empty file": (b"", None, None, "The file is empty"),
    "only blank lines": (b"\r\n\r\n", None, None, "The file is empty"),
    "binary garbage (png)": (
        b"\x89PNG\r\n\x1a\n" + bytes(range(256)),
        1,
        "format_code",
        "not a Nets OCR giro file",
    ),
    "binary garbage without newlines": (
        random.Random(7).randbytes(200_000).replace(b"\n", b""),
        1,
        "line_length",
        "no line break",
    ),
    "truncated: no 88 and 89": (as_bytes(BASE[:13]), 13, "record_type", "ends inside assignment 0000002"),
    "truncated: no 89": (as_bytes(BASE[:14]), 14, "record_type", "without the transmission end record 89"),
    "79 characters, not stripped blanks": (
        as_bytes(edited(l3=BASE[2][:20] + BASE[2][21:])),
        3,
        "amount",  # the shift pulls a KID blank into the amount
        "only 79 characters",
    ),
    "81 characters": (as_bytes(edited(l4=BASE[3] + "0")), 4, "line_length", "81 characters"),
    "letters in an amount": (
        as_bytes(edited(l3=put(BASE[2], 45, "O"))),
        3,
        "amount",
        "amount (positions 33-49)",
    ),
    "wrong total in 88": (
        as_bytes(edited(l10=put(BASE[9], 41, "1"))),
        10,
        "total_amount",
        "states a total of NOK 101 020.41, but the transactions of assignment 0000001 (line 2) add up to NOK 101 020.49",
    ),
    "wrong count in 89": (
        as_bytes(edited(l15=put(BASE[14], 9, "00000005"))),
        15,
        "number_of_transactions",
        "states 5 transactions, but the transmission has 4",
    ),
    "wrong record count in 88": (
        as_bytes(edited(l14=_count_records(BASE[13], 5))),
        14,
        "number_of_records",
        "states 5 records, but assignment 0000002 (line 11) has 4",
    ),
    "wrong record count in 89": (
        as_bytes(edited(l15=_count_records(BASE[14], 14))),
        15,
        "number_of_records",
        "states 14 records, but the transmission has 15",
    ),
    "a transaction pair removed": (
        as_bytes(BASE[:7] + BASE[9:]),
        8,
        "number_of_transactions",
        "states 3 transactions, but assignment 0000001 (line 2) has 2",
    ),
    "tampered amount": (
        as_bytes(edited(l12=put(BASE[11], 33, "00000000000004300"))),
        14,
        "total_amount",
        "states a total of NOK 42.00, but the transactions of assignment 0000002 (line 11) add up to NOK 43.00",
    ),
    "31 without 30": (as_bytes(BASE[:2] + BASE[3:]), 3, "record_type", "got record 31"),
    "30 without 31": (as_bytes(BASE[:3] + BASE[4:]), 4, "record_type", "expected amount item 2 (record 31)"),
    "mismatched transaction numbers": (
        as_bytes(edited(l4=_tx_number(BASE[3], 9))),
        4,
        "transaction_number",
        "transaction number 9 in record 31 differs from 1",
    ),
    "mismatched transaction types": (
        as_bytes(edited(l4=put(BASE[3], 5, "11"))),
        4,
        "transaction_type",
        "type 11 in record 31 differs from type 10",
    ),
    "a 32 for type 10": (
        as_bytes([*BASE[:4], "NY091032" + "0000001" + "Hei".ljust(40) + "0" * 25, *BASE[4:]]),
        5,
        "record_type",
        "only for transaction types 20 and 21",
    ),
    "two transmissions": (as_bytes(BASE + BASE), 16, "record_type", "exactly one transmission"),
    "a second 10 inside": (
        as_bytes(BASE[:10] + BASE[:1] + BASE[10:]),
        11,
        "record_type",
        "second transmission",
    ),
    "data after 89": (
        as_bytes([*BASE, "Hilsen banken"]),
        16,
        "record_type",
        "data after the transmission end",
    ),
    "empty line inside": (as_bytes([*BASE[:5], "", *BASE[5:]]), 6, "line_length", "empty line"),
    "not NY": (as_bytes(edited(l5=put(BASE[4], 1, "XY"))), 5, "format_code", "starts with 'NY'"),
    "unknown record type": (
        as_bytes(edited(l5=put(BASE[4], 7, "49"))),
        5,
        "record_type",
        "unknown record type",
    ),
    "non-digit record type": (
        as_bytes(edited(l5=put(BASE[4], 7, "3O"))),
        5,
        "record_type",
        "unknown record type",
    ),
    "first record not 10": (
        as_bytes(BASE[1:]),
        1,
        "record_type",
        "transmission start (record 10) as the first",
    ),
    "AvtaleGiro assignment": (as_bytes(edited(l2=put(BASE[1], 3, "21"))), 2, "service_code", "AvtaleGiro"),
    "transaction type 22": (
        as_bytes(edited(l3=put(BASE[2], 5, "22"))),
        3,
        "transaction_type",
        "must be 10-21",
    ),
    "impossible date": (
        as_bytes(edited(l3=put(BASE[2], 16, "300225"))),
        3,
        "nets_date",
        "not a real date: 300225",
    ),
    "missing nets date": (as_bytes(edited(l3=put(BASE[2], 16, "000000"))), 3, "nets_date", "required"),
    "letters in a bank date": (as_bytes(edited(l4=put(BASE[3], 42, "0A0325"))), 4, "bank_date", "6 digits"),
    "letters in a count": (
        as_bytes(edited(l10=put(BASE[9], 9, "0000000X"))),
        10,
        "number_of_transactions",
        "8 digits",
    ),
    "letters in the transmitter": (
        as_bytes(edited(l1=put(BASE[0], 9, "NETS0808"))),
        1,
        "data_transmitter",
        "",
    ),
    "account fails MOD11": (
        as_bytes(edited(l2=put(BASE[1], 25, "86011117949"))),
        2,
        "assignment_account",
        "86011117949 fails the MOD11",
    ),
    "KID not right-aligned": (as_bytes(edited(l3=put(BASE[2], 50, "0000531" + " " * 18))), 3, "kid", ""),
    "KID with a letter": (as_bytes(edited(l3=put(BASE[2], 68, "0000S31"))), 3, "kid", ""),
    "sign other than 0 or -": (as_bytes(edited(l3=put(BASE[2], 32, "+"))), 3, "sign", ""),
    "filler not zeros": (as_bytes(edited(l4=put(BASE[3], 70, "7"))), 4, "filler", "all zeros or all blanks"),
    "duplicate transaction number": (
        as_bytes(edited(l8=_tx_number(BASE[7], 1), l9=_tx_number(BASE[8], 1))),
        8,
        "transaction_number",
        "transaction number 1 appears twice",
    ),
    "duplicate assignment number": (
        as_bytes(edited(l11=put(BASE[10], 18, "0000001"))),
        11,
        "assignment_number",
        "appears twice",
    ),
    "NUL in the free text": (as_bytes(edited(l7=put(BASE[6], 20, "\x00"))), 7, "text", "control characters"),
    "UTF-8 instead of ISO-8859-1": (
        "\r\n".join(BASE).encode("utf-8"),
        7,
        "line_length",
        "84 characters (it looks UTF-8 encoded",
    ),
    "carriage return inside a line": (
        as_bytes(edited(l4=BASE[3][:40] + "\r" + BASE[3][40:])),
        4,
        "line_length",
        "carriage return",
    ),
}


@pytest.mark.parametrize("name", list(BAD))
def test_bad_input_is_rejected_with_line_and_field(name):
    data, line_no, field, fragment = BAD[name]
    with pytest.raises(OcrParseError) as caught:
        parse_ocr(data)
    error = caught.value
    assert (error.line_no, error.field) == (line_no, field), str(error)
    assert fragment in error.message
    shown = str(error)
    if line_no is not None:
        assert shown.startswith(f"Line {line_no}: ")


def test_base_is_valid_so_each_bad_case_fails_for_its_own_reason():
    # Guards the table above: netsgiro and we both accept the untouched file.
    assert netsgiro.parse("\n".join(BASE)).get_num_transactions() == 4
    assert parse_ocr("\n".join(BASE)).transaction_count == 4


def test_netsgiro_misses_what_we_catch():
    """The reason this parser exists: netsgiro accepts a tampered amount and a dropped transaction."""
    tampered = edited(l12=put(BASE[11], 33, "00000000000004300"))
    dropped = BASE[:7] + BASE[9:]
    for lines in (tampered, dropped):
        netsgiro.parse("\n".join(lines))  # no complaint from the reference
        with pytest.raises(OcrParseError):
            parse_ocr("\n".join(lines))


def test_str_lines_outside_iso_8859_1_are_rejected():
    lines = edited(l7=put(BASE[6], 16, "Betalt med €"))
    with pytest.raises(OcrParseError) as caught:
        parse_ocr(lines)
    assert (caught.value.field, caught.value.line_no) == ("encoding", 7)


def test_text_file_with_wrong_encoding_is_a_parse_error():
    raw = as_bytes(BASE).replace(b"\xd8", b"\xff\xfe")
    with pytest.raises(OcrParseError) as caught:
        parse_ocr(io.TextIOWrapper(io.BytesIO(raw), encoding="utf-8"))
    assert caught.value.field == "encoding"


def test_error_survives_pickling_for_celery():
    with pytest.raises(OcrParseError) as caught:
        parse_ocr(as_bytes(edited(l3=put(BASE[2], 45, "O"))))
    clone = pickle.loads(pickle.dumps(caught.value))
    assert (clone.message, clone.line_no, clone.field, str(clone)) == (
        caught.value.message,
        3,
        "amount",
        str(caught.value),
    )


def test_an_endless_line_is_not_read_whole():
    class Endless(io.RawIOBase):
        """A stream of 'A's with no newline, as large as anyone asks for."""

        served = 0

        def readable(self):
            return True

        def readinto(self, buffer):
            buffer[:] = b"A" * len(buffer)
            self.served += len(buffer)
            return len(buffer)

    stream = Endless()
    with pytest.raises(OcrParseError) as caught:
        parse_ocr(io.BufferedReader(stream))
    assert caught.value.field == "line_length"
    assert stream.served <= 1 << 20


def test_streaming_memory_stays_flat():
    """A 12,000-transaction file streamed from disk stays within a few MB of Python memory."""
    spec = big_spec(12_000)
    data = ("\r\n".join(iter_fast_lines(spec)) + "\r\n").encode("latin-1")
    stream = io.BytesIO(data)
    tracemalloc.start()
    try:
        count = sum(1 for record in iter_records(stream) if type(record) is OcrTransaction)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert count == 12_000
    # One 256 kB read chunk (decoded and split) plus the assignment's transaction numbers.
    assert peak < 2_500_000, peak
    assert peak < len(data) * 2.5


# --- Random damage ---------------------------------------------------------------------

MUTATIONS = ("delete", "duplicate", "swap", "char", "truncate", "extend", "join")
CHARS = "0123456789 -AZæ\x00\r"


@st.composite
def damaged(draw) -> list[str]:
    lines = list(BASE)
    for _ in range(draw(st.integers(1, 3))):
        if not lines:
            break
        kind = draw(st.sampled_from(MUTATIONS))
        i = draw(st.integers(0, len(lines) - 1))
        if kind == "delete":
            del lines[i]
        elif kind == "duplicate":
            lines.insert(i, lines[i])
        elif kind == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif kind == "char":
            pos = draw(st.integers(1, 80))
            lines[i] = put(lines[i], pos, draw(st.sampled_from(CHARS)))
        elif kind == "truncate":
            lines[i] = lines[i][: draw(st.integers(0, 79))]
        elif kind == "extend":
            lines[i] += draw(st.text(alphabet=CHARS, min_size=1, max_size=3))
        elif kind == "join" and i + 1 < len(lines):
            lines[i : i + 2] = [lines[i] + lines[i + 1]]
    return lines


def assert_consistent(result) -> None:
    """Whatever is returned adds up, whatever the damage."""
    total = Decimal(0)
    records = 2
    count = 0
    for assignment in result.assignments:
        assert assignment.transaction_count == len(assignment.transactions)
        assert assignment.total_amount == sum((t.amount for t in assignment.transactions), Decimal(0))
        # Records: 20, 88 and a 30/31 pair per transaction, plus a 32 that a 20/21 may have.
        minimum = 2 + 2 * len(assignment.transactions)
        text_types = sum(1 for t in assignment.transactions if t.type in (20, 21))
        assert minimum <= assignment.record_count <= minimum + text_types
        numbers = [t.number for t in assignment.transactions]
        assert len(set(numbers)) == len(numbers)
        total += assignment.total_amount
        records += assignment.record_count
        count += assignment.transaction_count
    assert (result.total_amount, result.record_count, result.transaction_count) == (total, records, count)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(damaged(), st.sampled_from(["\n", "\r\n"]))
def test_damaged_files_either_parse_consistently_or_raise_ocr_parse_error(lines, newline):
    data = newline.join(lines).encode("latin-1", errors="replace")
    try:
        result = parse_ocr(data)
    except OcrParseError as error:
        assert error.message
        assert error.line_no is None or 1 <= error.line_no <= len(lines) + 1
    else:
        assert_consistent(result)


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=400) | st.lists(st.text(max_size=90), max_size=6))
def test_arbitrary_input_only_ever_raises_ocr_parse_error(data):
    with contextlib.suppress(OcrParseError):
        parse_ocr(data)


_UNDER_O = """
import sys
sys.path.insert(0, {root!r})
from ocr.parsing import OcrParseError, parse_ocr
from tests.ocr.test_parsing import BAD
assert sys.flags.optimize == 1
for name, (data, line_no, field, _fragment) in BAD.items():
    try:
        parse_ocr(data)
    except OcrParseError as error:
        if (error.line_no, error.field) != (line_no, field):
            print("WRONG", name, error)
    else:
        print("ACCEPTED", name)
print("DONE", len(BAD))
"""


def test_bad_input_is_rejected_the_same_under_python_minus_o():
    """Validation never rests on ``assert``, which ``python -O`` strips."""
    import subprocess
    import sys

    root = str(Path(__file__).resolve().parents[2])
    out = subprocess.run(
        [sys.executable, "-O", "-c", _UNDER_O.format(root=root)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=root,
        env={"PYTHONPATH": root, "PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "bankint.settings.test"},
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == f"DONE {len(BAD)}"

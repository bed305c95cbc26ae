"""Our OCR parser must read every file netsgiro writes exactly as netsgiro reads it.

netsgiro is the reference implementation of the Nets layout, so hypothesis generates
transmissions (transaction types 10-21, amounts up to 10^9 øre, KIDs of 2-25 digits with
leading zeros, dates across the two-digit-year pivot, Norwegian text, several assignments)
through netsgiro's writer and compares both readings field by field. The same files are
also fed with CRLF endings, with trailing blanks stripped, and through every kind of source
the importer may hand us (bytes, file objects, str, iterables of lines).
"""

import io
from datetime import date
from decimal import Decimal

import netsgiro
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ocr.parsing import parse_ocr
from tests.ocr.ocrgen import (
    AssignmentSpec,
    TransmissionSpec,
    TxSpec,
    account_number,
    fast_ocr,
    netsgiro_ocr,
    signed_total_ore,
    strip_trailing_blanks,
)

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# strptime's %y (and so netsgiro) maps 69-99 to 1969-1999 and 00-68 to 2000-2068.
dates = st.dates(min_value=date(1969, 1, 1), max_value=date(2068, 12, 31))
digits = st.text(alphabet="0123456789", min_size=1, max_size=1)


def fixed_digits(n: int):
    return st.text(alphabet="0123456789", min_size=n, max_size=n)


kids = st.text(alphabet="0123456789", min_size=2, max_size=25)
# Printable ISO-8859-1 text as a payment terminal would send it, Norwegian letters included.
texts = st.text(
    alphabet=st.sampled_from("abcdefghijklmnopqrstuvwxyzæøåABCDEFGHIJKLMNOPQRSTUVWXYZÆØÅ0123456789 .,-/:éü"),
    max_size=40,
)


@st.composite
def transactions(draw, number: int) -> TxSpec:
    t_type = draw(st.integers(10, 21))
    with_text = t_type in (20, 21)
    return TxSpec(
        type=t_type,
        number=number,
        nets_date=draw(dates),
        amount_ore=draw(st.integers(0, 10**9)),
        # netsgiro's writer cannot write a transaction without a KID (a blank KID is
        # covered by test_parsing.py with a hand-made record).
        kid=draw(kids),
        centre_id=draw(fixed_digits(2)),
        day_code=draw(st.integers(0, 99)),
        partial_settlement_number=draw(st.integers(0, 9)),
        partial_settlement_serial=draw(fixed_digits(5)),
        sign=draw(st.sampled_from("0-")),
        form_number=draw(fixed_digits(10)),
        reference=draw(fixed_digits(9)),
        filler=draw(fixed_digits(7)),
        bank_date=draw(st.none() | dates),
        debit_account=draw(st.sampled_from(["00000000000"]) | fixed_digits(11)),
        text=draw(st.none() | texts) if with_text else None,
    )


@st.composite
def transmissions(draw) -> TransmissionSpec:
    spec = TransmissionSpec(
        number=draw(fixed_digits(7)),
        date=draw(dates),
        transmitter=draw(fixed_digits(8)),
        recipient=draw(fixed_digits(8)),
    )
    count = draw(st.integers(0, 3))
    numbers = draw(st.lists(fixed_digits(7), min_size=count, max_size=count, unique=True))
    for a_number in numbers:
        n_tx = draw(st.integers(0, 6))
        spec.assignments.append(
            AssignmentSpec(
                number=a_number,
                account=account_number(draw(st.integers(10**6, 10**10 - 1))),  # registry code ≥ 0001
                agreement_id=draw(st.none() | fixed_digits(9)),
                date=draw(st.none() | dates),
                transactions=[draw(transactions(i)) for i in range(1, n_tx + 1)],
            )
        )
        # An 88 cannot state a negative total: credit notes never outweigh the payments.
        if signed_total_ore(spec.assignments[-1]) < 0:
            for t in spec.assignments[-1].transactions:
                t.sign = "0"
    return spec


def signed(t) -> Decimal:
    """A netsgiro transaction's amount with its sign: netsgiro reads the sign but ignores it."""
    return -t.amount if t.sign == "-" else t.amount


def assert_agrees(ours, ng) -> None:
    """Field by field: our reading equals netsgiro's."""
    assert (ours.transmitter, ours.number, ours.recipient) == (
        ng.data_transmitter,
        ng.number,
        ng.data_recipient,
    )
    assert ours.nets_date == ng.date
    assert ours.transaction_count == ng.get_num_transactions()
    assert ours.record_count == ng.get_num_records()
    assert ours.total_amount == sum((signed(t) for a in ng.assignments for t in a.transactions), Decimal(0))
    assert len(ours.assignments) == len(ng.assignments)
    for oa, na in zip(ours.assignments, ng.assignments, strict=True):
        assert oa.service_code == f"{na.service_code:02d}"
        assert (oa.number, oa.account) == (na.number, na.account)
        # netsgiro keeps "000000000"; no agreement id is None for us (DNB never sets it).
        assert oa.agreement_id == (na.agreement_id if na.agreement_id.strip("0") else None)
        assert oa.nets_date == na.date
        assert oa.first_date == na.get_earliest_transaction_date()
        assert oa.last_date == na.get_latest_transaction_date()
        assert oa.transaction_count == na.get_num_transactions() == len(oa.transactions)
        assert oa.record_count == na.get_num_records()
        assert oa.total_amount == sum((signed(t) for t in na.transactions), Decimal(0))
        for ot, nt in zip(oa.transactions, na.transactions, strict=True):
            assert ot.type == int(nt.type)
            assert ot.number == nt.number
            assert ot.nets_date == nt.date
            assert ot.centre_id == nt.centre_id
            assert ot.day_code == nt.day_code
            assert ot.partial_settlement_number == nt.partial_settlement_number
            assert ot.partial_settlement_serial == nt.partial_settlement_serial_number
            assert ot.sign == nt.sign
            assert ot.amount == signed(nt)
            assert isinstance(ot.amount, Decimal) and ot.amount.as_tuple().exponent == -2
            assert ot.kid == nt.kid  # leading zeros kept, as netsgiro reads them
            assert ot.form_number == nt.form_number
            assert ot.archive_reference == nt.reference
            assert ot.bank_date == nt.bank_date
            assert ot.payer_account == (nt.debit_account if nt.debit_account.strip("0") else None)
            assert ot.text == nt.text


@SETTINGS
@given(transmissions())
def test_fast_writer_writes_what_netsgiros_writer_writes(spec):
    assert fast_ocr(spec) == netsgiro_ocr(spec)


@SETTINGS
@given(
    transmissions(),
    st.sampled_from(["\n", "\r\n"]),
    st.sampled_from(["bytes", "binary_file", "str", "text_file", "lines", "byte_lines"]),
    st.booleans(),
)
def test_parser_agrees_with_netsgiro_field_by_field(spec, newline, kind, final_newline):
    text = netsgiro_ocr(spec)
    ng = netsgiro.parse(text)
    data = text.replace("\n", newline) + (newline if final_newline else "")
    encoded = data.encode("latin-1")
    source = {
        "bytes": lambda: encoded,
        "binary_file": lambda: io.BytesIO(encoded),
        "str": lambda: data,
        "text_file": lambda: io.StringIO(data, newline=""),
        "lines": lambda: data.splitlines(keepends=True),
        "byte_lines": lambda: encoded.splitlines(keepends=True),
    }[kind]()
    assert_agrees(parse_ocr(source), ng)


@SETTINGS
@given(transmissions(), st.sampled_from(["\n", "\r\n"]))
def test_stripped_trailing_blanks_read_like_netsgiro_reads_the_full_file(spec, newline):
    text = netsgiro_ocr(spec)
    stripped = strip_trailing_blanks(text, newline)
    # The premise of the test: netsgiro itself refuses such files when lines got shorter.
    if any(len(line) != 80 for line in stripped.split(newline)):
        with pytest.raises(ValueError, match="80 chars"):
            netsgiro.parse(stripped)
    assert_agrees(parse_ocr(stripped.encode("latin-1")), netsgiro.parse(text))

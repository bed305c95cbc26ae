"""camt.054.001.02 debit notifications: how a sent payment becomes booked, found by PmtInfId and EndToEndId."""

from __future__ import annotations

import subprocess
import sys
import threading
import zipfile
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from iso20022.camt054 import parse_camt054
from iso20022.errors import IsoFormatError
from iso20022.pain001 import build_pain001
from iso20022.xsd import NS_CAMT053, NS_CAMT054, get_schema, schema_file
from tests.remittance.isofiles import (
    DEBTOR_ACCOUNT,
    BookedEntry,
    BookedTx,
    Notification,
    camt054_xml,
    make_message,
)

OSLO = timezone(timedelta(hours=1))
ROOT = Path(__file__).resolve().parents[2]


def test_single_entries_one_per_payment_with_booking_date():
    data = camt054_xml(
        [
            Notification(
                entries=(
                    BookedEntry(
                        Decimal("1500.00"),
                        date(2025, 3, 4),
                        (BookedTx("E2E-1", None, pmt_inf_id="B-1"),),
                        value=date(2025, 3, 4),
                        acct_svcr_ref="DNB-REF-1",
                    ),
                    BookedEntry(
                        Decimal("20.50"), date(2025, 3, 5), (BookedTx("E2E-2", None, pmt_inf_id="B-1"),)
                    ),
                )
            )
        ]
    )
    report = parse_camt054(data)
    assert report.msg_id == "DNB-054-0001"
    (ntf,) = report.notifications
    assert ntf.account_bban == DEBTOR_ACCOUNT and ntf.account_iban is None and ntf.currency == "NOK"
    first, second = ntf.entries
    assert (first.amount, first.currency, first.credit_debit, first.status) == (
        Decimal("1500.00"),
        "NOK",
        "DBIT",
        "BOOK",
    )
    assert first.booking_date == date(2025, 3, 4) and first.booking_at is None
    assert first.value_date == date(2025, 3, 4)
    assert first.account_servicer_ref == "DNB-REF-1"
    assert first.reversal is False
    # A single TxDtls without its own amount is booked for the entry amount.
    assert [(t.pmt_inf_id, t.end_to_end_id, t.amount) for t in first.transactions] == [
        ("B-1", "E2E-1", Decimal("1500.00"))
    ]
    assert second.value_date is None
    assert second.transactions[0].amount == Decimal("20.50")


def test_batch_entry_is_split_by_the_transaction_amounts_not_the_total():
    # The entry total includes a 2.50 fee: each payment keeps its own booked amount.
    entry = BookedEntry(
        Decimal("302.50"),
        datetime(2025, 3, 4, 23, 30, tzinfo=OSLO),
        (
            BookedTx("E2E-1", Decimal("100.00")),
            BookedTx("E2E-2", Decimal("150.00")),
            BookedTx("E2E-3", Decimal("50.00"), amount_element="InstdAmt"),
        ),
        batch_pmt_inf_id="B-7",
        value=datetime(2025, 3, 5, 0, 0, tzinfo=OSLO),
    )
    report = parse_camt054(camt054_xml([Notification(entries=(entry,))]))
    (parsed,) = report.notifications[0].entries
    assert parsed.amount == Decimal("302.50")
    assert parsed.batch_pmt_inf_id == "B-7"
    # DtTm: the bank's calendar day as written, and the instant kept.
    assert parsed.booking_date == date(2025, 3, 4)
    assert parsed.booking_at == datetime(2025, 3, 4, 23, 30, tzinfo=OSLO)
    assert parsed.value_date == date(2025, 3, 5)
    assert [(t.pmt_inf_id, t.end_to_end_id, t.amount) for t in parsed.transactions] == [
        ("B-7", "E2E-1", Decimal("100.00")),
        ("B-7", "E2E-2", Decimal("150.00")),
        ("B-7", "E2E-3", Decimal("50.00")),
    ]


def test_batch_entry_without_transaction_amounts_is_refused():
    entry = BookedEntry(
        Decimal("300.00"), date(2025, 3, 4), (BookedTx("E2E-1", None), BookedTx("E2E-2", None))
    )
    with pytest.raises(IsoFormatError, match="cannot be split safely") as err:
        parse_camt054(camt054_xml([Notification(entries=(entry,))]))
    assert err.value.path.endswith("Ntry[1]/NtryDtls/TxDtls[1]/AmtDtls")


def test_several_details_of_one_payment_are_one_booking_of_the_entry_amount():
    # The ISO example's layout: one payment's remittance information in three TxDtls, each
    # naming the same EndToEndId and none an amount. That is one payment, not a batch to split.
    entry = BookedEntry(
        Decimal("200000.00"), date(2025, 3, 4), (BookedTx("E2E-1", None),) * 3, batch_pmt_inf_id="B-1"
    )
    (parsed,) = parse_camt054(camt054_xml([Notification(entries=(entry,))])).notifications[0].entries
    assert [(t.pmt_inf_id, t.end_to_end_id, t.amount) for t in parsed.transactions] == [
        ("B-1", "E2E-1", Decimal("200000.00"))
    ]
    # Two payments without amounts stay refused.
    two = BookedEntry(Decimal("300.00"), date(2025, 3, 4), (BookedTx("E2E-1", None), BookedTx(None, None)))
    with pytest.raises(IsoFormatError, match="transaction 1; the booking cannot be split"):
        parse_camt054(camt054_xml([Notification(entries=(two,))]))


def test_norwegian_iban_account_becomes_its_bban():
    data = camt054_xml([Notification(entries=(), iban="NO9386011117947")])
    (ntf,) = parse_camt054(data).notifications
    assert (ntf.account_bban, ntf.account_iban) == ("86011117947", "NO9386011117947")


def test_foreign_iban_is_kept_without_bban():
    (ntf,) = parse_camt054(
        camt054_xml([Notification(entries=(), iban="SE4550000000058398257466")])
    ).notifications
    assert (ntf.account_bban, ntf.account_iban) == (None, "SE4550000000058398257466")


def test_invalid_norwegian_iban_is_refused():
    with pytest.raises(IsoFormatError, match="not a valid Norwegian IBAN"):
        parse_camt054(camt054_xml([Notification(entries=(), iban="NO9386011117948")]))


def test_several_notifications_credit_entries_and_status_are_reported_as_sent():
    data = camt054_xml(
        [
            Notification(
                id="N1", entries=(BookedEntry(Decimal("10.00"), date(2025, 3, 4), (BookedTx("E1", None),)),)
            ),
            Notification(
                id="N2",
                account="15030100002",
                entries=(BookedEntry(Decimal("5.00"), None, (), credit_debit="CRDT", status="PDNG"),),
            ),
        ]
    )
    report = parse_camt054(data)
    assert [n.id for n in report.notifications] == ["N1", "N2"]
    entry = report.notifications[1].entries[0]
    assert (entry.credit_debit, entry.status, entry.booking_date, entry.transactions) == (
        "CRDT",
        "PDNG",
        None,
        (),
    )
    assert [tx.end_to_end_id for _, _, tx in report.transactions()] == ["E1"]


def test_booking_echoes_a_built_pain001_to_the_ore():
    msg = make_message(12, n_batches=2)
    build_pain001(msg)
    entries = tuple(
        BookedEntry(
            sum(p.amount for p in b.payments),
            b.execution_date,
            tuple(BookedTx(p.end_to_end_id, p.amount, pmt_inf_id=b.pmt_inf_id) for p in b.payments),
        )
        for b in msg.batches
    )
    report = parse_camt054(camt054_xml([Notification(entries=entries)]))
    booked = {tx.end_to_end_id: (tx.pmt_inf_id, tx.amount) for _, _, tx in report.transactions()}
    assert booked == {p.end_to_end_id: (b.pmt_inf_id, p.amount) for b in msg.batches for p in b.payments}


@pytest.mark.parametrize(
    ("mutate", "words"),
    [
        (lambda d: d.replace(b"<BkTxCd>", b"<Foo>").replace(b"</BkTxCd>", b"</Foo>"), "schema"),
        (lambda d: d.replace(NS_CAMT054.encode(), NS_CAMT053.encode()), "not a camt.054.001.02 file"),
        (lambda d: d.replace(b">10.00<", b">10.005<"), "more than two decimals"),
        (lambda d: d[: len(d) // 2], "not well-formed"),
        (
            lambda d: b'<!DOCTYPE x [<!ENTITY a SYSTEM "file:///etc/passwd">]>' + d.split(b"?>", 1)[1],
            "DOCTYPE",
        ),
    ],
)
def test_broken_or_hostile_files_are_refused(mutate, words):
    data = camt054_xml(
        [Notification(entries=(BookedEntry(Decimal("10.00"), date(2025, 3, 4), (BookedTx("E1", None),)),))]
    )
    parse_camt054(data)  # the unmutated file is fine
    with pytest.raises(IsoFormatError, match=words):
        parse_camt054(mutate(data))


# ------------------------------------------------------------------------------- schemas


@pytest.mark.parametrize(
    ("name", "namespace", "message_element"),
    [
        ("pain.001.001.03", "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03", "CstmrCdtTrfInitn"),
        ("pain.002.001.03", "urn:iso:std:iso:20022:tech:xsd:pain.002.001.03", "CstmrPmtStsRpt"),
        ("camt.053.001.02", NS_CAMT053, "BkToCstmrStmt"),
        ("camt.054.001.02", NS_CAMT054, "BkToCstmrDbtCdtNtfctn"),
    ],
)
def test_official_schemas_load_from_the_installed_packages(name, namespace, message_element):
    schema = get_schema(name)
    assert get_schema(name) is schema  # compiled once per thread
    # The schema really is the one for this namespace: an empty Document of it fails on content, not on the root.
    assert not schema.validate(etree.fromstring(f'<Document xmlns="{namespace}"/>'.encode()))
    assert "Missing child element" in str(schema.error_log[0].message) or "expected" in str(
        schema.error_log[0].message
    )


def test_each_thread_gets_its_own_compiled_schema():
    # XMLSchema keeps the error log of its last run; sharing one across threads would mix them.
    mine = get_schema("camt.054.001.02")
    seen = []
    worker = threading.Thread(target=lambda: seen.append(get_schema("camt.054.001.02")))
    worker.start()
    worker.join()
    assert seen and seen[0] is not mine


def test_schemas_load_without_running_the_packages_that_ship_them():
    # Importing pain001 or camt053 costs a process 25-30 MB of their own code; a fresh
    # interpreter compiles all four schemas and has neither package imported.
    code = (
        "import sys\n"
        "from iso20022.xsd import _SCHEMAS, get_schema\n"
        "for name in _SCHEMAS: get_schema(name)\n"
        "print(sorted(m for m in ('pain001', 'camt053') if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout
    assert out.strip() == "[]"


def test_a_schema_in_a_zipped_package_is_read_through_a_real_file(tmp_path, monkeypatch):
    archive = tmp_path / "zipped.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("zippedxsd/__init__.py", "")
        zf.writestr("zippedxsd/xsd/a.xsd", "<schema/>")
    monkeypatch.syspath_prepend(str(archive))
    try:
        with schema_file("zippedxsd", "xsd/a.xsd") as path:
            assert path.read_text() == "<schema/>"
    finally:
        sys.modules.pop("zippedxsd", None)


def test_unknown_schema_name_is_a_programming_error():
    with pytest.raises(ValueError, match="No schema is known"):
        get_schema("pain.002.001.10")  # no installed package ships it


def test_deeply_nested_xml_is_refused_by_the_parser_limits():
    data = (
        b'<Document xmlns="' + NS_CAMT054.encode() + b'">' + b"<a>" * 5000 + b"</a>" * 5000 + b"</Document>"
    )
    with pytest.raises(IsoFormatError, match="not well-formed"):
        parse_camt054(data)


# ---------------------------------------------------------------- business dates (issue 20, item 10)


@pytest.mark.parametrize(
    ("written", "business_date"),
    [
        # One rule for every reader (camt.053 too): a DtTm with an offset is an instant, and the
        # booking's business date is its date in Oslo.
        ("2025-06-30T22:30:00Z", date(2025, 7, 1)),  # summer time: 00:30 on 1 July in Oslo
        ("2025-06-30T22:30:00.000Z", date(2025, 7, 1)),
        ("2025-06-30T22:30:00+00:00", date(2025, 7, 1)),
        ("2025-01-31T23:30:00Z", date(2025, 2, 1)),  # winter time: 00:30 on 1 February
        ("2025-01-31T22:30:00Z", date(2025, 1, 31)),  # 23:30 in Oslo: still the 31st
        ("2025-06-30T18:00:00-05:00", date(2025, 7, 1)),  # 23:00Z = 01:00 in Oslo
        ("2025-07-01T00:30:00+02:00", date(2025, 7, 1)),
        ("2025-03-30T00:30:00Z", date(2025, 3, 30)),  # the night the clocks go forward
        ("2025-10-25T22:30:00Z", date(2025, 10, 26)),  # the night they go back: 00:30 CEST
        ("2025-06-30T23:30:00", date(2025, 6, 30)),  # no offset: already Oslo local time
    ],
)
def test_a_booking_time_is_read_as_the_oslo_business_date(written, business_date):
    placeholder = datetime(2000, 1, 1, tzinfo=UTC)
    entry = BookedEntry(Decimal("10.00"), placeholder, (BookedTx("E1", None),), value=placeholder)
    data = camt054_xml([Notification(entries=(entry,))])
    data = data.replace(placeholder.isoformat().encode(), written.encode())
    (parsed,) = parse_camt054(data).notifications[0].entries
    assert parsed.booking_date == business_date
    assert parsed.value_date == business_date
    # The instant itself is kept as the bank wrote it.
    assert parsed.booking_at == datetime.fromisoformat(written)


@pytest.mark.parametrize("written", ["9999-12-31T23:30:00-05:00", "0001-01-01T00:30:00+02:00"])
def test_a_booking_time_beyond_the_calendar_in_oslo_is_refused_not_a_crash(written):
    placeholder = datetime(2000, 1, 1, tzinfo=UTC)
    entry = BookedEntry(Decimal("10.00"), placeholder, (BookedTx("E1", None),))
    data = camt054_xml([Notification(entries=(entry,))]).replace(
        placeholder.isoformat().encode(), written.encode()
    )
    with pytest.raises(IsoFormatError, match="outside the dates") as err:
        parse_camt054(data)
    assert err.value.path.endswith("Ntry[1]/BookgDt/DtTm")


def test_a_booking_date_is_taken_as_written():
    entry = BookedEntry(Decimal("10.00"), date(2025, 6, 30), (BookedTx("E1", None),), value=date(2025, 7, 1))
    (parsed,) = parse_camt054(camt054_xml([Notification(entries=(entry,))])).notifications[0].entries
    assert (parsed.booking_date, parsed.booking_at, parsed.value_date) == (
        date(2025, 6, 30),
        None,
        date(2025, 7, 1),
    )

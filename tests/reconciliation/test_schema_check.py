"""A big file is parsed and checked against the XSD (camt053.ParseProcess) in a process of its
own, beside the import's own work.

The import must not be able to tell the difference: every file, good or bad, given as bytes
or by path, gets the same outcome and the same message as when it is parsed and checked in
one pass here; and when the child cannot run, crashes half-way or hangs, the file is parsed
and checked in the importing process, with nothing of the failed attempt left behind.
"""

from __future__ import annotations

import os
from datetime import date, datetime
from decimal import Decimal

import pytest

from accounts.services import bank_account_create
from iso20022 import camt053
from reconciliation.models import Statement, StatementEntry, StatementFile
from reconciliation.services import importing, statement_file_import
from tests.reconciliation.camtgen import (
    EntrySpec,
    FileSpec,
    StatementSpec,
    TxSpec,
    account_number,
    big_entries,
    camt053_bytes,
    simple_statement,
)

pytestmark = pytest.mark.django_db
DAY = date(2025, 3, 4)
NS = b"urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"


def _entry(amount: str, ref: str, **kwargs) -> EntrySpec:
    return EntrySpec(
        amount=Decimal(amount),
        booking_date=DAY,
        value_date=DAY,
        acct_svcr_ref=ref,
        txs=[TxSpec(amount=Decimal(amount), kid="0000000018")],
        **kwargs,
    )


def _good() -> bytes:
    return simple_statement([_entry("100.00", f"R{i}") for i in range(30)])


def _files() -> dict[str, bytes]:
    good = _good()
    three_decimals = _entry("1.00", "X1", amount_text="1.005")
    negative = _entry("1.00", "X2", amount_text="-1.00")
    return {
        "good": good,
        "not-xml": b"this is not xml",
        "truncated": good[: len(good) * 2 // 3],
        "doctype": b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x "x">]><Document>&x;</Document>',
        "camt054": b'<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.02">'
        b"<BkToCstmrDbtCdtNtfctn/></Document>",
        # The schema refuses these (an unknown element, a missing Amt, a negative amount):
        "unknown-element": good.replace(b"<AcctSvcrRef>R5</AcctSvcrRef>", b"<Bogus>R5</Bogus>"),
        "missing-amount": good.replace(b'<Amt Ccy="NOK">100.00</Amt><CdtDbtInd>', b"<CdtDbtInd>", 1),
        "negative": simple_statement([_entry("1.00", "R1"), negative]),
        # Only the parser refuses this one (the XSD allows five decimals):
        "three-decimals": simple_statement([_entry("1.00", "R1"), three_decimals]),
        # Both: the parser's unknown account at the first statement, the schema's error later.
        "unknown-account-and-bad-element": _good()
        .replace(b"86011117947", b"12345678903")
        .replace(b"<AcctSvcrRef>R29</AcctSvcrRef>", b"<Bogus>R29</Bogus>"),
    }


def _outcome(company, data: bytes, *, parallel: bool, tmp_path, by_path: bool, monkeypatch):
    monkeypatch.setattr(importing, "PARALLEL_BYTES", 0 if parallel else 10**12)
    source = data
    if by_path:
        source = tmp_path / f"file-{parallel}-{len(data)}.xml"
        source.write_bytes(data)
    result = statement_file_import(company, source, source=StatementFile.Source.UPLOAD, auto_match=False)
    outcome = (result.outcome, result.message, result.new)
    # Leave nothing behind, so the other mode starts from the same state.
    StatementEntry.objects.all().delete()
    Statement.objects.all().delete()
    StatementFile.objects.all().delete()
    return outcome


@pytest.mark.parametrize("by_path", [False, True], ids=["bytes", "path"])
@pytest.mark.parametrize("name", list(_files()))
def test_beside_the_parse_or_in_its_pass_the_outcome_is_the_same(
    company_a, name, by_path, tmp_path, monkeypatch
):
    bank_account_create(company_a, account_number="86011117947", name="Drift", ledger_account="1920")
    data = _files()[name]
    in_pass = _outcome(
        company_a, data, parallel=False, tmp_path=tmp_path, by_path=by_path, monkeypatch=monkeypatch
    )
    beside = _outcome(
        company_a, data, parallel=True, tmp_path=tmp_path, by_path=by_path, monkeypatch=monkeypatch
    )
    # The child runs the very parse and check this process would: the same outcome, count
    # and words, whichever problem comes first in the file.
    assert beside == in_pass
    if name == "good":
        assert in_pass[0] == "imported" and in_pass[2] == 30
    else:
        assert in_pass[0] == "rejected"
    if name == "unknown-element":
        assert "Bogus" in in_pass[1] and "not expected" in in_pass[1]
    if name == "unknown-account-and-bad-element":
        assert "12345678903" in in_pass[1]  # the first statement's account, before the bad element


def test_the_child_reports_the_schema_error_with_element_and_line(tmp_path):
    path = tmp_path / "bad.xml"
    path.write_bytes(_files()["unknown-element"])
    with pytest.raises(camt053.CamtParseError) as here:
        list(camt053.iter_camt053(path))
    process = camt053.ParseProcess(path=path)
    try:
        with pytest.raises(camt053.CamtParseError) as there:
            list(process.items())
    finally:
        process.close()
    assert there.value.element == "Bogus" and "not expected" in there.value.message
    assert (there.value.message, there.value.line) == (here.value.message, here.value.line)
    missing = camt053.ParseProcess(path=tmp_path / "missing.xml")
    try:
        with pytest.raises(camt053.CamtParseError, match=r"^Cannot read"):
            list(missing.items())
    finally:
        missing.close()


@pytest.mark.parametrize("how", ["cannot-start", "crashes"])
def test_without_a_child_the_check_is_made_here(company_a, how, monkeypatch):
    bank_account_create(company_a, account_number="86011117947", name="Drift", ledger_account="1920")
    monkeypatch.setattr(importing, "PARALLEL_BYTES", 0)
    if how == "cannot-start":
        monkeypatch.setattr("sys.executable", "/nonexistent/python")
    else:  # the interpreter runs, but not our module: no verdict on stdout
        monkeypatch.setattr("sys.executable", "/bin/false")
    bad = statement_file_import(company_a, _files()["unknown-element"], source=StatementFile.Source.UPLOAD)
    assert bad.outcome == "rejected" and "Bogus" in bad.message
    assert StatementEntry.objects.count() == 0
    good = statement_file_import(company_a, _good(), source=StatementFile.Source.UPLOAD)
    assert good.outcome == "imported" and good.new == 30


def _varied(n: int = 600) -> bytes:
    """Three statements (one a day without entries, one by IBAN with PRCD/ITBD balances) and
    entries of every shape the parser reads: batches with charges, reversals, DtTm booking
    dates, no ValDt, InstdAmt, counterparty IBANs, proprietary codes, other statuses."""
    special = [
        EntrySpec(
            amount=Decimal("250.00"),
            booking_date=DAY,
            reversal=True,
            credit_debit="DBIT",
            acct_svcr_ref="REV-1",
            txs=[
                TxSpec(
                    amount=Decimal("250.00"),
                    end_to_end_id="E2E-R",
                    counterparty_iban=True,
                    counterparty_account=account_number(1200_00_0001),
                    counterparty_name="Kunde",
                )
            ],
        ),
        EntrySpec(
            amount=Decimal("103.00"),
            credit_debit="DBIT",
            booking_date=DAY,
            booking_datetime=datetime(2025, 3, 4, 10, 30),
            proprietary="GIRO",
            domain=None,
            status="PDNG",
            batch=("B-1", 2),
            txs=[
                TxSpec(
                    amount=Decimal("60.00"), amount_in="InstdAmt", charges=(Decimal("1.50"),), ustrd="One"
                ),
                TxSpec(amount=Decimal("40.00"), acct_svcr_ref="TX-2", kid="0000000018", ustrd="Two"),
            ],
        ),
        EntrySpec(amount=Decimal("7.10"), booking_date=DAY, txs=[TxSpec(amount=None, ustrd="No AmtDtls")]),
        # A card purchase known in USD, and a batch with two KIDs and a payment known in EUR only.
        EntrySpec(
            amount=Decimal("1249.85"),
            credit_debit="DBIT",
            booking_date=DAY,
            txs=[
                TxSpec(
                    foreign=(Decimal("140.00"), "USD"),
                    exchange=("USD", "NOK", Decimal("8.9275")),
                    additional_info="VISA VARE USD 140.00",
                )
            ],
        ),
        EntrySpec(
            amount=Decimal("2000.00"),
            credit_debit="DBIT",
            booking_date=DAY,
            batch=("B-2", 2),
            txs=[
                TxSpec(amount=Decimal("1000.00"), kid=("0000000018", "0000000026")),
                TxSpec(foreign=(Decimal("85.12345"), "EUR"), foreign_in="CntrValAmt"),
            ],
        ),
    ]
    return camt053_bytes(
        FileSpec(
            [
                StatementSpec("S-1", DAY, DAY, entries=[*big_entries(n), *special]),
                StatementSpec("S-2", DAY, DAY, electronic_seq_nb=None),
                StatementSpec(
                    "S-3",
                    DAY,
                    DAY,
                    iban=True,
                    balance_codes=("PRCD", "ITBD"),
                    entries=big_entries(50, seed=9, day=date(2025, 4, 1)),
                ),
            ]
        )
    )


@pytest.mark.parametrize("validate", [True, False], ids=["checked", "unchecked"])
def test_the_parsing_process_yields_what_a_parse_here_yields(tmp_path, validate):
    data = _varied()
    path = tmp_path / "varied.xml"
    path.write_bytes(data)
    here = list(camt053.iter_camt053(data, validate=validate))
    assert len(here) == 3 + 655 and any(e.reversal for e in here if isinstance(e, camt053.Camt053Entry))
    for where in ({"path": path}, {"chunks": lambda: iter([data[:1000], data[1000:]])}):
        process = camt053.ParseProcess(**where, validate=validate)
        try:
            there = list(process.items())
        finally:
            process.close()
        assert there == here  # statements, entries, transactions, Decimals and dates alike
        assert process.peak_mb > 0  # it ran in its own process and said how much memory it took


def test_the_parsing_process_reports_the_parse_error_with_element_and_line(tmp_path):
    path = tmp_path / "bad.xml"
    path.write_bytes(_files()["three-decimals"])
    process = camt053.ParseProcess(path=path, validate=False)
    try:
        with pytest.raises(camt053.CamtParseError) as here:
            list(camt053.iter_camt053(path, validate=False))
        with pytest.raises(camt053.CamtParseError) as there:
            list(process.items())
    finally:
        process.close()
    assert (there.value.message, there.value.element, there.value.line) == (
        here.value.message,
        here.value.element,
        here.value.line,
    )
    assert "1.005" in there.value.message


def test_a_parsing_process_killed_half_way_leaves_nothing_and_the_file_is_parsed_here(
    company_a, tmp_path, monkeypatch
):
    bank_account_create(company_a, account_number="86011117947", name="Drift", ledger_account="1920")
    monkeypatch.setattr(importing, "PARALLEL_BYTES", 0)
    delivered = []
    real_items = camt053.ParseProcess.items

    def dies_after_a_statement_and_some_entries(self):
        for n, item in enumerate(real_items(self)):
            delivered.append(item)
            yield item
            if n == 100:  # the first statement and 100 entries are staged by now
                self._proc.kill()

    monkeypatch.setattr(camt053.ParseProcess, "items", dies_after_a_statement_and_some_entries)
    path = tmp_path / "varied.xml"
    # Big enough that the child is still parsing when it is killed.
    path.write_bytes(_varied(5000))
    result = statement_file_import(company_a, path, source=StatementFile.Source.UPLOAD, auto_match=False)
    assert len(delivered) < 3 + 5055  # the child really stopped half-way
    assert result.outcome == "imported" and result.new == 5055 and result.existing == 0
    assert Statement.objects.count() == 3
    assert StatementEntry.objects.count() == 5055
    assert StatementEntry.objects.values("dedup_key").distinct().count() == 5055


def test_a_child_that_hangs_is_given_up_and_the_file_is_parsed_here(company_a, tmp_path, monkeypatch):
    bank_account_create(company_a, account_number="86011117947", name="Drift", ledger_account="1920")
    monkeypatch.setattr(importing, "PARALLEL_BYTES", 0)
    hangs = tmp_path / "hangs"
    hangs.write_text("#!/bin/sh\nexec sleep 30\n")
    os.chmod(hangs, 0o755)
    monkeypatch.setattr("sys.executable", str(hangs))
    monkeypatch.setattr(camt053.ParseProcess, "TIMEOUT", 1)
    bad = statement_file_import(company_a, _files()["unknown-element"], source=StatementFile.Source.UPLOAD)
    assert bad.outcome == "rejected" and "Bogus" in bad.message
    good = statement_file_import(company_a, _good(), source=StatementFile.Source.UPLOAD)
    assert good.outcome == "imported" and good.new == 30


def test_the_parse_starts_before_the_file_is_claimed_and_stops_for_a_duplicate(company_a, monkeypatch):
    """The child starts first, so it parses while the import hashes, claims and stores the
    file; a file already imported stops it, and no process is left behind either way."""
    bank_account_create(company_a, account_number="86011117947", name="Drift", ledger_account="1920")
    monkeypatch.setattr(importing, "PARALLEL_BYTES", 0)
    started = []
    real_init, real_claim = camt053.ParseProcess.__init__, importing._claim

    def init(self, *args, **kwargs):
        real_init(self, *args, **kwargs)
        started.append(self)

    def claim(*args, **kwargs):
        assert len(started) == 1 and started[0]._proc.pid  # already running
        return real_claim(*args, **kwargs)

    monkeypatch.setattr(camt053.ParseProcess, "__init__", init)
    monkeypatch.setattr(importing, "_claim", claim)
    data = _good()
    first = statement_file_import(company_a, data, source=StatementFile.Source.UPLOAD)
    assert first.outcome == "imported" and first.new == 30
    again = statement_file_import(company_a, data, source=StatementFile.Source.UPLOAD)
    assert again.outcome == "duplicate" and again.new == 0
    assert len(started) == 2
    assert all(process._proc.poll() is not None for process in started)
    assert not any(process._reader.is_alive() for process in started)
    assert StatementEntry.objects.count() == 30

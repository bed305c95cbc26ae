"""A big file's XSD check runs in a process of its own beside the parse (camt053.SchemaCheck).

The import must not be able to tell the difference: every file, good or bad, given as bytes
or by path, gets the same outcome and the same message as when the schema is checked in the
parsing pass; and when the child cannot run, the check is made in the importing process.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from accounts.services import bank_account_create
from reconciliation import camt053, services
from reconciliation.models import Statement, StatementEntry, StatementFile
from reconciliation.services import statement_file_import
from tests.reconciliation.camtgen import EntrySpec, TxSpec, simple_statement

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
    monkeypatch.setattr(services, "PARALLEL_CHECK_BYTES", 0 if parallel else 10**12)
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
    # Same outcome and the same count always; the same words where one side alone can see the
    # problem. Where both can, each reports what it met first (the parse its own finding, a
    # validating pass sometimes the schema's), so the words may differ but not the meaning.
    assert (beside[0], beside[2]) == (in_pass[0], in_pass[2])
    if name in SAME_WORDS:
        assert beside[1] == in_pass[1]
    else:
        for message in (beside[1], in_pass[1]):
            assert any(word in message for word in ALSO_SAYS[name]), message
    if name == "good":
        assert in_pass[0] == "imported" and in_pass[2] == 30
    else:
        assert in_pass[0] == "rejected"
    if name == "unknown-element":
        assert "Bogus" in in_pass[1] and "not expected" in in_pass[1]


SAME_WORDS = {"good", "doctype", "unknown-element", "three-decimals"}
ALSO_SAYS = {
    "not-xml": ("not well-formed",),
    "camt054": ("camt.054.001.02 debit/credit notification",),
    "truncated": ("not well-formed",),
    "missing-amount": ("Amt",),
    "negative": ("-1.00", "negative"),
    "unknown-account-and-bad-element": ("12345678903", "Bogus"),
}


def test_the_child_reports_the_schema_error_with_element_and_line(tmp_path):
    path = tmp_path / "bad.xml"
    path.write_bytes(_files()["unknown-element"])
    check = camt053.SchemaCheck(path=path)
    error = check.error()
    assert error is not None and error.element == "Bogus" and "not expected" in error.message
    assert check.peak_mb > 0  # it ran in its own process and said how much memory it took
    assert camt053.SchemaCheck(path=tmp_path / "missing.xml").error().message.startswith("Cannot read")


@pytest.mark.parametrize("how", ["cannot-start", "crashes"])
def test_without_a_child_the_check_is_made_here(company_a, how, monkeypatch):
    bank_account_create(company_a, account_number="86011117947", name="Drift", ledger_account="1920")
    monkeypatch.setattr(services, "PARALLEL_CHECK_BYTES", 0)
    if how == "cannot-start":
        monkeypatch.setattr("sys.executable", "/nonexistent/python")
    else:  # the interpreter runs, but not our module: no verdict on stdout
        monkeypatch.setattr("sys.executable", "/bin/false")
    bad = statement_file_import(company_a, _files()["unknown-element"], source=StatementFile.Source.UPLOAD)
    assert bad.outcome == "rejected" and "Bogus" in bad.message
    assert StatementEntry.objects.count() == 0
    good = statement_file_import(company_a, _good(), source=StatementFile.Source.UPLOAD)
    assert good.outcome == "imported" and good.new == 30

"""End to end with the real simulated bank: money moves, days close, the feed brings the
camt.053 statements, they are imported once and matched automatically."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.services import bank_account_create
from agreements.models import BankFileFetch
from bankclient import BankClient
from ledger.models import ReferenceKind, VoucherLine
from ledger.services import LineSpec, voucher_post
from reconciliation.models import Match, Statement, StatementEntry, StatementFile
from reconciliation.services import statements_fetch
from tests import banksim_server
from tests.feedfetch import fetch_all, poll_and_fetch

pytestmark = pytest.mark.django_db
DRIFT = "15032080119"  # the demo customer's account with a Nets OCR agreement
KID_A, KID_B = "000000018", "000000026"  # MOD10, length 9


@pytest.fixture
def bank(banksim_url, sim, settings):
    settings.BANK_API_URL, settings.BANK_API_KEY = banksim_url, banksim_server.KEY
    client = BankClient(banksim_url, banksim_server.KEY, timeout=10)
    yield client
    client.close()


def _post(company, account, day, amount, kind=ReferenceKind.NONE, reference=""):
    voucher_post(
        company,
        date=day,
        text="Forventet",
        lines=[
            LineSpec("1920", Decimal(amount), bank_account=account, reference_kind=kind, reference=reference),
            LineSpec("1500", -Decimal(amount)),
        ],
    )


def test_feed_imports_statements_once_and_matches(bank, sim, company_a):
    assert company_a.org_number == "123456785"
    account = bank_account_create(company_a, account_number=DRIFT, name="Drift", ledger_account="1920")
    today = datetime.date(2026, 3, 2)
    # The ledger expects a plain transfer (amount + date) and an OCR assignment of two KID payments.
    _post(company_a, account, today, "1500.00")
    _post(
        company_a, account, today + datetime.timedelta(days=1), "300.00", ReferenceKind.OCR_ASSIGNMENT, "A-1"
    )
    _post(
        company_a, account, today + datetime.timedelta(days=1), "200.00", ReferenceKind.OCR_ASSIGNMENT, "A-1"
    )
    sim.sim_inject_transaction(
        account=DRIFT, amount="1500.00", payer_account="86011117947", text="Innbetaling"
    )
    sim.sim_inject_transaction(account=DRIFT, amount="300.00", kid=KID_A, payer_account="86011117947")
    sim.sim_inject_transaction(account=DRIFT, amount="200.00", kid=KID_B, payer_account="86011117947")
    sim.sim_advance_clock(days=2)

    report = poll_and_fetch(bank, force=True)
    assert report.by_type.get("statement.created", 0) >= 2, report.summary()
    files = StatementFile.objects.filter(company=company_a, source=StatementFile.Source.BANK)
    assert files.count() >= 2 and set(files.values_list("status", flat=True)) == {"IMPORTED"}
    assert Statement.objects.filter(bank_account=account, balance_ok=False).count() == 0
    rules = set(StatementEntry.objects.filter(bank_account=account).values_list("matched_rule", flat=True))
    assert {"AMOUNT_DATE", "OCR_ASSIGNMENT"} <= rules
    ocr = Match.objects.get(rule="OCR_ASSIGNMENT")
    assert ocr.amount == Decimal("500.00") and ocr.line_links.count() == 2
    assert VoucherLine.objects.filter(ledger_account="1920", open_entry__isnull=False).count() == 0

    # A redelivered page (the feed from the start) downloads and imports nothing new.
    events = bank.changes(0, limit=100).events
    again = statements_fetch([e for e in events if e.type == "statement.created"])
    assert again == []
    assert StatementEntry.objects.filter(bank_account=account).count() == sum(
        s.entries_count for s in Statement.objects.filter(bank_account=account)
    )


def test_statement_for_unregistered_account_is_skipped(bank, sim, company_a):
    # No bank account registered: events for the company's accounts are not ours to import.
    sim.sim_advance_clock(days=1)
    poll_and_fetch(bank, force=True)
    assert StatementFile.objects.count() == 0


def test_bank_down_during_download_keeps_the_fetch_for_later(bank, sim, company_a):
    bank_account_create(company_a, account_number=DRIFT, name="Drift", ledger_account="1920")
    sim.sim_advance_clock(days=1)
    events = [e for e in bank.changes(0, limit=100).events if e.type == "statement.created"]
    assert events
    # The feed's handler records what is to be fetched; it downloads nothing itself.
    queued = statements_fetch(events)
    assert queued and StatementFile.objects.count() == 0
    fetches = BankFileFetch.objects.filter(kind=BankFileFetch.Kind.STATEMENT)
    assert fetches.count() == len(queued)
    sim.sim_set_fault(endpoint="statement_download", mode="error_503", rate=1.0)
    assert fetch_all() == len(queued)
    assert StatementFile.objects.count() == 0
    # Kept for later, backing off; the bank's outage is not counted against the file.
    for fetch in fetches:
        assert fetch.status == BankFileFetch.Status.PENDING and fetch.bank_failures == 1
        assert fetch.attempts == 0 and fetch.last_error == "" and fetch.claimed_until is None
        assert fetch.next_attempt_at > timezone.now()
    sim.sim_clear_faults()
    assert fetch_all() == 0  # not before its backoff
    fetches.update(next_attempt_at=timezone.now())  # the backoff has passed
    assert fetch_all() == len(queued)
    assert StatementFile.objects.filter(status="IMPORTED").count() >= 1
    assert set(fetches.values_list("status", flat=True)) == {BankFileFetch.Status.DONE}

"""One company's fault stays its own: a failing event is kept, told, retried; the feed moves on."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.services import bank_account_create
from agreements import feed
from agreements.fetches import bank_file_fetches_retry
from agreements.models import BankFeedCursor, BankFileFetch, FeedEventFailure
from bankclient import BankClient
from notifications.models import Notification
from reconciliation.models import StatementFile
from reconciliation.services import feed as reconciliation_feed
from tests import banksim_server
from tests.feedfetch import fetch_all, poll_and_fetch

pytestmark = pytest.mark.django_db
POISONED_ACCOUNT, HEALTHY_ACCOUNT = "15032080119", "15032080135"  # banksim's two customers


@pytest.fixture
def bank(banksim_url, sim, settings):
    settings.BANK_API_URL, settings.BANK_API_KEY = banksim_url, banksim_server.KEY
    client = BankClient(banksim_url, banksim_server.KEY, timeout=10)
    yield client
    client.close()


@pytest.fixture
def poisoned(monkeypatch, company_a):
    """company_a's statement imports fail as the 9999-12-31 voucher once made them (OverflowError)."""
    real = reconciliation_feed.statement_file_import
    state = {"on": True}

    def importing(company, data, **kwargs):
        if state["on"] and company.pk == company_a.pk:
            raise OverflowError("date value out of range")
        return real(company, data, **kwargs)

    monkeypatch.setattr(reconciliation_feed, "statement_file_import", importing)
    return state


def test_one_companys_poison_does_not_hold_back_anothers_statements(
    bank, sim, company_a, company_b, poisoned
):
    bank_account_create(company_a, account_number=POISONED_ACCOUNT, name="Drift", ledger_account="1920")
    bank_account_create(company_b, account_number=HEALTHY_ACCOUNT, name="Drift", ledger_account="1920")
    for account in (POISONED_ACCOUNT, HEALTHY_ACCOUNT):
        sim.sim_inject_transaction(account=account, amount="100.00", payer_account="86011117947", text="Inn")
    sim.sim_advance_clock(days=2)

    report = poll_and_fetch(bank, force=True)

    # The other company is reconciled, in the same round, from the same page.
    assert StatementFile.objects.filter(company=company_b, status="IMPORTED").count() >= 2
    assert not StatementFile.objects.filter(company=company_a).exists()
    # The cursor reached the end of the feed, and the round is not a failure.
    row = BankFeedCursor.objects.get(bank="DNB")
    assert report.error == "" and row.cursor == bank.changes(row.cursor, limit=100).next_cursor
    assert not bank.changes(row.cursor, limit=100).has_more
    assert row.consecutive_failures == 0
    # The poisoned company's statements are kept for retry (their imports, not the feed's
    # events, failed: the feed only recorded them), and the company is told.
    assert report.failed_events == 0 and not FeedEventFailure.objects.exists()
    failures = BankFileFetch.objects.filter(org_number=company_a.org_number)
    assert failures.count() >= 2
    assert {f.kind for f in failures} == {BankFileFetch.Kind.STATEMENT}
    assert all(
        f.status == "PENDING" and "OverflowError" in f.last_error and f.next_attempt_at and f.attempts == 1
        for f in failures
    )
    notes = Notification.objects.filter(company=company_a, level="ERROR")
    assert notes.count() == failures.count() and not Notification.objects.filter(
        company=company_b, level="ERROR"
    )
    # /healthz says so while they wait.
    health = Client().get("/healthz").json()
    assert health["bank_feed"]["ok"] is False and health["status"] in ("degraded", "unavailable")

    # A failing retry backs off; once the data is fixed, the retry imports the statements.
    bank_file_fetches_retry(failures.values_list("pk", flat=True))
    fetch_all()
    assert all(f.attempts == 2 and f.next_attempt_at and f.status == "PENDING" for f in failures.all())
    assert Notification.objects.filter(company=company_a, level="ERROR").count() == failures.count()
    poisoned["on"] = False
    bank_file_fetches_retry(failures.values_list("pk", flat=True))
    assert fetch_all() == failures.count()
    assert StatementFile.objects.filter(company=company_a, status="IMPORTED").count() >= 2
    assert set(failures.values_list("status", "last_error")) == {("DONE", "")}
    assert Client().get("/healthz").json()["bank_feed"]["ok"] is True


def test_a_round_that_fails_for_another_reason_is_counted_not_silent(bank, sim, monkeypatch):
    def broken(events):
        raise RuntimeError("a bug")

    monkeypatch.setattr(feed, "_handle", lambda *a, **k: broken(a))
    sim.sim_advance_clock(days=1)
    report = feed.bank_feed_poll(client=bank, force=True)
    row = BankFeedCursor.objects.get(bank="DNB")
    assert report.error.startswith("failed: RuntimeError")
    assert row.consecutive_failures == 1 and row.failures_total == 1 and "a bug" in row.last_error
    assert row.cursor == 0  # nothing was handled, so nothing is skipped
    assert Client().get("/healthz").json()["bank_feed"]["ok"] is False

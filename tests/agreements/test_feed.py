"""The change-feed poller against the real simulated bank: cursor, duplicates, backoff, lease."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.utils import timezone

from agreements import feed
from agreements.models import BankFeedCursor
from bankclient import BankClient
from bankint import bankfeed
from tests.banksim_server import KEY

pytestmark = pytest.mark.django_db


@pytest.fixture
def bank(banksim_url, sim):
    client = BankClient(banksim_url, KEY, timeout=5)
    yield client
    client.close()


@pytest.fixture
def received(monkeypatch):
    """A handler for statements that records what it is given."""
    calls: list[list[int]] = []
    monkeypatch.setattr(
        bankfeed, "_HANDLERS", {"statement.created": [lambda events: calls.append([e.id for e in events])]}
    )
    return calls


def _close_days(sim, days: int = 2) -> None:
    sim.sim_inject_transaction(
        account="15032080119", amount="1500.00", payer_account="86011117947", text="Innbetaling"
    )
    sim.sim_advance_clock(days=days)


def test_round_hands_each_event_once_and_moves_the_cursor(bank, sim, received):
    _close_days(sim)
    report = feed.bank_feed_poll(client=bank)
    assert report.ran and report.error == ""
    assert report.by_type["statement.created"] >= 2  # one statement per account per closed day
    handled = [i for run in received for i in run]
    assert len(handled) == len(set(handled)) == report.by_type["statement.created"]
    cursor = BankFeedCursor.objects.get(bank="DNB")
    assert cursor.cursor == report.cursor_after > 0 and cursor.consecutive_failures == 0
    # nothing new: the next round asks once and hands nothing over
    again = feed.bank_feed_poll(client=bank)
    assert again.events == 0 and again.cursor_after == cursor.cursor
    assert len([i for run in received for i in run]) == len(handled)


def test_duplicate_deliveries_are_skipped(bank, sim, received):
    _close_days(sim)
    sim.sim_set_fault(endpoint="changes", mode="duplicate", rate=1.0)
    report = feed.bank_feed_poll(client=bank)
    handled = [i for run in received for i in run]
    assert report.duplicates_skipped >= len(handled) > 0
    assert len(handled) == len(set(handled))
    # the running total operations read (the end-to-end month reports it)
    assert BankFeedCursor.objects.get(bank="DNB").duplicates_skipped == report.duplicates_skipped


def test_bank_down_keeps_the_cursor_and_backs_off(bank, sim, received):
    _close_days(sim)
    sim.sim_set_fault(endpoint="changes", mode="error_503", rate=1.0)
    report = feed.bank_feed_poll(client=bank)
    row = BankFeedCursor.objects.get(bank="DNB")
    assert report.error.startswith("bank unavailable") and report.cursor_after == 0
    assert row.cursor == 0 and row.consecutive_failures == 1 and row.next_attempt_at > timezone.now()
    assert row.failures_total == 1
    assert received == []
    # while backing off, beat's next tick does not hammer the bank
    skipped = feed.bank_feed_poll(client=bank)
    assert not skipped.ran and "backing off" in skipped.reason
    assert feed.bank_outage_seconds() is not None
    sim.sim_clear_faults()
    recovered = feed.bank_feed_poll(client=bank, force=True)
    row.refresh_from_db()
    assert recovered.events > 0 and row.consecutive_failures == 0 and row.cursor == recovered.cursor_after
    assert row.failures_total == 1  # a total: success resets the streak, not the count
    assert feed.bank_outage_seconds() is None


def test_backoff_and_lease_follow_the_settings(settings):
    settings.BANK_FEED_BACKOFF_BASE_SECONDS, settings.BANK_FEED_BACKOFF_MAX_SECONDS = 0.5, 2
    settings.BANK_FEED_LEASE_SECONDS = 20
    assert [feed._backoff(n) for n in (1, 2, 3, 4)] == [0.5, 1.0, 2.0, 2.0]
    assert feed._lease().total_seconds() == 20


def test_a_second_poller_does_not_run_while_the_lease_is_held(bank, sim, received):
    _close_days(sim)
    BankFeedCursor.objects.create(bank="DNB", lease_owner="other", lease_until=timezone.now() + feed.LEASE)
    report = feed.bank_feed_poll(client=bank)
    assert not report.ran and "lease" in report.reason and received == []


def test_handler_failure_leaves_the_page_for_the_next_round(bank, sim, monkeypatch):
    _close_days(sim)
    attempts: list[int] = []

    def flaky(events):
        attempts.append(len(events))
        if len(attempts) == 1:
            from bankclient import BankUnavailable

            raise BankUnavailable("download timed out")

    monkeypatch.setattr(bankfeed, "_HANDLERS", {"statement.created": [flaky]})
    first = feed.bank_feed_poll(client=bank)
    assert first.error and BankFeedCursor.objects.get().cursor == 0
    second = feed.bank_feed_poll(client=bank, force=True)
    assert second.error == "" and second.by_type["statement.created"] == attempts[0]


def test_poll_bank_command_prints_what_changed(bank, sim, settings, banksim_url, capsys):
    settings.BANK_API_URL, settings.BANK_API_KEY = banksim_url, KEY
    _close_days(sim)
    call_command("poll_bank")
    out = capsys.readouterr().out
    assert "statement.created" in out and "cursor 0 →" in out

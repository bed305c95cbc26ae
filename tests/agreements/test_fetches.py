"""Bank files the feed announces are fetched by tasks on the ``imports`` queue, durably.

The feed only records each file (``BankFileFetch``) and queues a task per file once that
commits; the task downloads and imports. Celery delivers at least once and Redis may lose a
message or a worker die mid-import: the row says what is left, beat's sweep queues it again,
and the import finds what a dead worker did already.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from agreements import feed
from agreements.fetches import MAX_ATTEMPTS, TASKS, bank_file_fetches_requeue
from agreements.models import BankFileFetch
from bankint.celery import app
from bankint.tasks import task_by_name
from reconciliation.models import StatementFile
from reconciliation.services import statements_fetch
from reconciliation.services.feed import statement_fetch_import
from tests.feedfetch import fetch_all

pytestmark = pytest.mark.django_db
S = BankFileFetch.Status


def _close_days(sim, days: int = 2) -> None:
    sim.sim_inject_transaction(
        account="15032080119", amount="1500.00", payer_account="86011117947", text="Innbetaling"
    )
    sim.sim_advance_clock(days=days)


def _queued(callbacks) -> list[tuple[str, int]]:
    """What would have been published once the transaction committed: (task name, fetch id)."""
    return [(cb.args[0], *cb.args[1]) for cb in callbacks]


def test_the_feed_records_each_file_and_queues_one_import_task_on_imports(
    bank, sim, demo_accounts, django_capture_on_commit_callbacks
):
    _close_days(sim)
    with django_capture_on_commit_callbacks() as callbacks:
        report = feed.bank_feed_poll(client=bank, force=True)
    assert report.error == "" and report.by_type["statement.created"] >= 2
    # Nothing downloaded in the poll: each statement is a row and a task queued after commit.
    assert not StatementFile.objects.exists()
    fetches = BankFileFetch.objects.filter(kind=BankFileFetch.Kind.STATEMENT)
    ours = {a.account_number for a in demo_accounts}
    events = [e for e in bank.changes(0, limit=100).events if e.type == "statement.created"]
    assert fetches.count() == len([e for e in events if e.data["account"] in ours]) >= 2
    assert sorted(_queued(callbacks)) == sorted(
        ("reconciliation.statement_import", pk) for pk in fetches.values_list("pk", flat=True)
    )
    assert all(f.status == S.PENDING and f.queued_at and f.account for f in fetches)
    for name in TASKS.values():
        assert app.amqp.router.route({}, name)["queue"].name == "imports"

    # The imports worker's part: each task downloads and imports its file.
    assert fetch_all() == fetches.count()
    assert StatementFile.objects.filter(status="IMPORTED").count() == fetches.count()
    assert set(fetches.values_list("status", flat=True)) == {S.DONE}
    # A message delivered twice (at least once) finds its file done: nothing imported again.
    task = task_by_name("reconciliation.statement_import")
    assert {task(pk) for pk in fetches.values_list("pk", flat=True)} == {"not due"}
    assert StatementFile.objects.count() == fetches.count()
    # The same events again (a redelivered page) record and queue nothing.
    with django_capture_on_commit_callbacks() as again:
        feed.bank_feed_poll(client=bank, force=True)
        assert statements_fetch(events) == []
    assert again == [] and BankFileFetch.objects.count() == fetches.count()


def test_a_worker_killed_mid_import_is_finished_later_by_the_sweep(
    bank, sim, demo_accounts, django_capture_on_commit_callbacks, settings
):
    settings.BANK_FILE_FETCH_LEASE_SECONDS = 60
    settings.BANK_FILE_FETCH_STALE_SECONDS = 30
    _close_days(sim)
    feed.bank_feed_poll(client=bank, force=True)
    fetches = BankFileFetch.objects.filter(kind=BankFileFetch.Kind.STATEMENT).order_by("pk")
    killed, *others = list(fetches)
    # A worker claimed the first file, imported it for the company, and was SIGKILLed before
    # it could say so: the row is PENDING, claimed, and its message is gone from the broker.
    now = timezone.now()
    BankFileFetch.objects.filter(pk=killed.pk).update(claimed_until=now + timedelta(seconds=60), attempts=1)
    statement_fetch_import(killed)
    assert StatementFile.objects.filter(bank_statement_id=killed.bank_resource_id).count() == 1
    # Queued a moment ago: the sweep leaves them to their messages.
    with django_capture_on_commit_callbacks() as callbacks:
        assert bank_file_fetches_requeue() == 0
    # Their messages lost (queued long ago, never taken): queued again; the claimed one is not.
    fetches.update(queued_at=now - timedelta(seconds=31))
    with django_capture_on_commit_callbacks() as callbacks:
        assert bank_file_fetches_requeue() == len(others)
    assert sorted(pk for _name, pk in _queued(callbacks)) == [f.pk for f in others]
    # Its claim runs out: the sweep queues it again (the others were, just now: not twice),
    # and the task finds the import done.
    BankFileFetch.objects.filter(pk=killed.pk).update(claimed_until=now - timedelta(seconds=1))
    with django_capture_on_commit_callbacks() as callbacks:
        assert bank_file_fetches_requeue() == 1
    assert _queued(callbacks) == [("reconciliation.statement_import", killed.pk)]
    assert fetch_all() == 1 + len(others)
    assert set(fetches.values_list("status", flat=True)) == {S.DONE}
    assert StatementFile.objects.filter(bank_statement_id=killed.bank_resource_id).count() == 1
    assert StatementFile.objects.filter(status="IMPORTED").count() == fetches.count()


def test_a_file_whose_worker_dies_every_time_fails_for_a_person_to_see(
    bank, sim, demo_accounts, django_capture_on_commit_callbacks
):
    _close_days(sim)
    feed.bank_feed_poll(client=bank, force=True)
    fetch = BankFileFetch.objects.filter(kind=BankFileFetch.Kind.STATEMENT).first()
    BankFileFetch.objects.filter(pk=fetch.pk).update(
        attempts=MAX_ATTEMPTS, claimed_until=timezone.now() - timedelta(seconds=1), queued_at=None
    )
    with django_capture_on_commit_callbacks() as callbacks:
        bank_file_fetches_requeue()
    fetch.refresh_from_db()
    assert fetch.status == S.FAILED and "stopped" in fetch.last_error
    assert fetch.pk not in [pk for _name, pk in _queued(callbacks)]
    assert task_by_name("reconciliation.statement_import")(fetch.pk) == "not due"
    health = Client().get("/healthz").json()
    assert health["bank_feed"]["ok"] is False and "bank file" in health["bank_feed"]["detail"]


def test_an_accounts_statements_are_imported_in_the_banks_order(
    bank, sim, demo_accounts, django_capture_on_commit_callbacks
):
    """The balance chain is checked from one statement to the next: a later one waits while
    an earlier one of its account is still to import (the bank timed out on it)."""
    _close_days(sim, days=2)
    feed.bank_feed_poll(client=bank, force=True)
    drift = demo_accounts[0].account_number
    first, second = list(BankFileFetch.objects.filter(account=drift).order_by("id"))[:2]
    BankFileFetch.objects.filter(pk=first.pk).update(next_attempt_at=timezone.now() + timedelta(minutes=1))
    task = task_by_name("reconciliation.statement_import")
    assert task(second.pk) == "deferred"
    second.refresh_from_db()
    assert second.status == S.PENDING and second.attempts == 0 and second.claimed_until is None
    assert not StatementFile.objects.filter(bank_statement_id=second.bank_resource_id).exists()
    # The earlier one done, it queues the next of its account at once.
    BankFileFetch.objects.filter(pk=first.pk).update(next_attempt_at=None)
    with django_capture_on_commit_callbacks() as callbacks:
        assert task(first.pk) == "done"
    assert _queued(callbacks) == [("reconciliation.statement_import", second.pk)]
    assert task(second.pk) == "done"
    assert StatementFile.objects.filter(bank_statement_id=second.bank_resource_id, status="IMPORTED").exists()

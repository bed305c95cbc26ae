"""Bank files the feed announced, fetched and imported by tasks on the ``imports`` queue.

The feed's handlers (statements, Nets OCR, camt.054) do not download inside the poll: they
record a ``BankFileFetch`` per file and queue one task per row once that commits
(``bank_file_fetches_record``). The poll then takes seconds, a big import never delays the
feed (payment statuses, the next files), and the imports run in parallel on as many
``imports`` workers as there are.

Each app's task wraps its download-and-import in ``bank_file_fetch_run``, which:

- claims the row (a conditional update: PENDING, due, nobody's claim running), so two copies
  of one message never import at once; the claim lasts ``BANK_FILE_FETCH_LEASE_SECONDS``;
- downloads and imports outside any transaction of its own (the imports' own transactions);
- records the outcome: DONE; or, the bank unavailable, a retry after the feed's backoff
  (never counted against the row); or, any other error, a retry with backoff, the company
  told (as for a failed feed event), FAILED after ``MAX_ATTEMPTS`` claims.

Redis may lose a message and a worker may die mid-import (SIGKILL, out of memory): the beat
sweep ``bank_file_fetches_requeue`` queues again every PENDING row that is due, not claimed
(or whose claim ran out) and not queued in the last ``BANK_FILE_FETCH_STALE_SECONDS``. The
import a dead worker left half-done is then run again and finds what it did already (the
imports deduplicate by the bank's id and the file's SHA-256, and resume a Nets transmission's
parts). A file that kills its worker every time stops after ``MAX_ATTEMPTS`` claims.

This module knows the import tasks only by name (``TASKS``): agreements sits below the apps
that import the files.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Least
from django.utils import timezone

from bankclient import BankUnavailable
from bankclient.dto import ChangeEvent
from bankint.tasks import enqueue_on_commit, task_by_name

from .models import BankFileFetch

logger = logging.getLogger(__name__)

K = BankFileFetch.Kind
S = BankFileFetch.Status
# The task that fetches each kind (registered in the app's tasks.py), and the feed event.
TASKS = {
    K.STATEMENT: "reconciliation.statement_import",
    K.OCR_FILE: "ocr.ocr_file_import",
    K.DEBIT_NOTIFICATION: "remittance.debit_notification_import",
}
EVENT_TYPES = {
    K.STATEMENT: "statement.created",
    K.OCR_FILE: "ocr_file.created",
    K.DEBIT_NOTIFICATION: "debit_notification.created",
}
RETRY_BASE_SECONDS = 60
RETRY_MAX_SECONDS = 6 * 60 * 60
MAX_ATTEMPTS = 10  # then it waits for a person (admin, /healthz)
REQUEUE_BATCH = 5000


class FetchDeferred(Exception):
    """The work must wait for an earlier fetch (an account's earlier statement): not an
    attempt; the earlier one queues this when it is done, the sweep otherwise."""


def _lease() -> timedelta:
    """How long a claim lasts: longer than the longest import; a dead worker's row waits this long."""
    return timedelta(seconds=float(getattr(settings, "BANK_FILE_FETCH_LEASE_SECONDS", 1800)))


def _stale() -> timedelta:
    """A row queued this long ago and not claimed: its message is presumed lost."""
    return timedelta(seconds=float(getattr(settings, "BANK_FILE_FETCH_STALE_SECONDS", 600)))


@dataclass
class FetchSpec:
    """One file to fetch, as the handler read it from its event."""

    resource_id: str
    org_number: str = ""
    account: str = ""
    data: dict | None = None
    event_id: int | None = None

    @classmethod
    def of(cls, event: ChangeEvent, *, account: str = "") -> FetchSpec:
        return cls(
            str(event.resource_id),
            event.org_number or "",
            account,
            dict(event.data or {}),
            getattr(event, "id", None),
        )


def bank_file_fetches_record(
    kind: str, specs: Iterable[FetchSpec], *, reopen: Iterable[str] = ()
) -> list[BankFileFetch]:
    """Record the files to fetch (once per file) and queue a task per row once this commits.

    A file recorded before is not recorded again; it is queued again only if it is still
    PENDING, due and not claimed (a redelivered event). ``reopen`` names files DONE before
    that must run again (an OCR transmission a dead worker left half-imported). Returns the
    rows queued.
    """
    specs = list({spec.resource_id: spec for spec in specs}.values())
    reopen = [str(r) for r in reopen]
    if not specs and not reopen:
        return []
    ids = [spec.resource_id for spec in specs] + reopen
    now = timezone.now()
    with transaction.atomic():
        BankFileFetch.objects.bulk_create(
            [
                BankFileFetch(
                    kind=kind,
                    bank_resource_id=spec.resource_id,
                    event_id=spec.event_id,
                    org_number=spec.org_number,
                    account=spec.account,
                    data=spec.data or {},
                )
                for spec in specs
            ],
            ignore_conflicts=True,
        )
        if reopen:
            BankFileFetch.objects.filter(kind=kind, bank_resource_id__in=reopen, status=S.DONE).update(
                status=S.PENDING, done_at=None, attempts=0, next_attempt_at=None, queued_at=None
            )
        rows = list(_queueable(BankFileFetch.objects.filter(kind=kind, bank_resource_id__in=ids), now))
        BankFileFetch.objects.filter(pk__in=[r.pk for r in rows]).update(queued_at=now)
        for row in rows:
            enqueue_on_commit(TASKS[row.kind], row.pk)
    return rows


def _queueable(rows, now):
    return rows.filter(status=S.PENDING, attempts__lt=MAX_ATTEMPTS).filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now),
        Q(claimed_until__isnull=True) | Q(claimed_until__lt=now),
    )


def bank_file_fetch_run(fetch_id: int, kind: str, work: Callable[[BankFileFetch], str | None]) -> str:
    """The frame of every fetch task: claim the row, ``work(row)``, record the outcome.

    ``work`` downloads and imports, idempotently; it returns a note to keep (a file the bank
    no longer has) or None. Never called inside a transaction: the claim and the outcome are
    each their own statement, and the download holds no lock.
    """
    now = timezone.now()
    claimed = _queueable(BankFileFetch.objects.filter(pk=fetch_id, kind=kind), now).update(
        claimed_until=now + _lease(), attempts=F("attempts") + 1
    )
    if not claimed:
        return "not due"  # done, failed, backing off, or another worker has it
    row = BankFileFetch.objects.get(pk=fetch_id)
    mine = BankFileFetch.objects.filter(pk=fetch_id, claimed_until=row.claimed_until)
    try:
        note = work(row)
    except FetchDeferred as exc:
        mine.update(claimed_until=None, attempts=F("attempts") - 1, queued_at=None)
        logger.info("bank file %s %s: waits (%s)", kind, row.bank_resource_id, exc)
        return "deferred"
    except BankUnavailable as exc:
        from .feed import _backoff

        failures = row.bank_failures + 1
        delay = _backoff(failures) * (0.5 + random.random() / 2)
        if exc.retry_after:
            delay = max(delay, exc.retry_after)
        # The bank's outage is nobody's fault in the row: the attempt is not counted.
        mine.update(
            claimed_until=None,
            attempts=F("attempts") - 1,
            bank_failures=failures,
            queued_at=None,
            next_attempt_at=timezone.now() + timedelta(seconds=delay),
        )
        logger.warning(
            "bank file %s %s: bank unavailable (%s); again in %.0f s", kind, row.bank_resource_id, exc, delay
        )
        return "bank unavailable"
    except Exception as exc:
        logger.exception(
            "bank file %s %s: import failed (attempt %s)", kind, row.bank_resource_id, row.attempts
        )
        failed = row.attempts >= MAX_ATTEMPTS
        delay = min(RETRY_BASE_SECONDS * 2 ** (row.attempts - 1), RETRY_MAX_SECONDS)
        mine.update(
            claimed_until=None,
            status=S.FAILED if failed else S.PENDING,
            bank_failures=0,
            queued_at=None,
            next_attempt_at=None if failed else timezone.now() + timedelta(seconds=delay),
            last_error=f"{type(exc).__name__}: {exc}"[:2000],
        )
        _notify_company(row, exc)
        return "failed"
    mine.update(
        status=S.DONE,
        claimed_until=None,
        next_attempt_at=None,
        bank_failures=0,
        done_at=timezone.now(),
        last_error=(note or "")[:2000],
    )
    _queue_next_of_account(row)
    return "done"


def _queue_next_of_account(row: BankFileFetch) -> None:
    """The account's next file waiting behind this one (statements go in order), queued now."""
    if not row.account:
        return
    now = timezone.now()
    following = (
        _queueable(BankFileFetch.objects.filter(kind=row.kind, account=row.account, id__gt=row.id), now)
        .order_by("id")
        .first()
    )
    if following is not None:
        BankFileFetch.objects.filter(pk=following.pk).update(queued_at=now)
        enqueue_on_commit(TASKS[following.kind], following.pk)


def earlier_pending(fetch: BankFileFetch) -> bool:
    """An earlier file of the same kind and account still to import (not one failing on its
    own data: that one must not hold the account's later files back)."""
    return BankFileFetch.objects.filter(
        kind=fetch.kind, account=fetch.account, id__lt=fetch.id, status=S.PENDING, last_error=""
    ).exists()


def _notify_company(row: BankFileFetch, exc: BaseException) -> None:
    """Tell the company, as for a failed feed event (the same words, once per file)."""
    from .feed import _notify_company as notify_event

    event = ChangeEvent(
        row.event_id or 0,
        EVENT_TYPES.get(row.kind, row.kind),
        row.org_number or None,
        row.bank_resource_id,
        row.data or {},
        row.created_at,
    )
    try:
        notify_event(event, exc, dedup_key=f"fetch-failure:{row.pk}")
    except Exception:  # the failure is recorded; the notification is a courtesy
        logger.exception("bank file %s: could not notify the company", row.pk)


def bank_file_fetches_requeue(*, limit: int = REQUEUE_BATCH) -> int:
    """Beat's sweep: queue again what a lost message or a dead worker left; count queued.

    A row whose claims ran out (a file that killed its worker ``MAX_ATTEMPTS`` times) is
    FAILED here, for a person to look at.
    """
    now = timezone.now()
    lost = BankFileFetch.objects.filter(
        status=S.PENDING, attempts__gte=MAX_ATTEMPTS, claimed_until__lt=now
    ).update(
        status=S.FAILED,
        claimed_until=None,
        last_error="The worker importing it stopped (killed or out of memory) on every attempt.",
    )
    if lost:
        logger.error("bank files: %s fetch(es) failed for good after their worker died each time", lost)
    with transaction.atomic():
        rows = list(
            _queueable(BankFileFetch.objects.all(), now)
            .filter(Q(queued_at__isnull=True) | Q(queued_at__lt=now - _stale()))
            .order_by("id")
            .select_for_update(skip_locked=True)[:limit]
        )
        BankFileFetch.objects.filter(pk__in=[r.pk for r in rows]).update(queued_at=now)
        for row in rows:
            enqueue_on_commit(TASKS[row.kind], row.pk)
    if rows:
        logger.info("bank files: %s fetch(es) queued again", len(rows))
    return len(rows)


def bank_file_fetches_run(*, kinds: Iterable[str] | None = None, limit: int = 10_000) -> int:
    """Run the due fetches here and now, one after the other (``manage.py poll_bank``, tests):
    what the ``imports`` workers would do. Returns how many were tried."""
    now = timezone.now()
    rows = _queueable(BankFileFetch.objects.all(), now)
    if kinds is not None:
        rows = rows.filter(kind__in=list(kinds))
    tried = 0
    for fetch_id, kind in rows.order_by("id").values_list("id", "kind")[:limit]:
        task_by_name(TASKS[kind])(fetch_id)
        tried += 1
    return tried


def bank_file_fetches_retry(ids) -> int:
    """An operator's "try again": waiting or failed fetches queued now, whatever their backoff."""
    from companies.services import audit_record

    ids = list(ids)
    with transaction.atomic():
        count = (
            BankFileFetch.objects.filter(pk__in=ids, status__in=[S.PENDING, S.FAILED])
            .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=timezone.now()))
            .update(
                status=S.PENDING,
                next_attempt_at=None,
                queued_at=timezone.now(),
                claimed_until=None,
                attempts=Least(F("attempts"), MAX_ATTEMPTS - 1),  # one more try at least
            )
        )
        for fetch_id, kind in BankFileFetch.objects.filter(pk__in=ids, status=S.PENDING).values_list(
            "id", "kind"
        ):
            enqueue_on_commit(TASKS[kind], fetch_id)
        audit_record("bank_file_fetch.retry", changes={"ids": ids, "count": count})
    return count


def bank_file_fetches_resolve(ids) -> int:
    """An operator settled these by hand (or they no longer matter): no more attempts."""
    from companies.services import audit_record

    ids = list(ids)
    count = BankFileFetch.objects.filter(pk__in=ids, status__in=[S.PENDING, S.FAILED]).update(
        status=S.DONE, done_at=timezone.now(), next_attempt_at=None, claimed_until=None
    )
    audit_record("bank_file_fetch.resolved", changes={"ids": ids, "count": count})
    return count


def bank_file_fetches_failing():
    """Fetches that failed for a reason of their own (not the bank's outage) and are not done."""
    return BankFileFetch.objects.filter(status__in=[S.PENDING, S.FAILED]).exclude(last_error="")

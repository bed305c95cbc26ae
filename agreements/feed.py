"""One poll round over the bank's change feed, handing each run of events to the handlers the
apps registered in ``bankint.bankfeed``.

Rules kept here: no bank call inside a database transaction (a transaction held open while the
bank answers slowly would block every other writer); the cursor advances only after the page's
handlers ran; and only the poller holding the lease may move it, so two workers polling at
once cannot apply or skip a page twice.

One company's fault stays its own: a handler that fails on a run of events (anything but
"the bank is unavailable", which stops the round and backs off) is given the run's events one
at a time; an event that still fails is recorded (``FeedEventFailure``), its company gets an
error notification, the cursor moves on, and the event is retried with backoff at the start of
later rounds. A round that fails for another reason is counted like a bank outage, never
silently; both show on ``/healthz`` and in the admin.
"""

from __future__ import annotations

import logging
import random
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from bankclient import BankUnavailable, get_client
from bankclient.dto import ChangeEvent
from bankint.bankfeed import Handler, handlers_for

from .models import BankFeedCursor, FeedEventFailure

logger = logging.getLogger(__name__)


LEASE = timedelta(minutes=5)
BACKOFF_BASE_SECONDS = 15
BACKOFF_MAX_SECONDS = 15 * 60
EVENT_RETRY_BASE_SECONDS = 60
EVENT_RETRY_MAX_SECONDS = 6 * 60 * 60
EVENT_MAX_ATTEMPTS = 10  # then it waits for a person (admin, /healthz)
RETRIES_PER_ROUND = 50


def _lease() -> timedelta:
    """How long a poller may hold the feed; a poller killed mid-round blocks the next for this long."""
    return timedelta(seconds=getattr(settings, "BANK_FEED_LEASE_SECONDS", LEASE.total_seconds()))


def _backoff(failures: int) -> float:
    base = getattr(settings, "BANK_FEED_BACKOFF_BASE_SECONDS", BACKOFF_BASE_SECONDS)
    ceiling = getattr(settings, "BANK_FEED_BACKOFF_MAX_SECONDS", BACKOFF_MAX_SECONDS)
    return min(base * 2 ** (failures - 1), ceiling)


@dataclass
class PollReport:
    ran: bool
    reason: str = ""
    cursor_before: int = 0
    cursor_after: int = 0
    pages: int = 0
    events: int = 0
    duplicates_skipped: int = 0
    failed_events: int = 0
    retried_ok: int = 0
    by_type: dict[str, int] = field(default_factory=dict)
    error: str = ""

    def summary(self) -> str:
        if not self.ran:
            return f"not polled: {self.reason}"
        kinds = ", ".join(f"{k}: {v}" for k, v in sorted(self.by_type.items())) or "nothing new"
        text = (
            f"cursor {self.cursor_before} → {self.cursor_after}, {self.pages} page(s), "
            f"{self.events} event(s) ({kinds})"
        )
        if self.duplicates_skipped:
            text += f", {self.duplicates_skipped} duplicate(s) skipped"
        if self.failed_events:
            text += f", {self.failed_events} event(s) failed and kept for retry"
        if self.retried_ok:
            text += f", {self.retried_ok} earlier failure(s) now handled"
        return text + (f"; stopped: {self.error}" if self.error else "")


def _runs(events: Iterable[ChangeEvent]) -> Iterable[tuple[str, list[ChangeEvent]]]:
    """Consecutive events of one type, in feed order (order matters across types)."""
    run: list[ChangeEvent] = []
    for event in events:
        if run and event.type != run[0].type:
            yield run[0].type, run
            run = []
        run.append(event)
    if run:
        yield run[0].type, run


def bank_feed_status(bank: str = "DNB") -> BankFeedCursor:
    return BankFeedCursor.objects.get_or_create(bank=bank)[0]


def bank_feed_poll(
    *, client=None, bank: str = "DNB", max_pages: int = 50, page_size: int = 100, force: bool = False
) -> PollReport:
    """Read the feed from the stored cursor and hand each run of events to its handlers."""
    row = bank_feed_status(bank)
    now = timezone.now()
    owner = uuid.uuid4().hex
    claim = BankFeedCursor.objects.filter(pk=row.pk).filter(
        Q(lease_until__isnull=True) | Q(lease_until__lt=now)
    )
    if not force:
        claim = claim.filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
    if not claim.update(lease_owner=owner, lease_until=now + _lease()):
        row.refresh_from_db()
        reason = (
            "another poller holds the lease"
            if row.lease_until and row.lease_until >= now
            else "backing off after bank errors"
        )
        return PollReport(ran=False, reason=reason, cursor_before=row.cursor, cursor_after=row.cursor)

    row.refresh_from_db()
    mine = BankFeedCursor.objects.filter(pk=row.pk, lease_owner=owner)
    report = PollReport(ran=True, cursor_before=row.cursor, cursor_after=row.cursor)
    client = client or get_client()
    cursor = row.cursor
    try:
        _retry_due(bank, report)
        for _ in range(max_pages):
            page = client.changes(cursor, limit=page_size)
            report.pages += 1
            seen: set[int] = set()
            fresh: list[ChangeEvent] = []
            for event in page.events:
                if event.id <= cursor or event.id in seen:
                    report.duplicates_skipped += 1  # duplicate delivery: already handled
                    continue
                seen.add(event.id)
                fresh.append(event)
            for event_type, run in _runs(fresh):
                _handle(bank, event_type, run, report)
                report.by_type[event_type] = report.by_type.get(event_type, 0) + len(run)
            report.events += len(fresh)
            next_cursor = max([page.next_cursor, cursor, *seen])
            # Only the lease holder moves the cursor; a poller whose lease expired stops here.
            if not mine.update(
                cursor=next_cursor,
                events_processed=F("events_processed") + len(fresh),
                duplicates_skipped=F("duplicates_skipped") + (len(page.events) - len(fresh)),
                lease_until=timezone.now() + _lease(),
            ):
                report.error = "lease lost"
                break
            cursor = next_cursor
            report.cursor_after = cursor
            if not page.has_more:
                break
        mine.update(
            consecutive_failures=0, next_attempt_at=None, last_error="", last_success_at=timezone.now()
        )
    except BankUnavailable as exc:
        row.refresh_from_db()
        failures = row.consecutive_failures + 1
        delay = _backoff(failures)
        delay = delay * (0.5 + random.random() / 2)  # jitter: pollers of many portals do not stampede
        if exc.retry_after:
            delay = max(delay, exc.retry_after)
        if failures >= warn_after_failures():
            logger.error(
                "bank feed: %s failed rounds in a row; statements and statuses are waiting", failures
            )
        mine.update(
            consecutive_failures=failures,
            failures_total=F("failures_total") + 1,
            next_attempt_at=timezone.now() + timedelta(seconds=delay),
            last_error=str(exc)[:1000],
            last_failure_at=timezone.now(),
        )
        report.error = f"bank unavailable ({exc}); next attempt in {delay:.0f} s"
        logger.warning("bank feed poll failed (%s failures in a row): %s", failures, exc)
    except Exception as exc:
        # Not the bank's fault and not one event's (those are isolated in _handle): a bug or
        # the database. Counted and shown like an outage, never silent; the cursor stays.
        row.refresh_from_db()
        failures = row.consecutive_failures + 1
        mine.update(
            consecutive_failures=failures,
            failures_total=F("failures_total") + 1,
            next_attempt_at=timezone.now() + timedelta(seconds=_backoff(failures)),
            last_error=f"{type(exc).__name__}: {exc}"[:1000],
            last_failure_at=timezone.now(),
        )
        report.error = f"failed: {type(exc).__name__}: {exc}"
        logger.exception("bank feed poll failed (%s failures in a row)", failures)
    finally:
        mine.update(lease_owner="", lease_until=None)
    return report


def bank_outage_seconds(bank: str = "DNB") -> float | None:
    """How long the feed has been failing, or None when the last round succeeded."""
    row = bank_feed_status(bank)
    if not row.consecutive_failures:
        return None
    since = row.last_success_at or row.last_failure_at
    return (timezone.now() - since).total_seconds() if since else None


def long_outage_threshold_seconds() -> int:
    return int(getattr(settings, "BANK_OUTAGE_WARNING_SECONDS", 30 * 60))


def warn_after_failures() -> int:
    return int(getattr(settings, "BANK_FEED_WARN_AFTER_FAILURES", 3))


# --- one company's fault stays its own ----------------------------------------------------


def _handler_name(handler: Handler) -> str:
    return f"{getattr(handler, '__module__', '?')}.{getattr(handler, '__qualname__', repr(handler))}"[:200]


def _handle(bank: str, event_type: str, run: list[ChangeEvent], report: PollReport) -> None:
    """Each handler gets the run; if it fails, each event alone, and an event that fails is kept."""
    for handler in handlers_for(event_type):
        try:
            handler(run)
            continue
        except BankUnavailable:
            raise
        except Exception:
            if len(run) == 1:
                logger.exception("bank feed: %s failed on event %s", _handler_name(handler), run[0].id)
                report.failed_events += _failure_record(bank, handler, run[0])
                continue
            logger.warning(
                "bank feed: %s failed on a run of %d; one at a time", _handler_name(handler), len(run)
            )
        # Handlers are idempotent (the feed delivers at least once), so what the failed call
        # did already is simply found done again.
        for event in run:
            try:
                handler([event])
            except BankUnavailable:
                raise
            except Exception:
                logger.exception("bank feed: %s failed on event %s", _handler_name(handler), event.id)
                report.failed_events += _failure_record(bank, handler, event)


def _failure_record(bank: str, handler: Handler, event: ChangeEvent) -> int:
    """Keep the failed event for retry and tell its company; 1 if it is new, else 0."""
    import sys

    exc = sys.exc_info()[1]
    error = f"{type(exc).__name__}: {exc}"[:2000] if exc else "unknown error"
    try:
        with transaction.atomic():
            FeedEventFailure.objects.create(
                bank=bank,
                event_id=event.id,
                event_type=event.type,
                handler=_handler_name(handler),
                org_number=event.org_number or "",
                resource_id=event.resource_id,
                data=event.data,
                event_created_at=event.created_at,
                error=error,
                next_retry_at=timezone.now() + timedelta(seconds=EVENT_RETRY_BASE_SECONDS),
            )
    except IntegrityError:  # delivered again after a lost lease: already kept
        return 0
    _notify_company(event, exc)
    return 1


def _notify_company(event: ChangeEvent, exc: BaseException | None, *, dedup_key: str = "") -> None:
    from companies.models import Company
    from notifications.models import Notification
    from notifications.services import notify

    company = Company.objects.filter(org_number=event.org_number).first() if event.org_number else None
    if company is None:
        return  # no company to tell: the operators see it in the admin and on /healthz
    notify(
        company,
        level=Notification.Level.ERROR,
        title=_("Something from the bank could not be processed"),
        body=_(
            "The bank sent %(what)s (reference %(ref)s), and processing it failed: %(error)s. "
            "Nothing else is held up, and it is tried again automatically. This usually means data "
            "in the company that the bank's file meets, such as an entry with an impossible date or "
            "amount: check recent vouchers on the bank account. If it keeps failing, contact support "
            "and give event number %(event)s."
        )
        % {
            "what": event.type,
            "ref": event.resource_id,
            "error": type(exc).__name__ if exc else "?",
            "event": event.id,
        },
        dedup_key=dedup_key or f"feed-failure:{event.id}",
    )


def _retry_due(bank: str, report: PollReport) -> None:
    """Hand due failed events to their handlers again; resolved, or back off (until a person looks)."""
    now = timezone.now()
    due = list(
        FeedEventFailure.objects.filter(bank=bank, resolved_at__isnull=True, next_retry_at__lte=now).order_by(
            "event_id"
        )[:RETRIES_PER_ROUND]
    )
    for failure in due:
        handler = next(
            (h for h in handlers_for(failure.event_type) if _handler_name(h) == failure.handler), None
        )
        if handler is None:
            FeedEventFailure.objects.filter(pk=failure.pk).update(
                next_retry_at=None, error=failure.error + "\n(no such handler any more)"
            )
            continue
        event = ChangeEvent(
            failure.event_id,
            failure.event_type,
            failure.org_number or None,
            failure.resource_id,
            failure.data or {},
            failure.event_created_at or failure.first_failed_at,
        )
        try:
            handler([event])
        except BankUnavailable:
            raise
        except Exception as exc:
            attempts = failure.attempts + 1
            delay = min(EVENT_RETRY_BASE_SECONDS * 2 ** (attempts - 1), EVENT_RETRY_MAX_SECONDS)
            FeedEventFailure.objects.filter(pk=failure.pk).update(
                attempts=attempts,
                error=f"{type(exc).__name__}: {exc}"[:2000],
                last_failed_at=timezone.now(),
                next_retry_at=None
                if attempts >= EVENT_MAX_ATTEMPTS
                else timezone.now() + timedelta(seconds=delay),
            )
            logger.warning("bank feed: event %s failed again (attempt %s)", failure.event_id, attempts)
        else:
            FeedEventFailure.objects.filter(pk=failure.pk).update(resolved_at=timezone.now())
            report.retried_ok += 1


def feed_failures_retry(ids) -> int:
    """An operator's "try again": the next round retries these, whatever their backoff."""
    from companies.services import audit_record

    count = FeedEventFailure.objects.filter(pk__in=list(ids), resolved_at__isnull=True).update(
        next_retry_at=timezone.now()
    )
    audit_record("bank_feed.failure_retry", changes={"ids": list(ids), "count": count})
    return count


def feed_failures_resolve(ids) -> int:
    """An operator settled these by hand (or they no longer matter): no more retries."""
    from companies.services import audit_record

    count = FeedEventFailure.objects.filter(pk__in=list(ids), resolved_at__isnull=True).update(
        resolved_at=timezone.now(), next_retry_at=None
    )
    audit_record("bank_feed.failure_resolved", changes={"ids": list(ids), "count": count})
    return count


def feed_health(bank: str = "DNB") -> tuple[bool, str]:
    """For /healthz: failing rounds in a row, failed events nobody has resolved, and bank
    files whose import failed (agreements/fetches.py)."""
    from .fetches import bank_file_fetches_failing

    row = bank_feed_status(bank)
    open_failures = FeedEventFailure.objects.filter(bank=bank, resolved_at__isnull=True).count()
    failing_fetches = bank_file_fetches_failing().filter(bank=bank).count()
    problems = []
    if row.consecutive_failures:
        problems.append(f"{row.consecutive_failures} failed round(s) in a row: {row.last_error[:200]}")
    if open_failures:
        problems.append(f"{open_failures} failed event(s) waiting for retry or a person")
    if failing_fetches:
        problems.append(f"{failing_fetches} bank file(s) whose import failed, waiting for retry or a person")
    return (not problems, "; ".join(problems) or "ok")

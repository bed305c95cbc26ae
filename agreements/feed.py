"""One poll round over the bank's change feed, and the handlers each app registers.

Apps register a handler per event type in their ``AppConfig.ready`` (``feed.register``).
A handler receives a run of consecutive events of its type (a list, so it can work in a
constant number of queries per page) and must be idempotent: the bank may deliver an
event twice, and a round that fails half-way is redelivered from the stored cursor.

Rules kept here (STYLE rule 3): no bank call inside a database transaction, the cursor
advances only after the page's handlers succeeded, and only the poller holding the lease
may move it, so two workers polling at once cannot apply or skip a page twice.
"""

from __future__ import annotations

import logging
import random
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from bankclient import BankUnavailable, get_client
from bankclient.dto import ChangeEvent

from .models import BankFeedCursor

logger = logging.getLogger(__name__)

Handler = Callable[[list[ChangeEvent]], None]
_HANDLERS: dict[str, list[Handler]] = {}

LEASE = timedelta(minutes=5)
BACKOFF_BASE_SECONDS = 15
BACKOFF_MAX_SECONDS = 15 * 60


def _lease() -> timedelta:
    """How long a poller may hold the feed; a poller killed mid-round blocks the next for this long."""
    return timedelta(seconds=getattr(settings, "BANK_FEED_LEASE_SECONDS", LEASE.total_seconds()))


def _backoff(failures: int) -> float:
    base = getattr(settings, "BANK_FEED_BACKOFF_BASE_SECONDS", BACKOFF_BASE_SECONDS)
    ceiling = getattr(settings, "BANK_FEED_BACKOFF_MAX_SECONDS", BACKOFF_MAX_SECONDS)
    return min(base * 2 ** (failures - 1), ceiling)


def register(event_type: str, handler: Handler) -> None:
    handlers = _HANDLERS.setdefault(event_type, [])
    if handler not in handlers:
        handlers.append(handler)


def handlers_for(event_type: str) -> list[Handler]:
    return list(_HANDLERS.get(event_type, ()))


@dataclass
class PollReport:
    ran: bool
    reason: str = ""
    cursor_before: int = 0
    cursor_after: int = 0
    pages: int = 0
    events: int = 0
    duplicates_skipped: int = 0
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
                for handler in handlers_for(event_type):
                    handler(run)
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
        mine.update(
            consecutive_failures=failures,
            failures_total=F("failures_total") + 1,
            next_attempt_at=timezone.now() + timedelta(seconds=delay),
            last_error=str(exc)[:1000],
            last_failure_at=timezone.now(),
        )
        report.error = f"bank unavailable ({exc}); next attempt in {delay:.0f} s"
        logger.warning("bank feed poll failed (%s failures in a row): %s", failures, exc)
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

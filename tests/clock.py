"""The portal's clock, set for a test: the date rules must hold on any day of the year.

The portal reads the time only through ``django.utils.timezone.now``: ``timezone.localtime``,
``timezone.localdate``, ``auto_now`` and ``auto_now_add`` all call it, and no product code
calls ``date.today()``, ``datetime.now()`` or the database's ``now()``. So replacing that one
function moves the whole portal to another day. The clock keeps running from the instant it
is set to (real time plus an offset), so leases, timeouts and "stale after N seconds" rules
behave as they do in production; only the calendar is different.

``DAYS`` are the days the date-sensitive tests run on (issue 20): a Saturday, the year's end
(Christmas Eve, New Year's Eve, the first banking day of 2027), Easter week, and the days
the clocks change in Norway (2027-03-28 02:00 → 03:00, 2027-10-31 03:00 → 02:00). Each
is tried just after midnight, when the UTC date is still the day before, and just before
midnight. The end-to-end month gets the same offset in every process it starts through
``BANKINT_CLOCK_OFFSET_SECONDS`` (read by tests/e2e/settings.py).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

OSLO = ZoneInfo("Europe/Oslo")
OFFSET_ENV = "BANKINT_CLOCK_OFFSET_SECONDS"

DAYS = {
    "saturday": date(2026, 12, 5),
    "christmas-eve": date(2026, 12, 24),
    "new-years-eve": date(2026, 12, 31),
    "first-banking-day-2027": date(2027, 1, 4),
    "easter-week": date(2027, 3, 24),  # Wednesday before Maundy Thursday (Easter Sunday 28 March)
    "summer-time-starts": date(2027, 3, 28),  # also Easter Sunday
    "summer-time-ends": date(2027, 10, 31),
}
TIMES = {"0030": time(0, 30), "2330": time(23, 30)}
# (id, Oslo wall-clock instant): every day at both times.
INSTANTS = [
    (f"{name}-{hhmm}", datetime.combine(day, at, OSLO))
    for name, day in DAYS.items()
    for hhmm, at in TIMES.items()
]


def _real_now() -> datetime:
    return datetime.now(tz=UTC)  # what timezone.now is (USE_TZ = True), read from the OS


class ShiftedClock:
    """``timezone.now`` moved by a fixed offset: real time passes, the calendar is another."""

    def __init__(self, offset: timedelta):
        self.offset = offset

    def __call__(self) -> datetime:
        return _real_now() + self.offset

    @classmethod
    def starting_at(cls, instant: datetime) -> ShiftedClock:
        if instant.tzinfo is None:
            raise ValueError("give the clock an aware datetime")
        return cls(instant - _real_now())


def install(clock: ShiftedClock, monkeypatch=None) -> None:
    """Make ``clock`` the portal's ``timezone.now`` (undone by ``monkeypatch`` when given)."""
    if monkeypatch is not None:
        monkeypatch.setattr(timezone, "now", clock)
    else:
        timezone.now = clock


def install_from_environment(environ) -> ShiftedClock | None:
    """In a process the end-to-end tests start: move its clock as the test process's is."""
    value = environ.get(OFFSET_ENV)
    if not value:
        return None
    clock = ShiftedClock(timedelta(seconds=float(value)))
    install(clock)
    return clock

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
TEST_NOW_ENV = "BANKINT_TEST_NOW"  # the whole suite on another day (tests/conftest.py)

DAYS = {
    "saturday": date(2026, 12, 5),
    "christmas-eve": date(2026, 12, 24),
    "new-years-eve": date(2026, 12, 31),
    "first-banking-day-2027": date(2027, 1, 4),
    "easter-week": date(2027, 3, 24),  # Wednesday before Maundy Thursday (Easter Sunday 28 March)
    "summer-time-starts": date(2027, 3, 28),  # also Easter Sunday
    "summer-time-ends": date(2027, 10, 31),
}
# Written out by hand from the calendar, so that tests do not check the rule against itself:
# the first banking day on or after each of DAYS, and the first one after it.
FIRST_BANKING_DAY = {
    date(2026, 12, 5): date(2026, 12, 7),
    date(2026, 12, 24): date(2026, 12, 28),
    date(2026, 12, 31): date(2027, 1, 4),
    date(2027, 1, 4): date(2027, 1, 4),
    date(2027, 3, 24): date(2027, 3, 24),
    date(2027, 3, 28): date(2027, 3, 30),
    date(2027, 10, 31): date(2027, 11, 1),
}
NEXT_BANKING_DAY = {
    date(2026, 12, 5): date(2026, 12, 7),
    date(2026, 12, 24): date(2026, 12, 28),
    date(2026, 12, 31): date(2027, 1, 4),
    date(2027, 1, 4): date(2027, 1, 5),
    date(2027, 3, 24): date(2027, 3, 30),  # Maundy Thursday to Easter Monday closed
    date(2027, 3, 28): date(2027, 3, 30),
    date(2027, 10, 31): date(2027, 11, 1),
}
PREVIOUS_BANKING_DAY = {
    date(2026, 12, 5): date(2026, 12, 4),
    date(2026, 12, 24): date(2026, 12, 23),
    date(2026, 12, 31): date(2026, 12, 30),
    date(2027, 1, 4): date(2026, 12, 30),  # New Year's Eve and Day closed, then a weekend
    date(2027, 3, 24): date(2027, 3, 23),
    date(2027, 3, 28): date(2027, 3, 24),
    date(2027, 10, 31): date(2027, 10, 29),
}
# Weekdays Norwegian banks are closed, December 2026 to December 2027: public holidays, and
# Christmas Eve and New Year's Eve (no settlement in Norges Bank or NICS).
CALENDAR_SPAN = (date(2026, 12, 1), date(2027, 12, 31))
CLOSED_WEEKDAYS = frozenset(
    {
        date(2026, 12, 24),  # julaften
        date(2026, 12, 25),  # 1. juledag
        date(2026, 12, 31),  # nyttårsaften
        date(2027, 1, 1),  # 1. nyttårsdag
        date(2027, 3, 25),  # skjærtorsdag
        date(2027, 3, 26),  # langfredag
        date(2027, 3, 29),  # 2. påskedag
        date(2027, 5, 6),  # Kristi himmelfartsdag
        date(2027, 5, 17),  # grunnlovsdag and 2. pinsedag
        date(2027, 12, 24),
        date(2027, 12, 31),
    }
)
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

"""The simulated clock and Norwegian banking days.

Simulated time is real time plus an offset that only ``/sim/clock/advance`` (and
``/sim/reset``) change, so a demo left running still sees time pass while a test can jump
a day or two months in one request. Everything the bank does "later" (order processing,
bookings on the execution date, statements, expiring BankID sessions) is keyed on it.
"""

from __future__ import annotations

import functools
from datetime import date, datetime, timedelta

import holidays
from django.utils import timezone

from banksim.models import SimState


def state() -> SimState:
    current, _ = SimState.objects.get_or_create(pk=1)
    return current


def now(current: SimState | None = None) -> datetime:
    offset = (current or state()).offset_seconds
    return timezone.now() + timedelta(seconds=offset)


def today(current: SimState | None = None) -> date:
    return timezone.localdate(now(current))


@functools.cache
def _closed(year: int) -> frozenset[date]:
    # Public holidays, and the two days the banks close although they are not: Christmas Eve
    # and New Year's Eve (no settlement in Norges Bank or NICS).
    return frozenset(holidays.country_holidays("NO", years=year)) | {date(year, 12, 24), date(year, 12, 31)}


def is_banking_day(day: date) -> bool:
    # Norwegian banks settle Monday to Friday except public holidays (Easter, 17 May, ...)
    # and Christmas Eve and New Year's Eve.
    return day.weekday() < 5 and day not in _closed(day.year)


def next_banking_day(day: date) -> date:
    """The first banking day strictly after ``day``."""
    day += timedelta(days=1)
    while not is_banking_day(day):
        day += timedelta(days=1)
    return day


def banking_day_on_or_after(day: date) -> date:
    return day if is_banking_day(day) else next_banking_day(day)

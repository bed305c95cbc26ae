"""Norwegian banking days: the execution date of a payment (pure, no Django).

Banks settle Monday to Friday except Norwegian public holidays (Easter, Ascension, Whit
Monday, 1 and 17 May, Christmas) and the two bank holidays that are not public holidays,
Christmas Eve and New Year's Eve, when the Norwegian clearing (NICS) is closed.

Total over the whole calendar: a date near 9999-12-31 gives an answer or ``NoBankingDay``
(a ``ValueError``), never an ``OverflowError`` from ``date + timedelta``.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays


@lru_cache(maxsize=64)
def _closed(year: int) -> frozenset[date]:
    days = set(holidays.country_holidays("NO", years=year).keys())
    days |= {date(year, 12, 24), date(year, 12, 31)}
    return frozenset(days)


class NoBankingDay(ValueError):
    """No banking day on or after the date within the calendar (only 9999-12-31 is such a day)."""


def days_after(day: date, days: int) -> date:
    """``day + days``, held to the calendar: date.max or date.min where it would run past them."""
    ordinal = min(max(day.toordinal() + days, date.min.toordinal()), date.max.toordinal())
    return date.fromordinal(ordinal)


def is_banking_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _closed(day.year)


def banking_day_on_or_after(day: date) -> date:
    while not is_banking_day(day):
        if day == date.max:
            raise NoBankingDay(f"No banking day on or after {day.isoformat()}.")
        day += timedelta(days=1)
    return day

"""Norwegian banking days: the matcher's date windows (:mod:`reconciliation.matching`) count
them, not calendar days. Pure module (no Django), like the matcher."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from datetime import date, timedelta
from functools import lru_cache


def _easter_sunday(year: int) -> date:
    """Gregorian Easter Sunday (the anonymous Gregorian algorithm, Meeus/Jones/Butcher)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l_) // 451
    month, day = divmod(h + l_ - 7 * m + 114, 31)
    return date(year, month, day + 1)


def norwegian_public_holidays(year: int) -> frozenset[date]:
    """Norway's public holidays (helligdager and høytidsdager, Lov om helligdager / 1. og 17. mai).

    Computed here rather than by the ``holidays`` package, whose import alone costs a
    worker several MB of memory for one country's dozen dates a year;
    tests/reconciliation/test_matching.py checks it against that package day by day.
    """
    easter = _easter_sunday(year)
    fixed = {date(year, 1, 1), date(year, 5, 1), date(year, 5, 17), date(year, 12, 25), date(year, 12, 26)}
    # Maundy Thursday, Good Friday, Easter Sunday and Monday, Ascension, Whit Sunday and Monday.
    moving = {easter + timedelta(days=offset) for offset in (-3, -2, 0, 1, 39, 49, 50)}
    return frozenset(fixed | moving)


class BankingCalendar:
    """Norwegian banking days: not weekends, public holidays, Christmas Eve or New Year's Eve.

    Norway's interbank settlement (NICS) is closed on 24 and 31 December although they are
    not public holidays, so a payment dated then is booked on the next banking day.
    """

    def __init__(self, extra_closed: Iterable[date] = ()):
        self._extra = frozenset(extra_closed)

    @staticmethod
    @lru_cache(maxsize=64)
    def _public(year: int) -> frozenset[date]:
        return norwegian_public_holidays(year)

    def is_banking_day(self, day: date) -> bool:
        if day.weekday() >= 5 or day in self._extra:
            return False
        if (day.month, day.day) in ((12, 24), (12, 31)):
            return False
        return day not in self._public(day.year)

    def day_numbers(self, days: Iterable[date]) -> dict[date, int]:
        """Each date → the count of banking days up to and including it (from the earliest date).

        A non-banking day gets the number of the banking day before it, so a Saturday is 0
        banking days from the Friday: distance in banking days is a plain subtraction.

        Total over every date Python has: days more than :data:`EXACT_SPAN_DAYS` apart are
        counted as that many calendar days apart (at least their banking-day distance, so still
        far outside any matching window) instead of walking the calendar between them. A
        ledger line dated 9999-12-31 once made this walk past the last date (OverflowError) and
        stopped the bank feed; a line dated year 1 would have walked 3.6 million days.
        """
        wanted = sorted(set(days))
        if not wanted:
            return {}
        numbers: dict[date, int] = {}
        count = 1 if self.is_banking_day(wanted[0]) else 0
        numbers[wanted[0]] = count
        for previous, day in itertools.pairwise(wanted):
            gap = (day - previous).days
            if gap > EXACT_SPAN_DAYS:
                count += gap
            else:
                count += sum(
                    1 for k in range(1, gap + 1) if self.is_banking_day(previous + timedelta(days=k))
                )
            numbers[day] = count
        return numbers


# Dates further apart than this are far apart for every rule (windows are a few banking days).
EXACT_SPAN_DAYS = 400

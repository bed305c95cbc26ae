"""Dates that people type: inside a window around today, or a message that says so.

``9999-12-31`` and ``0001-01-01`` are valid ISO dates, and a voucher dated 9999-12-31 once
made the matcher overflow for a whole bank feed. Bank files keep their own dates (Nets'
manual example is from 1992); only what a user or an integration enters is held to the
window: ten years back (longer than the five the Bookkeeping Act keeps records for, so old
corrections still fit) and five years ahead (room for instalment plans and long due dates).
"""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from .errors import ValidationFailed

YEARS_BACK = 10
YEARS_AHEAD = 5


def _years_from(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year without it
        return day.replace(year=day.year + years, day=28)


def entered_date_window(today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    today = today or timezone.localdate()
    return _years_from(today, -YEARS_BACK), _years_from(today, YEARS_AHEAD)


def clean_entered_date(value: datetime.date, *, field: str) -> datetime.date:
    """``value`` if it lies in :func:`entered_date_window`; otherwise a ``ValidationFailed`` for ``field``."""
    first, last = entered_date_window()
    if first <= value <= last:
        return value
    message = _("%(date)s is outside the dates this product accepts (%(first)s to %(last)s).") % {
        "date": date_format(value, "SHORT_DATE_FORMAT"),
        "first": date_format(first, "SHORT_DATE_FORMAT"),
        "last": date_format(last, "SHORT_DATE_FORMAT"),
    }
    raise ValidationFailed(message, fields={field: [message]})

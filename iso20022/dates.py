"""ISO 20022 dates and times as the bank wrote them, and the business date they fall on.

``ISODate`` and ``ISODateTime`` are read here for every message. The business date of an
instant is a rule of the portal, not of ISO 20022: its bank files come from Norwegian banks,
so an instant is read on Oslo's clock. It lives here rather than in the kernel because the
readers apply it while they read, and this package imports no Django (``bankint`` does).
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from .errors import IsoFormatError, _

__all__ = ["OSLO", "business_date", "parse_iso_date", "parse_iso_datetime"]

# Business dates are Norwegian: the bank's instants are read on Oslo's clock.
OSLO = ZoneInfo("Europe/Oslo")


def parse_iso_datetime(text: str, where: str) -> datetime:
    """An ISODateTime as the bank wrote it: aware if it has an offset or ``Z``, else naive local time."""
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise IsoFormatError(
            _("'%(value)s' is not a date and time this parser can read."), where, {"value": text}
        ) from None


def business_date(moment: datetime, where: str | None = None) -> date:
    """The Norwegian business date of an ISODateTime: the one rule every reader follows.

    A time with an offset (or ``Z``) is an instant; its business date is its date in Oslo, so
    ``2025-06-30T22:30:00Z`` is 1 July (00:30 in Oslo) whatever the machine's time zone. A
    time without an offset is already local time and keeps its date. (A bank's ``Dt`` is a
    date already and is taken as written: :func:`parse_iso_date`.)
    """
    if moment.tzinfo is not None and moment.utcoffset() is not None:
        try:
            moment = moment.astimezone(OSLO)
        except OverflowError:  # 9999-12-31T23:00:00-05:00 is in year 10000 in Oslo
            raise IsoFormatError(
                _("'%(value)s' is outside the dates this parser can read."),
                where,
                {"value": moment.isoformat()},
            ) from None
    return moment.date()


def parse_iso_date(text: str, where: str) -> date:
    """An ISODate (``YYYY-MM-DD``); the XSD has checked its shape, this checks the calendar."""
    # xs:date allows a time-zone suffix ("2025-03-04+01:00", "2025-03-04Z"); a booking date is
    # the bank's calendar day as written, so the suffix is dropped, not applied.
    if len(text) > 10 and text[10] in "Z+-":
        text = text[:10]
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise IsoFormatError(_("'%(value)s' is not a valid date."), where, {"value": text}) from None

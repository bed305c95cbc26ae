"""Amounts, dates and account numbers the way the reader's language writes them.

One place for what every page, notification and message shows, so that nb reads
``12 345,67``, ``05.12.2026`` and ``1503.20.80119`` and en reads ``12,345.67`` and
``5 Dec 2026``. Templates use the same functions as filters (``{% load bankint %}``:
``|amount``, ``|money``, ``|rate``, ``|day``, ``|moment``, ``|account``). Stored values never change:
these only render.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import formats, timezone
from django.utils.translation import get_language

from bankint.account_numbers import format_account_number


def amount(value, places: int = 2) -> str:
    """``Decimal("12345.6")`` → ``12 345,60`` (nb) or ``12,345.60`` (en); ``""`` for None."""
    if value is None or value == "":
        return ""
    if not isinstance(value, Decimal):
        value = Decimal(str(value))
    return formats.number_format(value, decimal_pos=places, use_l10n=True, force_grouping=True)


def money(value, currency: str = "NOK") -> str:
    """``12 345,67 NOK`` in Norwegian, ``NOK 12,345.67`` in English."""
    if value is None or value == "":
        return ""
    number = amount(value)
    if (get_language() or "nb").startswith("en"):
        return f"{currency} {number}"
    return f"{number} {currency}"


def rate(value) -> str:
    """An exchange rate with the decimals it has, at least four: ``Decimal("11.72")`` →
    ``11,7200`` (nb) / ``11.7200`` (en), ``0.0903226`` → ``0,0903226``; ``""`` for None."""
    if value is None or value == "":
        return ""
    if not isinstance(value, Decimal):
        value = Decimal(str(value))
    exponent = value.normalize().as_tuple().exponent
    places = max(4, -exponent) if isinstance(exponent, int) else 4
    return amount(value, places)


def day(value) -> str:
    """A date (or the Oslo date of a moment) as ``05.12.2026`` / ``5 Dec 2026``."""
    if value is None or value == "":
        return ""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        value = value.date()
    return formats.date_format(value, "SHORT_DATE_FORMAT")


def moment(value) -> str:
    """A moment in Oslo time as ``05.12.2026 14:30`` / ``5 Dec 2026 14:30``."""
    if value is None or value == "":
        return ""
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return formats.date_format(value, "SHORT_DATETIME_FORMAT")


def account(value) -> str:
    """``15032080119`` → ``1503.20.80119``; an IBAN in groups of four; anything else as it is."""
    text = "" if value is None else str(value).strip()
    compact = text.replace(" ", "").replace(".", "")
    if len(compact) == 11 and compact.isdigit():
        return format_account_number(compact)
    if len(compact) > 11 and compact[:2].isalpha() and compact[2:4].isdigit():
        return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))
    return text

"""The bank's exchange rates: NOK for one unit of a currency, as the bank publishes them.

A payment in currency needs its value in NOK before the bank executes it (the Currency
Register's NOK 100 000 threshold), and a bill in currency is booked in NOK at the bank's rate
on its issue date. Rates are global (every company pays at its bank's rate), kept in
``ledger.ExchangeRate``: the latest rate on or before a day is the one that applies (the bank
publishes none on weekends and holidays). A day without a stored rate is asked of the bank
once (``bankclient``'s ``exchange_rates``), and the answer stored with one upsert.

No rate is not an error: the bank may be unreachable, or not publish the currency. The
callers decide what that means (a payment abroad must then carry its report; a bill is
booked without a NOK rate until one is known).
"""

from __future__ import annotations

import datetime
import logging
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction

from ..models import ExchangeRate

log = logging.getLogger(__name__)

CENT = Decimal("0.01")
# How far back a stored rate still stands for a day the bank published none (a long Easter
# is five days without a rate): further back is no rate, and the bank is asked.
MAX_RATE_AGE = datetime.timedelta(days=7)


def _stored_rate(currency: str, day: datetime.date) -> Decimal | None:
    return (
        ExchangeRate.objects.filter(currency=currency, rate_date__lte=day, rate_date__gte=day - MAX_RATE_AGE)
        .order_by("-rate_date")
        .values_list("rate", flat=True)
        .first()
    )


def _fetch(day: datetime.date) -> dict[str, Decimal]:
    """The bank's rates for ``day`` (``bankclient`` checks each is a positive number); empty
    when the bank cannot say (unreachable or refused)."""
    from bankclient import BankRejected, BankUnavailable, get_client

    client = get_client()
    try:
        return {code.upper(): rate for code, rate in client.exchange_rates(day).items()}
    except (BankUnavailable, BankRejected) as exc:
        log.info("No exchange rates from the bank for %s: %s", day, exc)
        return {}
    finally:
        client.close()


def exchange_rates_store(day: datetime.date, rates: dict[str, Decimal]) -> int:
    """Store the bank's rates for a day, one upsert (a rate published again replaces the old)."""
    if not rates:
        return 0
    rows = [ExchangeRate(currency=code, rate_date=day, rate=rate) for code, rate in sorted(rates.items())]
    with transaction.atomic():
        ExchangeRate.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["currency", "rate_date"],
            update_fields=["rate"],
        )
    return len(rows)


def rate_on(currency: str, day: datetime.date, *, fetch: bool = True) -> Decimal | None:
    """NOK per one unit of ``currency`` on ``day`` (1 for NOK), or None when nobody knows it.

    The stored rate of the day or the latest before it; else the bank is asked for the day's
    rates (all currencies stored at once). Call it outside a transaction that must not wait
    on the bank: it makes at most one bank call, with the client's timeout (none with
    ``fetch=False``: a caller that already asked the bank, inside its transaction).
    """
    code = (currency or "").upper()
    if code == "NOK":
        return Decimal(1)
    if len(code) != 3 or day is None:
        return None
    rate = _stored_rate(code, day)
    if rate is not None or not fetch:
        return rate
    fetched = _fetch(day)
    if fetched:
        exchange_rates_store(day, fetched)
    return fetched.get(code)


def nok_value(currency: str, amount: Decimal, day: datetime.date, *, fetch: bool = True) -> Decimal | None:
    """``amount`` of ``currency`` in NOK at the bank's rate on ``day`` (øre, rounded half up),
    or None when the rate is not known."""
    if amount is None:
        return None
    rate = rate_on(currency, day, fetch=fetch)
    if rate is None:
        return None
    return (Decimal(amount) * rate).quantize(CENT, rounding=ROUND_HALF_UP)

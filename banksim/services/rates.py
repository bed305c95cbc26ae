"""The bank's published exchange rates: NOK per one unit of each currency it pays in.

Deterministic per date, so that a test (and the portal's booking of a currency payment) can
know the rate the bank used without asking twice: a base table with a small wobble of at most
±2 % drawn from a hash of the currency and the date. Like a real bank's rates they change
only on banking days: a Saturday, a Sunday or a holiday has the rate of the banking day
before it. The same table decides what a payment in currency costs on its execution date
(``execution``) and what ``GET /api/v1/fx/rates`` publishes.
"""

from __future__ import annotations

import hashlib
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from banksim import clock

BASE_RATES = {
    "EUR": Decimal("11.7210"),
    "USD": Decimal("10.9400"),
    "SEK": Decimal("1.0125"),
    "DKK": Decimal("1.5712"),
    "GBP": Decimal("13.8800"),
    "CHF": Decimal("12.4000"),
    "PLN": Decimal("2.7300"),
    "JPY": Decimal("0.0712"),
}
CURRENCIES = frozenset(BASE_RATES) | {"NOK"}
# A rate below one krone keeps six decimals, so that the yen's wobble is not lost in rounding.
_PLACES = Decimal("0.0001")
_SMALL_PLACES = Decimal("0.000001")


def rate_day(day: date) -> date:
    """The banking day whose rates apply on ``day`` (the day itself, or the last one before)."""
    while not clock.is_banking_day(day):
        day -= timedelta(days=1)
    return day


def _wobble(currency: str, day: date) -> Decimal:
    """A factor between 0.98 and 1.02, the same for the same currency and day on every run."""
    digest = hashlib.sha256(f"{currency}:{day.isoformat()}".encode()).digest()
    step = int.from_bytes(digest[:4], "big") % 4001  # 0 … 4000
    return Decimal(1) + (Decimal(step) - 2000) / Decimal(100_000)


def rates_on(day: date) -> dict[str, Decimal]:
    """Every currency's rate on ``day``: NOK per one unit."""
    published = rate_day(day)
    result = {}
    for currency, base in BASE_RATES.items():
        places = _SMALL_PLACES if base < 1 else _PLACES
        result[currency] = (base * _wobble(currency, published)).quantize(places, rounding=ROUND_HALF_UP)
    return result


def rate(currency: str, day: date) -> Decimal:
    """NOK per one unit of ``currency`` on ``day`` (1 for NOK). KeyError for a currency the bank
    does not trade."""
    if currency == "NOK":
        return Decimal(1)
    return rates_on(day)[currency]


def nok_value(currency: str, amount: Decimal, day: date) -> Decimal:
    """``amount`` in ``currency`` as kroner at the day's rate, rounded to øre (half up)."""
    return (amount * rate(currency, day)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def rates_public(day: date) -> dict:
    """``GET /api/v1/fx/rates``: the day's rates as strings (exact decimals on the wire)."""
    return {"date": day.isoformat(), "base": "NOK", "rates": {c: str(r) for c, r in rates_on(day).items()}}

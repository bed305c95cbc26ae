"""How the simulated bank writes numbers, dates, account numbers and statuses on its pages.

The bank's pages are Norwegian only (like DNB's own): ``12 345,67``, ``05.12.2026``,
``1503.20.80119`` and a word for every status, never the code the API speaks.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

STATUS_WORDS = {
    # service orders, S'banken consents
    "AWAITING_CONFIRMATION": "Venter på bekreftelse",
    "AWAITING_CONSENT": "Venter på samtykke",
    "PROCESSING": "Under behandling",
    "COMPLETED": "Fullført",
    "PARTIALLY_COMPLETED": "Delvis fullført",
    "REJECTED": "Avvist",
    "CANCELLED": "Avbrutt",
    # BankID signing
    "PENDING": "Venter på signering",
    "COMPLETE": "Signert",
    "EXPIRED": "Utløpt",
    # online bank applications
    "DRAFT": "Utkast",
    "RECEIVED": "Mottatt",
    "READY_FOR_SIGNING": "Klar til signering",
    "SIGNED": "Signert",
    "CREATED": "Opprettet",
    # RgB orders
    "AWAITING_USER": "Venter på deg",
    "CONFIRMED": "Bekreftet",
}


def status(code: str) -> str:
    """``READY_FOR_SIGNING`` → ``Klar til signering``; an unknown code as it is."""
    return STATUS_WORDS.get(code, code)


def konto(number: str) -> str:
    """``15032080119`` → ``1503.20.80119``; anything that is not 11 digits as it is."""
    text = str(number or "").strip()
    if len(text) == 11 and text.isdigit():
        return f"{text[:4]}.{text[4:6]}.{text[6:]}"
    return text


def kontoer(numbers) -> str:
    """Account numbers for a sentence: ``1503.20.80119``, ``1503.20.80119 og 1503.20.80135``."""
    shown = [konto(n) for n in numbers]
    if len(shown) <= 1:
        return "".join(shown)
    return f"{', '.join(shown[:-1])} og {shown[-1]}"


def kroner(amount) -> str:
    """``Decimal("12345.6")`` → ``12 345,60`` (a no-break space between thousands)."""
    value = amount if isinstance(amount, Decimal) else Decimal(str(amount))
    return f"{value:,.2f}".replace(",", "\u00a0").replace(".", ",")


def dato(value) -> str:
    """A date as ``05.12.2026``."""
    if isinstance(value, datetime):
        value = value.date()
    return value.strftime("%d.%m.%Y") if isinstance(value, date) else str(value or "")


def belop(amount, currency: str = "NOK") -> str:
    """An amount with its currency as the bank's pages show it: ``12 345,60`` for kroner,
    ``EUR 1 000,50`` for another currency (the yen without decimals: ``JPY 100 000``)."""
    if currency == "NOK":
        return kroner(amount)
    value = amount if isinstance(amount, Decimal) else Decimal(str(amount))
    places = 0 if currency == "JPY" else 2
    text = f"{value:,.{places}f}".replace(",", "\u00a0").replace(".", ",")
    return f"{currency} {text}"


def belop_per_valuta(payments) -> str:
    """The sum of payments per currency: ``12 345,60`` or ``EUR 1 000,00 + USD 250,00``."""
    sums: dict[str, Decimal] = {}
    for p in payments:
        sums[p.currency] = sums.get(p.currency, Decimal(0)) + p.amount
    return " + ".join(belop(amount, currency) for currency, amount in sorted(sums.items())) or kroner(0)

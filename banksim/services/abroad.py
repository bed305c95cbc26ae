"""The bank's rules for payments abroad and in currency: which creditor is abroad, what makes
an IBAN, a BIC or an address unusable, and when Norway's Currency Register needs a report.

Each refusal carries the ISO reason code a real bank answers with (pain.002 ``StsRsnInf``):
AC01 (IncorrectAccountNumber) for an IBAN with a wrong check, RC01 (BankIdentifierIncorrect)
for a malformed BIC or one from another country than the account, RR03 (Missing creditor name
or address) for an unstructured address once the SEPA and SWIFT banks stop taking them,
RR05 (Regulatory information invalid) for a missing Currency Register report, AM03
(NotAllowedCurrency) for a currency the account cannot pay in.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from stdnum import bic as stdnum_bic
from stdnum import iban as stdnum_iban

from banksim import formats
from banksim.models import Account
from banksim.services.rates import CURRENCIES, nok_value

# From this execution date the banks of the SEPA and SWIFT world refuse an address that is
# unstructured (address lines only): at least town and country in their own elements.
STRUCTURED_ADDRESS_FROM = date(2026, 11, 15)
# A payment abroad above this value in NOK must carry a Currency Register report
# (betalingsart and a text) in RgltryRptg.
REPORTING_THRESHOLD_NOK = Decimal("100000")
# SEPA scheme countries (EEA + the non-EEA members).
SEPA_COUNTRIES = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "CY",
        "CZ",
        "DE",
        "DK",
        "EE",
        "ES",
        "FI",
        "FR",
        "GR",
        "HR",
        "HU",
        "IE",
        "IS",
        "IT",
        "LI",
        "LT",
        "LU",
        "LV",
        "MT",
        "NL",
        "NO",
        "PL",
        "PT",
        "RO",
        "SE",
        "SI",
        "SK",
        "AD",
        "CH",
        "GB",
        "GG",
        "GI",
        "IM",
        "JE",
        "MC",
        "SM",
        "VA",
        "AX",
        "GF",
        "GP",
        "MQ",
        "RE",
        "YT",
        "PM",
        "BL",
        "MF",
    ]
)
# Accounts in these countries are held by banks whose BIC carries another country's letters.
_BIC_COUNTRY_OF = {
    **dict.fromkeys(("GF", "GP", "MQ", "RE", "YT", "PM", "BL", "MF", "NC", "PF", "WF", "MC"), "FR"),
    **dict.fromkeys(("GG", "JE", "IM"), "GB"),
    "AX": "FI",
}
_REGULATORY_CODE = re.compile(r"\d{2,3}")


def creditor_country(tx: formats.Pain001Tx) -> str:
    """The country of the creditor's account: the IBAN's, else the BIC's, else Norway (a BBAN)."""
    if tx.iban:
        return tx.iban[:2].upper()
    if tx.creditor_bic and len(tx.creditor_bic) >= 6:
        return tx.creditor_bic[4:6].upper()
    return "NO"


def is_abroad(tx: formats.Pain001Tx) -> bool:
    return creditor_country(tx) != "NO"


def is_sepa(tx: formats.Pain001Tx) -> bool:
    return tx.currency == "EUR" and bool(tx.iban) and creditor_country(tx) in SEPA_COUNTRIES


def currency_refusal(tx: formats.Pain001Tx, account: Account) -> tuple[str, str] | None:
    if tx.currency not in CURRENCIES:
        return "AM03", f"Valuta {tx.currency} støttes ikke."
    if account.currency != "NOK" and tx.currency != account.currency:
        return "AM03", (
            f"Konto {account.number} er en valutakonto i {account.currency} og kan bare betale i "
            f"{account.currency}, ikke {tx.currency}."
        )
    return None


def iban_refusal(tx: formats.Pain001Tx) -> tuple[str, str] | None:
    if tx.iban and not stdnum_iban.is_valid(tx.iban):
        return "AC01", f"IBAN {tx.iban} er ugyldig: kontrollsifrene, lengden eller landet stemmer ikke."
    return None


def bic_refusal(tx: formats.Pain001Tx) -> tuple[str, str] | None:
    """A payment abroad: the BIC well formed and of the account's country (an IBAN alone will do)."""
    if not tx.creditor_bic:
        if tx.iban:
            return None
        return "RC01", f"Betalingen til {tx.creditor_account} mangler mottakerbankens BIC."
    bic = tx.creditor_bic.upper()
    if not stdnum_bic.is_valid(bic):
        return "RC01", f"BIC {tx.creditor_bic} er ugyldig."
    if tx.iban:
        country = tx.iban[:2].upper()
        if bic[4:6] not in (country, _BIC_COUNTRY_OF.get(country)):
            return "RC01", f"BIC {bic} er en bank i {bic[4:6]}, men kontoen {tx.iban} er i {country}."
    return None


def address_refusal(tx: formats.Pain001Tx, execution_date: date) -> tuple[str, str] | None:
    """From 15 November 2026 an address must be structured (town and country); a SEPA payment
    may have none at all, any other payment abroad must have one."""
    if execution_date < STRUCTURED_ADDRESS_FROM:
        return None
    if tx.address is None:
        if is_sepa(tx):
            return None
        return "RR03", "Betalinger til utlandet må ha mottakerens adresse med minst by og land."
    if not tx.address.structured:
        return "RR03", (
            "Mottakerens adresse må være strukturert med minst by (TwnNm) og land (Ctry); "
            "bare adresselinjer godtas ikke fra 15.11.2026."
        )
    return None


def reporting_refusal(tx: formats.Pain001Tx, amount: Decimal, rate_date: date) -> tuple[str, str] | None:
    """Above NOK 100 000 (at the bank's rate on ``rate_date``) a payment abroad needs the
    Currency Register's betalingsart (2-3 digits) and a text."""
    nok = nok_value(tx.currency, amount, rate_date)
    if nok <= REPORTING_THRESHOLD_NOK:
        return None
    if not _REGULATORY_CODE.fullmatch(tx.regulatory_code) or not tx.regulatory_text:
        return "RR05", (
            f"Betalingen er verdt NOK {nok} (over 100 000) og må ha betalingsart og tekst til "
            "Valutaregisteret (RgltryRptg)."
        )
    return None

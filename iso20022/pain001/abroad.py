"""Payments abroad and in currency: the checks and the decisions the product makes for the user.

Pure rules on the data of one payment, for :mod:`.v09` (and for the forms that will ask for
the same things): an IBAN with a valid check (python-stdnum's ``iban``), a BIC of the right
shape (``stdnum.bic``), a structured address with town and country, an amount with its
currency's own number of decimals, and what kind of payment it is (:func:`payment_kind`):
domestic (NOK to a Norwegian account number), SEPA (EUR to an IBAN of a SEPA country:
service level SEPA, charges SLEV) or abroad (anything else: charges SHAR unless the user
chose DEBT or CRED). Whether it must carry Norway's report to the Currency Register is
decided here too (:func:`needs_reporting`): a payment abroad worth more than NOK 100 000.

Refusals are :class:`~iso20022.errors.IsoFormatError` with a template and its values
(``_()`` marks the English text; the service translates it) and the field as the path.
"""

from __future__ import annotations

import re
from decimal import Decimal

from stdnum import bic as stdnum_bic
from stdnum import iban as stdnum_iban
from stdnum.exceptions import ValidationError

from ..errors import IsoFormatError, _
from .model import CURRENCY, Pain001Payment, PostalAddress, RegulatoryReport

__all__ = [
    "ABROAD",
    "CURRENCY_DECIMALS",
    "DOMESTIC",
    "REPORTING_THRESHOLD_NOK",
    "SEPA",
    "SEPA_COUNTRIES",
    "amount_text",
    "charge_bearer",
    "check_address",
    "check_bic",
    "check_iban",
    "check_regulatory_report",
    "needs_reporting",
    "payment_kind",
]

DOMESTIC, SEPA, ABROAD = "DOMESTIC", "SEPA", "ABROAD"

# ISO 4217 minor units of the currencies the portal pays in: an amount with more decimals is
# refused, never rounded (JPY has none, so 1000.5 yen is not an amount).
CURRENCY_DECIMALS = {"NOK": 2, "EUR": 2, "USD": 2, "SEK": 2, "DKK": 2, "GBP": 2, "CHF": 2, "PLN": 2, "JPY": 0}

# The countries of the SEPA scheme (EEA, Switzerland, the UK and the microstates), by the
# IBAN's first two letters.
SEPA_COUNTRIES = frozenset(
    [
        "AD",
        "AT",
        "BE",
        "BG",
        "CH",
        "CY",
        "CZ",
        "DE",
        "DK",
        "EE",
        "ES",
        "FI",
        "FR",
        "GB",
        "GI",
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
        "MC",
        "MT",
        "NL",
        "NO",
        "PL",
        "PT",
        "RO",
        "SE",
        "SI",
        "SK",
        "SM",
        "VA",
    ]
)

# Norway's Currency Register: a payment to or from abroad above this value in NOK must carry
# the payment type code ("betalingsart") and a text (the bank reports it).
REPORTING_THRESHOLD_NOK = Decimal("100000")

_COUNTRY = re.compile(r"[A-Z]{2}")
_CHARGE_BEARERS = ("SHAR", "DEBT", "CRED")
_REPORT_CODE = re.compile(r"[0-9]{2,3}")  # the betalingsart codes are two or three digits


def check_iban(value: object, where: str) -> str:
    """The IBAN in its compact form, or a refusal naming the field (wrong check digits, length or country)."""
    if not isinstance(value, str):
        raise IsoFormatError(_("The IBAN must be given as text."), where)
    try:
        return stdnum_iban.validate(value)
    except ValidationError:
        raise IsoFormatError(
            _("%(iban)s is not a valid IBAN: its check digits, length or country are wrong."),
            where,
            {"iban": value},
        ) from None


def check_bic(value: object, where: str) -> str:
    """The BIC (8 or 11 characters: bank, country, location, branch), or a refusal."""
    if not isinstance(value, str):
        raise IsoFormatError(_("The BIC must be given as text."), where)
    try:
        return stdnum_bic.validate(value)
    except ValidationError:
        raise IsoFormatError(
            _("%(bic)s is not a valid BIC: 8 or 11 letters and digits, the 5th and 6th its country."),
            where,
            {"bic": value},
        ) from None


def check_address(address: object, where: str) -> PostalAddress:
    """A structured address with at least a town and a country (ISO 3166 alpha-2)."""
    if not isinstance(address, PostalAddress):
        raise IsoFormatError(_("The address must be a structured postal address."), where)
    if not isinstance(address.town, str) or not address.town.strip():
        raise IsoFormatError(_("An address must name its town."), f"{where}.town")
    if not isinstance(address.country, str) or not _COUNTRY.fullmatch(address.country):
        raise IsoFormatError(
            _("An address must name its country as a two-letter code, not %(country)r."),
            f"{where}.country",
            {"country": address.country},
        )
    return address


def amount_text(value: object, currency: object, where: str) -> str:
    """The amount as the file writes it, with its currency's own number of decimals."""
    decimals = CURRENCY_DECIMALS.get(currency) if isinstance(currency, str) else None
    if decimals is None:
        raise IsoFormatError(
            _("The portal does not pay in %(currency)r; it pays in %(known)s."),
            f"{where}.currency",
            {"currency": currency, "known": ", ".join(sorted(CURRENCY_DECIMALS))},
        )
    if not isinstance(value, Decimal) or not value.is_finite() or value <= 0:
        raise IsoFormatError(
            _("The amount must be a Decimal above zero, not %(value)r."), f"{where}.amount", {"value": value}
        )
    unit = Decimal(1).scaleb(-decimals)
    if value.quantize(unit) != value:
        raise IsoFormatError(
            _("The amount %(value)s has more decimals than %(currency)s has (%(decimals)s)."),
            f"{where}.amount",
            {"value": value, "currency": currency, "decimals": decimals},
        )
    return f"{value.quantize(unit):f}"


def payment_kind(p: Pain001Payment) -> str:
    """DOMESTIC (NOK to a Norwegian account number), SEPA (EUR to an IBAN of a SEPA country) or
    ABROAD: the product tells them apart, not the user."""
    account = p.creditor_account
    if p.currency == CURRENCY and account.isdigit():
        return DOMESTIC
    if p.currency == "EUR" and account[:2].upper() in SEPA_COUNTRIES and not account.isdigit():
        return SEPA
    return ABROAD


def needs_reporting(p: Pain001Payment, kind: str, where: str) -> bool:
    """Whether a payment must carry the Currency Register report: a payment abroad (SEPA
    included) worth more than NOK 100 000. The caller's word wins; else the NOK value
    decides, which a payment in another currency must then carry."""
    if p.reporting_required is not None:
        return bool(p.reporting_required)
    if kind == DOMESTIC:
        return False
    value = p.amount if p.currency == CURRENCY else p.nok_equivalent
    if value is None:
        raise IsoFormatError(
            _(
                "A payment abroad in %(currency)s needs its value in NOK (or the caller's word) to tell "
                "whether it must be reported to the Currency Register."
            ),
            f"{where}.nok_equivalent",
            {"currency": p.currency},
        )
    return value > REPORTING_THRESHOLD_NOK


def check_regulatory_report(report: object, where: str) -> RegulatoryReport:
    """The payment type code and text a payment above the threshold must carry."""
    if report is None:
        raise IsoFormatError(
            _(
                "A payment abroad above NOK 100 000 must carry a payment type code (betalingsart) and a "
                "text for the Currency Register."
            ),
            where,
        )
    if not isinstance(report, RegulatoryReport) or not _REPORT_CODE.fullmatch(str(report.code)):
        raise IsoFormatError(
            _("The payment type code (betalingsart) must be two or three digits."), f"{where}.code"
        )
    if not isinstance(report.text, str) or not report.text.strip():
        raise IsoFormatError(
            _("The Currency Register needs a text saying what the payment is for."), f"{where}.text"
        )
    return report


def charge_bearer(p: Pain001Payment, kind: str, where: str) -> str | None:
    """``ChrgBr``: SLEV for SEPA, the user's SHAR/DEBT/CRED (SHAR by default) abroad, none at home."""
    if kind == SEPA:
        return "SLEV"
    if kind == DOMESTIC:
        return None
    chosen = p.charge_bearer or "SHAR"
    if chosen not in _CHARGE_BEARERS:
        raise IsoFormatError(
            _("Charges are borne SHAR, DEBT or CRED, not %(value)r."),
            f"{where}.charge_bearer",
            {"value": chosen},
        )
    return chosen

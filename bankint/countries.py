"""Countries and currencies as the forms offer them: ISO codes with names in the reader's language.

The codes are what the bank file carries (ISO 3166 alpha-2 for an address or a bank's country,
ISO 4217 for a currency); the names are only for the select lists. The currencies are the ones
the payment file writer knows the decimals of (:data:`iso20022.pain001.abroad.CURRENCY_DECIMALS`),
so a form never offers one the file cannot carry. Norway and the SEPA countries first in the
sense that they are all here; the rest are the countries Norwegian companies pay most often.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from iso20022.pain001.abroad import CURRENCY_DECIMALS

HOME_COUNTRY = "NO"
HOME_CURRENCY = "NOK"

COUNTRY_NAMES = {
    "AD": _("Andorra"),
    "AE": _("United Arab Emirates"),
    "AT": _("Austria"),
    "AU": _("Australia"),
    "BE": _("Belgium"),
    "BG": _("Bulgaria"),
    "BR": _("Brazil"),
    "CA": _("Canada"),
    "CH": _("Switzerland"),
    "CN": _("China"),
    "CY": _("Cyprus"),
    "CZ": _("Czechia"),
    "DE": _("Germany"),
    "DK": _("Denmark"),
    "EE": _("Estonia"),
    "ES": _("Spain"),
    "FI": _("Finland"),
    "FO": _("Faroe Islands"),
    "FR": _("France"),
    "GB": _("United Kingdom"),
    "GI": _("Gibraltar"),
    "GL": _("Greenland"),
    "GR": _("Greece"),
    "HK": _("Hong Kong"),
    "HR": _("Croatia"),
    "HU": _("Hungary"),
    "IE": _("Ireland"),
    "IN": _("India"),
    "IS": _("Iceland"),
    "IT": _("Italy"),
    "JP": _("Japan"),
    "KR": _("South Korea"),
    "LI": _("Liechtenstein"),
    "LT": _("Lithuania"),
    "LU": _("Luxembourg"),
    "LV": _("Latvia"),
    "MC": _("Monaco"),
    "MT": _("Malta"),
    "MX": _("Mexico"),
    "NL": _("Netherlands"),
    "NO": _("Norway"),
    "NZ": _("New Zealand"),
    "PL": _("Poland"),
    "PT": _("Portugal"),
    "RO": _("Romania"),
    "SE": _("Sweden"),
    "SG": _("Singapore"),
    "SI": _("Slovenia"),
    "SK": _("Slovakia"),
    "SM": _("San Marino"),
    "TR": _("Türkiye"),
    "UA": _("Ukraine"),
    "US": _("United States"),
    "VA": _("Vatican City"),
    "ZA": _("South Africa"),
}

CURRENCY_NAMES = {
    "NOK": _("Norwegian krone"),
    "EUR": _("Euro"),
    "SEK": _("Swedish krona"),
    "DKK": _("Danish krone"),
    "USD": _("US dollar"),
    "GBP": _("Pound sterling"),
    "CHF": _("Swiss franc"),
    "PLN": _("Polish złoty"),
    "JPY": _("Japanese yen"),
}


def country_choices(*, blank_label=None) -> list[tuple[str, str]]:
    """Norway first, then the others by name in the active language (call it per request)."""
    rest = sorted((str(name), code) for code, name in COUNTRY_NAMES.items() if code != HOME_COUNTRY)
    choices = [(HOME_COUNTRY, f"{COUNTRY_NAMES[HOME_COUNTRY]} ({HOME_COUNTRY})")]
    choices += [(code, f"{name} ({code})") for name, code in rest]
    return ([("", str(blank_label))] if blank_label is not None else []) + choices


def currency_choices() -> list[tuple[str, str]]:
    """The currencies the payment file can carry, NOK first, as ``EUR – euro`` (call it per request)."""
    codes = [c for c in CURRENCY_NAMES if c in CURRENCY_DECIMALS]
    codes += sorted(c for c in CURRENCY_DECIMALS if c not in CURRENCY_NAMES)
    return [(code, f"{code} – {CURRENCY_NAMES.get(code, code)}") for code in codes]

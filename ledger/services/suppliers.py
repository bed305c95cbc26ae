"""Suppliers: a Norwegian one paid to its account number (BBAN), one abroad to its IBAN.

A supplier abroad is one with an IBAN: its bank (BIC, whose country letters must be the
bank's country, by default the IBAN's), and a structured address with at least a town and a
country (the SEPA and SWIFT rule from 15 November 2026: banks refuse payments abroad without
them). The rules on each number are iso20022's (:mod:`iso20022.pain001.abroad`, which uses
python-stdnum), so the file writer and the register agree on what is valid.
"""

from __future__ import annotations

import re

from django.db import transaction
from django.utils.translation import gettext as _

from bankint.account_numbers import clean_account_number
from bankint.errors import ValidationFailed
from companies.services import audit_record, clean_org_number
from iso20022.errors import IsoFormatError
from iso20022.pain001 import abroad

from ..models import NumberSeries, Supplier
from .chart import number_allocate
from .checks import clean_name

_COUNTRY = re.compile(r"[A-Z]{2}")
_CURRENCY = re.compile(r"[A-Z]{3}")

# The fields a supplier's payment details are made of, in the order the register shows them.
SUPPLIER_FIELDS = (
    "name",
    "account_number",
    "org_number",
    "country",
    "currency",
    "iban",
    "bic",
    "bank_country",
    "street",
    "building_number",
    "postcode",
    "town",
)


def _text(value, limit: int) -> str:
    return " ".join(("" if value is None else str(value)).split())[:limit]


def _fail(field: str, message: str):
    raise ValidationFailed(message, fields={field: [message]})


def clean_country(value, field: str = "country", *, required: bool = True) -> str:
    code = _text(value, 10).upper()
    if not code and not required:
        return ""
    if not _COUNTRY.fullmatch(code):
        _fail(field, _("Give the country as its two-letter code (ISO 3166), e.g. NO, SE or DE."))
    return code


def clean_currency(value, field: str = "currency") -> str:
    """An ISO 4217 code of a currency the portal pays in."""
    code = _text(value, 10).upper() or "NOK"
    if not _CURRENCY.fullmatch(code) or code not in abroad.CURRENCY_DECIMALS:
        _fail(
            field,
            _("The portal does not pay in “%(currency)s”; it pays in %(known)s.")
            % {"currency": value, "known": ", ".join(sorted(abroad.CURRENCY_DECIMALS))},
        )
    return code


def clean_iban(value, field: str = "iban") -> str:
    try:
        return abroad.check_iban(_text(value, 50).replace(" ", ""), field)
    except IsoFormatError:
        _fail(
            field,
            _("“%(iban)s” is not a valid IBAN: its check digits, length or country are wrong.")
            % {"iban": value},
        )


def clean_bic(value, country: str, field: str = "bic") -> str:
    """A BIC (8 or 11 characters) whose 5th and 6th letters are the bank's country."""
    try:
        bic = abroad.check_bic(_text(value, 20).replace(" ", "").upper(), field)
    except IsoFormatError:
        _fail(
            field,
            _("“%(bic)s” is not a valid BIC: 8 or 11 letters and digits, the 5th and 6th its country.")
            % {"bic": value},
        )
    if country and bic[4:6] != country:
        _fail(
            field,
            _(
                "The BIC %(bic)s is a bank in %(bic_country)s, not in %(country)s: check the BIC and the bank's country."
            )
            % {"bic": bic, "bic_country": bic[4:6], "country": country},
        )
    return bic


def clean_address(
    *, street="", building_number="", postcode="", town="", country="", prefix: str = ""
) -> dict:
    """A structured address for a payment abroad: town and country at least."""
    address = {
        "street": _text(street, 70),
        "building_number": _text(building_number, 16),
        "postcode": _text(postcode, 16),
        "town": _text(town, 35),
    }
    problems: dict[str, list[str]] = {}
    if not address["town"]:
        problems[f"{prefix}town"] = [
            _("Enter the town: a payment abroad must carry the recipient's town and country.")
        ]
    code = _text(country, 10).upper()
    if not _COUNTRY.fullmatch(code):
        problems[f"{prefix}country"] = [
            _("Enter the country as its two-letter code (e.g. SE, DE, US): a payment abroad must carry it.")
        ]
    if problems:
        first = next(iter(problems.values()))[0]
        raise ValidationFailed(first, fields=problems)
    address["country"] = code
    return address


def clean_supplier_fields(data: dict) -> dict:
    """The supplier's fields checked and normalised: a Norwegian supplier (no IBAN) by its
    account number as before; one abroad by IBAN, BIC and address. ``ValidationFailed`` with
    the field (several fields at once when an address lacks both town and country)."""
    out = {"name": clean_name(data.get("name"))}
    org = _text(data.get("org_number"), 20)
    out["org_number"] = clean_org_number(org) if org else ""
    out["currency"] = clean_currency(data.get("currency"))
    iban = _text(data.get("iban"), 50).replace(" ", "")
    if not iban:
        # Norwegian: the BBAN (MOD11) as always, paid in NOK.
        country = clean_country(data.get("country") or "NO")
        if country != "NO":
            _fail(
                "iban",
                _("A supplier in %(country)s is paid to its IBAN: enter the IBAN (and the bank's BIC).")
                % {"country": country},
            )
        out["account_number"] = clean_account_number(data.get("account_number"))
        out.update(
            country="NO",
            iban="",
            bic="",
            bank_country="",
            street=_text(data.get("street"), 70),
            building_number=_text(data.get("building_number"), 16),
            postcode=_text(data.get("postcode"), 16),
            town=_text(data.get("town"), 35),
        )
        return out
    out["iban"] = clean_iban(iban)
    bank_country = clean_country(data.get("bank_country") or out["iban"][:2], "bank_country")
    if bank_country != out["iban"][:2]:
        _fail(
            "bank_country",
            _("The IBAN %(iban)s is an account in %(iban_country)s, not in %(country)s.")
            % {"iban": out["iban"], "iban_country": out["iban"][:2], "country": bank_country},
        )
    out["bank_country"] = bank_country
    bic = _text(data.get("bic"), 20)
    # A BIC is what a bank abroad is found by; inside SEPA the IBAN is enough (the bank finds it).
    if not bic and bank_country not in abroad.SEPA_COUNTRIES:
        _fail("bic", _("Enter the BIC of the supplier's bank: a payment outside SEPA needs it."))
    out["bic"] = clean_bic(bic, bank_country) if bic else ""
    out.update(
        clean_address(
            street=data.get("street"),
            building_number=data.get("building_number"),
            postcode=data.get("postcode"),
            town=data.get("town"),
            country=data.get("country") or "",
        )
    )
    # A Norwegian account number has no place beside an IBAN: the IBAN is what is paid.
    out["account_number"] = ""
    return out


@transaction.atomic
def supplier_create(
    company,
    *,
    name: str,
    account_number: str = "",
    org_number: str = "",
    country: str = "NO",
    currency: str = "NOK",
    iban: str = "",
    bic: str = "",
    bank_country: str = "",
    street: str = "",
    building_number: str = "",
    postcode: str = "",
    town: str = "",
) -> Supplier:
    """Register a supplier: Norwegian (account number, MOD11) or abroad (IBAN, BIC, address)."""
    data = clean_supplier_fields(
        {
            "name": name,
            "account_number": account_number,
            "org_number": org_number,
            "country": country,
            "currency": currency,
            "iban": iban,
            "bic": bic,
            "bank_country": bank_country,
            "street": street,
            "building_number": building_number,
            "postcode": postcode,
            "town": town,
        }
    )
    number = number_allocate(company, NumberSeries.Kind.SUPPLIER)
    supplier = Supplier.objects.create(company=company, number=number, **data)
    audit_record("supplier.create", obj=supplier, changes={"after": data})
    return supplier


@transaction.atomic
def supplier_update(supplier: Supplier, **changes) -> Supplier:
    """Change a supplier's details (the same checks as at registration). Payments already
    registered keep the details they were made with."""
    unknown = set(changes) - set(SUPPLIER_FIELDS)
    if unknown:
        raise ValidationFailed(_("Unknown fields: %(names)s") % {"names": ", ".join(sorted(unknown))})
    supplier = Supplier.objects.select_for_update().get(pk=supplier.pk)
    current = {name: getattr(supplier, name) for name in SUPPLIER_FIELDS}
    wanted = {**current, **changes}
    data = clean_supplier_fields(wanted)
    before = {k: current[k] for k in data if current[k] != data[k]}
    if not before:
        return supplier
    for key, value in data.items():
        setattr(supplier, key, value)
    supplier.save(update_fields=list(data))
    audit_record(
        "supplier.update",
        obj=supplier,
        changes={"before": before, "after": {k: data[k] for k in before}},
    )
    return supplier

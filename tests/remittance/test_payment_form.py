"""The payment form: currency, IBAN, BIC, address, charges, urgency and the Currency Register's fields."""

from __future__ import annotations

import json
from types import SimpleNamespace

from django.utils import translation

from remittance.forms import PaymentForm

ACCOUNTS = [SimpleNamespace(pk=7)]

DOMESTIC = {
    "bank_account_id": "7",
    "creditor_name": "Leverandør AS",
    "creditor_account": "1503.20.80135",
    "amount": "12 345,67",
    "message": "Faktura 9",
}
SEPA = {
    **DOMESTIC,
    "creditor_name": "Müller GmbH",
    "creditor_account": "DE89 3704 0044 0532 0130 00",
    "currency": "EUR",
    "creditor_bic": "cobadeff",
    "creditor_street": "Hauptstraße",
    "creditor_building_number": "5",
    "creditor_postcode": "10115",
    "creditor_town": "Berlin",
    "creditor_country": "DE",
    "charge_bearer": "SHAR",
}


def _form(data, **kwargs):
    return PaymentForm(data, accounts=ACCOUNTS, **kwargs)


def test_a_domestic_payment_passes_nothing_of_abroad_even_what_hidden_fields_kept():
    form = _form({**DOMESTIC, "creditor_town": "Berlin", "urgent": "on", "regulatory_code": "14"})
    assert form.is_valid(), form.errors
    data = form.cleaned_data
    assert data["currency"] == "NOK" and data["amount"] == "12 345,67"
    assert data["creditor_town"] == "" and data["urgent"] is False and data["regulatory_code"] == ""
    assert data["creditor_account"] == "1503.20.80135"  # the service compacts and checks the BBAN


def test_a_sepa_payment_gives_the_service_compact_iban_and_bic_and_the_contract_keys():
    form = _form(SEPA)
    assert form.is_valid(), form.errors
    data = form.cleaned_data
    assert data["creditor_account"] == "DE89370400440532013000"
    assert data["creditor_bic"] == "COBADEFF"
    assert data["currency"] == "EUR" and data["creditor_country"] == "DE" and data["charge_bearer"] == "SHAR"
    assert {
        "currency",
        "creditor_bic",
        "creditor_street",
        "creditor_building_number",
        "creditor_postcode",
        "creditor_town",
        "creditor_country",
        "charge_bearer",
        "urgent",
        "regulatory_code",
        "regulatory_text",
    } <= set(data)


def test_a_bad_iban_is_refused_in_norwegian_on_the_account_field():
    with translation.override("nb"):
        form = _form({**SEPA, "creditor_account": "DE89 3704 0044 0532 0130 01"})
        assert not form.is_valid()
        assert form.errors["creditor_account"] == [
            "DE89370400440532013001 er ikke et gyldig IBAN: kontrollsifrene, lengden eller landet er feil."
        ]


def test_a_payment_abroad_needs_town_and_country():
    with translation.override("nb"):
        form = _form({**SEPA, "creditor_town": " ", "creditor_country": ""})
        assert not form.is_valid()
        assert set(form.errors) == {"creditor_town", "creditor_country"}
        assert "poststed og land" in form.errors["creditor_country"][0]


def test_an_amount_with_more_decimals_than_its_currency_is_refused():
    with translation.override("nb"):
        form = _form({**SEPA, "currency": "JPY", "amount": "1000,50"})
        assert not form.is_valid()
        assert form.errors["amount"] == ["Beløpet 1000.50 har flere desimaler enn JPY har (0)."]
        assert _form({**SEPA, "currency": "JPY", "amount": "1 000"}).is_valid()
        assert _form({**SEPA, "amount": "12,345"}).errors["amount"]


def test_a_bic_of_the_wrong_shape_is_refused():
    form = _form({**SEPA, "creditor_bic": "COBA1"})
    assert not form.is_valid() and list(form.errors) == ["creditor_bic"]


def test_the_currencies_and_the_last_rates_are_on_the_page_for_the_report_hint():
    with translation.override("nb"):
        form = PaymentForm(accounts=ACCOUNTS, rates={"EUR": "11.7210"})
        codes = [code for code, _label in form.fields["currency"].choices]
        assert codes[:6] == ["NOK", "EUR", "SEK", "DKK", "USD", "GBP"]
        html = str(form["currency"])
        assert json.loads(form.fields["currency"].widget.attrs["data-rates"]) == {"EUR": "11.721"}
        assert 'data-abroad-switch="currency"' in html
        assert 'data-shown-when="report"' in str(form["regulatory_text"])
        assert "Delt (SHA)" in str(form["charge_bearer"])

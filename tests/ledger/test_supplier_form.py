"""The supplier form: a Norwegian supplier by account number, one abroad by IBAN, BIC and address."""

from __future__ import annotations

from django.utils import translation

from ledger.forms import SupplierForm

GERMAN = {
    "name": "Müller GmbH",
    "country": "DE",
    "currency": "EUR",
    "iban": "de89 3704 0044 0532 0130 00",
    "bic": "cobadeffxxx",
    "street": "Hauptstraße",
    "building_number": "5",
    "postcode": "10115",
    "town": " Berlin ",
}


def test_a_norwegian_supplier_needs_only_its_account_number_and_keeps_nothing_of_abroad():
    form = SupplierForm({"name": "Lev AS", "account_number": "8601 11 17947", "bic": "COBADEFF"})
    assert form.is_valid(), form.errors
    data = form.cleaned_data
    assert data["country"] == "NO" and data["currency"] == "NOK"
    assert data["iban"] == data["bic"] == data["bank_country"] == ""
    assert data["account_number"] == "8601 11 17947"  # the service checks and compacts it


def test_a_norwegian_supplier_without_an_account_number_is_refused_in_norwegian():
    with translation.override("nb"):
        form = SupplierForm({"name": "Lev AS", "country": "NO"})
        assert not form.is_valid()
        assert form.errors["account_number"] == ["Skriv inn leverandørens kontonummer (11 siffer)."]


def test_a_german_supplier_gives_the_service_compact_iban_and_bic_and_a_tidy_address():
    form = SupplierForm({**GERMAN, "account_number": "86011117947"})
    assert form.is_valid(), form.errors
    data = form.cleaned_data
    assert data["iban"] == "DE89370400440532013000"
    assert data["bic"] == "COBADEFFXXX"
    assert data["town"] == "Berlin" and data["country"] == "DE" and data["currency"] == "EUR"
    assert data["account_number"] == ""  # hidden for a supplier abroad: not kept
    assert set(data) == {
        "name",
        "org_number",
        "country",
        "currency",
        "account_number",
        "iban",
        "bic",
        "bank_country",
        "street",
        "building_number",
        "postcode",
        "town",
    }


def test_a_supplier_abroad_with_a_wrong_iban_check_is_told_so_on_the_field():
    with translation.override("nb"):
        form = SupplierForm({**GERMAN, "iban": "DE89 3704 0044 0532 0130 01"})
        assert not form.is_valid()
        assert form.errors["iban"] == [
            "DE89370400440532013001 er ikke et gyldig IBAN: kontrollsifrene, lengden eller landet er feil."
        ]


def test_a_supplier_abroad_needs_iban_and_town_and_a_bic_of_the_right_shape():
    with translation.override("nb"):
        form = SupplierForm({**GERMAN, "iban": "", "town": "", "bic": "COBA1"})
        assert not form.is_valid()
        assert set(form.errors) == {"iban", "town", "bic"}
        assert form.errors["iban"] == ["En leverandør i utlandet betales til sitt IBAN: skriv det inn."]
        assert "poststed og land" in form.errors["town"][0]


def test_the_country_lists_read_in_norwegian_with_norway_first():
    with translation.override("nb"):
        form = SupplierForm()
        countries = form.fields["country"].choices
        assert countries[0] == ("NO", "Norge (NO)")
        assert ("DE", "Tyskland (DE)") in countries
        assert ("EUR", "EUR – euro") in form.fields["currency"].choices
        assert form.fields["bank_country"].choices[0] == ("", "IBAN-ets land")

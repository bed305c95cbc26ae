"""The supplier pages with Django's test client: a supplier abroad registered, refused and changed."""

from __future__ import annotations

import pytest

from ledger.models import Supplier

from .test_supplier_form import GERMAN

pytestmark = pytest.mark.django_db


def test_a_german_supplier_is_registered_and_listed_by_its_iban(client, company_a, admin_a):
    client.force_login(admin_a)
    bad = client.post("/ledger/suppliers/", {**GERMAN, "iban": "DE89 3704 0044 0532 0130 01"})
    assert bad.status_code == 400
    assert "er ikke et gyldig IBAN" in bad.content.decode()
    assert not Supplier.objects.filter(company=company_a).exists()

    assert client.post("/ledger/suppliers/", GERMAN).status_code == 302
    supplier = Supplier.objects.get(company=company_a)
    assert (supplier.iban, supplier.bic, supplier.country, supplier.currency) == (
        "DE89370400440532013000",
        "COBADEFFXXX",
        "DE",
        "EUR",
    )
    assert (supplier.street, supplier.building_number, supplier.postcode, supplier.town) == (
        "Hauptstraße",
        "5",
        "10115",
        "Berlin",
    )
    assert supplier.account_number == ""
    listing = client.get("/ledger/suppliers/").content.decode()
    assert "DE89 3704 0044 0532 0130 00" in listing and "COBADEFFXXX" in listing


def test_a_norwegian_supplier_is_listed_by_its_account_number(client, company_a, admin_a):
    client.force_login(admin_a)
    assert (
        client.post("/ledger/suppliers/", {"name": "Lev AS", "account_number": "86011117947"}).status_code
        == 302
    )
    supplier = Supplier.objects.get(company=company_a)
    assert supplier.country == "NO" and supplier.iban == "" and supplier.account_number == "86011117947"
    assert "8601.11.17947" in client.get("/ledger/suppliers/").content.decode()


def test_a_suppliers_details_are_changed_on_its_page(client, company_a, admin_a):
    client.force_login(admin_a)
    client.post("/ledger/suppliers/", GERMAN)
    supplier = Supplier.objects.get(company=company_a)
    page = client.get(f"/ledger/suppliers/{supplier.pk}/")
    assert page.status_code == 200 and "DE89370400440532013000" in page.content.decode()
    missing_town = client.post(f"/ledger/suppliers/{supplier.pk}/", {**GERMAN, "town": ""})
    assert missing_town.status_code == 400 and "poststed og land" in missing_town.content.decode()
    moved = client.post(
        f"/ledger/suppliers/{supplier.pk}/", {**GERMAN, "town": "München", "postcode": "80331"}
    )
    assert moved.status_code == 302
    supplier.refresh_from_db()
    assert (supplier.town, supplier.postcode) == ("München", "80331")

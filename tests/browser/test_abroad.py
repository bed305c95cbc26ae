"""A supplier abroad and a payment in euro in a real browser: the form shows the fields of a
payment abroad as the country and currency change, refuses a bad IBAN in Norwegian, and the
batch page lists the payment as SEPA."""

from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import BankAccount, PaymentFileVersion
from ledger.models import ExchangeRate, Supplier
from remittance.models import Payment, PaymentBatch
from tests.browser.test_shell import login
from tests.remittance.conftest import make_setup

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

IBAN = "DE89 3704 0044 0532 0130 00"


def _field(page, name):
    return page.locator(f"#id_{name}").locator("xpath=ancestor::div[contains(@class, 'field')][1]")


def test_a_german_supplier_and_a_euro_payment_to_it_end_up_as_sepa(
    page, live_server, make_company, make_user, screenshot
):
    company = make_company("Alfa AS")
    setup = make_setup(company, make_user)
    # An agreement on the 2019 file: payments abroad go out in pain.001.001.09.
    BankAccount.objects.filter(pk=setup.account.pk).update(payment_file_version=PaymentFileVersion.V09)
    # The bank's rate of the day is known: the payment's value in NOK needs no call to the bank.
    ExchangeRate.objects.create(currency="EUR", rate_date=timezone.localdate(), rate=Decimal("11.7210"))
    login(page, live_server.url, setup.preparer.username)

    # The supplier: Norwegian fields first; Germany shows IBAN, BIC and the address instead.
    page.goto(f"{live_server.url}/ledger/suppliers/")
    form = page.get_by_test_id("create-form")
    expect(_field(page, "account_number")).to_be_visible()
    expect(_field(page, "iban")).to_be_hidden()
    form.locator("#id_name").fill("Müller GmbH")
    form.locator("#id_country").select_option("DE")
    expect(_field(page, "account_number")).to_be_hidden()
    expect(_field(page, "iban")).to_be_visible()
    form.locator("#id_currency").select_option("EUR")
    form.locator("#id_iban").fill("DE89 3704 0044 0532 0130 01")  # one digit wrong
    form.locator("#id_bic").fill("COBADEFFXXX")
    form.locator("#id_street").fill("Hauptstraße")
    form.locator("#id_building_number").fill("5")
    form.locator("#id_postcode").fill("10115")
    form.locator("#id_town").fill("Berlin")
    page.get_by_test_id("create-submit").click()
    expect(page.get_by_test_id("error-iban")).to_contain_text("er ikke et gyldig IBAN")
    # The refused form keeps the abroad fields in view.
    expect(_field(page, "iban")).to_be_visible()
    expect(_field(page, "account_number")).to_be_hidden()
    screenshot("supplier-abroad-bad-iban")
    page.locator("#id_iban").fill(IBAN)
    page.get_by_test_id("create-submit").click()
    expect(page.locator(".messages")).to_contain_text("Müller GmbH")
    expect(page.get_by_test_id("supplier-list")).to_contain_text(IBAN)
    supplier = Supplier.objects.get(company=company, name="Müller GmbH")
    assert (supplier.iban, supplier.bic, supplier.town, supplier.country) == (
        "DE89370400440532013000",
        "COBADEFFXXX",
        "Berlin",
        "DE",
    )

    # The payment: euro to the IBAN; the product, not the user, calls it SEPA.
    page.goto(f"{live_server.url}/payments/")
    form = page.get_by_test_id("payment-form")
    expect(_field(page, "creditor_bic")).to_be_hidden()
    expect(_field(page, "kid")).to_be_visible()
    form.locator("#id_bank_account_id").select_option(str(setup.account.pk))
    form.locator("#id_creditor_name").fill("Müller GmbH")
    form.locator("#id_creditor_account").fill(IBAN)
    form.locator("#id_currency").select_option("EUR")
    expect(_field(page, "creditor_bic")).to_be_visible()
    expect(_field(page, "kid")).to_be_hidden()
    form.locator("#id_amount").fill("1 250,50")
    # Worth about NOK 14 700: the Currency Register's fields are not asked for.
    expect(_field(page, "regulatory_code")).to_be_hidden()
    form.locator("#id_message").fill("Rechnung 2026-17")
    form.locator("#id_creditor_bic").fill("COBADEFFXXX")
    form.locator("#id_creditor_street").fill("Hauptstraße")
    form.locator("#id_creditor_building_number").fill("5")
    form.locator("#id_creditor_postcode").fill("10115")
    form.locator("#id_creditor_town").fill("Berlin")
    form.locator("#id_creditor_country").select_option("DE")
    screenshot("payment-in-euro")
    page.get_by_test_id("payment-submit").click()
    expect(page.locator(".messages")).to_contain_text("Müller GmbH")
    row = page.get_by_test_id("payment-row").filter(has_text="Müller GmbH")
    expect(row.get_by_test_id("payment-amount")).to_have_text("1 250,50 EUR")
    expect(row.get_by_test_id("payment-kind")).to_have_text("SEPA")
    payment = Payment.objects.get(company=company, creditor_name="Müller GmbH")
    assert payment.kind == Payment.Kind.SEPA and payment.currency == "EUR"
    assert payment.amount == Decimal("1250.50") and payment.uetr is not None

    # Into a batch: the batch page groups it under SEPA, in euro.
    page.get_by_test_id("build-batches").click()
    batch = PaymentBatch.objects.get(company=company, currency="EUR")
    page.goto(f"{live_server.url}/payments/batches/{batch.pk}/")
    expect(page.get_by_test_id("batch-currency")).to_have_text("EUR")
    expect(page.get_by_test_id("batch-file-version")).to_have_text("pain.001.001.09")
    expect(page.get_by_test_id("batch-group-sepa")).to_contain_text("SEPA")
    expect(page.get_by_test_id("batch-group-domestic")).to_have_count(0)
    expect(page.locator("[data-kind=SEPA]")).to_contain_text("DE89 3704 0044 0532 0130 00")
    screenshot("batch-sepa")

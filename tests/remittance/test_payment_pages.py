"""The payments pages for payments in currency, with Django's test client: entry, list, batch page."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import BankAccount, PaymentFileVersion
from ledger.models import ExchangeRate
from remittance.models import Payment, PaymentBatch

from .test_payment_form import DOMESTIC, SEPA
from .test_views import _login

pytestmark = pytest.mark.django_db


@pytest.fixture
def rates(setup):
    # An agreement on the 2019 file: payments abroad go out in pain.001.001.09.
    BankAccount.objects.filter(pk=setup.account.pk).update(payment_file_version=PaymentFileVersion.V09)
    # The bank's rates of the day are known: the value in NOK needs no call to the bank.
    today = timezone.localdate()
    ExchangeRate.objects.create(currency="EUR", rate_date=today, rate=Decimal("11.7210"))
    ExchangeRate.objects.create(currency="USD", rate_date=today, rate=Decimal("10.9400"))


def test_a_euro_payment_to_an_iban_is_sepa_listed_in_euro_and_grouped_on_its_batch(setup, rates):
    c = _login(setup.preparer, setup.company)
    page = c.get("/payments/").content.decode()
    assert '"EUR": "11.721"' in page.replace("&quot;", '"')  # the rates for the report hint
    # About NOK 14 660: below the Currency Register's threshold.
    r = c.post("/payments/", {**SEPA, "amount": "1 250,50", "bank_account_id": setup.account.pk})
    assert r.status_code == 302, r.content.decode()[:2000]
    p = Payment.objects.get(company=setup.company)
    assert (p.kind, p.currency, p.amount, p.creditor_account) == (
        Payment.Kind.SEPA,
        "EUR",
        Decimal("1250.50"),
        "DE89370400440532013000",
    )
    assert (p.creditor_bic, p.creditor_town, p.creditor_country) == ("COBADEFF", "Berlin", "DE")
    c.post("/payments/", {**DOMESTIC, "bank_account_id": setup.account.pk})
    listing = c.get("/payments/").content.decode()
    assert "1\xa0250,50 EUR" in listing or "1 250,50 EUR" in listing
    assert "SEPA" in listing and "Innenlands" in listing
    c.post("/payments/build/")
    batch = PaymentBatch.objects.get(company=setup.company, currency="EUR")
    detail = c.get(f"/payments/batches/{batch.pk}/").content.decode()
    assert 'data-testid="batch-group-sepa"' in detail
    assert 'data-testid="batch-group-domestic"' not in detail  # the NOK payment is in its own batch
    assert 'data-testid="batch-currency">EUR<' in detail
    assert "<code>pain.001.001.09</code>" in detail
    assert "DE89 3704 0044 0532 0130 00" in detail


def test_a_large_payment_abroad_without_its_report_is_refused_on_the_form(setup, rates):
    c = _login(setup.preparer, setup.company)
    usd = {
        **SEPA,
        "bank_account_id": setup.account.pk,
        "currency": "USD",
        "amount": "20 000,00",  # about NOK 218 800
        "creditor_account": "GB33 BUKB 2020 1555 5555 55",
        "creditor_bic": "BUKBGB22",
        "creditor_town": "London",
        "creditor_country": "GB",
        "charge_bearer": "DEBT",
        "urgent": "on",
    }
    refused = c.post("/payments/", usd)
    assert refused.status_code == 400
    text = refused.content.decode()
    assert 'data-testid="error-regulatory_code"' in text or 'data-testid="error-regulatory_text"' in text
    assert not Payment.objects.filter(company=setup.company).exists()
    ok = c.post("/payments/", {**usd, "regulatory_code": "14", "regulatory_text": "Kjøp av varer"})
    assert ok.status_code == 302
    p = Payment.objects.get(company=setup.company)
    assert (p.kind, p.charge_bearer, p.urgent, p.regulatory_code) == (Payment.Kind.ABROAD, "DEBT", True, "14")
    listing = c.get("/payments/").content.decode()
    assert "Utland" in listing and "haster" in listing

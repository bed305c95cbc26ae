"""S'banken bedrift through the same client abstraction: consent instead of an order wizard."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import BankAccount
from accounts.services import bank_account_create
from agreements.models import Bank, ServiceOrder
from agreements.services.orders import service_order_create
from bankint.errors import ValidationFailed
from notifications.models import Notification
from tests.conftest import PASSWORD

from .conftest import poll

pytestmark = pytest.mark.django_db

SB_ACCOUNT = "97100000001"


def _consent(sim, order, action="consent"):
    return sim._form(order.wizard_url, {"action": action})


def test_sbanken_activation_ends_in_the_same_account_fields_and_notification(bank, sim, company_a, admin_a):
    account = bank_account_create(
        company_a, account_number=SB_ACCOUNT, name="Sbanken drift", ledger_account="1930"
    )
    order = service_order_create(
        company_a, bank=Bank.SBANKEN, user=admin_a, account_ids=[account.pk], services=["remittance"]
    )
    assert (
        order.status == ServiceOrder.Status.AWAITING_CONFIRMATION and "/sbanken/samtykke/" in order.wizard_url
    )
    assert "Gi samtykke" in sim._send("GET", order.wizard_url).text
    _consent(sim, order)
    report = poll(bank)
    assert report.by_type["sbanken_activation.updated"] == 2
    order.refresh_from_db()
    account.refresh_from_db()
    assert order.status == ServiceOrder.Status.COMPLETED
    assert account.agreement_id.startswith("SB") and account.division_name == "Sbanken API"
    assert account.services == ["REMITTANCE"]
    note = Notification.objects.get(company=company_a)
    assert (
        note.title_text == "The agreement is registered"
        and "S'banken bedrift" in note.body_text
        and "9710.00.00001" in note.body_text
    )


def test_sbanken_refuses_dnb_accounts_and_ocr_before_the_bank(company_a, admin_a, demo_accounts):
    drift, _ = demo_accounts
    with pytest.raises(ValidationFailed) as exc:
        service_order_create(company_a, bank=Bank.SBANKEN, account_ids=[drift.pk], services=["remittance"])
    assert exc.value.code == "no_bank_account" and "S'banken" in exc.value.message
    account = bank_account_create(company_a, account_number=SB_ACCOUNT, name="Sbanken", ledger_account="1930")
    with pytest.raises(ValidationFailed) as exc:
        service_order_create(company_a, bank=Bank.SBANKEN, account_ids=[account.pk], services=["nets_ocr"])
    assert exc.value.code == "services_required"


def test_declined_consent_cancels_the_order(bank, sim, company_a, admin_a):
    account = bank_account_create(company_a, account_number=SB_ACCOUNT, name="Sbanken", ledger_account="1930")
    order = service_order_create(
        company_a, bank=Bank.SBANKEN, account_ids=[account.pk], services=["remittance"]
    )
    _consent(sim, order, action="cancel")
    poll(bank)
    order.refresh_from_db()
    assert order.status == ServiceOrder.Status.CANCELLED
    assert BankAccount.objects.get(pk=account.pk).agreement_id == ""


def test_sbanken_card_leads_into_the_flow(bank, sim, company_a, admin_a):
    account = bank_account_create(company_a, account_number=SB_ACCOUNT, name="Sbanken", ledger_account="1930")
    client = Client()
    client.login(username=admin_a.username, password=PASSWORD)
    tab = client.get("/settings/bank-accounts/?tab=agreements").content.decode()
    assert 'href="/agreements/connect/setup/?bank=SBANKEN"' in tab
    assert "Oppsett av bankkonto" in client.get("/agreements/connect/setup/?bank=SBANKEN").content.decode()
    page = client.get("/agreements/connect/?bank=SBANKEN").content.decode()
    assert (
        "S&#x27;banken bedrift" in page and 'value="nets_ocr"' not in page and "online-bank-start" not in page
    )
    r = client.post(
        "/agreements/connect/",
        {"bank": "SBANKEN", "accounts": [account.pk], "services": ["remittance"], "fee_account": "7770"},
    )
    assert r.status_code == 302 and "/sbanken/samtykke/" in r["Location"]

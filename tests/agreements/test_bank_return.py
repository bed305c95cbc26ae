"""Back from the bank's pages: each page there links back to the portal, and the portal asks the
bank on return, so what the user lands on is current at once (not after the next feed poll)."""

from __future__ import annotations

import re

import pytest
import requests

from accounts.models import BankAccount
from accounts.services import bank_account_create
from agreements.models import OnlineBankApplication, RgbOrder, ServiceOrder
from agreements.services.applications import online_bank_application_start, rgb_order_start
from agreements.services.orders import service_order_create
from notifications.models import Notification
from tests.agreements.test_api_and_views import _browser

pytestmark = pytest.mark.django_db

CLIENT_ACCOUNT = "15032080135"  # at the bank it belongs to Demo Klient AS, not Demo Regnskap AS


def test_back_from_the_wizard_the_order_page_is_current_at_once(bank, sim, company_a, admin_a, demo_accounts):
    drift, _ = demo_accounts
    order = service_order_create(company_a, account_ids=[drift.pk], services=["remittance"], client=bank)
    back = f"http://127.0.0.1:8000/agreements/orders/{order.pk}/return/"
    wizard = requests.get(order.wizard_url, timeout=5).text
    assert f'href="{back}"' in wizard  # the bank's first step already leads back
    sim.sim_confirm_order(order.wizard_url)

    browser = _browser(admin_a)
    response = browser.get(f"/agreements/orders/{order.pk}/return/")
    assert response.status_code == 302 and response["Location"] == f"/agreements/orders/{order.pk}/"
    order.refresh_from_db()
    assert order.status == ServiceOrder.Status.PROCESSING
    assert order.wizard_url.endswith("/kvittering/")  # "Continue at DNB" goes to the step it is at
    page = browser.get(response["Location"]).content.decode()
    assert 'data-status="PROCESSING"' in page and "open-bank-wizard" not in page


def test_one_account_not_the_companys_fails_alone(bank, sim, company_a, admin_a, demo_accounts):
    drift, _ = demo_accounts
    wrong = bank_account_create(
        company_a, account_number=CLIENT_ACCOUNT, name="Feil konto", ledger_account="1930"
    )
    order = service_order_create(
        company_a,
        account_ids=[drift.pk, wrong.pk],
        services=["remittance", "incoming_reconciliation"],
        client=bank,
    )
    sim.sim_confirm_order(order.wizard_url)
    sim.sim_advance_clock(seconds=2 * 3600)

    browser = _browser(admin_a)
    browser.get(f"/agreements/orders/{order.pk}/return/")
    order.refresh_from_db()
    assert order.status == ServiceOrder.Status.PARTIALLY_COMPLETED
    lines = {line.account_number: line for line in order.lines.all()}
    assert lines[drift.account_number].result == "OK" and lines[drift.account_number].agreement_id
    failed = lines[CLIENT_ACCOUNT]
    assert failed.result == "FAILED"
    assert failed.errors == ["Kontoen 1503.20.80135 tilhører ikke Demo Regnskap AS (123456785)."]
    drift.refresh_from_db()
    assert drift.agreement_id and "REMITTANCE" in {s.upper() for s in drift.services}
    notes = Notification.objects.filter(company=company_a, level=Notification.Level.ERROR)
    assert notes.count() == 1  # one notice for the account, not one per service
    assert "1503.20.80135" in notes.get().body and "tilhører ikke" in notes.get().body
    page = browser.get(f"/agreements/orders/{order.pk}/").content.decode()
    assert 'data-testid="order-partial"' in page and "tilhører ikke Demo Regnskap AS" in page
    assert "incoming_reconciliation" not in page  # services by name, not by code


def test_back_from_the_online_bank_application(bank, sim, company_a, admin_a):
    app = online_bank_application_start(company_a, client=bank)
    back = f"http://127.0.0.1:8000/agreements/online-bank/{app.pk}/return/"
    assert f'href="{back}"' in requests.get(app.url, timeout=5).text
    response = _browser(admin_a).get(f"/agreements/online-bank/{app.pk}/return/")
    assert response.status_code == 302 and response["Location"].endswith("/agreements/connect/#online-bank")
    app.refresh_from_db()
    assert app.status == OnlineBankApplication.Status.DRAFT and app.url.endswith("/firma/")


def test_back_from_ordering_rgb_the_accounts_use_it(bank, sim, company_a, admin_a, demo_accounts):
    drift, _ = demo_accounts
    BankAccount.objects.filter(pk=drift.pk).update(agreement_id="30000001")
    order = rgb_order_start(company_a, account_ids=[drift.pk], client=bank)
    base = order.url  # the bank's login step
    sim._form(base, {"user_id": "TB12345"})
    sim._form(base + "bestilling/", {"vendor": "PowerOffice GO", "client": "123456785"})
    receipt = sim._form(base + "kontoer/", {"accounts": [drift.account_number]})
    assert f'href="http://127.0.0.1:8000/agreements/rgb/{order.pk}/return/"' in receipt
    assert "Bekreftet" in receipt and "CONFIRMED" not in receipt

    browser = _browser(admin_a)
    response = browser.get(f"/agreements/rgb/{order.pk}/return/", follow=True)
    order.refresh_from_db()
    drift.refresh_from_db()
    assert order.status == RgbOrder.Status.CONFIRMED
    assert drift.approval_mode == BankAccount.ApprovalMode.RGB
    assert "1503.20.80119" in response.content.decode()


def test_oppsett_av_bankkonto_before_the_order_form(company_a, admin_a, demo_accounts):
    drift, skatt = demo_accounts
    BankAccount.objects.filter(pk=skatt.pk).update(agreement_id="30000002")
    browser = _browser(admin_a)
    setup = browser.get("/agreements/connect/setup/").content.decode()
    assert "Oppsett av bankkonto" in setup and 'data-testid="setup-next"' in setup
    assert f'value="{drift.pk}" checked' in setup and f'value="{skatt.pk}" checked' not in setup
    assert "?tab=agreements" in setup  # Avbryt
    form = browser.get(f"/agreements/connect/?bank=DNB&accounts={skatt.pk}").content.decode()
    boxes = re.findall(r'<input type="checkbox" name="accounts" value="(\d+)"([^>]*)>', form)
    ticked = {pk for pk, rest in boxes if "checked" in rest}
    assert ticked == {str(skatt.pk)}  # what Neste carried over

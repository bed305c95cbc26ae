"""The service-orders API and the connect wizard pages."""

from __future__ import annotations

import pytest
from django.test import Client

from agreements.models import ServiceOrder
from companies.roles import Role
from tests.conftest import PASSWORD

from .conftest import confirm_and_process, poll

pytestmark = pytest.mark.django_db

URL = "/api/v1/companies/{}/service-orders/"


def test_api_create_list_and_retrieve_with_per_account_results(
    bank, sim, api_for, company_a, admin_a, demo_accounts
):
    drift, skatt = demo_accounts
    api = api_for(admin_a)
    body = {"accounts": [drift.pk, skatt.pk], "services": ["remittance", "incoming_reconciliation"]}
    created = api.post(URL.format(company_a.pk), body, format="json", HTTP_IDEMPOTENCY_KEY="api-1")
    assert created.status_code == 201, created.content
    again = api.post(URL.format(company_a.pk), body, format="json", HTTP_IDEMPOTENCY_KEY="api-1")
    assert again.json()["id"] == created.json()["id"] and ServiceOrder.objects.count() == 1
    assert created.json()["status"] == "AWAITING_CONFIRMATION" and created.json()["fee_account"] == "7770"
    confirm_and_process(sim, ServiceOrder.objects.get())
    poll(bank)
    listed = api.get(URL.format(company_a.pk)).json()
    assert listed["count"] == 1 if isinstance(listed, dict) else len(listed) == 1
    one = api.get(URL.format(company_a.pk) + f"{created.json()['id']}/").json()
    assert one["status"] == "COMPLETED"
    assert [a["account_number"] for a in one["accounts"]] == ["15032080119", "15032080127"]
    assert all(a["agreement_id"] and a["result"] == "OK" and a["errors"] == [] for a in one["accounts"])


def test_api_refusals_are_400_with_the_reason(api_for, company_a, admin_a, demo_accounts):
    drift, _ = demo_accounts
    api = api_for(admin_a)
    r = api.post(URL.format(company_a.pk), {"accounts": [drift.pk], "services": ["nets_ocr"]}, format="json")
    assert r.status_code == 400 and "KID" in str(r.json())
    r = api.post(
        URL.format(company_a.pk), {"accounts": [drift.pk], "services": ["x"], "extra": 1}, format="json"
    )
    assert r.status_code == 400 and "extra" in str(r.json())


def test_api_other_tenant_gets_404_and_readers_cannot_order(
    api_for, company_a, company_b, admin_a, admin_b, make_user, demo_accounts
):
    order = ServiceOrder.objects.create(company=company_a, idempotency_key="k", reference="r-1")
    assert api_for(admin_b).get(URL.format(company_a.pk) + f"{order.pk}/").status_code == 404
    assert api_for(admin_b).get(URL.format(company_b.pk) + f"{order.pk}/").status_code == 404
    reader = make_user("reader", company=company_a, roles=[Role.READ_ONLY])
    r = api_for(reader).post(
        URL.format(company_a.pk), {"accounts": [1], "services": ["remittance"]}, format="json"
    )
    assert r.status_code == 403


def _browser(user):
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_agreements_tab_leads_to_the_wizard_and_guard_without_dnb_account(company_a, admin_a):
    client = _browser(admin_a)
    tab = client.get("/settings/bank-accounts/?tab=agreements").content.decode()
    assert 'href="/agreements/connect/setup/"' in tab
    for url in ("/agreements/connect/setup/", "/agreements/connect/"):
        page = client.get(url)
        assert page.status_code == 200 and b'data-testid="setup-bank-account"' in page.content
        assert b"?tab=accounts" in page.content


def test_wizard_orders_once_and_sends_the_user_to_the_bank(bank, sim, company_a, admin_a, demo_accounts):
    drift, _ = demo_accounts
    client = _browser(admin_a)
    page = client.get("/agreements/connect/").content.decode()
    assert 'value="7770"' in page and "connect-form" in page
    data = {
        "accounts": [drift.pk],
        "services": ["remittance"],
        "fee_account": "7770",
        "idempotency_key": "w1",
    }
    first = client.post("/agreements/connect/", data)
    second = client.post("/agreements/connect/", data)
    assert first.status_code == second.status_code == 302
    assert "/bestilling/" in first["Location"] and first["Location"] == second["Location"]
    order = ServiceOrder.objects.get()
    detail = client.get(f"/agreements/orders/{order.pk}/").content.decode()
    assert f'hx-get="/agreements/orders/{order.pk}/status/"' in detail and "open-bank-wizard" in detail
    confirm_and_process(sim, order)
    poll(bank)
    status = client.get(f"/agreements/orders/{order.pk}/status/").content.decode()
    assert 'data-status="COMPLETED"' in status and "15032080119" in status


def test_wizard_shows_the_services_refusal_on_the_form(company_a, admin_a, demo_accounts):
    drift, _ = demo_accounts
    client = _browser(admin_a)
    r = client.post(
        "/agreements/connect/", {"accounts": [drift.pk], "services": ["nets_ocr"], "fee_account": "7770"}
    )
    assert r.status_code == 400 and "fakturainnstillingene" in r.content.decode()
    assert '<a href="/ledger/invoice-settings/">' in r.content.decode()  # the fix is one click away


def test_accountant_sees_all_clients_orders(make_user, company_a, company_b):
    accountant = make_user("acc", company=company_a, roles=[Role.ACCOUNTANT])
    from companies.services import membership_grant

    membership_grant(company=company_b, user=accountant, role=Role.ACCOUNTANT)
    ServiceOrder.objects.create(company=company_a, idempotency_key="a", reference="r-a")
    ServiceOrder.objects.create(company=company_b, idempotency_key="b", reference="r-b")
    other = make_user("stranger", company=company_b, roles=[Role.SYSADMIN])
    page = _browser(accountant).get("/agreements/orders/").content.decode()
    assert page.count('data-testid="order-row"') == 2 and "123456785" in page and "987654325" in page
    assert _browser(other).get("/agreements/orders/").content.decode().count('data-testid="order-row"') == 1

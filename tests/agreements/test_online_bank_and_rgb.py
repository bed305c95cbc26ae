"""Online-bank application tracking, RgB ordering later, and dual approval."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from accounts.models import BankAccount
from accounts.services import bank_account_agreement_set
from agreements.models import OnlineBankApplication, RgbOrder
from agreements.services.applications import (
    online_bank_application_start,
    online_bank_applications_apply_events,
    rgb_order_start,
)
from bankclient.dto import ChangeEvent
from bankint.errors import ValidationFailed
from companies.models import AuditEvent
from notifications.models import Notification

from .conftest import poll

pytestmark = pytest.mark.django_db


def _event(i, type_, resource_id, status):
    return ChangeEvent(i, type_, "123456785", str(resource_id), {"status": status}, datetime.now(UTC))


def test_online_bank_application_is_tracked_and_notifies_twice(bank, sim, company_a):
    app = online_bank_application_start(company_a)
    assert app.bank_application_id and "/nettbankavtale/" in app.url and app.status == "DRAFT"
    assert online_bank_application_start(company_a).pk == app.pk  # a second click reuses it
    bank_id = app.bank_application_id
    ready = _event(1, "online_bank_application.updated", bank_id, "READY_FOR_SIGNING")
    created = _event(2, "online_bank_application.updated", bank_id, "CREATED")
    late = _event(3, "online_bank_application.updated", bank_id, "RECEIVED")
    assert online_bank_applications_apply_events([ready, ready]) == 1
    assert online_bank_applications_apply_events([created, late]) == 1
    assert online_bank_applications_apply_events([created]) == 0
    app.refresh_from_db()
    assert app.status == OnlineBankApplication.Status.CREATED
    titles = [n.title_text for n in Notification.objects.filter(company=company_a)]
    assert sorted(titles) == ["The online bank agreement is ready to sign", "The online bank is created"]
    assert AuditEvent.objects.filter(action="online_bank_application.status").count() == 2


def test_dual_approval_refuses_rgb_with_the_seeds_explanation(company_a, demo_accounts):
    drift, _ = demo_accounts
    bank_account_agreement_set(drift, agreement_id="30000001", dual_approval_required=True)
    with pytest.raises(ValidationFailed) as exc:
        rgb_order_start(company_a, account_ids=[drift.pk])
    assert exc.value.code == "dual_approval_required"
    assert "both approvals happen in the online bank" in exc.value.message
    assert RgbOrder.objects.count() == 0


def test_dual_approval_refuses_rgb_in_the_api(api_for, company_a, admin_a, demo_accounts):
    drift, _ = demo_accounts
    bank_account_agreement_set(drift, agreement_id="30000001", dual_approval_required=True)
    r = api_for(admin_a).patch(
        f"/api/v1/companies/{company_a.pk}/bank-accounts/{drift.pk}/", {"approval_mode": "RGB"}, format="json"
    )
    assert r.status_code == 400 and "dobbel godkjenning" in str(r.json())


def test_rgb_needs_an_existing_integration(company_a, demo_accounts):
    drift, _ = demo_accounts
    with pytest.raises(ValidationFailed) as exc:
        rgb_order_start(company_a, account_ids=[drift.pk])
    assert exc.value.code == "no_integration"


def test_rgb_ordered_later_switches_the_accounts_and_notifies(bank, sim, company_a, demo_accounts):
    drift, _ = demo_accounts
    bank_account_agreement_set(drift, agreement_id="30000001")
    order = rgb_order_start(company_a, account_ids=[drift.pk])
    assert order.url.endswith(f"/rgb/{order.url.rstrip('/').split('/')[-1]}/")
    # the user at the bank: bruker-ID login, the ERP and the client, the accounts
    sim._form(order.url, {"user_id": "TB12345"})
    sim._form(order.url + "bestilling/", {"vendor": "PowerOffice GO", "client": "123456785"})
    sim._form(order.url + "kontoer/", {"accounts": ["15032080119"]})
    poll(bank)
    drift.refresh_from_db()
    order.refresh_from_db()
    assert order.status == RgbOrder.Status.CONFIRMED
    assert drift.approval_mode == BankAccount.ApprovalMode.RGB
    assert Notification.objects.filter(company=company_a, title__contains="RgB is active").count() == 1
    assert AuditEvent.objects.filter(action="bank_account.update", object_id=str(drift.pk)).exists()
    poll(bank)
    assert Notification.objects.filter(company=company_a).count() == 1

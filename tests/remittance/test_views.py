"""The payments pages, with Django's test client: entry, batches, detail, download, rejected."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from remittance.models import Payment, PaymentBatch

from .conftest import PLAIN_PAYEE
from .test_flows import _batch, _pay

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery-9"


def _login(user, company) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    session = client.session
    session["active_company_id"] = company.pk
    session.save()
    return client


def test_enter_a_payment_on_a_weekend_is_moved_and_said(setup):
    c = _login(setup.preparer, setup.company)
    today = timezone.localdate()
    saturday = today + timedelta(days=(5 - today.weekday()) % 7 or 7)
    r = c.post(
        "/payments/",
        {
            "bank_account_id": setup.account.pk,
            "creditor_name": "Leverandør AS",
            "creditor_account": "1503.20.80135",
            "amount": "1250,50",
            "message": "Faktura 9",
            "execution_date": saturday.isoformat(),
        },
        follow=True,
    )
    assert r.status_code == 200
    text = r.content.decode()
    assert "not a banking day" in text or "ikke en bankdag" in text
    p = Payment.objects.get(company=setup.company)
    assert str(p.amount) == "1250.50" and p.execution_date != saturday
    r = c.post("/payments/build/", follow=True)
    batch = PaymentBatch.objects.get(company=setup.company)
    assert r.status_code == 200 and batch.payment_count == 1
    page = c.get(f"/payments/batches/{batch.pk}/")
    assert page.status_code == 200 and batch.msg_id in page.content.decode()
    xml = c.get(f"/payments/batches/{batch.pk}/pain001/")
    assert xml.status_code == 200 and batch.msg_id.encode() in xml.content


def test_duplicate_asks_for_confirmation_on_the_form(setup):
    c = _login(setup.preparer, setup.company)
    body = {
        "bank_account_id": setup.account.pk,
        "creditor_name": "KID-mottaker",
        "creditor_account": "86011117947",
        "amount": "100.00",
        "kid": "123456782",
    }
    assert c.post("/payments/", body).status_code == 302
    r = c.post("/payments/", body)
    assert r.status_code == 409 and Payment.objects.count() == 1
    assert c.post("/payments/", {**body, "confirm_duplicate": "on"}).status_code == 302
    assert Payment.objects.count() == 2


def test_approver_sees_the_bank_right_warning_and_readonly_sees_no_buttons(setup, make_user):
    from accounts.models import BankApprovalRight
    from companies.roles import Role

    batch = _batch(setup, _pay(setup))
    BankApprovalRight.objects.all().delete()
    page = _login(setup.approver, setup.company).get(f"/payments/batches/{batch.pk}/").content.decode()
    assert (
        'data-testid="approval-warning"' in page and "AG08" in page and 'data-testid="approve-bankid"' in page
    )
    ro = make_user("ro-ui", company=setup.company, roles=[Role.READ_ONLY])
    c = _login(ro, setup.company)
    page = c.get(f"/payments/batches/{batch.pk}/").content.decode()
    assert 'data-testid="approve-bankid"' not in page
    assert c.post(f"/payments/batches/{batch.pk}/approve/").status_code == 403


def test_rejected_payment_is_listed_and_corrected(setup):
    p = _pay(setup, account=PLAIN_PAYEE)
    _batch(setup, p)
    Payment.objects.filter(pk=p.pk).update(status=Payment.Status.REJECTED, reason_code="AC01")
    c = _login(setup.preparer, setup.company)
    page = c.get("/payments/rejected/").content.decode()
    assert "AC01" in page
    r = c.post(
        f"/payments/{p.pk}/correct/",
        {
            "creditor_name": "Leverandør AS",
            "creditor_account": "86011117947",
            "amount": "1000.00",
            "kid": "123456782",
        },
    )
    assert r.status_code == 302
    fixed = Payment.objects.get(corrects=p)
    assert fixed.creditor_account == "86011117947" and fixed.kid == "123456782" and fixed.message == ""
    assert "AC01" not in c.get("/payments/rejected/").content.decode()

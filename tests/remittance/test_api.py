"""The payments API: payments/, payment-batches/ with approve/, send/, pain001/."""

from __future__ import annotations

import pytest

from companies.roles import Role
from iso20022.pain001 import validate_pain001
from remittance.models import Payment, PaymentBatch

from .conftest import PLAIN_PAYEE

pytestmark = pytest.mark.django_db


def _url(company, rest=""):
    return f"/api/v1/companies/{company.pk}/{rest}"


def _create_payment(api, setup, **extra):
    body = {
        "bank_account": setup.account.pk,
        "creditor_name": "Leverandør AS",
        "creditor_account": PLAIN_PAYEE,
        "amount": "1250.50",
        "message": "Faktura 12",
        **extra,
    }
    return api.post(_url(setup.company, "payments/"), body, format="json")


def test_rgb_approval_via_api_with_bankid_then_send_and_download(setup, bank, sim, api_for):
    prep, appr = api_for(setup.preparer), api_for(setup.approver)
    r = _create_payment(prep, setup)
    assert r.status_code == 201, r.json()
    assert r.json()["amount"] == "1250.50" and r.json()["status"] == "NEW"
    r = prep.post(_url(setup.company, "payment-batches/"), {"payments": [r.json()["id"]]}, format="json")
    assert r.status_code == 201, r.json()
    batch_id = r.json()["id"]
    # the preparer cannot approve (no approver role), the approver starts BankID
    assert (
        prep.post(_url(setup.company, f"payment-batches/{batch_id}/approve/"), {}, format="json").status_code
        == 403
    )
    r = appr.post(_url(setup.company, f"payment-batches/{batch_id}/approve/"), {}, format="json")
    assert r.status_code == 202 and "/bankid/" in r.json()["signing_url"]
    # polling before signing: still waiting
    again = appr.post(_url(setup.company, f"payment-batches/{batch_id}/approve/"), {}, format="json")
    assert again.status_code == 202
    sim.sim_sign(r.json()["signing_url"])
    r = appr.post(_url(setup.company, f"payment-batches/{batch_id}/approve/"), {}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "APPROVED" and r.json()["signature_ref"]
    xml = prep.get(_url(setup.company, f"payment-batches/{batch_id}/pain001/"))
    assert xml.status_code == 200 and xml["Content-Type"] == "application/xml"
    validate_pain001(xml.content)
    assert PaymentBatch.objects.get(pk=batch_id).msg_id.encode() in xml.content


def test_read_only_cannot_create_or_approve(setup, make_user, api_for):
    ro = make_user("ro", company=setup.company, roles=[Role.READ_ONLY])
    api = api_for(ro)
    assert _create_payment(api, setup).status_code == 403
    assert api.get(_url(setup.company, "payments/")).status_code == 200


def test_bad_input_gives_clear_4xx(setup, api_for):
    api = api_for(setup.preparer)
    r = _create_payment(api, setup, kid="123456782")  # KID and message
    assert r.status_code == 400 and "kid" in r.json()["fields"]
    r = _create_payment(api, setup, message="", kid="123456783")  # wrong check digit
    assert r.status_code == 400 and "kontrollsiffer" in r.json()["fields"]["kid"][0]
    r = _create_payment(api, setup, creditor_account="86011117949")
    assert r.status_code == 400 and "creditor_account" in r.json()["fields"]
    r = _create_payment(api, setup, amount="10.001")
    assert r.status_code == 400
    r = _create_payment(api, setup, message="x" * 141)
    assert r.status_code == 400
    r = _create_payment(api, setup, unknown="1")
    assert r.status_code == 400 and "unknown" in r.json()["fields"]


def test_duplicate_needs_explicit_confirmation(setup, api_for):
    api = api_for(setup.preparer)
    assert (
        _create_payment(api, setup, message="", kid="123456782", creditor_account="86011117947").status_code
        == 201
    )
    r = _create_payment(api, setup, message="", kid="123456782", creditor_account="86011117947")
    assert r.status_code == 409 and r.json()["code"] == "possible_duplicate"
    r = _create_payment(
        api, setup, message="", kid="123456782", creditor_account="86011117947", confirm_duplicate=True
    )
    assert r.status_code == 201
    assert Payment.objects.filter(company=setup.company).count() == 2


def test_other_tenant_gets_404(setup, company_b, admin_b, api_for):
    r = _create_payment(api_for(setup.preparer), setup)
    pid = r.json()["id"]
    other = api_for(admin_b)
    assert other.get(_url(setup.company, f"payments/{pid}/")).status_code == 404
    assert other.get(_url(company_b, f"payments/{pid}/")).status_code == 404


def test_send_for_post_approval_via_api(post_setup, api_for, django_capture_on_commit_callbacks, monkeypatch):
    from remittance import tasks

    queued = []
    monkeypatch.setattr(tasks.payment_batch_submit, "delay", lambda batch_id: queued.append(batch_id))
    api = api_for(post_setup.preparer)
    pid = _create_payment(api, post_setup).json()["id"]
    bid = api.post(_url(post_setup.company, "payment-batches/"), {"payments": [pid]}, format="json").json()[
        "id"
    ]
    with django_capture_on_commit_callbacks(execute=True):
        r = api.post(_url(post_setup.company, f"payment-batches/{bid}/send/"))
    assert r.status_code == 200 and r.json()["status"] == "POST_APPROVAL"
    assert queued == [bid]  # the worker sends it after the commit
    r = api.post(_url(post_setup.company, f"payment-batches/{bid}/send/"))
    assert r.status_code == 409 or r.json()["status"] == "POST_APPROVAL"

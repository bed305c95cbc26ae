"""Support staff answer "where is my payment?" in the admin (issue 24, item 3).

As the support user (staff in the "Support" group, view permissions only): every page opens,
a batch, its payments, files, pain.002 statuses and audit trail are on one page, search finds a
row by company, amount, KID, EndToEndId and date (and only that row), every page view leaves one
audit row, nothing can be written, and no fødselsnummer or secret is shown.
"""

from __future__ import annotations

import ast
import hashlib
from datetime import date
from pathlib import Path

import pytest
from django.contrib import admin
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from bankint import formatting
from companies.audit_words import ACTION_WORDS
from companies.models import AuditEvent
from companies.services import audit_record, user_profile_update
from companies.support import SUPPORT_MODELS, support_group_sync
from iso20022.pain002 import REASON_TEXTS
from remittance import services as s
from remittance.models import Payment, PaymentBatch
from tests import tenancy
from tests.remittance.conftest import make_setup
from tests.remittance.isofiles import pain002_answering

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
FNR = "15108695088"  # a synthetic fødselsnummer (valid check digits, nobody's)


@pytest.fixture
def support(make_user):
    user = make_user("support-staff", is_staff=True)
    user.groups.add(support_group_sync())
    return user


@pytest.fixture
def desk(support):
    client = Client()
    client.force_login(support)
    return client


def _views() -> int:
    return AuditEvent.objects.filter(action__startswith="support.").count()


def _found(desk, url: str, term: str) -> set[int]:
    response = desk.get(url, {"q": term})
    assert response.status_code == 200, (url, term)
    return {row.pk for row in response.context_data["cl"].result_list}


@pytest.fixture
def sent_batch(company_a, company_b, make_user):
    return make_sent_batch(company_a, company_b, make_user)


def make_sent_batch(company_a, company_b, make_user):
    """Company A's batch sent as pain.001, one payment accepted, one rejected (AC03) by pain.002."""
    tenancy.populate(company_b)  # another company's batch and payment, never found for A's keys
    setup = make_setup(company_a, make_user)
    kid = s.payment_create(
        company_a,
        bank_account_id=setup.account.pk,
        creditor_name="Kraftverket AS",
        creditor_account="15032080135",
        amount="12345.67",
        kid="123456782",
        user=setup.preparer,
    )
    plain = s.payment_create(
        company_a,
        bank_account_id=setup.account.pk,
        creditor_name="Leverandør AS",
        creditor_account="15032080135",
        amount="500.00",
        message="Faktura 17",
        user=setup.preparer,
    )
    batch = s.payment_batches_build(company_a, payment_ids=[kid.pk, plain.pk], user=setup.preparer)[0]
    pain001 = s.payment_batch_pain001(batch)
    PaymentBatch.objects.filter(pk=batch.pk).update(
        status=PaymentBatch.Status.SUBMITTING,
        pain001=pain001,
        pain001_sha256=hashlib.sha256(pain001).hexdigest(),
    )
    Payment.objects.filter(batch=batch).update(status=Payment.Status.SENT)
    batch.refresh_from_db()
    batch = s.payment_batch_apply_pain002(
        batch, pain002_answering(pain001, rejects={plain.end_to_end_id: "AC03"})
    )
    kid.refresh_from_db()
    plain.refresh_from_db()
    return batch, kid, plain


# --- every page opens, and each view is one audit row ---------------------------------------------


def test_every_support_model_page_opens_and_each_view_leaves_one_audit_row(company_a, desk, support):
    objects = tenancy.populate(company_a)
    registered = {m._meta.label_lower: m for m in admin.site._registry}
    for label in SUPPORT_MODELS:
        model = registered[label]
        url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        before = _views()
        assert desk.get(url).status_code == 200, url
        obj = objects.get(model) or model.objects.order_by("pk").first()
        if obj is None:
            continue
        assert desk.get(f"{url}{obj.pk}/change/").status_code == 200, label
        audited = {"support.view_list", "support.view"}
        if any(label.startswith(app) for app in ("remittance.", "ocr.", "reconciliation.", "agreements.")):
            assert _views() == before + 2, label
            assert set(AuditEvent.objects.filter(action__in=audited).values_list("actor_id", flat=True)) == {
                support.pk
            }
    page = AuditEvent.objects.filter(action="support.view", object_type="remittance.paymentbatch").latest(
        "id"
    )
    assert (page.actor_id, page.company_id) == (support.pk, company_a.pk)
    assert page.object_id == str(objects[PaymentBatch].pk)


def test_a_list_view_is_one_audit_row_and_a_constant_number_of_queries(company_a, company_b, desk, support):
    tenancy.populate(company_a)
    desk.get("/admin/remittance/payment/")  # caches warm (content types, the site's apps)
    with CaptureQueriesContext(connection) as one_company:
        assert desk.get("/admin/remittance/payment/").status_code == 200
    tenancy.populate(company_b)
    before = _views()
    with CaptureQueriesContext(connection) as two_companies:
        response = desk.get("/admin/remittance/payment/")
    assert _views() == before + 1
    row = AuditEvent.objects.filter(action="support.view_list").latest("id")
    shown = sorted(p.pk for p in response.context_data["cl"].result_list)
    assert len(shown) == 2 and sorted(row.changes["ids"]) == shown
    assert row.changes["companies"] == sorted([company_a.pk, company_b.pk]) and row.company_id is None
    assert len(two_companies) == len(one_company)
    # a list of one company's rows names that company
    desk.get("/admin/remittance/payment/", {"q": "Alfa"})
    assert AuditEvent.objects.filter(action="support.view_list").latest("id").company_id == company_a.pk


# --- where is my payment? -------------------------------------------------------------------------


def test_search_finds_the_payment_by_each_key_and_only_it(sent_batch, company_b, desk):
    batch, kid, plain = sent_batch
    Payment.objects.filter(pk=kid.pk).update(execution_date=date(2031, 1, 6))
    payments = "/admin/remittance/payment/"
    for term in (
        "12 345,67",
        "12345.67",
        "12 345.67",
        "123456782",
        kid.end_to_end_id,
        "06.01.2031",
        "2031-01-06",
    ):
        assert _found(desk, payments, term) == {kid.pk}, term
    assert _found(desk, payments, plain.end_to_end_id) == {plain.pk}
    assert _found(desk, payments, "500,00") == {plain.pk}
    assert _found(desk, payments, "Alfa AS") == {kid.pk, plain.pk}
    theirs = set(Payment.objects.filter(company=company_b).values_list("pk", flat=True))
    assert _found(desk, payments, "Beta") == theirs
    assert _found(desk, payments, "987654325") == theirs
    batches = "/admin/remittance/paymentbatch/"
    for term in (kid.end_to_end_id, "123456782", "12 345,67", batch.msg_id, "Alfa AS", "123456785"):
        assert _found(desk, batches, term) == {batch.pk}, term
    assert _found(desk, batches, "1 234 567,00") == set()
    assert desk.get(batches, {"q": "<script>x</script> 12,3,4"}).status_code == 200


def test_the_batch_page_holds_payments_files_statuses_and_trail(sent_batch, desk, support):
    batch, kid, plain = sent_batch
    response = desk.get(f"/admin/remittance/paymentbatch/{batch.pk}/change/")
    assert response.status_code == 200
    page = response.content.decode()
    # its payments, with the bank's answer in words
    assert kid.end_to_end_id in page and plain.end_to_end_id in page
    with translation.override("nb"):
        assert formatting.money(kid.amount) in page  # 12 345,67 NOK
    assert f"AC03: {REASON_TEXTS['AC03'][0]}" in page
    assert "Godkjent for utførelse (ACSP)" in page
    # its files: the pain.001 sent and the pain.002 received, each to download
    assert "pain.001 sendt" in page and f"/admin/remittance/paymentbatch/{batch.pk}/pain001/" in page
    report = batch.reports.get()
    assert f"/admin/remittance/paymentbatch/{batch.pk}/report/{report.pk}/" in page
    # the audit trail in words, not codes
    assert "Bunt opprettet" in page and "Betaling opprettet" in page
    assert "payment_batch.create" not in page and "payment.create" not in page
    # the BankID session is the approver's, not support's
    assert "signing_url" not in page
    before = _views()
    download = desk.get(f"/admin/remittance/paymentbatch/{batch.pk}/pain001/")
    assert download.status_code == 200 and bytes(download.content) == bytes(batch.pain001)
    answer = desk.get(f"/admin/remittance/paymentbatch/{batch.pk}/report/{report.pk}/")
    assert answer.status_code == 200 and b"pain.002" in answer.content
    assert _views() == before + 2
    assert desk.get(f"/admin/remittance/paymentbatch/{batch.pk + 999}/report/{report.pk}/").status_code == 404


# --- no writes, no secrets --------------------------------------------------------------------------


def test_support_writes_nothing(company_a, desk):
    objects = tenancy.populate(company_a)
    batch, order = (
        objects[PaymentBatch],
        next(v for k, v in objects.items() if k._meta.model_name == "serviceorder"),
    )
    for url in (
        f"/admin/remittance/paymentbatch/{batch.pk}/change/",
        f"/admin/remittance/paymentbatch/{batch.pk}/delete/",
        "/admin/remittance/paymentbatch/add/",
        f"/admin/agreements/serviceorder/{order.pk}/change/",
        f"/admin/agreements/serviceorder/{order.pk}/delete/",
        f"/admin/companies/auditevent/{AuditEvent.objects.first().pk}/change/",
    ):
        assert desk.post(url, {"status": "BOOKED"}).status_code == 403, url
    batch.refresh_from_db()
    assert batch.status == PaymentBatch.Status.DRAFT
    # no actions (re-poll, delete) on any list
    for url in ("/admin/agreements/serviceorder/", "/admin/remittance/paymentbatch/", "/admin/ocr/ocrfile/"):
        assert 'name="action"' not in desk.get(url).content.decode(), url
    response = desk.post(
        "/admin/agreements/serviceorder/", {"action": "repoll", "_selected_action": [order.pk], "index": 0}
    )
    assert response.status_code in (200, 302)
    order.refresh_from_db()
    assert order.status == order.Status.PROCESSING
    # secrets: API tokens (their hashes) are not support's
    assert desk.get("/admin/companies/apitoken/").status_code == 403


def test_support_never_sees_a_fodselsnummer(company_a, make_user, desk):
    person = make_user("approver-x", company=company_a)
    profile = user_profile_update(user=person, national_id=FNR, bank_user_id="TB12345")
    audit_record(
        "user_profile.update", company=company_a, object_repr=f"approver-x {FNR}", changes={"nin": FNR}
    )
    pages = [
        "/admin/companies/userprofile/",
        f"/admin/companies/userprofile/{profile.pk}/change/",
        "/admin/companies/auditevent/",
        f"/admin/companies/auditevent/{AuditEvent.objects.latest('id').pk}/change/",
    ]
    for url in pages:
        page = desk.get(url).content.decode()
        assert FNR not in page, url
    assert "151086 *****" in desk.get(f"/admin/companies/userprofile/{profile.pk}/change/").content.decode()


# --- the audit log in words --------------------------------------------------------------------------


def test_the_audit_log_shows_actions_in_words_and_columns_in_norwegian(sent_batch, desk):
    page = desk.get("/admin/companies/auditevent/").content.decode()
    assert "Bunt opprettet" in page and "Hva skjedde" in page and "Tidspunkt" in page
    assert ">payment_batch.create<" not in page and "created at" not in page.lower()
    desk.cookies["django_language"] = "en"
    english = desk.get("/admin/companies/auditevent/").content.decode()
    assert "Batch created" in english and "What happened" in english


def _written_actions() -> set[str]:
    """Every constant action code the services pass to the audit trail."""
    found = set()
    for path in ROOT.rglob("*.py"):
        rel = path.relative_to(ROOT).as_posix()
        if rel.startswith((".venv", "tests/", "banksim/", "bench/", "var/")) or "/migrations/" in rel:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
                func = node.func
                name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
                if "audit" in name.lower() and isinstance(node.args[0].value, str):
                    found.add(node.args[0].value)
    return found


def test_every_action_the_services_write_has_its_words():
    prefixed = {"import", "duplicate", "reject"}  # bankint.intake prefixes these with the file kind
    codes = _written_actions() - prefixed
    assert {"payment_batch.create", "ocr_transaction.allocate", "support.view"} <= codes
    assert codes - set(ACTION_WORDS) == set()
    for kind in ("ocr_file", "statement_file"):
        assert {f"{kind}.{verb}" for verb in prefixed} <= set(ACTION_WORDS)
    assert {f"payment_batch.{status.lower()}" for status in PaymentBatch.Status.values} <= set(ACTION_WORDS)

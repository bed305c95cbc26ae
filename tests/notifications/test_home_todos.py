"""The home page's to-do list: what waits for this user, per role and company, in constant queries."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import BankAccount
from agreements.models import ServiceOrder
from bankint.todos import todos_for
from companies.roles import Role
from companies.selectors import user_perms
from ledger.services import bill_create
from ocr.models import OcrFile
from remittance import services as s
from remittance.models import PaymentBatch
from tests.remittance.conftest import PLAIN_PAYEE, make_setup

pytestmark = pytest.mark.django_db


def _todos(user, company) -> dict:
    return {t.key: t for t in todos_for(user, company, user_perms(user, company))}


def _batch(setup, amount="1000.00", message="Faktura 1", user=None):
    user = user or setup.preparer
    p = s.payment_create(
        setup.company,
        bank_account_id=setup.account.pk,
        creditor_name="Leverandør AS",
        creditor_account=PLAIN_PAYEE,
        amount=amount,
        message=message,
        user=user,
    )
    return s.payment_batches_build(setup.company, payment_ids=[p.pk], user=user)[0]


@pytest.fixture
def a(company_a, make_user):
    return make_setup(company_a, make_user)


@pytest.fixture
def b(company_b, make_user):
    return make_setup(company_b, make_user, suffix="b")


def test_an_approver_sees_the_batches_to_approve_and_the_preparer_sees_who_must(a, make_user):
    _batch(a, "1000.00", "Faktura 1")
    _batch(a, "250.50", "Faktura 2")
    mine = _todos(a.approver, a.company)
    assert mine["remittance.approve"].count == 2
    assert "1250.50" in mine["remittance.approve"].detail.replace(",", "")
    assert mine["remittance.approve"].link == "/payments/batches/"
    assert "remittance.awaiting_approval" not in mine  # an approver does not prepare

    prepared = _todos(a.preparer, a.company)
    assert "remittance.approve" not in prepared
    waiting = prepared["remittance.awaiting_approval"]
    assert waiting.count == 2
    assert "Anne" in waiting.detail  # who must approve

    viewer = make_user("viewer-a", company=a.company, roles=[Role.READ_ONLY])
    assert _todos(viewer, a.company) == {}


def test_under_four_eyes_an_approver_is_not_asked_to_approve_what_they_entered(a, make_user):
    both = make_user("both-a", company=a.company, roles=[Role.SYSADMIN, Role.APPROVER])
    _batch(a)  # by the preparer: the dual-role user may approve it
    _batch(a, "77.00", "Faktura 9", user=both)  # their own: someone else approves it
    todos = _todos(both, a.company)
    assert todos["remittance.approve"].count == 1
    assert todos["remittance.awaiting_approval"].count == 1
    assert "Anne" in todos["remittance.awaiting_approval"].detail


def test_a_lone_preparer_is_told_that_nobody_can_approve(company_a, make_user):
    setup = make_setup(company_a, make_user)
    setup.approver.memberships.all().delete()
    _batch(setup)
    detail = _todos(setup.preparer, company_a)["remittance.awaiting_approval"].detail
    assert "approver role" in detail


def test_post_approval_batches_point_to_the_online_bank_and_drafts_to_sending(company_a, make_user, settings):
    settings.BANK_ONLINE_BANK_URL = "http://bank.example/nettbank/"
    setup = make_setup(company_a, make_user, mode=BankAccount.ApprovalMode.POST_APPROVAL)
    draft = _batch(setup)
    sent = _batch(setup, "99.00", "Faktura 3")
    PaymentBatch.objects.filter(pk=sent.pk).update(status=PaymentBatch.Status.AWAITING_APPROVAL)
    prepared = _todos(setup.preparer, company_a)
    assert prepared["remittance.send"].count == 1
    assert prepared["remittance.send"].link == f"/payments/batches/{draft.pk}/"
    bank = prepared["remittance.online_bank"]
    assert bank.count == 1 and bank.bank_link == "http://bank.example/nettbank/"
    assert bank.link == f"/payments/batches/{sent.pk}/"
    # the approver is the one who approves in the online bank: they see it too, not the drafts
    approver = _todos(setup.approver, company_a)
    assert approver["remittance.online_bank"].count == 1
    assert "remittance.send" not in approver and "remittance.approve" not in approver


def test_new_and_rejected_payments_wait_for_the_preparer(a):
    s.payment_create(
        a.company,
        bank_account_id=a.account.pk,
        creditor_name="Leverandør AS",
        creditor_account=PLAIN_PAYEE,
        amount="10.00",
        message="Faktura 5",
        user=a.preparer,
    )
    todos = _todos(a.preparer, a.company)
    assert todos["remittance.new_payments"].count == 1
    assert "remittance.rejected" not in todos


def test_files_refused_and_orders_waiting_in_the_wizard(a, b):
    OcrFile.objects.create(
        company=a.company,
        status=OcrFile.Status.REJECTED,
        sha256="0" * 64,
        reason="Feil lengde",
        source="UPLOAD",
        raw=b"",
    )
    old = OcrFile.objects.create(
        company=a.company,
        status=OcrFile.Status.REJECTED,
        sha256="1" * 64,
        reason="Gammel",
        source="UPLOAD",
        raw=b"",
    )
    OcrFile.objects.filter(pk=old.pk).update(created_at=timezone.now() - timezone.timedelta(days=40))
    ServiceOrder.objects.create(
        company=a.company,
        idempotency_key="k1",
        reference="r1",
        status=ServiceOrder.Status.AWAITING_CONFIRMATION,
        wizard_url="http://bank.example/bestilling/abc/",
    )
    ServiceOrder.objects.create(
        company=b.company,
        idempotency_key="k2",
        reference="r2",
        status=ServiceOrder.Status.AWAITING_CONFIRMATION,
        wizard_url="http://bank.example/bestilling/other/",
    )
    todos = _todos(a.preparer, a.company)
    assert todos["ocr.refused_files"].count == 1  # the one from 40 days ago is history
    wizard = todos["agreements.wizard"]
    assert wizard.count == 1
    assert wizard.bank_link == "http://bank.example/bestilling/abc/"
    assert wizard.bank_link_label == "Continue at DNB"
    assert "agreements.wizard" not in _todos(a.approver, a.company)  # not theirs to order


def test_never_another_companys_items(a, b, make_user):
    _batch(b)
    _batch(b, "12.00", "Faktura 8")
    assert _todos(a.approver, a.company) == {}
    assert _todos(a.preparer, a.company) == {}
    # a member of both companies sees each company's own
    both = make_user("both", company=a.company, roles=[Role.APPROVER])
    from companies.services import membership_grant

    membership_grant(company=b.company, user=both, role=Role.APPROVER)
    assert _todos(both, a.company) == {}
    assert _todos(both, b.company)["remittance.approve"].count == 2


def _queries(user, company) -> int:
    perms = user_perms(user, company)
    with CaptureQueriesContext(connection) as ctx:
        todos_for(user, company, perms)
    return len(ctx.captured_queries)


@pytest.mark.parametrize("who", ["approver", "preparer"])
def test_the_list_costs_the_same_few_queries_however_much_waits(a, who, django_assert_max_num_queries):
    user = getattr(a, who)
    _batch(a)
    bill_create(a.company, supplier_id=a.supplier.pk, amount="5.00", due_date=date(2030, 1, 2), message="F1")
    one = _queries(user, a.company)
    for n in range(2, 12):
        _batch(a, f"{n}.00", f"Faktura {n}")
    many = _queries(user, a.company)
    assert one == many
    with django_assert_max_num_queries(10):
        todos_for(user, a.company, user_perms(user, a.company))

"""The rules around payments and batches: dates, guards, approval, BankID, never twice."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import BankAccount
from bankint.errors import Conflict, IllegalTransition, NotPermitted, ValidationFailed
from companies.roles import Role
from iso20022.pain001 import validate_pain001
from ledger.models import Bill
from ledger.services import bill_create
from remittance import services as s
from remittance.banking_days import banking_day_on_or_after, is_banking_day
from remittance.models import Payment, PaymentBatch

from .conftest import PLAIN_PAYEE
from .test_flows import _approve, _batch, _files_in, _pay

pytestmark = pytest.mark.django_db
B, P = PaymentBatch.Status, Payment.Status


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 5, 16), date(2026, 5, 18)),  # Saturday → Monday
        (date(2026, 5, 17), date(2026, 5, 18)),  # Constitution Day (a Sunday)
        (date(2026, 4, 2), date(2026, 4, 7)),  # Maundy Thursday → Good Friday, Easter → Tuesday
        (date(2026, 12, 24), date(2026, 12, 28)),  # Christmas Eve (a bank holiday) → Monday 28th
        (date(2026, 12, 31), date(2027, 1, 4)),  # New Year's Eve, New Year's Day, weekend
        (date(2026, 3, 4), date(2026, 3, 4)),  # an ordinary Wednesday
    ],
)
def test_banking_days(day, expected):
    assert banking_day_on_or_after(day) == expected
    assert is_banking_day(expected)


def test_weekend_date_moves_with_a_message(setup):
    today = timezone.localdate()
    saturday = today + timedelta(days=(5 - today.weekday()) % 7 or 7)
    p = _pay(setup, day=saturday)
    assert p.execution_date == banking_day_on_or_after(saturday) and p.execution_date != saturday
    assert p.requested_date == saturday
    assert "not a banking day" in p.notices[0] and p.execution_date.isoformat() in p.notices[0]


def test_past_date_and_inactive_remittance_are_refused(setup):
    with pytest.raises(ValidationFailed, match="in the past"):
        _pay(setup, day=timezone.localdate() - timedelta(days=1))
    BankAccount.objects.filter(pk=setup.account.pk).update(services=[])
    with pytest.raises(ValidationFailed) as exc:
        _pay(setup)
    assert exc.value.code == "remittance_not_active"


def test_a_bill_in_an_open_batch_is_excluded_until_rejected(setup):
    bill = bill_create(
        setup.company,
        supplier_id=setup.supplier.pk,
        amount="10.00",
        due_date=timezone.localdate(),
        message="F",
    )
    p = s.payment_create_from_bill(setup.company, bill_id=bill.pk, bank_account_id=setup.account.pk)
    for state in (B.DRAFT, B.APPROVED, B.SUBMITTING, B.UNKNOWN, B.SUBMITTED, B.AWAITING_APPROVAL, B.ACCEPTED):
        if state != B.DRAFT:
            PaymentBatch.objects.filter(payments=p).update(status=state)
        else:
            _batch(setup, p)
        with pytest.raises(Conflict):
            s.payment_create_from_bill(setup.company, bill_id=bill.pk, bank_account_id=setup.account.pk)
    # the database refuses a second live payment for the bill even past the service
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.create(
            company=setup.company,
            bank_account=setup.account,
            bill=bill,
            creditor_name="x",
            creditor_account=PLAIN_PAYEE,
            amount=1,
            execution_date=p.execution_date,
            requested_date=p.execution_date,
            end_to_end_id="X1",
        )


def test_regenerating_the_file_keeps_every_id(setup):
    batch = _batch(setup, _pay(setup, "1.00"), _pay(setup, "2.00", message="F2"))
    first, second = s.payment_batch_pain001(batch), s.payment_batch_pain001(batch)
    validate_pain001(first)
    strip = lambda b: b.split(b"<CreDtTm>")[0] + b.split(b"</CreDtTm>")[1]  # noqa: E731
    assert strip(first) == strip(second)
    for p in Payment.objects.filter(batch=batch):
        assert p.end_to_end_id.encode() in first
    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentBatch.objects.create(
            company=setup.company,
            bank_account=setup.account,
            execution_date=batch.execution_date,
            approval_mode="RGB",
            msg_id=batch.msg_id,
            pmt_inf_id="other",
        )


def test_creator_cannot_approve_and_readonly_cannot(setup, make_user, bank):
    from companies.services import membership_grant

    batch = _batch(setup, _pay(setup))
    membership_grant(company=setup.company, user=setup.preparer, role=Role.APPROVER)
    with pytest.raises(NotPermitted, match="someone else"):
        s.payment_batch_approve_start(batch, setup.preparer, client=bank)
    ro = make_user("ro2", company=setup.company, roles=[Role.READ_ONLY])
    with pytest.raises(NotPermitted):
        s.payment_batch_approve_start(batch, ro, client=bank)


def test_dual_approval_refuses_rgb(setup, bank):
    BankAccount.objects.filter(pk=setup.account.pk).update(dual_approval_required=True)
    batch = _batch(setup, _pay(setup))
    with pytest.raises(Conflict) as exc:
        s.payment_batch_approve_start(batch, setup.approver, client=bank)
    assert exc.value.code == "dual_approval" and "post-approval" in exc.value.message


@pytest.mark.parametrize("how", ["cancel", "expire"])
def test_bankid_cancelled_or_expired_leaves_the_batch_unapproved(setup, bank, sim, how):
    batch = _batch(setup, _pay(setup))
    session = s.payment_batch_approve_start(batch, setup.approver, client=bank)
    if how == "cancel":
        sim.sim_sign(session.url, cancel=True)
    else:
        sim.sim_advance_clock(seconds=600)
    batch.refresh_from_db()
    with pytest.raises(Conflict) as exc:
        s.payment_batch_approve_complete(batch, setup.approver, client=bank)
    assert exc.value.code == {"cancel": "signing_cancelled", "expire": "signing_expired"}[how]
    assert "not approved" in exc.value.message
    batch.refresh_from_db()
    assert batch.status == B.DRAFT and batch.signing_id is None and not batch.signature_ref
    # and can be approved again
    assert _approve(setup, batch, sim, bank).status == B.APPROVED


def test_cancel_a_new_payment_opens_its_bill(setup):
    bill = bill_create(
        setup.company,
        supplier_id=setup.supplier.pk,
        amount="10.00",
        due_date=timezone.localdate(),
        message="F",
    )
    p = s.payment_create_from_bill(setup.company, bill_id=bill.pk, bank_account_id=setup.account.pk)
    s.payment_cancel(p)
    bill.refresh_from_db()
    assert bill.status == Bill.Status.OPEN
    with pytest.raises(IllegalTransition):
        s.payment_cancel(p)


@pytest.mark.django_db(transaction=True)
def test_two_workers_submitting_one_batch_send_once(company_a, make_user, bank, sim):
    # Real concurrent connections: the batch's row lock and its claim let one worker send.
    from .conftest import make_setup

    setup = make_setup(company_a, make_user)
    batch = _approve(setup, _batch(setup, _pay(setup, "10.00")), sim, bank)
    barrier = threading.Barrier(2)
    results = []

    def worker():
        from django.db import connections

        try:
            barrier.wait()
            results.append(s.payment_batch_submit(batch.pk, client=bank).status)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    batch.refresh_from_db()
    assert batch.submit_attempts == 1 and _files_in(sim.sim_state()) == 1
    assert batch.status in (B.ACCEPTED, B.BOOKED)


def test_the_same_pain002_twice_is_applied_once_and_counts_stay_constant(setup):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from notifications.models import Notification
    from remittance.models import BankReport
    from tests.remittance.isofiles import pain002_answering

    def batch_with(n):
        b = _batch(setup, *[_pay(setup, f"{i + 1}.00", message=f"F{n}-{i}") for i in range(n)])
        PaymentBatch.objects.filter(pk=b.pk).update(status=B.SUBMITTING)
        b.refresh_from_db()
        xml = s.payment_batch_pain001(b)
        first = Payment.objects.filter(batch=b).order_by("id").first()
        return b, pain002_answering(xml, rejects={first.end_to_end_id: "AM04"})

    small, small_xml = batch_with(2)
    big, big_xml = batch_with(30)
    with CaptureQueriesContext(connection) as q_small:
        s.payment_batch_apply_pain002(small, small_xml)
    with CaptureQueriesContext(connection) as q_big:
        s.payment_batch_apply_pain002(big, big_xml)
    assert len(q_big) == len(q_small)  # constant, whatever the number of payments
    big.refresh_from_db()
    assert big.status == B.PARTLY_ACCEPTED
    s.payment_batch_apply_pain002(big, big_xml)  # delivered again
    assert BankReport.objects.filter(batch=big).count() == 1
    assert Notification.objects.filter(company=setup.company, level="ERROR").count() == 2
    assert Payment.objects.filter(batch=big, status=P.REJECTED, reason_code="AM04").count() == 1


def test_feed_never_applies_another_customers_msgid(setup):
    from types import SimpleNamespace

    batch = _batch(setup, _pay(setup))
    PaymentBatch.objects.filter(pk=batch.pk).update(status=B.SUBMITTED)

    class Boom:
        def get_pain002(self, msg_id):
            raise AssertionError("must not fetch another customer's file")

    event = SimpleNamespace(org_number="987654325", resource_id=batch.msg_id, data={"msg_id": batch.msg_id})
    s.feed_payment_file_updated([event], client=Boom())
    batch.refresh_from_db()
    assert batch.status == B.SUBMITTED

"""Round trips with the real simulated bank: RgB, post-approval, AG08, PART, file reject, booking."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from bankclient import BankUnavailable
from bankint.errors import Conflict
from companies.models import AuditEvent
from iso20022.pain001 import validate_pain001
from ledger.models import Bill, VoucherLine
from ledger.services import bill_create
from notifications.models import Notification
from remittance import services as s
from remittance.banking_days import banking_day_on_or_after
from remittance.models import Payment, PaymentBatch
from tests.feedfetch import poll_and_fetch

from .conftest import KID_PAYEE, PLAIN_PAYEE

pytestmark = pytest.mark.django_db
B, P = PaymentBatch.Status, Payment.Status


def _pay(setup, amount="1000.00", *, account=PLAIN_PAYEE, kid="", message="Faktura 1", day=None, **kw):
    return s.payment_create(
        setup.company,
        bank_account_id=setup.account.pk,
        creditor_name="Leverandør AS",
        creditor_account=account,
        amount=amount,
        kid=kid,
        message="" if kid else message,
        execution_date=day,
        user=setup.preparer,
        **kw,
    )


def _batch(setup, *payments):
    return s.payment_batches_build(setup.company, payment_ids=[p.pk for p in payments], user=setup.preparer)[
        0
    ]


def _approve(setup, batch, sim, bank, user=None, ack=False):
    user = user or setup.approver
    session = s.payment_batch_approve_start(batch, user, acknowledge_warnings=ack, client=bank)
    assert "/bankid/" in session.url
    sim.sim_sign(session.url)
    batch.refresh_from_db()
    return s.payment_batch_approve_complete(batch, user, client=bank)


def _poll(bank):
    return poll_and_fetch(bank, force=True)


def test_rgb_round_trip_accepted_then_booked_with_voucher_and_bill_paid(setup, bank, sim):
    bill = bill_create(
        setup.company,
        supplier_id=setup.supplier.pk,
        amount="2500.50",
        due_date=timezone.localdate(),
        message="Faktura 77",
    )
    tomorrow = banking_day_on_or_after(timezone.localdate() + timedelta(days=1))
    p1 = s.payment_create_from_bill(
        setup.company,
        bill_id=bill.pk,
        bank_account_id=setup.account.pk,
        execution_date=tomorrow,
        user=setup.preparer,
    )
    p2 = _pay(setup, "99.99", account=KID_PAYEE, kid="123456782", day=tomorrow)
    bill.refresh_from_db()
    assert bill.status == Bill.Status.SCHEDULED
    batch = _batch(setup, p1, p2)
    assert batch.payment_count == 2 and batch.total == Decimal("2600.49")
    batch = _approve(setup, batch, sim, bank)
    assert batch.status == B.APPROVED and batch.signature_ref and batch.approved_bank_user_id == "TB12345"
    batch = s.payment_batch_submit(batch.pk, client=bank)
    assert batch.status == B.ACCEPTED
    validate_pain001(bytes(batch.pain001))  # XSD + business rules on what was sent
    assert _files_in(sim.sim_state()) == 1
    assert set(Payment.objects.filter(batch=batch).values_list("status", flat=True)) == {P.ACCEPTED}
    # the bank books on the execution date; the feed brings camt.054
    sim.sim_advance_clock(days=(tomorrow - timezone.localdate()).days + 1)
    _poll(bank)
    batch.refresh_from_db()
    assert batch.status == B.BOOKED
    p1.refresh_from_db()
    bill.refresh_from_db()
    assert p1.status == P.BOOKED and p1.voucher_id and bill.status == Bill.Status.PAID
    bank_line = VoucherLine.objects.get(voucher=p1.voucher, ledger_account="1920")
    assert bank_line.amount == Decimal("-2500.50") and bank_line.reference == p1.end_to_end_id
    assert bank_line.reference_kind == "E2E"
    assert VoucherLine.objects.get(voucher=p1.voucher, ledger_account="2400").amount == Decimal("2500.50")
    # a second round with the same events changes nothing
    count = VoucherLine.objects.count()
    s.feed_debit_notification_created(
        [
            type(
                "E",
                (),
                {
                    "resource_id": r.bank_reference,
                    "org_number": "123456785",
                    "data": {"msg_id": batch.msg_id},
                },
            )()
            for r in batch.reports.filter(kind="CAMT054")
        ],
        client=bank,
    )
    assert VoucherLine.objects.count() == count
    actions = set(
        AuditEvent.objects.filter(object_id=str(batch.pk), object_type="remittance.paymentbatch").values_list(
            "action", flat=True
        )
    )
    assert {
        "payment_batch.create",
        "payment_batch.approved",
        "payment_batch.submitting",
        "payment_batch.accepted",
        "payment_batch.booked",
    } <= actions


def test_post_approval_waits_for_the_online_bank(post_setup, bank, sim):
    setup = post_setup
    batch = _batch(setup, _pay(setup, "10.00"))
    with pytest.raises(Conflict):
        s.payment_batch_approve_start(batch, setup.approver, client=bank)  # not an RgB account
    batch = s.payment_batch_send(batch, setup.preparer)
    assert batch.status == B.POST_APPROVAL
    batch = s.payment_batch_submit(batch.pk, client=bank)
    assert batch.status == B.AWAITING_APPROVAL
    assert batch.get_status_display() == "Awaiting approval in the online bank"
    sim.sim_approve_payments(batch.msg_id, "TB12345")
    _poll(bank)
    batch.refresh_from_db()
    assert batch.status in (B.ACCEPTED, B.BOOKED)
    assert Payment.objects.get(batch=batch).status in (P.ACCEPTED, P.BOOKED)


def test_ag08_rejects_payments_and_notifies_admins(company_a, make_user, bank, sim):
    from .conftest import make_setup

    setup = make_setup(company_a, make_user, rights=())  # the bank mirror has no right for TB12345
    from companies.services import user_profile_update

    user_profile_update(user=setup.approver, bank_user_id="TB23456")  # no rights in the bank
    bill = bill_create(
        setup.company,
        supplier_id=setup.supplier.pk,
        amount="500.00",
        due_date=timezone.localdate(),
        message="F1",
    )
    p = s.payment_create_from_bill(
        setup.company, bill_id=bill.pk, bank_account_id=setup.account.pk, user=setup.preparer
    )
    batch = _batch(setup, p)
    with pytest.raises(Conflict) as warned:
        s.payment_batch_approve_start(batch, setup.approver, client=bank)
    assert warned.value.code == "approval_warning" and "AG08" in warned.value.message
    batch = _approve(setup, batch, sim, bank, ack=True)
    batch = s.payment_batch_submit(batch.pk, client=bank)
    assert batch.status == B.REJECTED and batch.bank_reason == "AG08"
    p.refresh_from_db()
    bill.refresh_from_db()
    assert p.status == P.REJECTED and p.reason_code == "AG08"
    assert bill.status == Bill.Status.OPEN  # free for a new batch
    note = Notification.objects.get(company=setup.company, level=Notification.Level.ERROR)
    assert "AG08" in note.body and "Correct the rejected payments" in note.body
    # corrected and sent again in a new batch
    again = s.payment_correct(p, user=setup.preparer)
    assert again.corrects_id == p.pk and again.end_to_end_id != p.end_to_end_id and again.bill_id == bill.pk


def test_part_rejects_single_payments_with_reason_in_plain_words(setup, bank, sim):
    good = _pay(setup, "100.00")
    bad = _pay(setup, "200.00", kid="123456782")  # KID to a payee without a KID agreement: AC03
    batch = _approve(setup, _batch(setup, good, bad), sim, bank)
    batch = s.payment_batch_submit(batch.pk, client=bank)
    assert batch.status in (B.PARTLY_ACCEPTED, B.BOOKED)
    bad.refresh_from_db()
    good.refresh_from_db()
    assert bad.status == P.REJECTED and bad.reason_code == "AC03"
    assert good.status in (P.ACCEPTED, P.BOOKED)
    from iso20022.pain002 import reason_text

    assert "KID" in reason_text("AC03", "nb") and "KID" in reason_text("AC03", "en")
    assert Notification.objects.filter(company=setup.company, level="ERROR", body__contains="AC03").exists()


def test_file_level_reject_rejects_the_batch(post_setup, bank, sim):
    setup = post_setup
    sim.sim_upsert_customer(
        {
            "org_number": "123456785",
            "name": "Alfa AS",
            "subscription": "integrated",
            "accounts": [{"number": "15032080119", "remittance": False}],
        }
    )
    batch = s.payment_batch_send(_batch(setup, _pay(setup, "10.00"), _pay(setup, "11.00")), setup.preparer)
    batch = s.payment_batch_submit(batch.pk, client=bank)
    assert batch.status == B.REJECTED and batch.bank_reason == "AG01"
    assert set(Payment.objects.filter(batch=batch).values_list("status", "reason_code")) == {
        (P.REJECTED, "AG01")
    }


@pytest.mark.parametrize("mode", ["timeout", "drop", "error_500"])
def test_ambiguous_send_then_retry_sends_once_with_the_same_msgid(setup, bank, sim, mode):
    import tests.banksim_server
    from bankclient import BankClient

    batch = _approve(setup, _batch(setup, _pay(setup, "10.00")), sim, bank)
    sim.sim_set_fault(endpoint="payment_file_submit", mode=mode, rate=1.0, delay_seconds=2)
    slow = BankClient(bank.base_url, tests.banksim_server.KEY, timeout=0.5)
    with pytest.raises(BankUnavailable):
        s.payment_batch_submit(batch.pk, client=slow)
    batch.refresh_from_db()
    assert batch.status == B.UNKNOWN and batch.pain001_sha256 and batch.submit_attempts == 1
    first_bytes = bytes(batch.pain001)
    # timeout and drop execute the file at the bank, error_500 does not: either way the
    # retry sends the stored bytes under the same MsgId and the bank ends with one file
    if mode == "error_500":
        assert _files_in(sim.sim_state()) == 0
    else:
        import time

        deadline = time.monotonic() + 5  # the bank may still be finishing the timed-out request
        while _files_in(sim.sim_state()) == 0 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _files_in(sim.sim_state()) == 1
    sim.sim_clear_faults()
    batch = s.payment_batch_submit(batch.pk, client=bank)
    assert batch.status in (B.ACCEPTED, B.BOOKED) and bytes(batch.pain001) == first_bytes
    assert batch.submit_attempts == 2
    assert _files_in(sim.sim_state()) == 1


def _files_in(state) -> int:
    return sum(state["payment_files"].values())


def test_crash_between_send_and_record_is_resolved_by_asking_the_bank(setup, bank, sim, monkeypatch):
    from remittance.services import submission

    batch = _approve(setup, _batch(setup, _pay(setup, "10.00")), sim, bank)
    # send as a worker would, then "crash" before recording: the batch is left SUBMITTING
    with monkeypatch.context() as m:
        m.setattr(
            submission, "payment_batch_apply_pain002", lambda *a, **k: (_ for _ in ()).throw(SystemExit)
        )
        with pytest.raises(SystemExit):
            s.payment_batch_submit(batch.pk, client=bank)
    batch.refresh_from_db()
    assert batch.status == B.SUBMITTING
    PaymentBatch.objects.filter(pk=batch.pk).update(submitting_at=timezone.now() - timedelta(hours=1))
    assert s.payment_batches_resolve_stale(client=bank) == 1
    batch.refresh_from_db()
    assert batch.status in (B.ACCEPTED, B.BOOKED)
    assert _files_in(sim.sim_state()) == 1


def test_reading_the_approvers_fodselsnummer_for_bankid_leaves_an_audit_row(setup, bank, sim):
    batch = _batch(setup, _pay(setup, "10.00"))
    s.payment_batch_approve_start(batch, setup.approver, client=bank)
    row = AuditEvent.objects.get(action="user_profile.national_id_read")
    assert row.changes == {"purpose": "bankid_signing", "object": f"remittance.paymentbatch:{batch.pk}"}
    assert row.company_id == setup.company.pk and row.object_repr.endswith("(151086 *****)")
    assert "15108695088" not in str(row.changes) + row.object_repr


def test_the_page_and_the_feed_finishing_one_signing_approve_once_without_a_warning(setup, bank, sim):
    batch = _batch(setup, _pay(setup, "10.00"))
    session = s.payment_batch_approve_start(batch, setup.approver, client=bank)
    sim.sim_sign(session.url)
    batch.refresh_from_db()
    stale = PaymentBatch.objects.get(pk=batch.pk)  # what the worker loaded for the feed event
    approved = s.payment_batch_approve_complete(batch, setup.approver, client=bank)
    assert approved.status == B.APPROVED
    again = s.payment_batch_approve_complete(stale, client=bank)  # the loser of the race
    assert again.status == B.APPROVED and again.signature_ref == approved.signature_ref
    page = s.payment_batch_approve_complete(
        PaymentBatch.objects.get(pk=batch.pk), setup.approver, client=bank
    )
    assert page.status == B.APPROVED
    assert AuditEvent.objects.filter(action="payment_batch.approved", object_id=str(batch.pk)).count() == 1


def test_submit_twice_is_a_no_op(setup, bank, sim):
    batch = _approve(setup, _batch(setup, _pay(setup, "10.00")), sim, bank)
    first = s.payment_batch_submit(batch.pk, client=bank)
    second = s.payment_batch_submit(batch.pk, client=bank)
    assert first.status == second.status and second.submit_attempts == 1
    assert _files_in(sim.sim_state()) == 1


def test_an_approved_batch_whose_day_has_passed_goes_out_for_the_next_banking_day(setup, bank, sim):
    batch = _approve(setup, _batch(setup, _pay(setup, "10.00")), sim, bank)
    past = timezone.localdate() - timedelta(days=3)
    PaymentBatch.objects.filter(pk=batch.pk).update(execution_date=past)
    Payment.objects.filter(batch=batch).update(execution_date=past)
    batch = s.payment_batch_submit(batch.pk, client=bank)
    expected = banking_day_on_or_after(timezone.localdate())
    assert batch.execution_date == expected
    assert set(batch.payments.values_list("execution_date", flat=True)) == {expected}
    assert f"<ReqdExctnDt>{expected.isoformat()}</ReqdExctnDt>" in bytes(batch.pain001).decode()
    moved = AuditEvent.objects.get(action="payment_batch.execution_date_moved", object_id=str(batch.pk))
    assert moved.changes["execution_date"] == {"before": past.isoformat(), "after": expected.isoformat()}


def test_signing_finished_is_picked_up_from_the_feed(setup, bank, sim):
    batch = _batch(setup, _pay(setup))
    session = s.payment_batch_approve_start(batch, setup.approver, client=bank)
    sim.sim_sign(session.url)
    _poll(bank)  # the approver closed the tab: signing.updated approves the batch
    batch.refresh_from_db()
    assert batch.status == B.APPROVED and batch.approved_by_id == setup.approver.pk and batch.signature_ref


def test_the_task_retries_on_bank_unavailable_with_the_same_batch(setup, monkeypatch):
    from celery.exceptions import Retry

    from remittance import tasks

    calls = []

    def unavailable(batch_id):
        calls.append(batch_id)
        raise BankUnavailable("timeout")

    monkeypatch.setattr(tasks.submission, "payment_batch_submit", unavailable)
    with pytest.raises(Retry):
        tasks.payment_batch_submit.apply(args=[42], throw=True)
    assert calls == [42]


def test_insufficient_funds_on_the_booking_day_rejects_am04(setup, bank, sim):
    tomorrow = banking_day_on_or_after(timezone.localdate() + timedelta(days=1))
    big = _pay(setup, "300000.00", day=tomorrow)  # the account holds 250 000.00
    small = _pay(setup, "100.00", day=tomorrow, message="Faktura 2")
    batch = s.payment_batch_submit(_approve(setup, _batch(setup, big, small), sim, bank).pk, client=bank)
    assert batch.status == B.ACCEPTED
    sim.sim_advance_clock(days=(tomorrow - timezone.localdate()).days + 1)
    _poll(bank)
    big.refresh_from_db()
    small.refresh_from_db()
    batch.refresh_from_db()
    assert big.status == P.REJECTED and big.reason_code == "AM04"
    assert small.status == P.BOOKED
    assert batch.status in (B.PARTLY_ACCEPTED, B.BOOKED)

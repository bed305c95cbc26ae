"""Banking days and execution dates on the days the calendar is hard (tests/clock.py): a
Saturday, Christmas Eve, New Year's Eve, the first banking day of 2027, Easter week and
both DST days, each just after midnight (the UTC date is still the day before) and just
before it. The expected dates are the hand-written tables of tests/clock.py, not the rule.
"""

from __future__ import annotations

from datetime import UTC, timedelta

import pytest
from django.utils import timezone

from bankint.errors import ValidationFailed
from ledger.models import Bill, VoucherLine
from ledger.services import bill_create
from reconciliation.matching import BankingCalendar
from remittance import services as s
from remittance.banking_days import banking_day_on_or_after, is_banking_day
from remittance.models import Payment, PaymentBatch
from tests.clock import CALENDAR_SPAN, CLOSED_WEEKDAYS, FIRST_BANKING_DAY, NEXT_BANKING_DAY

from .conftest import KID_PAYEE
from .test_flows import _approve, _batch, _pay, _poll

B, P = PaymentBatch.Status, Payment.Status


def _every_day():
    day, last = CALENDAR_SPAN
    while day <= last:
        yield day
        day += timedelta(days=1)


def test_the_portals_calendars_are_the_norwegian_banks():
    matcher = BankingCalendar()
    wrong = [
        day.isoformat()
        for day in _every_day()
        if not (
            is_banking_day(day)
            == matcher.is_banking_day(day)
            == (day.weekday() < 5 and day not in CLOSED_WEEKDAYS)
        )
    ]
    assert not wrong, wrong
    for day, first in FIRST_BANKING_DAY.items():
        assert banking_day_on_or_after(day) == first, day
        assert banking_day_on_or_after(day + timedelta(days=1)) == NEXT_BANKING_DAY[day], day


def test_the_clock_reads_the_oslo_date(any_day):
    today = any_day.date()
    assert timezone.localdate() == today
    assert timezone.localtime().strftime("%H:%M") == any_day.strftime("%H:%M")
    if any_day.hour == 0:  # the case a UTC date gets wrong
        assert timezone.now().astimezone(UTC).date() == today - timedelta(days=1)


@pytest.mark.django_db
def test_a_payment_for_today_goes_on_the_first_banking_day(any_day, setup):
    today = any_day.date()
    first = FIRST_BANKING_DAY[today]
    given = _pay(setup, "10.00", day=today, message="Faktura 1")
    assert (given.requested_date, given.execution_date) == (today, first)
    if first == today:
        assert given.notices == []
    else:
        assert "not a banking day" in given.notices[0] and first.isoformat() in given.notices[0]
    # no date: as soon as possible (what was requested is the day it goes)
    unasked = _pay(setup, "20.00", message="Faktura 2")
    assert (unasked.requested_date, unasked.execution_date) == (first, first)


@pytest.mark.django_db
def test_yesterday_is_refused_and_a_year_ahead_is_the_limit(any_day, setup):
    today = any_day.date()
    with pytest.raises(ValidationFailed, match="in the past"):
        _pay(setup, day=today - timedelta(days=1))
    far = _pay(setup, day=today + timedelta(days=365))
    assert far.execution_date - (today + timedelta(days=365)) < timedelta(days=5)
    with pytest.raises(ValidationFailed, match="one year"):
        _pay(setup, day=today + timedelta(days=366), message="Faktura 2")


@pytest.mark.django_db
def test_a_bill_paid_late_or_due_tomorrow(any_day, setup):
    today = any_day.date()
    overdue, tomorrow = (
        bill_create(
            setup.company,
            supplier_id=setup.supplier.pk,
            amount="100.00",
            due_date=due,
            issue_date=today - timedelta(days=30),
            message=f"Faktura {n}",
        )
        for n, due in enumerate((today - timedelta(days=10), today + timedelta(days=1)))
    )
    late = s.payment_create_from_bill(setup.company, bill_id=overdue.pk, bank_account_id=setup.account.pk)
    assert late.execution_date == FIRST_BANKING_DAY[today]
    soon = s.payment_create_from_bill(setup.company, bill_id=tomorrow.pk, bank_account_id=setup.account.pk)
    assert soon.execution_date == NEXT_BANKING_DAY[today]


@pytest.mark.django_db
def test_a_batch_approved_for_a_day_that_has_passed_goes_on_the_first_banking_day(any_day, setup, bank, sim):
    today = any_day.date()
    batch = _approve(setup, _batch(setup, _pay(setup, "10.00")), sim, bank)
    PaymentBatch.objects.filter(pk=batch.pk).update(execution_date=today - timedelta(days=3))
    Payment.objects.filter(batch=batch).update(execution_date=today - timedelta(days=3))
    batch = s.payment_batch_submit(batch.pk, client=bank)
    assert batch.status == B.ACCEPTED
    assert batch.execution_date == FIRST_BANKING_DAY[today]
    assert (
        f"<ReqdExctnDt>{FIRST_BANKING_DAY[today].isoformat()}</ReqdExctnDt>" in bytes(batch.pain001).decode()
    )


@pytest.mark.django_db
def test_payments_are_booked_on_their_banking_days(any_day, setup, bank, sim):
    """The bank (its clock at the portal's instant) books each payment on its execution date
    and the ledger dates the payment that day, whatever day it was made on."""
    today = any_day.date()
    bill = bill_create(
        setup.company, supplier_id=setup.supplier.pk, amount="2500.50", due_date=today, message="Faktura 77"
    )
    now = s.payment_create_from_bill(setup.company, bill_id=bill.pk, bank_account_id=setup.account.pk)
    later = _pay(setup, "99.99", account=KID_PAYEE, kid="123456782", day=today + timedelta(days=1))
    assert (now.execution_date, later.execution_date) == (FIRST_BANKING_DAY[today], NEXT_BANKING_DAY[today])
    batches = s.payment_batches_build(setup.company, payment_ids=[now.pk, later.pk], user=setup.preparer)
    assert len(batches) == (1 if now.execution_date == later.execution_date else 2)
    for batch in batches:
        batch = s.payment_batch_submit(_approve(setup, batch, sim, bank).pk, client=bank)
        assert batch.status in (B.ACCEPTED, B.BOOKED)
    assert sim.sim_state()["clock"]["today"] == today.isoformat()
    moved = sim.sim_advance_clock(days=(NEXT_BANKING_DAY[today] - today).days)
    assert moved["today"] == NEXT_BANKING_DAY[today].isoformat()
    _poll(bank)
    for payment in (now, later):
        payment.refresh_from_db()
        assert payment.status == P.BOOKED, payment.status
        assert payment.voucher.date == payment.execution_date, (payment.voucher.date, payment.execution_date)
        bank_line = VoucherLine.objects.get(voucher=payment.voucher, ledger_account="1920")
        assert bank_line.amount == -payment.amount
    bill.refresh_from_db()
    assert bill.status == Bill.Status.PAID

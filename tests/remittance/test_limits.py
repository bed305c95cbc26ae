"""Limits a careless or hostile user reaches (issue 21): batch totals beyond the column, and
execution dates at the calendar's ends."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from lxml import etree

from bankint.errors import ValidationFailed
from iso20022.pain001 import validate_pain001
from remittance import services as s
from remittance.banking_days import NoBankingDay, banking_day_on_or_after, days_after
from remittance.models import MAX_BATCH_TOTAL, Payment, PaymentBatch

from .test_api import _create_payment, _url
from .test_flows import _pay
from .test_views import _login

pytestmark = pytest.mark.django_db
B, P = PaymentBatch.Status, Payment.Status
BIG = "9000000000000.00"
NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"}


def _ctrl_sums(xml: bytes) -> list[str]:
    root = etree.fromstring(xml)
    return [e.text for e in root.iterfind(".//p:CtrlSum", NS)]


# --- batch totals ---------------------------------------------------------------------------------


def test_payments_whose_sum_overflows_a_batch_go_into_several_batches_and_none_is_held_back(setup):
    """Was: numeric field overflow (a 500) on build, for every later build of the company too."""
    big1 = _pay(setup, BIG, message="F1")
    big2 = _pay(setup, BIG, message="F2")
    small = _pay(setup, "100.00", message="F3")
    built = s.payment_batches_build(setup.company, user=setup.preparer)
    assert len(built) == 2
    assert {b.execution_date for b in built} == {big1.execution_date}
    assert sorted(b.total for b in built) == [Decimal(BIG), Decimal("9000000000100.00")]
    assert all(b.total <= MAX_BATCH_TOTAL for b in built)
    assert not Payment.objects.filter(company=setup.company, status=P.NEW).exists()
    by_batch = {b.pk: set(b.payments.values_list("pk", flat=True)) for b in built}
    assert sorted(map(sorted, by_batch.values())) == [[big1.pk], sorted([big2.pk, small.pk])]
    for batch in built:
        xml = s.payment_batch_pain001(batch)
        validate_pain001(xml)
        assert _ctrl_sums(xml) == [f"{batch.total:.2f}"] * 2  # GrpHdr and PmtInf
    # and the next build of new payments is not blocked
    later = _pay(setup, "5.00", message="F4")
    assert s.payment_batches_build(setup.company, user=setup.preparer)[0].payments.get() == later


def test_a_batch_holds_exactly_the_column_limit_and_its_ctrlsum_fits_pain001(setup):
    _pay(setup, "5000000000000.00", message="A")
    _pay(setup, "4999999999999.99", message="B")
    (batch,) = s.payment_batches_build(setup.company, user=setup.preparer)
    assert batch.total == MAX_BATCH_TOTAL == Decimal("9999999999999.99")
    xml = s.payment_batch_pain001(batch)
    validate_pain001(xml)  # CtrlSum is DecimalNumber: 18 digits, the column's 15 fit
    assert _ctrl_sums(xml) == ["9999999999999.99", "9999999999999.99"]
    # one øre more on the same account and date is a second batch, not an overflow
    _pay(setup, "4999999999999.99", message="C")
    _pay(setup, "5000000000000.01", message="D")
    assert [b.total for b in s.payment_batches_build(setup.company, user=setup.preparer)] == [
        Decimal("4999999999999.99"),
        Decimal("5000000000000.01"),
    ]


def test_the_build_button_splits_instead_of_answering_500(setup):
    _pay(setup, BIG, message="F1")
    _pay(setup, BIG, message="F2")
    c = _login(setup.preparer, setup.company)
    r = c.post("/payments/build/", follow=True)
    assert r.status_code == 200
    page = r.content.decode()
    assert "9 999 999 999 999" in page  # says why there are two batches
    assert PaymentBatch.objects.filter(company=setup.company).count() == 2


def test_the_api_builds_split_batches_and_refuses_an_amount_beyond_the_column(setup, api_for):
    api = api_for(setup.preparer)
    ids = [_create_payment(api, setup, amount=BIG, message=f"F{i}").json()["id"] for i in range(2)]
    r = api.post(_url(setup.company, "payment-batches/"), {"payments": ids}, format="json")
    assert r.status_code == 201, r.json()
    assert [b["total"] for b in r.json()["batches"]] == [BIG, BIG]
    r = _create_payment(api, setup, amount="10000000000000.00", message="too much")
    assert r.status_code == 400 and "amount" in r.json()["fields"]


# --- execution dates ------------------------------------------------------------------------------


def test_banking_day_arithmetic_is_total_at_the_end_of_the_calendar():
    with pytest.raises(NoBankingDay):  # was OverflowError from date + timedelta
        banking_day_on_or_after(date.max)
    assert issubclass(NoBankingDay, ValueError)
    assert banking_day_on_or_after(date(9999, 12, 30)) == date(9999, 12, 30)  # a Thursday
    assert days_after(date(9999, 12, 30), 365) == date.max
    assert days_after(date.min, -1) == date.min
    assert days_after(date(2026, 3, 2), 365) == date(2027, 3, 2)


@pytest.mark.parametrize(
    "typed",
    ["9999-12-31", "0001-01-01", "1970-01-01", "past", "beyond-a-year"],
)
def test_absurd_execution_dates_are_refused_with_a_message(setup, api_for, typed):
    today = timezone.localdate()
    value = {
        "past": (today - timedelta(days=1)).isoformat(),
        "beyond-a-year": (today + timedelta(days=366)).isoformat(),
    }.get(typed, typed)
    r = _create_payment(api_for(setup.preparer), setup, execution_date=value)
    assert r.status_code == 400, r.content
    assert r.json()["fields"]["execution_date"][0]
    page = _login(setup.preparer, setup.company).post(
        "/payments/",
        {
            "bank_account_id": setup.account.pk,
            "creditor_name": "Leverandør AS",
            "creditor_account": "15032080135",
            "amount": "10,00",
            "message": "F",
            "execution_date": value,
        },
    )
    assert page.status_code == 400
    assert not Payment.objects.filter(company=setup.company).exists()


@pytest.mark.parametrize(
    ("today", "outcome"),
    [(date(9999, 12, 30), date(9999, 12, 30)), (date(9999, 12, 31), "refused")],
)
def test_entering_a_payment_on_the_last_days_of_the_calendar_never_overflows(
    setup, monkeypatch, today, outcome
):
    """A clock at the calendar's end (the window's end is today + a year) gives a payment or a
    message, never an OverflowError."""
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: today)
    if outcome == "refused":
        with pytest.raises(ValidationFailed) as exc:
            _pay(setup, "10.00")
        assert "execution_date" in exc.value.fields
    else:
        assert _pay(setup, "10.00").execution_date == outcome

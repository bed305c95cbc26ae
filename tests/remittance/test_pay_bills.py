"""Paying many open bills at once (all or nothing, due dates, warnings), and the approvers'
notification when batches are ready for them."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from bankint.errors import Conflict, ValidationFailed
from companies.roles import Role
from ledger.models import Bill
from ledger.services import bill_create, supplier_create
from notifications.models import Notification
from notifications.selectors import notification_list_for_user
from remittance import services as s
from remittance.banking_days import banking_day_on_or_after
from remittance.models import Payment, PaymentBatch
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def _bill(setup, amount, due, message, supplier=None):
    return bill_create(
        setup.company,
        supplier_id=(supplier or setup.supplier).pk,
        amount=amount,
        due_date=due,
        issue_date=min(due, timezone.localdate()) - timedelta(days=14),
        message=message,
    )


def _ahead(days):
    return banking_day_on_or_after(timezone.localdate() + timedelta(days=days))


def test_each_bill_is_paid_on_its_due_date_into_batches(setup):
    d1, d2 = _ahead(10), _ahead(20)
    b1 = _bill(setup, "100.00", d1, "Faktura 1")
    b2 = _bill(setup, "200.00", d1, "Faktura 2")
    b3 = _bill(setup, "300.00", d2, "Faktura 3")
    paid = s.bills_pay(
        setup.company, bill_ids=[b1.pk, b2.pk, b3.pk], bank_account_id=setup.account.pk, user=setup.preparer
    )
    assert paid.warnings == []
    assert {p.bill_id: p.execution_date for p in paid.payments} == {b1.pk: d1, b2.pk: d1, b3.pk: d2}
    assert sorted((b.execution_date, b.payment_count, b.total) for b in paid.batches) == [
        (d1, 2, Decimal("300.00")),
        (d2, 1, Decimal("300.00")),
    ]
    assert set(Bill.objects.filter(pk__in=[b1.pk, b2.pk, b3.pk]).values_list("status", flat=True)) == {
        Bill.Status.SCHEDULED
    }
    assert all(p.status == Payment.Status.IN_BATCH for p in Payment.objects.filter(company=setup.company))


def test_one_date_for_all(setup):
    day = _ahead(5)
    bills = [_bill(setup, "10.00", _ahead(30), f"Faktura {n}") for n in range(3)]
    paid = s.bills_pay(
        setup.company, bill_ids=[b.pk for b in bills], bank_account_id=setup.account.pk, execution_date=day
    )
    assert len(paid.batches) == 1 and paid.batches[0].execution_date == day


def test_bills_already_due_are_paid_on_the_first_banking_day_with_a_warning(setup):
    today = timezone.localdate()
    late = _bill(setup, "500.00", today - timedelta(days=3), "Faktura 41")
    later = _bill(setup, "600.00", today - timedelta(days=30), "Faktura 42")
    on_time = _bill(setup, "700.00", _ahead(10), "Faktura 43")
    paid = s.bills_pay(
        setup.company, bill_ids=[late.pk, later.pk, on_time.pk], bank_account_id=setup.account.pk
    )
    first = banking_day_on_or_after(today)
    days = {p.bill_id: p.execution_date for p in paid.payments}
    assert days[late.pk] == days[later.pk] == first
    assert days[on_time.pk] == on_time.due_date
    (warning, *_rest) = paid.warnings
    assert "2 bills are already due" in warning
    assert f"Leverandør AS, invoice #{later.pk}" in warning and f"#{late.pk}" in warning
    assert f"#{on_time.pk}" not in warning


def test_all_or_nothing_a_duplicate_stops_the_whole_run_and_names_the_bill(setup):
    due = _ahead(10)
    ok = _bill(setup, "100.00", due, "Faktura 1")
    twin_a = _bill(setup, "250.00", due, "Faktura 7")
    twin_b = _bill(setup, "250.00", due, "Faktura 7")  # the same invoice registered twice
    with pytest.raises(Conflict) as err:
        s.bills_pay(setup.company, bill_ids=[ok.pk, twin_a.pk, twin_b.pk], bank_account_id=setup.account.pk)
    assert err.value.code == "possible_duplicate"
    assert "Leverandør AS, invoice" in err.value.message
    assert "Leverandør AS, invoice" in err.value.fields["confirm_duplicate"][0]
    assert not Payment.objects.filter(company=setup.company).exists()
    assert not PaymentBatch.objects.filter(company=setup.company).exists()
    assert set(Bill.objects.filter(company=setup.company).values_list("status", flat=True)) == {
        Bill.Status.OPEN
    }
    # confirmed: all three are paid
    paid = s.bills_pay(
        setup.company,
        bill_ids=[ok.pk, twin_a.pk, twin_b.pk],
        bank_account_id=setup.account.pk,
        confirm_duplicate=True,
    )
    assert len(paid.payments) == 3


def test_a_bad_supplier_account_stops_the_run(setup):
    bad = supplier_create(
        setup.company, name="Konto Feil AS", account_number="15032080119"
    )  # the debit account
    ok = _bill(setup, "100.00", _ahead(10), "Faktura 1")
    wrong = _bill(setup, "100.00", _ahead(10), "Faktura 2", supplier=bad)
    with pytest.raises(ValidationFailed) as err:
        s.bills_pay(setup.company, bill_ids=[ok.pk, wrong.pk], bank_account_id=setup.account.pk)
    assert "Konto Feil AS" in err.value.message
    assert not Payment.objects.filter(company=setup.company).exists()


def test_bills_not_open_or_not_the_companys_are_refused(setup, company_b, make_user):
    from tests.remittance.conftest import make_setup

    other = make_setup(company_b, make_user, suffix="b")
    theirs = _bill(other, "10.00", _ahead(3), "Faktura B")
    mine = _bill(setup, "10.00", _ahead(3), "Faktura A")
    with pytest.raises(ValidationFailed):
        s.bills_pay(setup.company, bill_ids=[mine.pk, theirs.pk], bank_account_id=setup.account.pk)
    with pytest.raises(ValidationFailed) as err:
        s.bills_pay(setup.company, bill_ids=[], bank_account_id=setup.account.pk)
    assert err.value.code == "no_bills"
    s.bills_pay(setup.company, bill_ids=[mine.pk], bank_account_id=setup.account.pk)
    with pytest.raises(Conflict) as err:
        s.bills_pay(setup.company, bill_ids=[mine.pk], bank_account_id=setup.account.pk)
    assert err.value.code == "bill_not_open"
    assert Bill.objects.get(pk=theirs.pk).status == Bill.Status.OPEN


def test_approvers_are_notified_when_batches_are_ready_in_norwegian(setup, make_user):
    second = make_user("approver-2", company=setup.company, roles=[Role.APPROVER])
    viewer = make_user("viewer", company=setup.company, roles=[Role.READ_ONLY])
    bills = [
        _bill(setup, "1000.00", _ahead(10), "Faktura 1"),
        _bill(setup, "234.50", _ahead(20), "Faktura 2"),
    ]
    paid = s.bills_pay(
        setup.company, bill_ids=[b.pk for b in bills], bank_account_id=setup.account.pk, user=setup.preparer
    )
    notes = Notification.objects.filter(company=setup.company, audience=Notification.Audience.USER)
    assert sorted(n.user_id for n in notes) == sorted([setup.approver.pk, second.pk])
    note = notification_list_for_user(setup.approver, setup.company).get()
    with translation.override("nb"):  # each approver reads it in their own language
        assert note.title_text == "2 betalingsbunter venter på din godkjenning"
        assert "1\xa0234,50 kroner" in note.body_text and "BankID" in note.body_text
    with translation.override("en"):
        assert note.title_text == "2 payment batches wait for your approval"
        assert "NOK 1,234.50" in note.body_text
    assert note.link == reverse("remittance:batches")
    assert not notification_list_for_user(viewer, setup.company).exists()
    assert not notification_list_for_user(setup.preparer, setup.company).exists()
    assert len(paid.batches) == 2


def test_post_approval_batches_notify_no_approver(post_setup):
    bill = _bill(post_setup, "10.00", _ahead(3), "Faktura 1")
    s.bills_pay(post_setup.company, bill_ids=[bill.pk], bank_account_id=post_setup.account.pk)
    assert not Notification.objects.filter(company=post_setup.company).exists()


def test_the_page_pays_the_chosen_bills(client, setup):
    b1 = _bill(setup, "100.00", _ahead(4), "Faktura 1")
    b2 = _bill(setup, "200.00", _ahead(4), "Faktura 2")
    client.login(username=setup.preparer.username, password=PASSWORD)
    page = client.get("/payments/bills/")
    assert page.status_code == 200 and page.content.count(b'name="bill_ids"') == 2
    empty = client.post("/payments/bills/", {"bank_account_id": setup.account.pk})
    assert empty.status_code == 400
    done = client.post(
        "/payments/bills/", {"bank_account_id": setup.account.pk, "bill_ids": [b1.pk, b2.pk, "junk"]}
    )
    batch = PaymentBatch.objects.get(company=setup.company)
    assert done.status_code == 302 and done.url == f"/payments/batches/{batch.pk}/"
    assert batch.payment_count == 2
    client.logout()
    client.login(username=setup.approver.username, password=PASSWORD)
    assert client.post("/payments/bills/", {"bank_account_id": setup.account.pk}).status_code == 403


def test_the_payments_page_says_payments_out_when_empty(client, setup):
    client.login(username=setup.preparer.username, password=PASSWORD)
    client.post("/i18n/setlang/", {"language": "nb", "next": "/"})
    assert "Ingen utbetalinger ennå" in client.get("/payments/").content.decode()


def test_the_page_asks_to_confirm_a_possible_duplicate(client, setup):
    twins = [_bill(setup, "250.00", _ahead(4), "Faktura 7") for _ in range(2)]
    client.login(username=setup.preparer.username, password=PASSWORD)
    assert b'name="confirm_duplicate"' not in client.get("/payments/bills/").content
    data = {"bank_account_id": setup.account.pk, "bill_ids": [b.pk for b in twins]}
    refused = client.post("/payments/bills/", data)
    assert refused.status_code == 409
    assert b'name="confirm_duplicate"' in refused.content
    assert not Payment.objects.filter(company=setup.company).exists()
    assert client.post("/payments/bills/", {**data, "confirm_duplicate": "on"}).status_code == 302
    assert Payment.objects.filter(company=setup.company).count() == 2

"""Paying many open bills at once in a real browser: select all, one unchecked, due dates."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from ledger.models import Bill
from ledger.services import bill_create
from remittance.banking_days import banking_day_on_or_after
from remittance.models import Payment, PaymentBatch
from tests.browser.test_shell import login
from tests.remittance.conftest import make_setup

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _bill(setup, amount, due, message):
    return bill_create(
        setup.company,
        supplier_id=setup.supplier.pk,
        amount=amount,
        due_date=due,
        issue_date=min(due, timezone.localdate()) - timedelta(days=14),
        message=message,
    )


def test_pay_the_chosen_bills_at_once(page, live_server, make_company, make_user, screenshot):
    company = make_company("Alfa AS")
    setup = make_setup(company, make_user)
    today = timezone.localdate()
    due = banking_day_on_or_after(today + timedelta(days=10))
    late = _bill(setup, "1500.00", today - timedelta(days=4), "Faktura 101")
    first = _bill(setup, "12345.67", due, "Faktura 102")
    second = _bill(setup, "250.00", due, "Faktura 103")
    skipped = _bill(setup, "999.00", due, "Faktura 104")

    login(page, live_server.url, setup.preparer.username)
    page.goto(f"{live_server.url}/payments/")
    expect(page.get_by_test_id("payment-list")).to_have_count(0)
    expect(page.locator("main")).to_contain_text("Ingen utbetalinger ennå.")
    page.get_by_test_id("pay-bills-link").click()
    expect(page.get_by_test_id("bill-to-pay")).to_have_count(4)
    expect(page.get_by_test_id("bills-overdue")).to_contain_text("1 faktura har allerede forfalt")
    page.get_by_test_id("select-all-bills").check()
    expect(page.locator("input[name=bill_ids]:checked")).to_have_count(4)
    page.locator(f"#bill-{skipped.pk}").uncheck()
    expect(page.get_by_test_id("select-all-bills")).not_to_be_checked()
    screenshot("pay-bills-chosen")
    page.get_by_test_id("bills-pay-submit").click()

    messages = page.locator(".messages")
    expect(messages).to_contain_text("3 fakturaer er betalt")
    expect(messages).to_contain_text("allerede forfalt og betales første bankdag")
    expect(messages).to_contain_text("Leverandør AS, faktura")
    expect(page.get_by_test_id("batch-row")).to_have_count(2)
    screenshot("pay-bills-done")

    days = dict(Payment.objects.filter(company=company).values_list("bill_id", "execution_date"))
    assert days == {late.pk: banking_day_on_or_after(today), first.pk: due, second.pk: due}
    assert PaymentBatch.objects.filter(company=company).count() == 2
    assert Bill.objects.get(pk=skipped.pk).status == Bill.Status.OPEN

    # The same bills again: nothing is paid twice, the page says why.
    page.goto(f"{live_server.url}/payments/bills/")
    expect(page.get_by_test_id("bill-to-pay")).to_have_count(1)

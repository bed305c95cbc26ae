"""The home page's to-dos in a real browser: the preparer sees who must approve, the approver
is notified and goes from the to-do to an approved batch with BankID, counting the clicks."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from ledger.services import bill_create
from remittance import services as s
from remittance.banking_days import banking_day_on_or_after
from remittance.models import PaymentBatch
from tests.browser.test_shell import login
from tests.remittance.conftest import connect_bank, make_setup

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


class Clicks:
    """Counts what the user clicks, from the login button to the approved batch."""

    def __init__(self, page):
        self.page, self.n = page, 0

    def __call__(self, locator):
        self.n += 1
        locator.click()


def test_from_the_todo_to_an_approved_batch(
    page, live_server, make_company, make_user, settings, banksim_url, sim, screenshot
):
    bank = connect_bank(settings, banksim_url, sim)
    company = make_company("Alfa AS")  # 123456785: the simulated bank's integrated customer
    setup = make_setup(company, make_user)
    setup.preparer.first_name, setup.preparer.last_name = "Per", "Preparer"
    setup.preparer.save()
    due = banking_day_on_or_after(timezone.localdate() + timedelta(days=7))
    bill = bill_create(
        company, supplier_id=setup.supplier.pk, amount="12345.67", due_date=due, message="Faktura 2026-17"
    )
    paid = s.bills_pay(company, bill_ids=[bill.pk], bank_account_id=setup.account.pk, user=setup.preparer)
    batch = paid.batches[0]

    # The preparer's home: the batch waits for Anne's approval.
    login(page, live_server.url, setup.preparer.username)
    waiting = page.get_by_test_id("todo-remittance.awaiting_approval")
    expect(waiting).to_contain_text("Betalingsbunter som venter på godkjenning")
    expect(waiting).to_contain_text("Godkjennes med BankID av: Anne")
    screenshot("home-todos-preparer")
    page.hover(".user-menu .menu-title")  # log out sits in the user menu
    page.get_by_test_id("logout").click()

    # The approver: login → to-do → approve with BankID → back → finish.
    clicks = Clicks(page)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", setup.approver.username)
    page.fill("#id_password", "correct-horse-battery-9")
    clicks(page.get_by_test_id("login-submit"))
    todo = page.get_by_test_id("todo-remittance.approve")
    expect(todo.get_by_test_id("todo-count")).to_have_text("1")
    expect(todo).to_contain_text("12\xa0345,67 NOK totalt")
    expect(page.locator(".notifications")).to_contain_text("En betalingsbunt venter på din godkjenning")
    screenshot("home-todos-approver")
    clicks(todo.locator("a.todo-title"))
    expect(page.get_by_test_id("batch-status")).to_have_text("Utkast")
    clicks(page.get_by_test_id("approve-bankid"))
    expect(page.locator("body")).to_contain_text("BankID")
    page.fill("input[name=otp]", "123456")
    clicks(page.locator("button[value=confirm]"))
    expect(page.locator("body")).to_contain_text("Signert")
    # Back in the portal: the BankID page has no link back yet (issue 24 item 4), so the
    # user returns to the batch (the browser's back, or the address): one step, no click here.
    page.goto(f"{live_server.url}/payments/batches/{batch.pk}/")
    clicks(page.get_by_test_id("approve-complete"))
    expect(page.get_by_test_id("batch-status")).to_have_text("Godkjent (RgB)")
    assert PaymentBatch.objects.get(pk=batch.pk).status == PaymentBatch.Status.APPROVED
    print(f"\nclicks from login to an approved batch (approver): {clicks.n} + 1 return to the portal")
    assert clicks.n == 5

    # Nothing waits for the approver any more.
    page.goto(f"{live_server.url}/")
    expect(page.get_by_test_id("todos-empty")).to_be_visible()
    screenshot("home-todos-approver-done")
    bank.close()

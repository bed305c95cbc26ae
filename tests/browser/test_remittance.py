"""Approving a payment batch with BankID in a real browser: out to BankID, back, accepted."""

import pytest
from playwright.sync_api import expect

from remittance import services as s
from remittance.models import PaymentBatch
from tests.browser.test_shell import login
from tests.remittance.conftest import PLAIN_PAYEE, connect_bank, make_setup

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_approve_a_batch_with_bankid_and_see_it_accepted(
    page, live_server, make_company, make_user, settings, banksim_url, sim, screenshot
):
    bank = connect_bank(settings, banksim_url, sim)
    company = make_company("Alfa AS")  # 123456785: the simulated bank's integrated customer
    setup = make_setup(company, make_user)
    payment = s.payment_create(
        company,
        bank_account_id=setup.account.pk,
        creditor_name="Leverandør AS",
        creditor_account=PLAIN_PAYEE,
        amount="1250.50",
        message="Faktura 2026-17",
        user=setup.preparer,
    )
    batch = s.payment_batches_build(company, payment_ids=[payment.pk], user=setup.preparer)[0]

    login(page, live_server.url, setup.approver.username)
    page.goto(f"{live_server.url}/payments/batches/{batch.pk}/")
    expect(page.get_by_test_id("batch-status")).to_have_text("Utkast")
    page.get_by_test_id("approve-bankid").click()
    # the simulated BankID page
    expect(page.locator("body")).to_contain_text("BankID")
    page.fill("input[name=otp]", "123456")
    page.click("button[value=confirm]")
    expect(page.locator("body")).to_contain_text("Signert")
    # back in the portal
    page.goto(f"{live_server.url}/payments/batches/{batch.pk}/")
    page.get_by_test_id("approve-complete").click()
    expect(page.get_by_test_id("batch-status")).to_have_text("Godkjent (RgB)")
    # the worker sends it (the task wraps exactly this call)
    s.payment_batch_submit(batch.pk, client=bank)
    page.reload()
    expect(page.get_by_test_id("batch-status")).to_have_text("Akseptert")
    timeline = page.get_by_test_id("batch-timeline")
    expect(timeline).to_contain_text("BankID-signering startet")
    expect(timeline).to_contain_text("Godkjent (RgB)")
    expect(timeline).not_to_contain_text("payment_batch.")
    screenshot("remittance-batch-accepted")
    assert PaymentBatch.objects.get(pk=batch.pk).signature_ref
    bank.close()

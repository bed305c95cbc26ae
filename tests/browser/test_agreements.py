"""Koble til tjeneste end to end: the portal, the simulated bank's wizard, the poll, the result."""

import pytest
from playwright.sync_api import expect

from accounts.services import bank_account_create
from agreements import feed
from agreements.models import ServiceOrder
from bankclient import BankClient
from companies.roles import Role
from tests.banksim_server import KEY
from tests.browser.test_shell import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_connect_dnb_fills_in_avtaleid_and_notifies(
    page, live_server, settings, banksim_url, sim, make_user, make_company, screenshot
):
    settings.BANK_API_URL, settings.BANK_API_KEY = banksim_url, KEY
    company = make_company("Demo Regnskap AS")  # 123456785, the bank's demo customer
    make_user("siri", company=company, roles=[Role.SYSADMIN], first_name="Siri", last_name="Admin")
    bank_account_create(company, account_number="15032080119", name="Driftskonto", ledger_account="1920")

    login(page, live_server.url, "siri")
    page.goto(f"{live_server.url}/settings/bank-accounts/")
    expect(page.get_by_test_id("bank-account-row")).to_have_count(1)
    page.get_by_test_id("tab-agreements").click()
    page.get_by_test_id("connect-dnb").click()
    page.get_by_test_id("setup-next").click()  # Oppsett av bankkonto: the account is ticked
    expect(page.get_by_test_id("connect-form")).to_be_visible()
    expect(page.locator("#id_fee_account")).to_have_value("7770")
    page.check("input[name=accounts]")
    screenshot("agreements-connect")
    page.get_by_test_id("order-submit").click()

    # DNB's order wizard (the simulated bank's own pages)
    assert page.url.startswith(f"{banksim_url}/bestilling/")
    expect(page.get_by_text("Er du regnskapsfører? Bestill kontofullmakt")).to_be_visible()
    page.get_by_role("button", name="Bekreft bestilling").click()
    expect(page.get_by_text("Takk! Bestillingen er mottatt")).to_be_visible()

    # back in the portal: the order page follows the status by itself
    order = ServiceOrder.objects.get(company=company)
    page.goto(f"{live_server.url}/agreements/orders/{order.pk}/")
    status = page.get_by_test_id("order-status")
    expect(status).to_have_attribute("data-status", "AWAITING_CONFIRMATION")

    sim.sim_advance_clock(seconds=2 * 3600)
    client = BankClient(banksim_url, KEY, timeout=5)
    report = feed.bank_feed_poll(client=client, force=True)
    client.close()
    assert report.error == "" and report.by_type.get("service_order.updated")

    expect(status).to_have_attribute("data-status", "COMPLETED", timeout=10_000)  # HTMX, no reload
    expect(page.get_by_test_id("order-account")).to_contain_text("Aktiv")
    page.reload()
    expect(page.get_by_test_id("unread-count")).to_have_text("1")
    page.get_by_test_id("notification-bell").click()
    expect(page.get_by_test_id("notification-list")).to_contain_text("Avtalen er registrert")
    expect(page.get_by_test_id("notification-list")).to_contain_text("1503.20.80119")

    page.goto(f"{live_server.url}/settings/bank-accounts/")
    row = page.get_by_test_id("bank-account-row")
    order.refresh_from_db()
    line = order.lines.get()
    expect(row).to_contain_text(line.agreement_id)
    expect(row).to_contain_text(line.division_name)
    expect(row).to_contain_text(line.division_number)
    screenshot("agreements-order-done")

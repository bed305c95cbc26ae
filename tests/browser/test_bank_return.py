"""No dead ends between the portal and the bank (issue 24, items 4 and 10), in Chromium.

Login → Koble til tjeneste → Oppsett av bankkonto → the order → DNB's wizard → back in the
portal with the order current at once; the online-bank agreement signed with BankID and back;
RgB ordered on DNB's pages and back. The clicks from login to a submitted DNB order are counted.
"""

import pytest
from playwright.sync_api import expect

from accounts.models import BankAccount
from accounts.services import bank_account_create
from agreements.models import OnlineBankApplication, RgbOrder, ServiceOrder
from companies.roles import Role
from tests.banksim_server import KEY
from tests.browser.test_shell import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FNR = "15108695088"  # a valid test fødselsnummer


class Clicks:
    """Clicks as the user makes them (filling in a field is typing, not a click)."""

    def __init__(self):
        self.count = 0

    def __call__(self, locator):
        self.count += 1
        locator.click()


@pytest.fixture
def portal(live_server, settings, banksim_url, sim, make_user, make_company):
    settings.BANK_API_URL, settings.BANK_API_KEY = banksim_url, KEY
    # The bank's pages link back to the portal's public address: here, the live test server.
    settings.PORTAL_PUBLIC_URL = live_server.url
    company = make_company("Demo Regnskap AS")  # 123456785, the bank's demo customer
    make_user("siri", company=company, roles=[Role.SYSADMIN], first_name="Siri", last_name="Admin")
    return company


def test_order_in_dnbs_wizard_and_back_with_the_order_current(
    page, live_server, banksim_url, portal, screenshot
):
    bank_account_create(portal, account_number="15032080119", name="Driftskonto", ledger_account="1920")
    click = Clicks()

    login(page, live_server.url, "siri")
    click.count += 1  # "Logg inn"
    page.get_by_text("Innstillinger", exact=True).hover()  # a hover, not a click
    click(page.get_by_test_id("menu-bank-accounts"))
    click(page.get_by_test_id("tab-agreements"))
    click(page.get_by_test_id("connect-dnb"))

    # Oppsett av bankkonto: the accounts registered, the new one ticked; Neste / Avbryt
    expect(page.get_by_role("heading", name="Oppsett av bankkonto")).to_be_visible()
    expect(page.get_by_test_id("setup-accounts")).to_contain_text("1503.20.80119")
    expect(page.get_by_test_id("setup-cancel")).to_have_text("Avbryt")
    screenshot("bank-return-setup")
    click(page.get_by_test_id("setup-next"))

    # services and fee account, the account carried over from the step before
    expect(page.get_by_test_id("connect-form")).to_be_visible()
    expect(page.locator("input[name=accounts]")).to_be_checked()
    click(page.get_by_test_id("order-submit"))

    # DNB's order wizard: already a way back, before confirming
    assert page.url.startswith(f"{banksim_url}/bestilling/")
    expect(page.get_by_test_id("back-to-portal")).to_have_text("Tilbake til regnskapssystemet")
    click(page.get_by_role("button", name="Bekreft bestilling"))
    expect(page.get_by_text("Takk! Bestillingen er mottatt")).to_be_visible()
    submitted = click.count
    assert submitted <= 8, submitted
    print(f"\nclicks from login to a submitted DNB order: {submitted}")
    expect(page.locator("main")).to_contain_text("Under behandling")
    expect(page.locator("main")).not_to_contain_text("PROCESSING")
    screenshot("bank-return-dnb-receipt")

    # back in the portal: asked the bank on return, so no "waiting for you" and no stale link
    page.get_by_test_id("back-to-portal").click()
    order = ServiceOrder.objects.get(company=portal)
    assert page.url == f"{live_server.url}/agreements/orders/{order.pk}/"
    status = page.get_by_test_id("order-status")
    expect(status).to_have_attribute("data-status", "PROCESSING")
    expect(page.get_by_test_id("order-status-text")).to_have_text("Behandles av banken")
    expect(page.get_by_test_id("open-bank-wizard")).to_have_count(0)
    screenshot("bank-return-order-current")


def test_one_wrong_account_is_ordered_around_and_named(page, live_server, sim, portal, screenshot):
    bank_account_create(portal, account_number="15032080119", name="Driftskonto", ledger_account="1920")
    bank_account_create(portal, account_number="15032080135", name="Feilregistrert", ledger_account="1930")
    login(page, live_server.url, "siri")
    page.goto(f"{live_server.url}/agreements/connect/setup/")
    page.get_by_test_id("setup-next").click()
    page.get_by_test_id("order-submit").click()
    page.get_by_role("button", name="Bekreft bestilling").click()
    sim.sim_advance_clock(seconds=2 * 3600)  # DNB carries the order out
    page.reload()
    expect(page.locator("main")).to_contain_text("Delvis fullført")
    expect(page.locator("main")).to_contain_text("Ikke satt opp: Kontoen 1503.20.80135 tilhører ikke")
    screenshot("bank-return-partial-receipt")
    page.get_by_test_id("back-to-portal").click()

    expect(page.get_by_test_id("order-status")).to_have_attribute("data-status", "PARTIALLY_COMPLETED")
    expect(page.get_by_test_id("order-partial")).to_be_visible()
    expect(page.locator("[data-account='15032080119']")).to_contain_text("Aktiv")
    expect(page.locator("[data-account='15032080135']")).to_contain_text("tilhører ikke Demo Regnskap AS")
    screenshot("bank-return-partial-order")
    page.get_by_test_id("notification-bell").click()
    expect(page.get_by_test_id("notification-list")).to_contain_text("1503.20.80135")
    screenshot("bank-return-partial-notification")


def test_online_bank_agreement_signed_with_bankid_and_back(page, live_server, sim, portal, screenshot):
    login(page, live_server.url, "siri")
    page.goto(f"{live_server.url}/agreements/connect/")
    page.get_by_test_id("online-bank-start").click()

    # DNB: Firma (prefilled) → Brukere → Bekreft → Kvittering, a way back on every page
    expect(page.get_by_test_id("back-to-portal")).to_be_visible()
    page.get_by_role("button", name="Neste").click()
    page.fill("#id_users-0-name", "Siri Admin")
    page.fill("#id_users-0-national_id", FNR)
    page.fill("#id_users-0-email", "siri@example.no")
    page.fill("#id_users-0-mobile", "91234567")
    page.get_by_role("button", name="Neste").click()
    page.get_by_label("Signer med BankID").check()
    page.get_by_label("Jeg har lest og godtar vilkårene for bedriftsnettbank").check()
    page.get_by_role("button", name="Send søknad").click()
    expect(page.locator("main")).to_contain_text("Mottatt")

    sim.sim_advance_clock(seconds=3600)  # DNB makes the agreement ready for signing
    page.reload()
    page.get_by_role("button", name="Signer med BankID").click()
    page.fill("#id_otp", "123456")
    page.get_by_role("button", name="Signer").click()
    expect(page.locator("main")).to_contain_text("Signert")
    expect(page.locator("main")).not_to_contain_text("COMPLETE")
    screenshot("bank-return-bankid-signed")

    page.get_by_test_id("back-to-portal").click()
    assert page.url.startswith(f"{live_server.url}/agreements/connect/")
    expect(page.get_by_test_id("online-bank-status")).to_contain_text("Signert")
    assert OnlineBankApplication.objects.get(company=portal).status == "SIGNED"
    screenshot("bank-return-online-bank-back")


def test_rgb_ordered_at_dnb_and_back(page, live_server, sim, portal, screenshot):
    account = bank_account_create(
        portal, account_number="15032080119", name="Driftskonto", ledger_account="1920"
    )
    BankAccount.objects.filter(pk=account.pk).update(agreement_id="30000001")
    login(page, live_server.url, "siri")
    page.goto(f"{live_server.url}/agreements/connect/")
    page.get_by_test_id("rgb").locator("input[name=accounts]").check()
    page.get_by_test_id("rgb-submit").click()

    expect(page.get_by_test_id("back-to-portal")).to_be_visible()
    page.fill("#id_user_id", "TB12345")
    page.get_by_role("button", name="Logg inn").click()
    page.get_by_role("button", name="Neste").click()
    page.get_by_role("button", name="Bekreft").click()
    expect(page.locator("main")).to_contain_text("Status: Bekreftet")
    expect(page.locator("main")).to_contain_text("1503.20.80119")
    screenshot("bank-return-rgb-receipt")

    page.get_by_test_id("back-to-portal").click()
    assert page.url.startswith(f"{live_server.url}/agreements/connect/")
    expect(page.locator(".messages")).to_contain_text("1503.20.80119")
    assert RgbOrder.objects.get(company=portal).status == "CONFIRMED"
    account.refresh_from_db()
    assert account.approval_mode == BankAccount.ApprovalMode.RGB
    screenshot("bank-return-rgb-back")

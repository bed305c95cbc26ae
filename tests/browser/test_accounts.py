"""Innstillinger › Bankkontoer in a real browser: add an account on the Kontoer tab."""

import pytest
from playwright.sync_api import expect

from accounts.models import BankAccount
from companies.roles import Role
from tests.browser.test_shell import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_add_account_on_the_kontoer_tab(page, live_server, make_user, make_company, screenshot):
    company = make_company("Fjordkraft Regnskap AS")
    make_user("siri", company=company, roles=[Role.SYSADMIN], first_name="Siri", last_name="Admin")
    login(page, live_server.url, "siri")
    page.goto(f"{live_server.url}/settings/bank-accounts/")
    expect(page.get_by_test_id("no-bank-accounts")).to_be_visible()

    # A typo in the check digit is refused with the reason, in Norwegian.
    page.fill("#id_account_number", "1503.20.80118")
    page.fill("#id_name", "Driftskonto")
    page.get_by_test_id("add-account-submit").click()
    expect(page.get_by_test_id("error-account_number")).to_contain_text("feil kontrollsiffer")

    page.fill("#id_account_number", "1503.20.80119")
    page.fill("#id_name", "Driftskonto")
    page.check("input[name=incoming_payment_methods][value=NETS_OCR]")
    page.get_by_test_id("add-account-submit").click()
    row = page.get_by_test_id("bank-account-row")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("1503.20.80119")
    expect(row).to_contain_text("DNB")
    expect(row).to_contain_text("Nets OCR")
    screenshot("bank-accounts-kontoer")
    assert BankAccount.objects.get(company=company).account_number == "15032080119"

    page.get_by_test_id("tab-agreements").click()
    expect(page.get_by_test_id("connect-dnb")).to_have_text("Koble til tjeneste")
    expect(page.get_by_test_id("bank-not-listed")).to_contain_text("Finner du ikke banken din her?")

"""Bankavstemming in a real browser: select a bank entry and two ledger lines, see the sums agree, match."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from accounts.services import bank_account_create
from companies.roles import Role
from ledger.models import VoucherLine
from reconciliation.models import Match, StatementEntry, StatementFile
from reconciliation.services import statement_file_import
from tests.browser.test_shell import login
from tests.reconciliation.camtgen import simple_statement
from tests.reconciliation.test_api import ledger_line
from tests.reconciliation.test_import import ACCOUNT, credit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_manual_matching_one_entry_to_two_lines(page, live_server, make_user, make_company, screenshot):
    company = make_company("Fjordkraft Regnskap AS")
    make_user("siri", company=company, roles=[Role.ACCOUNTANT], first_name="Siri", last_name="Regnskap")
    account = bank_account_create(company, account_number=ACCOUNT, name="Driftskonto", ledger_account="1920")
    data = simple_statement([credit("1250.50", "R1", ustrd="Samlet betaling"), credit("99.00", "R2")])
    assert statement_file_import(company, data, source=StatementFile.Source.UPLOAD, auto_match=False).ok
    a = ledger_line(company, account, "1000.00", "Faktura 1001")
    b = ledger_line(company, account, "250.50", "Faktura 1002")
    entry = StatementEntry.objects.get(acct_svcr_ref="R1")

    login(page, live_server.url, "siri")
    page.goto(f"{live_server.url}/reconciliation/matching/?account={account.pk}")
    expect(page.get_by_test_id("bank-entries")).to_contain_text("1 250,50")
    page.get_by_test_id(f"entry-{entry.pk}").check()
    page.get_by_test_id(f"line-{a.pk}").check()
    expect(page.get_by_test_id("bank-sum")).to_have_text("1 250,50")
    expect(page.get_by_test_id("diff-sum")).to_have_text("250,50")
    page.get_by_test_id(f"line-{b.pk}").check()
    expect(page.get_by_test_id("ledger-sum")).to_have_text("1 250,50")
    expect(page.get_by_test_id("diff-sum")).to_have_text("0,00")
    screenshot("reconciliation-matching")
    page.get_by_test_id("match-button").click()
    expect(page.locator(".messages")).to_contain_text("Avstemte 1 250,50")
    expect(page.get_by_test_id(f"entry-{entry.pk}")).to_have_count(0)
    match = Match.objects.get(rule="MANUAL")
    assert match.amount == Decimal("1250.50")
    assert VoucherLine.objects.filter(pk__in=[a.pk, b.pk], open_entry__isnull=True).count() == 2

    page.get_by_test_id(f"unmatch-{match.pk}").click()
    expect(page.locator(".messages")).to_contain_text("Avstemmingen ble opphevet")
    expect(page.get_by_test_id(f"entry-{entry.pk}")).to_have_count(1)

    page.goto(f"{live_server.url}/reconciliation/")
    card = page.get_by_test_id(f"account-overview-{ACCOUNT}")
    expect(card.locator("svg polyline")).to_have_count(2)
    expect(card.get_by_test_id("unmatched-count")).to_have_text("2")
    screenshot("reconciliation-overview")

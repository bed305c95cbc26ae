"""A receipt matched to its invoice in a real browser: "Nordlys Kafe AS Faktura 43" for 17 000,00,
proposed on the matching screen, confirmed in one click, invoice 43 paid; then the same by hand
from the entry's page, for a part payment, and undone.

Clicks from login to the matched receipt: 3 (log in; the menu's "Avstem poster"; "Bekreft").
"""

import datetime
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from accounts.services import bank_account_create
from companies.roles import Role
from ledger.models import Invoice
from ledger.services import InvoiceSpec, customers_create_bulk, invoices_create_bulk
from reconciliation.models import Match, StatementEntry, StatementFile
from reconciliation.services import statement_file_import
from tests.browser.test_shell import login
from tests.reconciliation.camtgen import EntrySpec, TxSpec, simple_statement

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
ACCOUNT = "86011117947"  # the test statements' account
DAY = datetime.date(2025, 3, 4)


def receipt(amount: str, ref: str, text: str) -> EntrySpec:
    return EntrySpec(
        amount=Decimal(amount),
        booking_date=DAY,
        value_date=DAY,
        acct_svcr_ref=ref,
        domain=("PMNT", "RCDT", "ESCT"),
        txs=[TxSpec(amount=Decimal(amount), ustrd=text, counterparty_name="NORDLYS KAFE AS")],
    )


@pytest.fixture
def books(make_company, make_user):
    company = make_company("Demo Regnskap AS")
    make_user("rune", company=company, roles=[Role.ACCOUNTANT], first_name="Rune", last_name="Regnskap")
    bank_account_create(company, account_number=ACCOUNT, name="Driftskonto", ledger_account="1920")
    nordlys, other = customers_create_bulk(
        company, [{"name": "Nordlys Kafé AS"}, {"name": "Vik Transport AS"}]
    )
    # invoices 1–42 to someone else, 43 the café's 17 000,00 and 44 its 2 400,00
    specs = [
        InvoiceSpec(other.pk, Decimal("1250.00"), DAY, DAY + datetime.timedelta(days=14)) for _ in range(42)
    ]
    specs += [
        InvoiceSpec(nordlys.pk, Decimal("17000.00"), DAY, DAY + datetime.timedelta(days=14)),
        InvoiceSpec(nordlys.pk, Decimal("2400.00"), DAY, DAY + datetime.timedelta(days=21)),
    ]
    invoices_create_bulk(company, specs)
    data = simple_statement(
        [
            receipt("17000.00", "R43", "Nordlys Kafe AS Faktura 43"),
            receipt("1000.00", "R44", "Nordlys a konto"),
        ]
    )
    assert statement_file_import(company, data, source=StatementFile.Source.UPLOAD).ok  # the matcher runs
    return company


def test_receipt_matched_to_its_invoice(page, live_server, books, screenshot):
    entry = StatementEntry.objects.get(acct_svcr_ref="R43")
    invoice = Invoice.objects.get(company=books, number=43)
    assert entry.status == "UNMATCHED"  # proposed, not booked by the matcher

    login(page, live_server.url, "rune")  # click 1
    page.hover(".menu-title:has-text('Avstemming')")
    page.get_by_test_id("menu-reconciliation-matching").click()  # click 2
    proposal = page.get_by_test_id(f"proposal-{entry.pk}")
    expect(proposal).to_contain_text("faktura 43 Nordlys Kafé AS 17 000,00")
    screenshot("match-invoices-proposal")
    page.get_by_test_id(f"confirm-proposal-{entry.pk}").click()  # click 3
    expect(page.locator(".messages")).to_contain_text("Avstemte 17 000,00 mot faktura 43: betalt.")
    expect(page.get_by_test_id(f"entry-{entry.pk}")).to_have_count(0)
    expect(page.get_by_test_id("matches")).to_contain_text("Fakturaer eller leverandørfakturaer gjort opp")
    screenshot("match-invoices-matched")
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID and invoice.paid_amount == Decimal("17000.00")

    # A part payment by hand, from the entry's own page: search the café's other invoice.
    other = StatementEntry.objects.get(acct_svcr_ref="R44")
    page.get_by_test_id(f"open-items-{other.pk}").click()
    expect(page.get_by_test_id("entry-summary")).to_contain_text("1 000,00")
    invoice44 = Invoice.objects.get(company=books, number=44)
    box = page.get_by_test_id(f"item-invoice-{invoice44.pk}")
    expect(box).to_be_visible()  # ranked by the customer's name in the text
    box.check()
    expect(page.get_by_test_id("diff-sum")).to_have_text("-1 400,00")
    screenshot("match-invoices-entry-page")
    page.get_by_test_id("settle-button").click()
    expect(page.locator(".messages")).to_contain_text("faktura 44: delvis betalt, 1 400,00 fortsatt åpent")
    invoice44.refresh_from_db()
    assert invoice44.status == Invoice.Status.PARTLY_PAID

    # Undo: the invoice is open again.
    match = Match.objects.get(entries__acct_svcr_ref="R43")
    page.get_by_test_id(f"unmatch-{match.pk}").click()
    expect(page.locator(".messages")).to_contain_text("Avstemmingen ble opphevet")
    expect(page.get_by_test_id(f"proposal-{entry.pk}")).to_contain_text("faktura 43")
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.OPEN

"""A company's whole month, end to end, on the real processes (issue 9).

One scenario, run twice: ``clean``, and ``faults`` where the simulated bank answers 5xx,
times out, drops connections, delivers feed events twice and damages one OCR file, and the
Celery worker is SIGKILLed once in the middle of an import and once in the middle of a
payment submission. People act in Chromium; what a person would not type (200 invoices,
the bills, the customers' payments) is made through the services or the bank's controls.

The cast: Fjordlys Handel AS (no online bank at DNB) with Ada (system administrator) and
Per (approver, with a fødselsnummer: he signs RgB batches with BankID), and Nordvind
Klient AS, an existing DNB customer whose books Rita (accountant) runs.

What the scenario leaves open on purpose:
- Fjordlys: a transfer of 1 234.56 without KID from an unknown payer: no invoice or ledger
  line explains it, so the matcher leaves it for a person (it is the one unmatched entry);
- Fjordlys: 3 invoices nobody pays and one paid by half (OPEN / PARTLY_PAID);
- Nordvind: 2 unpaid invoices; its one transfer without KID is posted and matched by Rita;
- the faults run only: the day-12 OCR file arrives damaged (1 øre off in its end record),
  is rejected with an error notification, and its 7 invoices and its bank credit stay open.
"""

from __future__ import annotations

import datetime
import json
import os
import re
import time
from collections import Counter
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

import psycopg
import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.db.models import Sum
from django.utils import timezone, translation
from playwright.sync_api import expect
from stdnum.no import fodselsnummer

from accounts.models import BankAccount, BankApprovalRight
from agreements.models import BankFeedCursor, BankFileFetch, OnlineBankApplication, RgbOrder, ServiceOrder
from companies.models import AuditEvent, Company
from companies.roles import Role
from companies.services import company_create, membership_grant, user_create, user_profile_update
from ledger.models import Bill, Invoice, Voucher, VoucherLine
from ledger.services import (
    InvoiceSpec,
    bill_create,
    customers_create_bulk,
    invoices_create_bulk,
    supplier_create,
)
from ledger.services.rates import rate_on
from notifications.models import Notification
from ocr.models import OcrFile, OcrTransmission
from reconciliation.models import StatementEntry, StatementFile
from remittance import services as remittance
from remittance.banking_days import banking_day_on_or_after
from remittance.models import Payment, PaymentBatch
from tests.conftest import PASSWORD

from .conftest import OPEN_PAGES, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OSLO = ZoneInfo("Europe/Oslo")
A_ORG, B_ORG = "991234500", "991234519"
A_DRIFT, A_LEV = "15034100001", "15034100028"  # Driftskonto (KID, RgB), Leverandørkonto (post-approval)
B_DRIFT = "15062200003"
ADA_FNR, PER_FNR = "15038510190", "23079110027"
# Sørvest Import AS pays its suppliers abroad from two NOK accounts: Driftskonto (RgB: Siri
# approves with BankID) and Leverandørkonto (post-approval: Ola approves in the online bank).
C_ORG, C_DRIFT, C_LEV = "991234527", "15034200006", "15034200014"
SIRI_FNR, OLA_TB, SIRI_TB = "12048840033", "TB60001", "TB60002"
PEOPLE_FNR = {ADA_FNR, PER_FNR, SIRI_FNR}
INVOICES, PAID_IN_FULL, HALF_PAID = 200, 196, 197  # 198-200 stay open
BILLS, RGB_BILLS = 100, 60  # 60 from Driftskonto (RgB), 40 from Leverandørkonto (post-approval)
DAYS = 28  # days with customer payments; the month runs DAYS + 3 days
MONTH = DAYS + 3
UNKNOWN_TRANSFER = Decimal("1234.56")  # day 5 to Fjordlys: left open on purpose
B_TRANSFER = Decimal("250.00")  # day 6 to Nordvind: Rita posts it to 8040 and matches it
MALFORMED_DAY, KILL_IMPORT_DAY = 12, 8
B_PAY_DAYS = {2: (1, 2), 3: (3, 4), 4: (5, 6), 5: (7, 8)}  # Nordvind invoices paid by KID per day
WRONG_KID = "1234566"  # 7 digits, valid MOD10: the portal accepts it, Nordvind's agreement wants 9
FEE = Decimal("2.00")
# Audit rows a retry writes once more (a resend, the UNKNOWN state after a timeout).
RETRY_AUDIT = ("payment_batch.submitting", "payment_batch.unknown")
# Written per reconciliation run, which depends on when statements arrive: counted, not pinned.
UNPINNED_AUDIT = (*RETRY_AUDIT, "reconciliation.auto_match")


# The month runs from today (the real date), clean and with faults, and clean from fixed first
# days where the calendar is hardest. Each takes about a minute; what the four cover:
FIXED_RUNS = (
    "clean@2026-12-05",  # a Saturday: the online bank is created on Monday; the month spans
    #                      Christmas, 24 and 31 December (banks closed) and New Year, vouchers in two years
    "clean@2026-12-24",  # Christmas Eve: 4 closed days to Monday the 28th; the correction is booked with the bills
    "clean@2027-03-24",  # Easter week: 5 closed days (Maundy Thursday to Easter Monday), and summer time
    #                      starts on Easter Sunday (28 March) while the bank waits for the first banking day
    "clean@2027-10-30",  # a Saturday; winter time starts the next night (31 October)
)
# Also run and passing (BANKINT_MONTH_RUNS), left out for time: clean@2026-12-31, clean@2027-01-04,
# clean@2027-03-28 and faults@2026-12-24 (what they add is covered by the four above).


def month_runs() -> list:
    """``(mode, first_day)`` of each run; ``BANKINT_MONTH_RUNS="faults@2027-01-04 clean@…"``
    replaces the fixed ones (``none``: today's two only)."""
    wanted = os.environ.get("BANKINT_MONTH_RUNS", "").split() or list(FIXED_RUNS)
    runs = [pytest.param("clean", None, id="clean"), pytest.param("faults", None, id="faults")]
    for item in wanted:
        if item == "none":
            continue
        mode, _, day = item.partition("@")
        if mode not in ("clean", "faults") or not day:
            raise ValueError(f"BANKINT_MONTH_RUNS: {item!r} is not clean@YYYY-MM-DD or faults@YYYY-MM-DD")
        runs.append(pytest.param(mode, datetime.date.fromisoformat(day).isoformat(), id=f"{mode}-{day}"))
    return runs


def invoice_amount(i: int) -> Decimal:
    return Decimal(500 + (i * 137) % 4500) + Decimal(i % 100) / 100


def bill_amount(i: int) -> Decimal:
    return Decimal(100 + (i * 53) % 900) + Decimal((i * 7) % 100) / 100


def pay_day(i: int) -> int:
    """The day (1..DAYS) invoice ``i`` of Fjordlys is paid; 7 invoices a day."""
    return (i - 1) % DAYS + 1


B_INVOICE_FOR_A = Decimal("4321.00")  # Nordvind invoice 11, to Fjordlys: paid by the corrected payment


def b_invoice_amount(i: int) -> Decimal:
    return Decimal(1000 + 100 * i)


@dataclass
class Faults:
    """The bank misbehaving: each phase switches its set of faults (one mode per endpoint)."""

    on: bool

    SETUP = {
        "changes": ("error_503", 0.3),
        "service_order_detail": ("drop", 0.3),
        "customer_detail": ("error_500", 0.3),
        "rgb_order_detail": ("error_500", 0.3),
        "application_detail": ("error_500", 0.3),
    }
    MONTH_ODD = {
        "changes": ("error_503", 0.25),
        "statement_download": ("error_500", 0.15),
        "ocr_file_download": ("drop", 0.15),
        "debit_notification_download": ("timeout", 0.2),
        "payment_file_pain002": ("error_503", 0.3),
        "payment_file_submit": ("timeout", 0.5),
        "*": ("error_500", 0.1),
    }
    MONTH_EVEN = {**MONTH_ODD, "changes": ("duplicate", 0.5), "statement_download": ("drop", 0.15)}

    def apply(self, sim, plan: dict, seed: int) -> None:
        if not self.on:
            return
        sim.sim_clear_faults()
        for n, (endpoint, (mode, rate)) in enumerate(sorted(plan.items())):
            sim.sim_set_fault(endpoint, mode, rate, seed=seed * 100 + n, delay_seconds=4)

    def clear(self, sim) -> None:
        if self.on:
            sim.sim_clear_faults()


# --- the browser --------------------------------------------------------------------------------


def new_page(browser, base_url: str):
    context = browser.new_context(viewport={"width": 1200, "height": 900}, locale="nb-NO")
    page = context.new_page()
    page.set_default_timeout(30_000)
    OPEN_PAGES.append(page)
    return page


def login(page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("[data-testid=login-submit]")
    expect(page.get_by_test_id("logout")).to_be_attached()


def fmt_account(number: str) -> str:
    return f"{number[:4]}.{number[4:6]}.{number[6:]}"


# --- the scenario ---------------------------------------------------------------------------------


@pytest.mark.timeout(900)
@pytest.mark.parametrize(("mode", "first_day"), month_runs())
def test_the_month_end_to_end(mode, first_day, e2e_stack, browser, shot):
    stack = e2e_stack
    faults = Faults(on=mode == "faults")
    clean = mode == "clean"
    snap = (lambda page, name: shot(page, name)) if clean else (lambda page, name: None)
    sim, url, bank_url = stack.sim, stack.portal_url, stack.bank_url
    started = time.monotonic()
    today = timezone.localdate()  # first_day when given (e2e_stack set the clock), else today
    assert first_day in (None, today.isoformat()), (first_day, today)
    sim.sim_reset(datetime.datetime.combine(today, datetime.time(9, 0), OSLO))
    # Nordvind is already a DNB customer (basic online bank) with a Nets OCR agreement.
    sim.sim_upsert_customer(
        {
            "org_number": B_ORG,
            "name": "Nordvind Klient AS",
            "subscription": "basic",
            "accounts": [
                {
                    "number": B_DRIFT,
                    "name": "Driftskonto",
                    "balance": "50000.00",
                    "ocr": {"length": 9, "check": "MOD10"},
                }
            ],
            "users": [{"user_id": "TB40001", "name": "Rita Regnskap", "approval_accounts": [B_DRIFT]}],
        }
    )

    # The portal's side: the companies and their people (support staff create these).
    a = company_create(name="Fjordlys Handel AS", org_number=A_ORG)
    b = company_create(name="Nordvind Klient AS", org_number=B_ORG)
    ada = user_create(username="ada", password=PASSWORD, first_name="Ada", last_name="Fjordlys")
    per = user_create(username="per", password=PASSWORD, first_name="Per", last_name="Godkjenner")
    rita = user_create(username="rita", password=PASSWORD, first_name="Rita", last_name="Regnskap")
    membership_grant(company=a, user=ada, role=Role.SYSADMIN)
    membership_grant(company=a, user=per, role=Role.APPROVER)
    membership_grant(company=a, user=rita, role=Role.ACCOUNTANT)
    membership_grant(company=b, user=rita, role=Role.ACCOUNTANT)
    user_profile_update(user=per, national_id=PER_FNR)

    faults.apply(sim, Faults.SETUP, seed=1)
    admin = new_page(browser, url)
    login(admin, url, "ada")

    # 1. No online bank: create the online-bank agreement at DNB and sign it with BankID.
    admin.goto(f"{url}/agreements/connect/")
    expect(admin.get_by_test_id("setup-bank-account")).to_be_visible()
    admin.get_by_test_id("online-bank-start").click()
    admin.wait_for_url(f"{bank_url}/nettbankavtale/*/firma/")
    expect(admin.locator("#id_org_number")).to_have_value(A_ORG)
    admin.get_by_role("button", name="Neste").click()
    admin.wait_for_url("**/brukere/")
    people = [
        ("Ada Fjordlys", ADA_FNR, "ada@fjordlys.example", "91234567", "Administrator med bestillerfullmakt"),
        ("Per Godkjenner", PER_FNR, "per@fjordlys.example", "92345678", "Bruker"),
    ]
    for n, (name, fnr, email, mobile, role) in enumerate(people):
        if n:  # the page shows the contact person's block; each further user is one click
            admin.get_by_role("button", name="Legg til bruker").click()
        admin.fill(f"#id_users-{n}-name", name)
        admin.fill(f"#id_users-{n}-national_id", fnr)
        admin.fill(f"#id_users-{n}-email", email)
        admin.fill(f"#id_users-{n}-mobile", mobile)
        admin.select_option(f"#id_users-{n}-role", role)
    admin.get_by_role("button", name="Neste").click()
    admin.wait_for_url("**/bekreft/")
    expect(admin.locator("body")).to_contain_text("150385 *****")
    admin.check("input[name=signing_method][value=bankid]")
    admin.check("#id_terms")
    admin.get_by_role("button", name="Send søknad").click()
    admin.wait_for_url("**/kvittering/")
    expect(admin.locator("body")).to_contain_text("Søknaden er mottatt")
    app = OnlineBankApplication.objects.get(company=a)
    wait_until(lambda: _refresh(app).status == OnlineBankApplication.Status.RECEIVED, what="received (feed)")

    sim.sim_advance_clock(seconds=3601)  # DNB prepares the agreement
    wait_until(
        lambda: _refresh(app).status == OnlineBankApplication.Status.READY_FOR_SIGNING,
        what="the application to be ready for signing (feed)",
    )
    admin.goto(f"{url}/agreements/connect/")
    expect(admin.get_by_test_id("online-bank-status")).to_contain_text("signering")
    admin.get_by_test_id("online-bank-status").get_by_role("link").click()
    admin.get_by_role("button", name="Signer med BankID").click()
    admin.wait_for_url(f"{bank_url}/bankid/*/")
    expect(admin.locator("body")).to_contain_text("150385 *****")  # masked at the bank too
    admin.fill("input[name=otp]", "123456")
    admin.get_by_role("button", name="Signer", exact=True).click()
    expect(admin.locator("body")).to_contain_text("Signert")  # the bank shows its status words
    wait_until(lambda: _refresh(app).status == OnlineBankApplication.Status.SIGNED, what="signed (feed)")
    _advance_to_next_banking_day(sim)  # the online bank exists from the next banking day
    wait_until(lambda: _refresh(app).status == OnlineBankApplication.Status.CREATED, what="created (feed)")
    created_day = datetime.date.fromisoformat(sim.sim_state()["clock"]["today"])
    admin.goto(f"{url}/agreements/connect/")
    expect(admin.get_by_test_id("online-bank-status")).to_contain_text("opprettet")
    snap(admin, "online-bank-created")

    # The bank's side: the accounts are opened and the users get their approval rights.
    users = {u["name"]: u["user_id"] for u in _customer(sim, A_ORG)["users"]}
    ada_tb, per_tb = users["Ada Fjordlys"], users["Per Godkjenner"]
    sim.sim_upsert_customer(
        {
            "org_number": A_ORG,
            "name": "Fjordlys Handel AS",
            "subscription": "integrated",
            "accounts": [
                {"number": A_DRIFT, "name": "Driftskonto", "balance": "500000.00"},
                {"number": A_LEV, "name": "Leverandørkonto", "balance": "300000.00"},
            ],
            "users": [
                {"user_id": ada_tb, "name": "Ada Fjordlys", "approval_accounts": [A_DRIFT, A_LEV]},
                {"user_id": per_tb, "name": "Per Godkjenner", "approval_accounts": [A_DRIFT]},
            ],
        }
    )
    user_profile_update(user=per, bank_user_id=per_tb)

    # 2. Ada registers the accounts and switches on KID invoicing.
    admin.goto(f"{url}/settings/bank-accounts/")
    for number, name, ledger in ((A_DRIFT, "Driftskonto", "1920"), (A_LEV, "Leverandørkonto", "1921")):
        admin.fill("#id_account_number", fmt_account(number))
        admin.fill("#id_name", name)
        admin.fill("#id_ledger_account", ledger)
        admin.check("input[name=incoming_payment_methods][value=NETS_OCR]")
        admin.get_by_test_id("add-account-submit").click()
        expect(admin.get_by_test_id("bank-account-list")).to_contain_text(fmt_account(number))
    expect(admin.get_by_test_id("bank-account-row")).to_have_count(2)
    admin.goto(f"{url}/ledger/invoice-settings/")
    admin.check("#id_kid_enabled")
    admin.fill("#id_kid_length", "9")
    admin.select_option("#id_kid_algorithm", "MOD10")
    admin.fill("#id_kid_customer_digits", "0")
    admin.get_by_test_id("save-invoice-settings").click()
    expect(admin.locator(".messages")).to_be_visible()

    # 3. Koble til tjeneste: remittance, reconciliation and Nets OCR, in DNB's wizard.
    _order_services(admin, url, bank_url)
    a_order = ServiceOrder.objects.get(company=a)

    # 8 (first half). Rita sets up her client Nordvind the same way, in the same session.
    # Nordvind's account has had a statement every day since the first day; the portal does not
    # know the account yet, so it skips them (and never fetches them later). It reads them all
    # before Rita registers the account, so that which ones it skipped is certain.
    _wait_for_feed(stack)
    stack.notes["b_known_after_event"] = sim.sim_state()["last_event"]
    accountant = new_page(browser, url)
    login(accountant, url, "rita")
    accountant.select_option("#company-select", label="Nordvind Klient AS")
    expect(accountant.locator("h1")).to_have_text("Nordvind Klient AS")
    accountant.goto(f"{url}/settings/bank-accounts/")
    accountant.fill("#id_account_number", fmt_account(B_DRIFT))
    accountant.fill("#id_name", "Driftskonto")
    accountant.check("input[name=incoming_payment_methods][value=NETS_OCR]")
    accountant.get_by_test_id("add-account-submit").click()
    expect(accountant.get_by_test_id("bank-account-row")).to_have_count(1)
    accountant.goto(f"{url}/ledger/invoice-settings/")
    accountant.check("#id_kid_enabled")
    accountant.fill("#id_kid_length", "9")
    accountant.select_option("#id_kid_algorithm", "MOD10")
    accountant.fill("#id_kid_customer_digits", "0")
    accountant.get_by_test_id("save-invoice-settings").click()
    _order_services(accountant, url, bank_url)
    b_order = ServiceOrder.objects.get(company=b)
    importer, c, c_order = _abroad_setup(browser, url, bank_url, sim)

    for order in (a_order, b_order, c_order):
        wait_until(
            lambda order=order: _refresh(order).status == ServiceOrder.Status.PROCESSING,
            timeout=180,
            what=f"service order {order.pk} confirmed in the wizard (feed)",
        )
    sim.sim_advance_clock(seconds=2 * 3600)  # DNB processes the orders
    for order in (a_order, b_order, c_order):
        wait_until(
            lambda order=order: _refresh(order).status == ServiceOrder.Status.COMPLETED,
            timeout=180,
            what=f"service order {order.pk} completed (feed)",
        )
    admin.goto(f"{url}/agreements/orders/{a_order.pk}/")
    expect(admin.get_by_test_id("order-status")).to_have_attribute("data-status", "COMPLETED")
    snap(admin, "order-completed")
    admin.goto(f"{url}/settings/bank-accounts/")
    drift = BankAccount.objects.get(company=a, account_number=A_DRIFT)
    lev = BankAccount.objects.get(company=a, account_number=A_LEV)
    for account in (drift, lev):
        account.refresh_from_db()
        assert account.agreement_id and account.division_name and account.division_number
        expect(admin.get_by_test_id("bank-account-list")).to_contain_text(account.agreement_id)
    snap(admin, "bank-accounts")

    # RgB for the Driftskonto: ordered later, at DNB, logged in with Ada's bruker-ID.
    _order_rgb(admin, url, bank_url, drift, ada_tb, A_ORG)
    wait_until(
        lambda: (
            RgbOrder.objects.filter(company=a, status=RgbOrder.Status.CONFIRMED).exists()
            and _refresh(drift).approval_mode == BankAccount.ApprovalMode.RGB
        ),
        timeout=180,
        what="RgB confirmed (feed)",
    )
    c_drift, c_lev = _abroad_rgb(importer, url, bank_url, c)

    # 4. 200 invoices with KID (and Nordvind's 11), issued in bulk as an import would.
    a_customers = customers_create_bulk(a, [{"name": f"Kunde {n:02d} AS"} for n in range(1, 21)])
    a_invoices = invoices_create_bulk(
        a,
        [
            InvoiceSpec(
                a_customers[i % 20].pk, invoice_amount(i), due_date=today + datetime.timedelta(days=14)
            )
            for i in range(1, INVOICES + 1)
        ],
    )
    b_customers = customers_create_bulk(b, [{"name": "Kunde B AS"}, {"name": "Fjordlys Handel AS"}])
    b_invoices = invoices_create_bulk(
        b,
        [InvoiceSpec(b_customers[0].pk, b_invoice_amount(i)) for i in range(1, 11)]
        + [InvoiceSpec(b_customers[1].pk, B_INVOICE_FOR_A)],
    )
    assert all(len(inv.kid) == 9 for inv in [*a_invoices, *b_invoices])

    # 5. 100 bills; one to Nordvind carries a mistyped KID.
    suppliers = [
        supplier_create(a, name=f"Leverandør {n} AS", account_number=acct)
        for n, acct in enumerate(_supplier_accounts(), start=1)
    ]
    nordvind = supplier_create(a, name="Nordvind Klient AS", account_number=B_DRIFT)
    due = today + datetime.timedelta(days=3)
    # The bills are paid on the first banking day from their due date. When that is the bank's
    # today (the online bank created on it: a first day on a Friday, before Christmas or in
    # Easter week), the bank books each batch as it accepts it: its page may show it booked.
    bills_day = banking_day_on_or_after(due)
    assert created_day <= bills_day
    B = PaymentBatch.Status
    booked_at_once = bills_day == created_day
    bills = [
        bill_create(
            a,
            supplier_id=suppliers[i % len(suppliers)].pk,
            amount=bill_amount(i),
            due_date=due,
            message=f"Faktura {1000 + i}",
        )
        for i in range(1, BILLS)
    ]
    bills.append(bill_create(a, supplier_id=nordvind.pk, amount=B_INVOICE_FOR_A, due_date=due, kid=WRONG_KID))
    # Ada pays one bill through the page; the other 99 as the "pay all due bills" job would.
    admin.goto(f"{url}/payments/")
    form = admin.get_by_test_id("bill-payment-form")
    form.locator("select[name=bill_id]").select_option(str(bills[0].pk))
    form.locator("select[name=bank_account_id]").select_option(str(drift.pk))
    form.get_by_role("button").click()
    expect(admin.locator(".messages")).to_contain_text("Leverandør")
    for n, bill in enumerate(bills[1:], start=1):
        account = drift if n < RGB_BILLS - 1 or bill is bills[-1] else lev
        remittance.payment_create_from_bill(a, bill_id=bill.pk, bank_account_id=account.pk, user=ada)
    assert Payment.objects.filter(company=a, bank_account=drift).count() == RGB_BILLS
    admin.goto(f"{url}/payments/")
    admin.get_by_test_id("build-batches").click()
    expect(admin.get_by_test_id("batch-row")).to_have_count(2)
    rgb_batch = PaymentBatch.objects.get(company=a, bank_account=drift)
    post_batch = PaymentBatch.objects.get(company=a, bank_account=lev)

    faults.apply(sim, Faults.MONTH_ODD, seed=2)
    # Per approves the RgB batch with BankID. In the faults run the worker is killed while
    # it records the bank's answer: the file has been executed, the answer not yet stored.
    approver = new_page(browser, url)
    login(approver, url, "per")
    wait_until(
        lambda: BankApprovalRight.objects.filter(bank_account=drift, bank_user_id=per_tb).exists(),
        timeout=180,
        what="Per's approval right, read from the bank after the order",
    )
    lock = _lock_table("remittance_bankreport") if faults.on else None
    try:
        _approve_with_bankid(approver, url, bank_url, rgb_batch)
        if lock is not None:
            _kill_worker_while_blocked(stack, lock, "remittance_bankreport")
    finally:
        _release(lock)
    wait_until(
        lambda: (
            _refresh(rgb_batch).status
            in ({B.PARTLY_ACCEPTED, B.BOOKED} if booked_at_once else {B.PARTLY_ACCEPTED})
        ),
        timeout=180,
        what="the RgB batch accepted, one payment rejected",
    )
    approver.reload()
    expect(approver.get_by_test_id("batch-status")).to_have_text(
        re.compile("Delvis akseptert|Bokført" if booked_at_once else "Delvis akseptert")
    )
    snap(approver, "rgb-batch-partly-accepted")

    # Ada sends the other batch for post-approval and approves it in DNB's online bank.
    admin.goto(f"{url}/payments/batches/{post_batch.pk}/")
    admin.get_by_test_id("batch-send").click()
    wait_until(
        lambda: _refresh(post_batch).status == PaymentBatch.Status.AWAITING_APPROVAL,
        timeout=180,
        what="the post-approval batch at the bank",
    )
    admin.goto(f"{bank_url}/nettbank/")
    admin.fill("#id_user_id", ada_tb)
    admin.get_by_role("button", name="Logg inn").click()
    admin.get_by_role("button", name=f"Godkjenn {post_batch.pmt_inf_id}").click()
    expect(admin.locator("body")).to_contain_text("er godkjent")
    wait_until(
        lambda: _refresh(post_batch).status in ({B.ACCEPTED, B.BOOKED} if booked_at_once else {B.ACCEPTED}),
        timeout=180,
        what="the post-approved batch accepted (feed)",
    )

    abroad = _abroad_pay(importer, browser, url, bank_url, c, c_drift, c_lev, today, due)

    # The rejected payment: wrong KID (AC03). Ada corrects it with the KID on Nordvind's invoice.
    rejected = Payment.objects.get(company=a, status=Payment.Status.REJECTED)
    assert rejected.reason_code == "AC03" and rejected.kid == WRONG_KID
    admin.goto(f"{url}/payments/rejected/")
    expect(admin.get_by_test_id("rejected-list")).to_contain_text("AC03")
    snap(admin, "payment-rejected")
    admin.get_by_test_id("rejected-list").get_by_role("link").click()
    admin.fill("#id_kid", b_invoices[-1].kid)
    admin.get_by_role("button", name="Registrer").click()
    admin.goto(f"{url}/payments/")
    admin.get_by_test_id("build-batches").click()
    expect(admin.get_by_test_id("batch-row")).to_have_count(3)
    fix_batch = PaymentBatch.objects.filter(company=a).order_by("-pk").first()
    # The correction, made without a date, goes on the first banking day from the portal's
    # today: not after the bank's today (the online bank's first day), so it is booked at once.
    assert rgb_batch.execution_date == post_batch.execution_date == bills_day
    assert fix_batch.execution_date == banking_day_on_or_after(today) <= created_day <= bills_day
    _approve_with_bankid(approver, url, bank_url, fix_batch)
    wait_until(
        lambda: _refresh(fix_batch).status in (PaymentBatch.Status.ACCEPTED, PaymentBatch.Status.BOOKED),
        timeout=180,
        what="the corrected payment accepted",
    )

    # 4 and 7. The month: customers pay by KID, each night's OCR file and statements arrive.
    for day in range(1, MONTH + 1):
        faults.apply(sim, Faults.MONTH_ODD if day % 2 else Faults.MONTH_EVEN, seed=10 + day)
        for i in range(1, PAID_IN_FULL + 1):
            if pay_day(i) == day:
                inv = a_invoices[i - 1]
                sim.sim_inject_transaction(account=A_DRIFT, amount=inv.amount, kid=inv.kid)
        if day == 1:
            half = a_invoices[HALF_PAID - 1]
            sim.sim_inject_transaction(account=A_DRIFT, amount=half.amount / 2, kid=half.kid)
        for i in B_PAY_DAYS.get(day, ()):
            sim.sim_inject_transaction(
                account=B_DRIFT, amount=b_invoices[i - 1].amount, kid=b_invoices[i - 1].kid
            )
        if day == 5:
            sim.sim_inject_transaction(account=A_DRIFT, amount=UNKNOWN_TRANSFER, text="Innbetaling")
        if day == 6:
            sim.sim_inject_transaction(account=B_DRIFT, amount=B_TRANSFER, text="Rentegodtgjørelse")
        if faults.on and day in (KILL_IMPORT_DAY, MALFORMED_DAY):
            _wait_for_feed(stack)  # so the next OCR file the worker handles is today's
        if faults.on and day == MALFORMED_DAY:
            # The next OCR transmission downloaded (to the data recipient, for every customer:
            # only Fjordlys has KID payments today) arrives with 1 øre added to its total.
            sim.sim_set_fault("ocr_file_download", "malformed", 1.0, limit=1)
        lock = _lock_table("ledger_invoice") if faults.on and day == KILL_IMPORT_DAY else None
        try:
            sim.sim_advance_clock(days=1)
            if lock is not None:
                _kill_worker_while_blocked(stack, lock, "ledger_invoice")
        finally:
            _release(lock)
        if faults.on and day == MALFORMED_DAY:
            # Nets' transmission is the vendor's (every customer's accounts): refused whole, at
            # vendor level, for support to see; no company's part is imported from it.
            wait_until(
                lambda: OcrTransmission.objects.filter(status=OcrTransmission.Status.REJECTED).exists(),
                timeout=240,
                what="the damaged OCR transmission rejected",
            )
    faults.clear(sim)
    state = _wait_for_catch_up(stack)

    # 8 (second half). Rita matches Nordvind's transfer without KID by posting it to 8040.
    accountant.goto(f"{url}/reconciliation/matching/")
    entry = StatementEntry.objects.get(company=b, status=StatementEntry.Status.UNMATCHED)
    assert entry.amount == B_TRANSFER
    accountant.goto(f"{url}/reconciliation/matching/?account={entry.bank_account_id}")
    accountant.get_by_test_id(f"entry-{entry.pk}").check()
    accountant.select_option("#post-account", "8040")
    accountant.fill("#post-text", "Rentegodtgjørelse")
    snap(accountant, "reconciliation-manual")
    accountant.get_by_test_id("post-button").click()
    expect(accountant.locator(".messages")).to_contain_text("8040")
    accountant.goto(f"{url}/reconciliation/")
    snap(accountant, "reconciliation-overview-client")
    admin.goto(f"{url}/reconciliation/")
    snap(admin, "reconciliation-overview")
    admin.goto(f"{url}/notifications/")
    snap(admin, "notifications")

    # --- the final state, exactly ------------------------------------------------------------
    final = fingerprint(a, b, sim)
    print("\nFINGERPRINT", json.dumps(final, indent=1, default=str))
    expected = expected_state(faults.on, correction_with_the_bills=bills_day == created_day)
    assert final == expected, _diff(final, expected)
    # no payment executed twice: every EndToEndId once at the bank, booked once
    bank_payments = [
        (p.end_to_end_id, p.status)
        for batch in PaymentBatch.objects.filter(company=a)
        for b in stack.bank.get_payment_file(batch.msg_id).batches
        for p in b.payments
    ]
    assert len(bank_payments) == len({e2e for e2e, _s in bank_payments}) == BILLS + 1
    assert Counter(s for _e2e, s in bank_payments) == Counter({"ACSC": BILLS, "RJCT": 1})
    _abroad_check(stack, c, abroad, bills_day)
    # every failure visible: nothing stuck in an in-between state
    assert not PaymentBatch.objects.filter(
        status__in=[PaymentBatch.Status.SUBMITTING, PaymentBatch.Status.UNKNOWN]
    ).exists()
    assert not StatementFile.objects.exclude(status=StatementFile.Status.IMPORTED).exists()

    # No fødselsnummer in any process log (the masker would have caught any 11-digit one).
    logs = stack.logs()
    for name, text in logs.items():
        assert text, f"{name} wrote no log"
        leaked = [m for m in re.findall(r"(?<!\d)\d{11}(?!\d)", text) if fodselsnummer.is_valid(m)]
        assert not leaked, f"fødselsnummer in the {name} log: {leaked[:3]}"
        assert not PEOPLE_FNR & set(re.findall(r"\d{11}", text))
    assert "payment_batch_submit" in logs["worker"] and "bank_feed_poll" in logs["beat"]

    report = counts(stack, state)
    report["runtime_seconds"] = round(time.monotonic() - started)
    stack.notes.update(report)
    print(f"\nE2E {mode}: {report}")
    if faults.on:
        assert report["faults_injected"] >= 30, report
        assert report["worker_kills"] == 2 and report["feed_failed_rounds"] > 0, report
        assert report["feed_duplicates_skipped"] > 0, report
        assert report["submissions_unknown"] + report["task_retries"] > 0, report


# --- steps -------------------------------------------------------------------------------------------


def _order_services(
    page, url: str, bank_url: str, services=("remittance", "incoming_reconciliation", "nets_ocr")
) -> None:
    page.goto(f"{url}/agreements/connect/")
    for box in page.get_by_test_id("connect-form").locator("input[name=accounts]").all():
        box.check()
    for service in services:
        page.check(f"input[name=services][value={service}]")
    page.get_by_test_id("order-submit").click()
    if not page.url.startswith(bank_url):
        # The bank did not answer the order: the portal keeps it and sends it again; its page
        # shows the wizard link once the bank has taken it.
        page.get_by_test_id("open-bank-wizard").click(timeout=120_000)
    page.get_by_role("button", name="Bekreft bestilling").click()
    expect(page.locator("body")).to_contain_text("Takk! Bestillingen er mottatt")
    page.get_by_role("link", name="Tilbake til regnskapssystemet").click()
    expect(page.get_by_test_id("order-status")).to_be_visible()


def _order_rgb(page, url: str, bank_url: str, account: BankAccount, bank_user_id: str, org: str) -> None:
    """RgB for one account, ordered at DNB logged in with the orderer's bruker-ID."""
    page.goto(f"{url}/agreements/connect/")
    page.get_by_test_id("rgb").locator(f"input[name=accounts][value='{account.pk}']").check()
    page.get_by_test_id("rgb-submit").click()
    page.wait_for_url(f"{bank_url}/rgb/*/")
    page.fill("#id_user_id", bank_user_id)
    page.get_by_role("button", name="Logg inn").click()
    page.check("input[name=vendor][value='PowerOffice GO']")
    page.select_option("#id_client", org)
    page.get_by_role("button", name="Neste").click()
    page.check(f"input[name=accounts][value='{account.account_number}']")
    page.get_by_role("button", name="Bekreft").click()
    expect(page.locator("body")).to_contain_text("Aktivert")


def _approve_with_bankid(
    page, url: str, bank_url: str, batch: PaymentBatch, masked: str = "230791 *****"
) -> None:
    page.goto(f"{url}/payments/batches/{batch.pk}/")
    expect(page.get_by_test_id("batch-status")).to_have_text("Utkast")
    page.get_by_test_id("approve-bankid").click()
    page.wait_for_url(f"{bank_url}/bankid/*/")
    expect(page.locator("body")).to_contain_text(masked)  # the approver's fødselsnummer, masked
    page.fill("input[name=otp]", "123456")
    page.get_by_role("button", name="Signer", exact=True).click()
    page.get_by_role("link", name="Tilbake til regnskapssystemet").click()
    # Back on the batch, the portal asks the bank how the signing went: it may have finished
    # the approval already, or it shows the button that finishes it.
    complete, status = page.get_by_test_id("approve-complete"), page.get_by_test_id("batch-status")
    expect(complete.or_(status.filter(has_not_text="Utkast")).first).to_be_visible()
    if complete.is_visible():
        complete.click()
    expect(status).not_to_have_text("Utkast")


def _lock_table(table: str):
    """Hold a write lock on ``table`` from a separate connection: the worker's next write blocks."""
    s = connection.settings_dict
    conn = psycopg.connect(
        host=s["HOST"] or "127.0.0.1",
        port=s["PORT"] or 5432,
        user=s["USER"] or "postgres",
        password=s.get("PASSWORD") or None,
        dbname=s["NAME"],
    )
    conn.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")
    return conn


def _release(lock) -> None:
    if lock is not None and not lock.closed:
        lock.rollback()
        lock.close()


def _kill_worker_while_blocked(stack, lock, table: str) -> None:
    """Wait until the worker's transaction waits on ``table``, SIGKILL it, release, restart."""

    def waiting():
        row = lock.execute(
            "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
            "WHERE c.relname = %s AND NOT l.granted",
            [table],
        ).fetchone()
        return row[0] > 0

    try:
        wait_until(waiting, timeout=240, interval=0.2, what=f"the worker to block on {table}")
        stack.worker.kill9()
        stack.notes["worker_kills"] = stack.notes.get("worker_kills", 0) + 1
    finally:
        lock.rollback()
        lock.close()
    stack.restart_worker()


def _advance_to_next_banking_day(sim) -> None:
    clock = sim.sim_advance_clock(days=1)
    while not clock["banking_day"]:
        clock = sim.sim_advance_clock(days=1)


def _wait_for_feed(stack) -> None:
    """Until the poller has read the whole feed and the files it announced are imported (the
    imports run as tasks after the poll: agreements/fetches.py)."""

    def read_all():
        last = stack.sim.sim_state()["last_event"]
        cursor = BankFeedCursor.objects.filter(bank="DNB").values_list("cursor", flat=True).first() or 0
        assert cursor >= last, f"cursor {cursor} of {last}"
        pending = BankFileFetch.objects.filter(status=BankFileFetch.Status.PENDING).count()
        assert not pending, f"{pending} bank file(s) still to import"
        return True

    wait_until(read_all, timeout=300, interval=0.5, what="the poller to read the whole feed")


def _wait_for_catch_up(stack) -> dict:
    """Until the portal has handled every event the bank has, and has nothing in flight."""

    def caught_up():
        state = stack.sim.sim_state()
        cursor = BankFeedCursor.objects.filter(bank="DNB").values_list("cursor", flat=True).first() or 0
        busy = (
            PaymentBatch.objects.filter(
                status__in=[PaymentBatch.Status.SUBMITTING, PaymentBatch.Status.UNKNOWN]
            ).exists()
            or BankFileFetch.objects.filter(status=BankFileFetch.Status.PENDING).exists()
        )
        statements = StatementFile.objects.filter(status=StatementFile.Status.IMPORTED).count()
        expected = sum(1 for _e in _statement_events(stack))
        assert cursor >= state["last_event"] and not busy and statements >= expected, (
            f"cursor {cursor} of {state['last_event']}, batches in flight: {busy}, "
            f"statements {statements} of {expected}, "
            f"batches {list(PaymentBatch.objects.values_list('status', flat=True))}"
        )
        return state

    return wait_until(caught_up, timeout=60, interval=1, what="the portal to catch up with the bank")


def _statement_events(stack) -> list:
    """The statements the portal should import: every one of our accounts' statements, except
    those of Nordvind's account the bank published before Rita registered it (the portal skips
    statements of accounts it does not know, and does not fetch them later). How many those
    are depends on the calendar: every day from the first day until the online bank is
    created, on the next banking day (one day from a Monday, three from a Friday, four from
    Christmas Eve). Fjordlys's accounts are opened at the bank the day Ada registers them."""
    known_after = stack.notes["b_known_after_event"]
    return [
        e
        for e in _bank_events(stack)
        if e.type == "statement.created"
        and e.data.get("account") in {A_DRIFT, A_LEV, B_DRIFT}
        and not (e.data.get("account") == B_DRIFT and e.id <= known_after)
    ]


def _bank_events(stack) -> list:
    """Every event the bank has published (through a clean client: faults are for the portal)."""
    events, cursor = [], 0
    while True:
        page = stack.bank.changes(cursor, limit=100)
        events.extend(page.events)
        if not page.has_more:
            return events
        cursor = page.next_cursor


# --- Sørvest Import AS: suppliers abroad, payments in currency ------------------------------------------

# (supplier, country, currency, IBAN, BIC, street, number, postcode, town, amount, from, code, text):
# a SEPA payment (EUR to a German IBAN), a payment abroad in USD above the Currency Register's
# threshold (NOK 100 000: it carries payment type 14 and its text), and one in SEK (abroad:
# SEPA is the euro's), the first two from the RgB account, the third for post-approval.
ABROAD_BILLS = (
    (
        "Rhein Teile GmbH",
        "DE",
        "EUR",
        "DE89370400440532013000",
        "COBADEFFXXX",
        "Friedrichstraße",
        "12",
        "10117",
        "Berlin",
        Decimal("2500.00"),
        "drift",
        "",
        "",
    ),
    (
        "Thames Instruments Ltd",
        "GB",
        "USD",
        "GB29NWBK60161331926819",
        "NWBKGB2L",
        "Gresham Street",
        "1",
        "EC2V 7HH",
        "London",
        Decimal("15000.00"),
        "drift",
        "14",
        "Import av maskindeler",
    ),
    (
        "Göta Verktyg AB",
        "SE",
        "SEK",
        "SE4550000000058398257466",
        "ESSESESS",
        "Kungsgatan",
        "7",
        "41104",
        "Göteborg",
        Decimal("12000.00"),
        "lev",
        "",
        "",
    ),
)
ABROAD_KINDS = {"EUR": "SEPA", "USD": "ABROAD", "SEK": "ABROAD"}


def _abroad_setup(browser, url: str, bank_url: str, sim):
    """Sørvest Import AS, an existing DNB customer: Ola registers its two NOK accounts and
    orders remittance and reconciliation files; Siri approves payments with BankID."""
    sim.sim_upsert_customer(
        {
            "org_number": C_ORG,
            "name": "Sørvest Import AS",
            "subscription": "integrated",
            "accounts": [
                {"number": C_DRIFT, "name": "Driftskonto", "balance": "900000.00"},
                {"number": C_LEV, "name": "Leverandørkonto", "balance": "200000.00"},
            ],
            "users": [
                {"user_id": OLA_TB, "name": "Ola Importør", "approval_accounts": [C_DRIFT, C_LEV]},
                {"user_id": SIRI_TB, "name": "Siri Godkjenner", "approval_accounts": [C_DRIFT]},
            ],
        }
    )
    c = company_create(name="Sørvest Import AS", org_number=C_ORG)
    ola = user_create(username="ola", password=PASSWORD, first_name="Ola", last_name="Importør")
    siri = user_create(username="siri", password=PASSWORD, first_name="Siri", last_name="Godkjenner")
    membership_grant(company=c, user=ola, role=Role.SYSADMIN)
    membership_grant(company=c, user=siri, role=Role.APPROVER)
    user_profile_update(user=siri, national_id=SIRI_FNR, bank_user_id=SIRI_TB)
    page = new_page(browser, url)
    login(page, url, "ola")
    page.goto(f"{url}/settings/bank-accounts/")
    for number, name, ledger in ((C_DRIFT, "Driftskonto", "1920"), (C_LEV, "Leverandørkonto", "1921")):
        page.fill("#id_account_number", fmt_account(number))
        page.fill("#id_name", name)
        page.fill("#id_ledger_account", ledger)
        page.get_by_test_id("add-account-submit").click()
        expect(page.get_by_test_id("bank-account-list")).to_contain_text(fmt_account(number))
    _order_services(page, url, bank_url, services=("remittance", "incoming_reconciliation"))
    return page, c, ServiceOrder.objects.get(company=c)


def _abroad_rgb(page, url: str, bank_url: str, c: Company):
    """Ola orders RgB for Sørvest's Driftskonto at DNB; its agreement is on the 2019 messages."""
    drift = BankAccount.objects.get(company=c, account_number=C_DRIFT)
    lev = BankAccount.objects.get(company=c, account_number=C_LEV)
    for account in (drift, lev):  # a new agreement: pain.001.001.09 (the bank's word)
        assert _refresh(account).payment_file_version == "pain.001.001.09", account.payment_file_version
    _order_rgb(page, url, bank_url, drift, OLA_TB, C_ORG)
    wait_until(
        lambda: (
            _refresh(drift).approval_mode == BankAccount.ApprovalMode.RGB
            and BankApprovalRight.objects.filter(bank_account=drift, bank_user_id=SIRI_TB).exists()
        ),
        timeout=180,
        what="Sørvest's RgB and Siri's approval right (feed)",
    )
    return drift, _refresh(lev)


def _abroad_pay(page, browser, url: str, bank_url: str, c: Company, drift, lev, today, due) -> dict:
    """Three bills abroad, booked in NOK at the bank's rate of twenty days ago, paid in their
    currency: Siri approves the EUR and the USD batch with BankID, Ola the SEK one in the bank."""
    issued = today - datetime.timedelta(days=20)
    for day in (issued, today):  # what a user's retry would do when the bank did not answer
        for currency in ("EUR", "USD", "SEK"):
            wait_until(lambda d=day, cur=currency: rate_on(cur, d), timeout=60, what=f"{currency} rate")
    ola = User.objects.get(username="ola")
    bills, batches = [], {}
    for (
        name,
        country,
        cur,
        iban,
        bic,
        street,
        number,
        postcode,
        town,
        amount,
        frm,
        code,
        text,
    ) in ABROAD_BILLS:
        supplier = supplier_create(
            c,
            name=name,
            country=country,
            currency=cur,
            iban=iban,
            bic=bic,
            street=street,
            building_number=number,
            postcode=postcode,
            town=town,
        )
        bill = bill_create(
            c,
            supplier_id=supplier.pk,
            amount=amount,
            issue_date=issued,
            due_date=due,
            message=f"Invoice {name[:3].upper()}-{amount:.0f}",
        )
        assert bill.currency == cur and bill.nok_amount and bill.exchange_rate
        account = drift if frm == "drift" else lev
        remittance.payment_create_from_bill(
            c,
            bill_id=bill.pk,
            bank_account_id=account.pk,
            user=ola,
            regulatory_code=code,
            regulatory_text=text,
        )
        bills.append(bill)
    for batch in remittance.payment_batches_build(c, user=ola):
        batches[batch.currency] = batch
        assert batch.pain001_version == "pain.001.001.09"
    assert set(batches) == {"EUR", "USD", "SEK"}
    siri = new_page(browser, url)
    login(siri, url, "siri")
    for cur in ("EUR", "USD"):
        _approve_with_bankid(siri, url, bank_url, batches[cur], masked="120488 *****")
    page.goto(f"{url}/payments/batches/{batches['SEK'].pk}/")
    page.get_by_test_id("batch-send").click()
    wait_until(
        lambda: _refresh(batches["SEK"]).status == PaymentBatch.Status.AWAITING_APPROVAL,
        timeout=180,
        what="Sørvest's SEK batch at the bank",
    )
    page.goto(f"{bank_url}/nettbank/")
    page.fill("#id_user_id", OLA_TB)
    page.get_by_role("button", name="Logg inn").click()
    page.get_by_role("button", name=f"Godkjenn {batches['SEK'].pmt_inf_id}").click()
    expect(page.locator("body")).to_contain_text("er godkjent")
    return {"bills": bills, "batches": batches}


def _abroad_check(stack, c: Company, abroad: dict, bills_day) -> None:
    """Each payment executed once at the bank's rate of its day, booked at the NOK the bank
    debited, the difference to the bill's NOK value posted as agio (8060) or disagio (8160),
    and its statement entry (camt.053.001.08: both amounts, the rate, the UETR) matched."""
    P = Payment.Status
    wait_until(
        lambda: (
            not Payment.objects.filter(company=c).exclude(status=P.BOOKED).exists()
            and StatementEntry.objects.filter(company=c, amount__lt=0, is_charge=False)
            .exclude(matched_rule="")
            .count()
            == len(ABROAD_BILLS)
        ),
        timeout=180,
        what="Sørvest's payments booked and reconciled",
    )
    cent = Decimal("0.01")
    differences = Decimal(0)
    for bill in abroad["bills"]:
        bill = _refresh(bill)
        assert bill.status == Bill.Status.PAID
        payment = Payment.objects.get(bill=bill)
        assert payment.kind == ABROAD_KINDS[bill.currency] and payment.uetr
        assert payment.execution_date == bills_day
        rate = stack.bank.exchange_rates(payment.execution_date)[bill.currency]
        debited = (bill.amount * rate).quantize(cent, rounding=ROUND_HALF_UP)
        assert (payment.booked_amount, payment.exchange_rate) == (debited, rate), (
            payment.booked_amount,
            rate,
        )
        assert bill.nok_amount == (bill.amount * bill.exchange_rate).quantize(cent, rounding=ROUND_HALF_UP)
        lines = dict(
            VoucherLine.objects.filter(voucher=payment.voucher)
            .values_list("ledger_account")
            .annotate(s=Sum("amount"))
        )
        difference = debited - bill.nok_amount
        expected = {payment.bank_account.ledger_account: -debited, "2400": bill.nok_amount}
        if difference > 0:
            expected["8160"] = difference  # disagio: more NOK paid than the bill was booked at
        elif difference < 0:
            expected["8060"] = difference  # agio: a gain, credited
        assert lines == expected, (bill.currency, lines, expected)
        differences += difference
        entry = StatementEntry.objects.get(company=c, end_to_end_ids__contains=[payment.end_to_end_id])
        assert entry.amount == -debited and entry.matched_rule
        assert str(payment.uetr) in entry.uetrs
        assert any(
            f["currency"] == bill.currency and Decimal(f["amount"]) == bill.amount
            for f in entry.foreign_amounts
        )
        if bill.currency == "USD":
            assert payment.regulatory_code == "14"
    assert differences != 0  # twenty days apart, the rates differ: the month posts a difference
    ledger = dict(
        VoucherLine.objects.filter(voucher__company=c).values_list("ledger_account").annotate(s=Sum("amount"))
    )
    assert ledger.get("2400", Decimal(0)) == 0  # every bill paid in full, in NOK
    assert ledger.get("8160", Decimal(0)) + ledger.get("8060", Decimal(0)) == differences
    for batch in abroad["batches"].values():
        assert b"urn:iso:std:iso:20022:tech:xsd:pain.001.001.09" in bytes(_refresh(batch).pain001)
        assert batch.status == PaymentBatch.Status.BOOKED


# --- small helpers -------------------------------------------------------------------------------------


def _refresh(obj):
    obj.refresh_from_db()
    return obj


def _customer(sim, org: str) -> dict:
    return next(c for c in sim.sim_state()["customers"] if c["org_number"] == org)


def _supplier_accounts() -> list[str]:
    return ["15073300018", "15073300026", "15073300042", "86011117947"][:3]


def _diff(final: dict, expected: dict) -> str:
    keys = sorted(set(final) | set(expected))
    return "\n".join(
        f"{k}: got {final.get(k)!r}, expected {expected.get(k)!r}"
        for k in keys
        if final.get(k) != expected.get(k)
    )


def _by(qs, field: str) -> dict:
    return dict(sorted(Counter(qs.values_list(field, flat=True)).items()))


def _money(value) -> str:
    return f"{(value or Decimal(0)):.2f}"


def fingerprint(a: Company, b: Company, sim) -> dict:
    """What the month leaves behind, in terms that do not depend on ids or timing."""
    out: dict = {}
    accounts = {a["number"]: a for c in sim.sim_state()["customers"] for a in c["accounts"]}
    for number in (A_DRIFT, A_LEV, B_DRIFT):
        out[f"bank.balance.{number}"] = accounts[number]["balance"]
    state = sim.sim_state()
    out["bank.payments"] = dict(sorted(state["payments"].items()))
    out["bank.payment_files"] = sum(state["payment_files"].values())
    for key, company in (("A", a), ("B", b)):
        invoices = Invoice.objects.filter(company=company)
        out[f"{key}.invoices"] = _by(invoices, "status")
        out[f"{key}.invoices.paid"] = _money(invoices.aggregate(s=Sum("paid_amount"))["s"])
        out[f"{key}.bills"] = _by(Bill.objects.filter(company=company), "status")
        out[f"{key}.payments"] = _by(Payment.objects.filter(company=company), "status")
        out[f"{key}.batches"] = _by(PaymentBatch.objects.filter(company=company), "status")
        out[f"{key}.vouchers"] = _by(Voucher.objects.filter(company=company), "kind")
        lines = VoucherLine.objects.filter(voucher__company=company)
        out[f"{key}.ledger"] = {
            row["ledger_account"]: _money(row["s"])
            for row in lines.values("ledger_account").annotate(s=Sum("amount")).order_by("ledger_account")
        }
        out[f"{key}.ledger.bank_lines_open"] = lines.filter(
            ledger_account__startswith="19", open_entry__isnull=False
        ).count()
        entries = StatementEntry.objects.filter(company=company)
        out[f"{key}.entries"] = entries.count()
        out[f"{key}.entries.unmatched"] = sorted(
            _money(x)
            for x in entries.filter(status=StatementEntry.Status.UNMATCHED).values_list("amount", flat=True)
        )
        out[f"{key}.entries.rules"] = _by(entries, "matched_rule")
        out[f"{key}.statement_files"] = _by(StatementFile.objects.filter(company=company), "status")
        out[f"{key}.ocr_files"] = _by(OcrFile.objects.filter(company=company), "status")
        notes = Notification.objects.filter(company=company)
        with translation.override("nb"):  # as a Norwegian reader sees them
            titles = Counter(f"{n.level}: {n.title_text}" for n in notes)
        out[f"{key}.notifications"] = dict(sorted(titles.items()))
        audit = AuditEvent.objects.filter(company=company)
        # Retries leave their own rows (visible failures); the fault run reports them apart.
        out[f"{key}.audit"] = _by(audit.exclude(action__in=UNPINNED_AUDIT), "action")
    return out


def _sum(values) -> Decimal:
    return sum(values, Decimal(0))


def expected_state(with_faults: bool, correction_with_the_bills: bool) -> dict:
    """The month worked out from the scenario's own numbers (and, for counts, its structure).

    ``correction_with_the_bills``: the corrected payment is booked the day the bills are
    (a first day on a Friday, or before Christmas), so its fee joins their fee voucher."""
    paid_a = _sum(invoice_amount(i) for i in range(1, PAID_IN_FULL + 1)) + invoice_amount(HALF_PAID) / 2
    sales_a = _sum(invoice_amount(i) for i in range(1, INVOICES + 1))
    from_drift = _sum(bill_amount(i) for i in range(1, RGB_BILLS)) + B_INVOICE_FOR_A  # 59 + the corrected
    from_lev = _sum(bill_amount(i) for i in range(RGB_BILLS, BILLS))  # 40
    drift_bank = Decimal("500000.00") + paid_a + UNKNOWN_TRANSFER - from_drift - FEE * RGB_BILLS
    lev_bank = Decimal("300000.00") - from_lev - FEE * (BILLS - RGB_BILLS)
    b_paid = _sum(b_invoice_amount(i) for i in range(1, 9)) + B_INVOICE_FOR_A
    b_sales = _sum(b_invoice_amount(i) for i in range(1, 11)) + B_INVOICE_FOR_A
    # The damaged OCR file (faults run): its 7 payments reach the bank but never the ledger.
    lost = _sum(invoice_amount(i) for i in range(1, PAID_IN_FULL + 1) if pay_day(i) == MALFORMED_DAY)
    lost = lost if with_faults else Decimal(0)
    damaged = 7 if with_faults else 0
    # A's part of each night's vendor-level transmission; the damaged one is refused whole
    ocr_files_a = {"IMPORTED": DAYS - 1} if with_faults else {"IMPORTED": DAYS}
    notes_a = {
        "ERROR: Betalinger avvist av banken": 1,
        "INFO: Avtalen er registrert": 1,
        # one to each of A's two approvers, when the RgB batch is built
        "INFO: En betalingsbunt venter på din godkjenning": 2,
        "INFO: Nettbankavtalen er klar til signering": 1,
        "INFO: Nettbanken er opprettet": 1,
        "INFO: RgB er aktivert": 1,
    }
    ocr_day = {
        "ocr_file.import": DAYS - (1 if with_faults else 0),
        "invoice.settle_bulk": DAYS - (1 if with_faults else 0),
    }
    return {
        f"bank.balance.{A_DRIFT}": _money(drift_bank),
        f"bank.balance.{A_LEV}": _money(lev_bank),
        f"bank.balance.{B_DRIFT}": _money(Decimal("50000.00") + b_paid + B_TRANSFER),
        "bank.payments": {"ACSC": BILLS + len(ABROAD_BILLS), "RJCT": 1},
        "bank.payment_files": 3 + 3,  # Sørvest's: the EUR and the USD batch (RgB), the SEK one
        "A.invoices": {"OPEN": 3 + damaged, "PAID": PAID_IN_FULL - damaged, "PARTLY_PAID": 1},
        "A.invoices.paid": _money(paid_a - lost),
        "A.bills": {"PAID": BILLS},
        "A.payments": {"BOOKED": BILLS, "REJECTED": 1},
        "A.batches": {"BOOKED": 3},
        # fees: a voucher per account, day and 50 fees: Driftskonto's 59 RgB fees (2 vouchers)
        # and Leverandørkonto's 40 (1); the corrected payment's fee is one more of Driftskonto's
        # 60 that day (still 2), or a voucher of its own when it is booked on another day
        "A.vouchers": {
            "BANK": 3 if correction_with_the_bills else 4,
            "BILL": BILLS,
            "INVOICE": INVOICES,
            "PAYMENT_IN": DAYS - (1 if with_faults else 0),
            "PAYMENT_OUT": BILLS,
        },
        "A.ledger": {
            "1500": _money(sales_a - paid_a + lost),
            "1920": _money(drift_bank - Decimal("500000.00") - UNKNOWN_TRANSFER - lost),
            "1921": _money(lev_bank - Decimal("300000.00")),
            "2400": "0.00",
            "3000": _money(-sales_a),
            "4000": _money(from_drift + from_lev),
            "7770": _money(FEE * BILLS),
        },
        "A.ledger.bank_lines_open": 0,
        "A.entries": DAYS + BILLS * 2 + 1,  # OCR credits, payments and their fees, the transfer
        "A.entries.unmatched": sorted(_money(x) for x in [UNKNOWN_TRANSFER, *([lost] if lost else [])]),
        "A.entries.rules": {
            "": 1 + (1 if with_faults else 0),
            "E2E": BILLS,
            "FEE": BILLS,
            "OCR_ASSIGNMENT": DAYS - (1 if with_faults else 0),
        },
        "A.statement_files": {"IMPORTED": 2 * MONTH},
        "A.ocr_files": ocr_files_a,
        "A.notifications": notes_a,
        "A.audit": {
            "bank_account.agreement_set": 2,
            "bank_account.create": 2,
            "bank_account.update": 1,
            "bank_rights.replace": 2,
            "bill.create": BILLS,
            "bill.open_bulk": 1,
            "bill.paid_bulk": 3,
            "bill.scheduled": BILLS + 1,
            "company.create": 1,
            "customer.create": 1,
            "invoice.issue": 1,
            "invoice_settings.update": 1,
            "membership.grant": 3,
            "online_bank_application.create": 1,
            "online_bank_application.status": 4,
            "payment.book_bulk": 3,
            "payment.create": BILLS + 1,
            "payment_batch.accepted": 2,
            "payment_batch.approved": 2,
            "payment_batch.awaiting_approval": 1,
            "payment_batch.booked": 3,
            "payment_batch.create": 3,
            "payment_batch.partly_accepted": 1,
            "payment_batch.post_approval": 1,
            "payment_batch.signing_start": 2,
            # each BankID signing reads the approver's fødselsnummer through the audited door
            "user_profile.national_id_read": 2,
            "rgb_order.create": 1,
            "rgb_order.status": 1,
            "service_order.create": 1,
            "service_order.status": 3,
            "statement_file.import": 2 * MONTH,
            "supplier.create": 4,
            # a reconciliation posting one voucher audits it as voucher.post (more: post_bulk)
            "voucher.post": 2 if correction_with_the_bills else 3,
            "voucher.post_bulk": 3,
            **ocr_day,
        },
        "B.invoices": {"OPEN": 2, "PAID": 9},
        "B.invoices.paid": _money(b_paid),
        "B.bills": {},
        "B.payments": {},
        "B.batches": {},
        "B.vouchers": {"BANK": 1, "INVOICE": 11, "PAYMENT_IN": 5},
        "B.ledger": {
            "1500": _money(b_sales - b_paid),
            "1920": _money(b_paid + B_TRANSFER),
            "3000": _money(-b_sales),
            "8040": _money(-B_TRANSFER),
        },
        "B.ledger.bank_lines_open": 0,
        "B.entries": 6,  # 4 days of KID payments, Fjordlys's corrected payment, the transfer
        "B.entries.unmatched": [],
        "B.entries.rules": {"OCR_ASSIGNMENT": 5, "POSTED": 1},
        # every day from the day Rita registers the account, the day the online bank is
        # created (Fjordlys's accounts too): not the days before it (see _statement_events)
        "B.statement_files": {"IMPORTED": MONTH},
        "B.ocr_files": {"IMPORTED": 5},
        "B.notifications": {"INFO: Avtalen er registrert": 1},
        "B.audit": {
            "bank_account.agreement_set": 1,
            "bank_account.create": 1,
            "bank_rights.replace": 1,
            "company.create": 1,
            "customer.create": 1,
            "invoice.issue": 1,
            "invoice.settle_bulk": 5,
            "invoice_settings.update": 1,
            "membership.grant": 1,
            "ocr_file.import": 5,
            "reconciliation.match": 1,
            "service_order.create": 1,
            "service_order.status": 3,
            "statement_file.import": MONTH,
            "voucher.post": 1,
        },
    }


def counts(stack, state: dict) -> dict:
    """Faults injected (the bank's tally), retries and duplicates suppressed (the portal's records)."""
    sim_state = stack.sim.sim_state()
    cursor = BankFeedCursor.objects.get(bank="DNB")
    worker_log = stack.worker.log()
    return {
        "faults_injected": sum(sim_state["fault_tally"].values()),
        "faults_by_kind": sim_state["fault_tally"],
        "worker_kills": stack.notes.get("worker_kills", 0),
        "feed_failed_rounds": cursor.failures_total,
        "feed_duplicates_skipped": cursor.duplicates_skipped,
        "feed_events": cursor.events_processed,
        "submit_retries": sum(
            max(0, n - 1) for n in PaymentBatch.objects.values_list("submit_attempts", flat=True)
        ),
        # a submission the bank did not answer (timeout, dropped): resolved by MsgId or resent
        "submissions_unknown": AuditEvent.objects.filter(action="payment_batch.unknown").count(),
        "task_retries": worker_log.count("retry: Retry in"),
        "ocr_duplicates": OcrFile.objects.filter(status=OcrFile.Status.DUPLICATE).count(),
    }

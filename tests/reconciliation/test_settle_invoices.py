"""Matching a bank entry to open invoices (a receipt) or bills (a payment): the voucher, the
settlement, the øre difference, part payments, refusals, tenancy, double matches and undo."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from accounts.services import bank_account_create
from bankint.errors import Conflict, DomainError, ValidationFailed
from companies.models import AuditEvent
from ledger.models import Bill, Invoice, OpenBankLine, Voucher, VoucherLine
from ledger.services import bill_create, customer_create, invoice_create, supplier_create
from reconciliation import suggestions
from reconciliation.models import Match, StatementEntry, StatementFile
from reconciliation.services import entry_settle_open_items, match_undo, statement_file_import
from tests.reconciliation.camtgen import EntrySpec, TxSpec, simple_statement

pytestmark = pytest.mark.django_db
ACCOUNT = "86011117947"
DAY = datetime.date(2025, 3, 4)
SUPPLIER_ACCOUNT = "15032080143"


@pytest.fixture
def account(company_a):
    return bank_account_create(company_a, account_number=ACCOUNT, name="Drift", ledger_account="1920")


@pytest.fixture
def nordlys(company_a):
    return customer_create(company_a, name="Nordlys Kafé AS")


def invoice(company, customer, amount, *, due=DAY):
    return invoice_create(
        company, customer_id=customer.pk, amount=Decimal(amount), issue_date=DAY, due_date=due
    )


def entries(company, *specs):
    """Import one statement of (amount, text[, name, account]) entries, unmatched; their rows in order."""
    txs = []
    for i, spec in enumerate(specs):
        amount, text, *rest = spec
        value = Decimal(amount)
        txs.append(
            EntrySpec(
                amount=abs(value),
                credit_debit="CRDT" if value > 0 else "DBIT",
                booking_date=DAY,
                value_date=DAY,
                acct_svcr_ref=f"R{i}",
                domain=("PMNT", "RCDT", "ESCT") if value > 0 else ("PMNT", "ICDT", "DMCT"),
                txs=[
                    TxSpec(
                        amount=abs(value),
                        ustrd=text,
                        counterparty_name=rest[0] if rest else None,
                        counterparty_account=rest[1] if len(rest) > 1 else None,
                    )
                ],
            )
        )
    data = simple_statement(txs)
    assert statement_file_import(company, data, source=StatementFile.Source.UPLOAD, auto_match=False).ok
    return [StatementEntry.objects.get(acct_svcr_ref=f"R{i}") for i in range(len(specs))]


def lines_of(voucher):
    return sorted((line.ledger_account, line.amount) for line in VoucherLine.objects.filter(voucher=voucher))


def test_receipt_settles_the_invoice_it_names_to_the_ore(company_a, account, nordlys):
    inv = invoice(company_a, nordlys, "17000.00")
    (entry,) = entries(company_a, ("17000.00", f"Nordlys Kafe AS Faktura {inv.number}"))

    proposal = suggestions.entry_suggestions(company_a, [entry])[entry.pk]
    assert [i.id for i in proposal.items] == [inv.pk]
    assert {"NUMBER", "AMOUNT", "NAME"} <= set(proposal.reasons)

    match = entry_settle_open_items(company_a, entry, invoice_ids=[inv.pk])

    inv.refresh_from_db()
    entry.refresh_from_db()
    assert inv.status == Invoice.Status.PAID and inv.paid_amount == Decimal("17000.00")
    assert entry.status == StatementEntry.Status.MATCHED and entry.matched_rule == "INVOICES"
    assert match.rule == Match.Rule.INVOICES and match.amount == Decimal("17000.00")
    assert match.voucher.kind == Voucher.Kind.PAYMENT_IN
    assert lines_of(match.voucher) == [("1500", Decimal("-17000.00")), ("1920", Decimal("17000.00"))]
    bank_line = VoucherLine.objects.get(voucher=match.voucher, ledger_account="1920")
    assert bank_line.bank_account_id == account.pk
    assert not OpenBankLine.objects.filter(line=bank_line).exists()
    assert list(match.line_links.values_list("voucher_line_id", flat=True)) == [bank_line.pk]
    audit = AuditEvent.objects.get(action="reconciliation.settle_open_items")
    assert audit.changes["invoices"] == [{"id": inv.pk, "number": str(inv.number), "amount": "17000.00"}]
    assert AuditEvent.objects.filter(action="reconciliation.match").exists()


def test_part_payment_leaves_the_invoice_partly_paid_then_paid(company_a, account, nordlys):
    inv = invoice(company_a, nordlys, "17000.00")
    first, second = entries(
        company_a, ("5000.00", f"Faktura {inv.number} del 1"), ("12000.00", f"Faktura {inv.number} rest")
    )
    entry_settle_open_items(company_a, first, invoice_ids=[inv.pk])
    inv.refresh_from_db()
    assert inv.status == Invoice.Status.PARTLY_PAID
    assert inv.paid_amount == Decimal("5000.00") and inv.open_amount == Decimal("12000.00")
    # the rest is proposed by the open amount, not the invoice's
    proposal = suggestions.entry_suggestions(company_a, [second])[second.pk]
    assert "AMOUNT" in proposal.reasons
    entry_settle_open_items(company_a, second, invoice_ids=[inv.pk])
    inv.refresh_from_db()
    assert inv.status == Invoice.Status.PAID and inv.paid_amount == Decimal("17000.00")


def test_one_receipt_for_several_invoices_fills_the_oldest_first(company_a, account, nordlys):
    later = invoice(company_a, nordlys, "2000.00", due=DAY + datetime.timedelta(days=20))
    older = invoice(company_a, nordlys, "1000.00", due=DAY + datetime.timedelta(days=10))
    (entry,) = entries(company_a, ("2500.00", f"Faktura {older.number} og {later.number}"))
    proposal = suggestions.entry_suggestions(company_a, [entry])[entry.pk]
    assert {i.id for i in proposal.items} == {older.pk, later.pk}

    match = entry_settle_open_items(company_a, entry, invoice_ids=[later.pk, older.pk])
    older.refresh_from_db()
    later.refresh_from_db()
    assert (older.status, older.paid_amount) == (Invoice.Status.PAID, Decimal("1000.00"))
    assert (later.status, later.paid_amount) == (Invoice.Status.PARTLY_PAID, Decimal("1500.00"))
    assert lines_of(match.voucher) == [
        ("1500", Decimal("-1500.00")),
        ("1500", Decimal("-1000.00")),
        ("1920", Decimal("2500.00")),
    ]


@pytest.mark.parametrize(
    ("received", "rounding"),
    [("16999.50", Decimal("0.50")), ("17000.40", Decimal("-0.40")), ("16999.00", Decimal("1.00"))],
)
def test_ore_difference_goes_to_the_rounding_account(company_a, account, nordlys, received, rounding):
    inv = invoice(company_a, nordlys, "17000.00")
    (entry,) = entries(company_a, (received, "Nordlys Kafe AS"))
    proposal = suggestions.entry_suggestions(company_a, [entry])[entry.pk]
    assert proposal.items[0].id == inv.pk
    match = entry_settle_open_items(company_a, entry, invoice_ids=[inv.pk])
    inv.refresh_from_db()
    assert inv.status == Invoice.Status.PAID and inv.paid_amount == Decimal("17000.00")
    assert lines_of(match.voucher) == sorted(
        [
            ("1500", Decimal("-17000.00")),
            ("1920", Decimal(received)),
            (suggestions.ROUNDING_ACCOUNT, rounding),
        ]
    )
    assert match.amount == Decimal(received)
    assert (
        AuditEvent.objects.get(action="reconciliation.settle_open_items").changes["rounding_account"]
        == "7740"
    )


def test_overpayment_beyond_the_limit_is_refused_and_changes_nothing(company_a, account, nordlys):
    inv = invoice(company_a, nordlys, "17000.00")
    (entry,) = entries(company_a, ("17001.01", f"Faktura {inv.number}"))
    vouchers = Voucher.objects.count()
    with pytest.raises(ValidationFailed) as exc:
        entry_settle_open_items(company_a, entry, invoice_ids=[inv.pk])
    assert "1.01" in exc.value.message and "Post and match" in exc.value.message
    inv.refresh_from_db()
    entry.refresh_from_db()
    assert inv.status == Invoice.Status.OPEN and inv.paid_amount == 0
    assert entry.status == StatementEntry.Status.UNMATCHED and Voucher.objects.count() == vouchers
    assert suggestions.entry_suggestions(company_a, [entry]) == {}


def test_an_invoice_the_receipt_does_not_reach_is_refused(company_a, account, nordlys):
    a = invoice(company_a, nordlys, "1000.00")
    b = invoice(company_a, nordlys, "2000.00", due=DAY + datetime.timedelta(days=30))
    (entry,) = entries(company_a, ("500.00", "Nordlys"))
    with pytest.raises(ValidationFailed, match="unselect"):
        entry_settle_open_items(company_a, entry, invoice_ids=[a.pk, b.pk])


def test_another_companys_invoice_or_entry_is_refused(company_a, company_b, account, nordlys):
    theirs = invoice(company_b, customer_create(company_b, name="Nordlys Kafé AS"), "17000.00")
    (entry,) = entries(company_a, ("17000.00", f"Faktura {theirs.number}"))
    with pytest.raises(ValidationFailed, match="not open invoices of this company"):
        entry_settle_open_items(company_a, entry, invoice_ids=[theirs.pk])
    assert suggestions.entry_suggestions(company_a, [entry]) == {}
    with pytest.raises(ValidationFailed):
        entry_settle_open_items(company_b, entry, invoice_ids=[theirs.pk])
    theirs.refresh_from_db()
    assert theirs.status == Invoice.Status.OPEN


def test_matching_twice_is_refused(company_a, account, nordlys):
    inv = invoice(company_a, nordlys, "17000.00")
    other = invoice(company_a, nordlys, "17000.00")
    entry, second = entries(company_a, ("17000.00", "x"), ("17000.00", "y"))
    entry_settle_open_items(company_a, entry, invoice_ids=[inv.pk])
    with pytest.raises(Conflict):
        entry_settle_open_items(company_a, entry, invoice_ids=[other.pk])
    with pytest.raises(ValidationFailed):  # the invoice is paid: not open any more
        entry_settle_open_items(company_a, second, invoice_ids=[inv.pk])
    other.refresh_from_db()
    assert other.status == Invoice.Status.OPEN and Match.objects.count() == 1


def test_undo_reverses_the_voucher_and_opens_the_invoice(company_a, account, nordlys):
    inv = invoice(company_a, nordlys, "17000.00")
    (entry,) = entries(company_a, ("16999.50", f"Faktura {inv.number}"))
    match = entry_settle_open_items(company_a, entry, invoice_ids=[inv.pk])
    voucher = match.voucher
    open_lines = OpenBankLine.objects.count()

    match_undo(company_a, match)

    inv.refresh_from_db()
    entry.refresh_from_db()
    assert inv.status == Invoice.Status.OPEN and inv.paid_amount == Decimal("0.00")
    assert entry.status == StatementEntry.Status.UNMATCHED and entry.match_id is None
    reversal = Voucher.objects.get(reverses=voucher)
    assert reversal.date == voucher.date
    assert lines_of(reversal) == sorted(
        [("1500", Decimal("17000.00")), ("1920", Decimal("-16999.50")), ("7740", Decimal("-0.50"))]
    )
    # the voucher's bank line and its reversal's cancel out: neither waits to be matched
    assert OpenBankLine.objects.count() == open_lines
    assert AuditEvent.objects.get(action="reconciliation.unmatch").changes["reversal"] == reversal.number
    # and the receipt can be matched again
    entry_settle_open_items(company_a, entry, invoice_ids=[inv.pk])
    inv.refresh_from_db()
    assert inv.status == Invoice.Status.PAID


@pytest.fixture
def supplier(company_a):
    return supplier_create(company_a, name="Strøm Nord AS", account_number=SUPPLIER_ACCOUNT)


def bill(company, supplier, amount, number="7001"):
    return bill_create(
        company,
        supplier_id=supplier.pk,
        amount=Decimal(amount),
        issue_date=DAY,
        due_date=DAY + datetime.timedelta(days=10),
        message=f"Faktura {number}",
        supplier_invoice_number=number,
    )


def test_payment_out_pays_the_bill_and_undo_opens_it(company_a, account, supplier):
    b = bill(company_a, supplier, "4990.00")
    (entry,) = entries(company_a, ("-4990.00", "Faktura 7001", "Strøm Nord AS", SUPPLIER_ACCOUNT))
    proposal = suggestions.entry_suggestions(company_a, [entry])[entry.pk]
    assert proposal.items[0].kind == suggestions.BILL and proposal.items[0].id == b.pk

    match = entry_settle_open_items(company_a, entry, bill_ids=[b.pk])
    b.refresh_from_db()
    assert b.status == Bill.Status.PAID and b.payment_voucher_id == match.voucher_id
    assert lines_of(match.voucher) == [("1920", Decimal("-4990.00")), ("2400", Decimal("4990.00"))]
    assert match.amount == Decimal("-4990.00")

    match_undo(company_a, match)
    b.refresh_from_db()
    assert b.status == Bill.Status.OPEN and b.payment_voucher_id is None


def test_bill_paid_a_little_short_credits_the_difference(company_a, account, supplier):
    b = bill(company_a, supplier, "4990.00")
    (entry,) = entries(company_a, ("-4989.60", "Faktura 7001"))
    match = entry_settle_open_items(company_a, entry, bill_ids=[b.pk])
    assert lines_of(match.voucher) == [
        ("1920", Decimal("-4989.60")),
        ("2400", Decimal("4990.00")),
        ("7740", Decimal("-0.40")),
    ]


def test_bill_part_payment_and_wrong_side_are_refused(company_a, account, supplier, nordlys):
    b = bill(company_a, supplier, "4990.00")
    inv = invoice(company_a, nordlys, "100.00")
    payment, receipt = entries(company_a, ("-2000.00", "Faktura 7001"), ("100.00", "x"))
    with pytest.raises(ValidationFailed, match="paid in full"):
        entry_settle_open_items(company_a, payment, bill_ids=[b.pk])
    with pytest.raises(ValidationFailed):
        entry_settle_open_items(company_a, payment, invoice_ids=[inv.pk])
    with pytest.raises(ValidationFailed):
        entry_settle_open_items(company_a, receipt, bill_ids=[b.pk])
    with pytest.raises(DomainError):
        entry_settle_open_items(company_a, receipt)
    b.refresh_from_db()
    assert b.status == Bill.Status.OPEN


# --- the ranking itself (pure) -------------------------------------------------------------


def item(id, amount, name="Nordlys Kafé AS", number=None, kid=""):
    return suggestions.OpenItem(suggestions.INVOICE, id, str(number or id), name, Decimal(amount), DAY, kid)


def facts(amount, text, kids=()):
    return suggestions.EntryFacts(Decimal(amount), text, kids=tuple(kids))


@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        ("Nordlys Kafe AS Faktura 43", {"43"}),
        ("fakt.nr. 41 og 0043", {"41", "43"}),
        ("Invoice no: 7, 8 & 9", {"7", "8", "9"}),
        ("FAKTURANR 1001/1002", {"1001", "1002"}),
        ("Husleie mars 2025", set()),
    ],
)
def test_named_numbers(text, numbers):
    assert suggestions.named_numbers(text) == numbers


def test_names_fold_accents_and_company_forms():
    assert suggestions.fold("Nordlys Kafé AS") == "nordlys kafe as"
    assert suggestions.name_tokens("Berg & Sønn AS") == ("berg", "sonn")


def test_equal_candidates_are_a_question_not_a_proposal():
    both = [item(1, "500.00"), item(2, "500.00")]
    assert suggestions.suggest(facts("500.00", "Nordlys Kafe"), both) is None
    # the invoice number settles it
    assert suggestions.suggest(facts("500.00", "Nordlys faktura 2"), both).items[0].id == 2


def test_amount_alone_is_not_enough_but_kid_is():
    assert suggestions.suggest(facts("500.00", "Innbetaling"), [item(1, "500.00", name="Vik AS")]) is None
    found = suggestions.suggest(
        facts("200.00", "", kids=["0000000018"]), [item(1, "500.00", kid="0000000018")]
    )
    assert found.items[0].id == 1 and "PARTIAL" in found.reasons


def test_the_customers_open_invoices_that_add_up():
    items = [item(1, "300.00"), item(2, "200.00"), item(3, "99.00", name="Vik AS")]
    found = suggestions.suggest(facts("500.00", "NORDLYS KAFE"), items)
    assert [i.id for i in found.items] == [1, 2] and found.difference == 0


def test_plan_rounding_partial_and_refusals():
    inv = item(1, "100.00")
    assert suggestions.plan(Decimal("99.00"), [inv]).difference == Decimal("1.00")
    assert suggestions.plan(Decimal("98.99"), [inv]).allocations == ((inv, Decimal("98.99")),)
    assert suggestions.plan(Decimal("101.01"), [inv]).problem == "OVERPAID"
    assert suggestions.plan(Decimal("50.00"), [inv, item(2, "10.00")]).problem == "UNUSED"

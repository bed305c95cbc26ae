"""Matching a bank entry to open customer invoices (a receipt) or supplier bills (a payment).

One confirmation posts the payment voucher (debit the bank's ledger account, credit 1500 per
invoice; or debit 2400 per bill, credit the bank), settles the invoices or pays the bills
through the ledger's own services, posts a small difference (øredifferanse) to the rounding
account, and reconciles the entry with the voucher's bank line: all in one transaction, under
the bank account's lock as every match. Undoing the match (``manual.match_undo``) reverses the
voucher, so the invoices are open again.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from bankint.errors import Conflict, ValidationFailed
from bankint.formatting import amount as fmt_amount
from companies.services import audit_record
from ledger.models import Bill, Invoice, InvoiceSettlement, ReferenceKind, Voucher, VoucherLine
from ledger.services import (
    LineSpec,
    Settlement,
    bills_pay_from_bank,
    bills_payment_undo,
    invoices_settle_bulk,
    ledger_account_ensure,
    voucher_lines_mark_reconciled,
    voucher_reverse,
)

from ..models import Match, StatementEntry
from ..suggestions import (
    INVOICE,
    ROUNDING_ACCOUNT,
    ROUNDING_ACCOUNT_NAME,
    ROUNDING_LIMIT,
    bill_item,
    invoice_item,
    plan,
)
from .manual import _lock_account, _match_one

_OPEN_INVOICE = (Invoice.Status.OPEN, Invoice.Status.PARTLY_PAID)


def _open_items(company, entry, invoice_ids: list[int], bill_ids: list[int]):
    """The chosen invoices (a receipt) or bills (a payment), locked, oldest due first."""
    receipt = entry.amount > 0
    if not invoice_ids and not bill_ids:
        message = _("Select at least one open invoice.") if receipt else _("Select at least one open bill.")
        raise ValidationFailed(message, fields={"invoices" if receipt else "bills": [message]})
    if receipt and bill_ids:
        message = _("A receipt settles customer invoices, not supplier bills.")
        raise ValidationFailed(message, fields={"bills": [message]})
    if not receipt and invoice_ids:
        message = _("A payment out pays supplier bills, not customer invoices.")
        raise ValidationFailed(message, fields={"invoices": [message]})
    if receipt:
        rows = list(
            Invoice.objects.select_for_update(of=("self",))
            .filter(company=company, pk__in=invoice_ids, status__in=_OPEN_INVOICE)
            .select_related("customer")
            .order_by("due_date", "number")
        )
        if len(rows) != len(invoice_ids):
            message = _("Some of the selected invoices are not open invoices of this company.")
            raise ValidationFailed(message, fields={"invoices": [message]})
        return [invoice_item(i) for i in rows], rows
    rows = list(
        Bill.objects.select_for_update(of=("self",))
        .filter(company=company, pk__in=bill_ids, status=Bill.Status.OPEN)
        .select_related("supplier")
        .order_by("due_date", "id")
    )
    if len(rows) != len(bill_ids):
        message = _("Some of the selected bills are not open bills of this company.")
        raise ValidationFailed(message, fields={"bills": [message]})
    return [bill_item(b) for b in rows], rows


def _refusal(result, receipt: bool) -> str:
    if result.problem == "OVERPAID":
        if receipt:
            message = _(
                "The bank entry is %(excess)s more than the open amount of the selected invoices: select "
                "the invoice it also pays, or post it with “Post and match”."
            )
        else:
            message = _(
                "The payment is %(excess)s more than the selected bills: select the bill it also pays, "
                "or post it with “Post and match”."
            )
        return message % {"excess": fmt_amount(result.excess)}
    if result.problem == "BILL_PARTIAL":
        return _(
            "The payment is %(short)s less than the selected bills, and a bill is paid in full: "
            "select the bills it pays (a difference of up to %(limit)s goes to account %(account)s)."
        ) % {
            "short": fmt_amount(result.excess),
            "limit": fmt_amount(ROUNDING_LIMIT),
            "account": ROUNDING_ACCOUNT,
        }
    return _(
        "The bank entry does not reach every selected invoice (%(short)s short): unselect the "
        "invoices it does not pay."
    ) % {"short": fmt_amount(result.excess)}


def _voucher_text(entry, items) -> str:
    numbers = ", ".join(i.number or "?" for i in items)
    names = ", ".join(dict.fromkeys(i.name for i in items))
    if items[0].kind == INVOICE:
        text = ngettext(
            "Payment from %(name)s, invoice %(numbers)s",
            "Payment from %(name)s, invoices %(numbers)s",
            len(items),
        )
    else:
        text = ngettext(
            "Payment to %(name)s, bill %(numbers)s", "Payment to %(name)s, bills %(numbers)s", len(items)
        )
    return (text % {"name": names, "numbers": numbers})[:200]


@transaction.atomic
def entry_settle_open_items(
    company, entry: StatementEntry, *, invoice_ids: Iterable[int] = (), bill_ids: Iterable[int] = ()
) -> Match:
    """Match one bank entry to open invoices (a receipt) or bills (a payment) and settle them."""
    invoice_ids = sorted({int(i) for i in invoice_ids})
    bill_ids = sorted({int(i) for i in bill_ids})
    entry = StatementEntry.objects.filter(pk=entry.pk, company=company).first()
    if entry is None:
        message = _("The bank entry does not exist.")
        raise ValidationFailed(message, fields={"entries": [message]})
    account = _lock_account(entry.bank_account_id)
    entry.refresh_from_db()
    if entry.status != StatementEntry.Status.UNMATCHED:
        raise Conflict(_("This bank entry is already matched."))
    if not entry.amount:
        raise ValidationFailed(_("A bank entry of 0.00 settles nothing."))
    receipt = entry.amount > 0
    items, rows = _open_items(company, entry, invoice_ids, bill_ids)
    result = plan(entry.amount, items)
    if result.problem:
        message = _refusal(result, receipt)
        raise ValidationFailed(message, fields={"invoices" if receipt else "bills": [message]})
    adjustments = []
    if result.difference:
        ledger_account_ensure(company, ROUNDING_ACCOUNT, ROUNDING_ACCOUNT_NAME)
        adjustments.append(LineSpec(ROUNDING_ACCOUNT, result.difference, text=_("Øre difference")))
    text = _voucher_text(entry, items)
    if receipt:
        kids = {inv.pk: inv.kid for inv in rows}
        voucher = invoices_settle_bulk(
            company,
            [Settlement(item.id, share, kids[item.id]) for item, share in result.allocations],
            bank_account=account,
            date=entry.booking_date,
            source=InvoiceSettlement.Source.BANK_STATEMENT,
            text=text,
            bank_reference_kind=ReferenceKind.NONE,
            adjustments=adjustments,
        )
    else:
        voucher = bills_pay_from_bank(
            company,
            [item.id for item, _share in result.allocations],
            bank_account=account,
            date=entry.booking_date,
            text=text,
            adjustments=adjustments,
        )
    line_id = VoucherLine.objects.values_list("id", flat=True).get(
        voucher=voucher, ledger_account=account.ledger_account, bank_account=account
    )
    match = _match_one(account, Match.Rule.INVOICES, [entry], [line_id], entry.amount, voucher)
    audit_record(
        "reconciliation.settle_open_items",
        obj=match,
        company=company,
        changes={
            "entry": entry.pk,
            "voucher": voucher.number,
            "invoices" if receipt else "bills": [
                {"id": item.id, "number": item.number, "amount": f"{share:.2f}"}
                for item, share in result.allocations
            ],
            "difference": f"{result.difference:.2f}",
            "rounding_account": ROUNDING_ACCOUNT if result.difference else "",
        },
    )
    return match


def settlement_undo(company, match: Match, line_ids: list[int]) -> Voucher | None:
    """Reverse the payment voucher of an ``INVOICES`` match: the invoices or bills are open again.

    Called by ``match_undo`` in its transaction, after the match's lines were put back among
    the open bank lines: the voucher's bank line and its reversal's cancel out, so both leave
    the open lines (nothing is left for anyone to match). The reversal carries the
    voucher's own date, so the day's books read as before.
    """
    if match.voucher_id is None:
        return None
    voucher = Voucher.objects.get(pk=match.voucher_id, company=company)
    bills_payment_undo(company, voucher)
    reversal = voucher_reverse(
        voucher,
        date=voucher.date,
        text=_("Match undone: reversal of voucher #%(number)s") % {"number": voucher.number},
    )
    bank_ledger = match.bank_account.ledger_account
    reversal_lines = list(
        VoucherLine.objects.filter(voucher=reversal, ledger_account=bank_ledger).values_list("id", flat=True)
    )
    voucher_lines_mark_reconciled(company, [*line_ids, *reversal_lines])
    return reversal

"""Matching a bank entry to open invoices or bills: the entry's page (ranked candidates, a
search, the chosen items with their sum) and the confirmation that settles them.

Thin, as the other reconciliation pages: ``suggestions`` ranks, ``services`` decides.
"""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bankint.api.params import as_id
from bankint.errors import DomainError
from bankint.formatting import amount as fmt_amount
from companies.permissions import company_view
from companies.roles import Perm
from ledger.models import Bill, Invoice

from .models import StatementEntry
from .services import entry_settle_open_items
from .suggestions import ROUNDING_ACCOUNT, ROUNDING_LIMIT, entry_candidates, entry_suggestions


@company_view()
def entry_open_items(request, pk: int):
    entry = get_object_or_404(
        StatementEntry.objects.select_related("bank_account"), company=request.company, pk=pk
    )
    search = (request.GET.get("q") or "").strip()[:50]
    candidates = entry_candidates(request.company, entry, search=search) if entry.amount else []
    proposal = entry_suggestions(request.company, [entry]).get(entry.pk)
    chosen = {i.id for i in proposal.items} if proposal else set()
    sign = 1 if entry.amount > 0 else -1
    return render(
        request,
        "reconciliation/entry_open_items.html",
        {
            "entry": entry,
            "receipt": entry.amount > 0,
            "rows": [(c, c.item.id in chosen, sign * c.item.open_amount) for c in candidates],
            "search": search,
            "can_manage": Perm.MANAGE_LEDGER in request.company_perms,
            "rounding_limit": ROUNDING_LIMIT,
            "rounding_account": ROUNDING_ACCOUNT,
        },
    )


def _settled_text(match, receipt: bool) -> str:
    """ "Matched 17 000,00 with invoice 43: paid." — what became of each invoice or bill."""
    settled = []
    if receipt:
        for invoice in Invoice.objects.filter(
            company=match.company_id, settlements__voucher=match.voucher_id
        ).distinct():
            state = invoice.get_status_display().lower()
            if invoice.status == Invoice.Status.PARTLY_PAID:
                state = _("%(state)s, %(open)s still open") % {
                    "state": state,
                    "open": fmt_amount(invoice.open_amount),
                }
            settled.append(_("invoice %(number)s: %(state)s") % {"number": invoice.number, "state": state})
    else:
        for bill in Bill.objects.filter(
            company=match.company_id, payment_voucher=match.voucher_id
        ).select_related("supplier"):
            settled.append(
                _("bill %(number)s from %(supplier)s: %(state)s")
                % {
                    "number": bill.supplier_invoice_number or bill.pk,
                    "supplier": bill.supplier.name,
                    "state": bill.get_status_display().lower(),
                }
            )
    return _("Matched %(amount)s with %(settled)s.") % {
        "amount": fmt_amount(match.amount),
        "settled": "; ".join(sorted(settled)),
    }


@company_view(Perm.MANAGE_LEDGER)
@require_POST
def entry_settle(request, pk: int):
    """Confirm: from the entry's page (the ticked ``items``) or a proposal on the matching screen
    (``suggestion``: "invoice:12,13")."""
    entry = get_object_or_404(StatementEntry, company=request.company, pk=pk)
    values = request.POST.getlist("items")
    if request.POST.get("suggestion"):
        kind, _sep, ids = request.POST["suggestion"].partition(":")
        values = [f"{kind}:{i}" for i in ids.split(",")]
    picked: dict[str, list[int]] = {"invoice": [], "bill": []}
    for value in values:
        kind, _sep, raw = value.partition(":")
        number = as_id(raw)
        if kind in picked and number is not None:
            picked[kind].append(number)
    try:
        match = entry_settle_open_items(
            request.company, entry, invoice_ids=picked["invoice"], bill_ids=picked["bill"]
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        if request.POST.get("suggestion"):
            return redirect(f"{reverse('reconciliation:matching')}?account={entry.bank_account_id}")
        return redirect("reconciliation:entry_open_items", pk=entry.pk)
    messages.success(request, _settled_text(match, entry.amount > 0))
    return redirect(f"{reverse('reconciliation:matching')}?account={entry.bank_account_id}")

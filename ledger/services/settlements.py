"""Recording settlements of invoices, and the paid amount and status that follow (locked rows).

Below vouchers (a reversal undoes settlements) and invoices (settling posts a voucher)."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.utils import timezone

from ..models import Invoice, InvoiceSettlement, Voucher
from .chart import ZERO


def _status_for(amount: Decimal, paid: Decimal) -> str:
    if paid <= 0:
        return Invoice.Status.OPEN
    if paid < amount:
        return Invoice.Status.PARTLY_PAID
    return Invoice.Status.PAID if paid == amount else Invoice.Status.OVERPAID


def invoice_settlements_apply(company, voucher: Voucher, items, *, source: str) -> list[Invoice]:
    """Record settlements and recompute the invoices' paid amount and status (locked rows)."""
    ids = {invoice_id for invoice_id, _amount, _ref in items}
    invoices = {
        inv.pk: inv for inv in Invoice.objects.select_for_update().filter(company=company, pk__in=ids)
    }
    InvoiceSettlement.objects.bulk_create(
        [
            InvoiceSettlement(
                company=company,
                invoice_id=invoice_id,
                voucher=voucher,
                amount=amount,
                source=source,
                reference=ref,
            )
            for invoice_id, amount, ref in items
        ],
        batch_size=2000,
    )
    per_invoice: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for invoice_id, amount, _ref in items:
        per_invoice[invoice_id] += amount
    now = timezone.now()
    for invoice_id, delta in per_invoice.items():
        inv = invoices[invoice_id]
        inv.paid_amount += delta
        inv.status = _status_for(inv.amount, inv.paid_amount)
        inv.paid_at = now if inv.status in (Invoice.Status.PAID, Invoice.Status.OVERPAID) else None
    changed = [invoices[i] for i in per_invoice]
    Invoice.objects.bulk_update(changed, ["paid_amount", "status", "paid_at"], batch_size=1000)
    return changed

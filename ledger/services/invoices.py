"""Customers and invoices, and the settlement of invoices by incoming payments.

Bulk services (``invoices_create_bulk``, ``invoices_settle_bulk``) run in a constant number of
queries whatever their size, because the OCR import settles a whole file at once."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bankint.dates import clean_entered_date
from bankint.errors import ValidationFailed
from companies.services import audit_record, clean_org_number

from .. import kid as kidrules
from ..models import (
    Customer,
    Invoice,
    InvoiceSettlement,
    NumberSeries,
    ReferenceKind,
    Voucher,
)
from ..money import clean_amount
from ..selectors import invoice_settings_get
from .chart import RECEIVABLES, SALES, ZERO, number_allocate
from .checks import check_dates, clean_name
from .settlements import invoice_settlements_apply
from .vouchers import LineSpec, VoucherSpec, vouchers_insert


@transaction.atomic
def customer_create(company, *, name: str, org_number: str = "", email: str = "") -> Customer:
    return customers_create_bulk(company, [{"name": name, "org_number": org_number, "email": email}])[0]


@transaction.atomic
def customers_create_bulk(company, specs: Sequence[dict]) -> list[Customer]:
    rows = []
    for spec in specs:
        org = spec.get("org_number") or ""
        rows.append(
            {
                "name": clean_name(spec.get("name")),
                "org_number": clean_org_number(org) if org.strip() else "",
                "email": (spec.get("email") or "").strip(),
            }
        )
    first = number_allocate(company, NumberSeries.Kind.CUSTOMER, len(rows))
    customers = Customer.objects.bulk_create(
        [Customer(company=company, number=first + i, **row) for i, row in enumerate(rows)]
    )
    audit_record(
        "customer.create",
        company=company,
        object_repr=", ".join(f"{c.number} {c.name}" for c in customers[:5]),
        changes={"count": len(customers), "first": first},
    )
    if any(c.pk is None for c in customers):
        return list(Customer.objects.filter(company=company, number__gte=first).order_by("number"))
    return customers


@dataclass(frozen=True)
class InvoiceSpec:
    customer_id: int
    amount: Decimal | str
    issue_date: datetime.date | None = None
    due_date: datetime.date | None = None
    text: str = ""


@transaction.atomic
def invoice_create(
    company, *, customer_id: int, amount, issue_date=None, due_date=None, text: str = ""
) -> Invoice:
    """Create and issue an invoice: number, KID (when on) and a voucher, in one step."""
    spec = InvoiceSpec(customer_id, amount, issue_date, due_date, text)
    return invoices_create_bulk(company, [spec])[0]


@transaction.atomic
def invoices_create_bulk(company, specs: Sequence[InvoiceSpec]) -> list[Invoice]:
    """Issue many invoices in a constant number of queries (the seed and imports)."""
    today = timezone.localdate()
    customer_ids = {spec.customer_id for spec in specs}
    customers = {c.pk: c for c in Customer.objects.filter(company=company, pk__in=customer_ids)}
    prepared = []
    for spec in specs:
        customer = customers.get(spec.customer_id)
        if customer is None:
            message = _("Customer #%(id)s is not one of this company's customers.") % {"id": spec.customer_id}
            raise ValidationFailed(message, fields={"customer": [message]})
        amount = clean_amount(spec.amount)
        issue = clean_entered_date(spec.issue_date or today, field="issue_date")
        due = spec.due_date or issue + datetime.timedelta(days=14)
        check_dates(issue, due)
        prepared.append((spec, customer, amount, issue, due))
    settings = invoice_settings_get(company)
    first = number_allocate(company, NumberSeries.Kind.INVOICE, len(prepared))
    kids: list[str] = []
    for i, (_spec, customer, *_rest) in enumerate(prepared):
        if not settings.kid_enabled:
            kids.append("")
            continue
        try:
            kids.append(kidrules.generate(settings.layout, first + i, customer.number))
        except kidrules.KidLayoutError as exc:
            message = (
                _(
                    "Invoice number %(n)d does not fit in the KID layout: choose a longer KID in the invoice settings."
                )
                if exc.what == "invoice"
                else _(
                    "Customer number %(n)d does not fit in the KID layout: allow more customer digits in the "
                    "invoice settings."
                )
            ) % {"n": exc.value}
            raise ValidationFailed(message, code="kid_layout", fields={"kid": [message]}) from None
    now = timezone.now()
    invoices = Invoice.objects.bulk_create(
        [
            Invoice(
                company=company,
                number=first + i,
                customer=customer,
                issue_date=issue,
                due_date=due,
                amount=amount,
                text=(spec.text or "")[:200],
                kid=kids[i],
                issued_at=now,
            )
            for i, (spec, customer, amount, issue, due) in enumerate(prepared)
        ]
    )
    if any(inv.pk is None for inv in invoices):
        by_number = dict(
            Invoice.objects.filter(company=company, number__gte=first).values_list("number", "pk")
        )
        for inv in invoices:
            inv.pk = inv.id = by_number[inv.number]
    voucher_specs = [
        VoucherSpec(
            date=inv.issue_date,
            text=_("Invoice %(number)d %(customer)s") % {"number": inv.number, "customer": inv.customer.name},
            kind=Voucher.Kind.INVOICE,
            lines=[
                LineSpec(
                    RECEIVABLES,
                    inv.amount,
                    reference_kind=ReferenceKind.KID if inv.kid else ReferenceKind.INVOICE,
                    reference=inv.kid or str(inv.number),
                    invoice_id=inv.pk,
                ),
                LineSpec(SALES, -inv.amount, invoice_id=inv.pk),
            ],
        )
        for inv in invoices
    ]
    vouchers = vouchers_insert(company, voucher_specs, audit=False)
    for inv, voucher in zip(invoices, vouchers, strict=True):
        inv.voucher = voucher
    Invoice.objects.bulk_update(invoices, ["voucher"], batch_size=1000)
    audit_record(
        "invoice.issue",
        obj=invoices[0] if len(invoices) == 1 else None,
        company=company,
        object_repr=f"{_('Invoice')} {first}"
        + (f"-{first + len(invoices) - 1}" if len(invoices) > 1 else ""),
        changes={"count": len(invoices), "first": first, "kid": kids[0] if len(kids) == 1 else None},
    )
    return invoices


@dataclass(frozen=True)
class Settlement:
    """One payment of one invoice; a negative amount undoes one (OCR transaction type 18)."""

    invoice_id: int
    amount: Decimal
    reference: str = ""  # the KID the payer used, or another payment reference


@transaction.atomic
def invoices_settle_bulk(
    company,
    settlements: Sequence[Settlement],
    *,
    bank_account,
    date: datetime.date,
    source: str = InvoiceSettlement.Source.OCR,
    text: str = "",
    bank_reference: str = "",
    bank_reference_kind: str = ReferenceKind.OCR_ASSIGNMENT,
    adjustments: Sequence[LineSpec] = (),
) -> Voucher:
    """Settle many invoices with one voucher, in a constant number of queries.

    The voucher debits the bank's ledger account once with the total (the bank books an OCR
    assignment as one credit entry, which is what reconciliation matches) and
    credits receivables (1500) per invoice with the payer's KID. ``adjustments`` are further
    lines (a small difference to the rounding account): the bank line takes the rest, so the
    bank is debited with the settled total less the adjustments.
    """
    if not settlements:
        raise ValidationFailed(_("Nothing to settle."))
    if bank_account.company_id != company.pk:
        message = _("The bank account is not one of this company's accounts.")
        raise ValidationFailed(message, fields={"bank_account": [message]})
    items = []
    for s in settlements:
        amount = clean_amount(s.amount, allow_negative=True)
        items.append((s.invoice_id, amount, (s.reference or "")[:35]))
    ids = {i for i, _a, _r in items}
    known = set(Invoice.objects.filter(company=company, pk__in=ids).values_list("pk", flat=True))
    missing = sorted(ids - known)
    if missing:
        message = _("Invoices %(ids)s are not this company's invoices.") % {
            "ids": ", ".join(map(str, missing))
        }
        raise ValidationFailed(message, fields={"invoice": [message]})
    total = sum((a for _i, a, _r in items), ZERO) - sum((line.amount for line in adjustments), ZERO)
    lines = [
        LineSpec(
            RECEIVABLES,
            -amount,
            reference_kind=ReferenceKind.KID if ref else ReferenceKind.NONE,
            reference=ref,
            invoice_id=invoice_id,
        )
        for invoice_id, amount, ref in items
    ]
    lines.extend(adjustments)
    if total:
        lines.insert(
            0,
            LineSpec(
                bank_account.ledger_account,
                total,
                bank_account=bank_account,
                reference_kind=bank_reference_kind if bank_reference else ReferenceKind.NONE,
                reference=bank_reference,
            ),
        )
    spec = VoucherSpec(
        date=date,
        text=text or _("Incoming payments (%(count)d)") % {"count": len(items)},
        lines=lines,
        kind=Voucher.Kind.PAYMENT_IN,
    )
    voucher = vouchers_insert(company, [spec], audit=False)[0]
    changed = invoice_settlements_apply(company, voucher, items, source=source)
    audit_record(
        "invoice.settle",
        obj=voucher,
        company=company,
        changes={
            "invoices": len(changed),
            "total": f"{total:.2f}",
            "source": source,
            "reference": bank_reference,
        },
    )
    return voucher


def invoice_settle(
    company, invoice: Invoice, amount, *, bank_account, date=None, source=None, reference=""
) -> Voucher:
    return invoices_settle_bulk(
        company,
        [Settlement(invoice.pk, amount, reference or invoice.kid)],
        bank_account=bank_account,
        date=date or timezone.localdate(),
        source=source or InvoiceSettlement.Source.MANUAL,
    )

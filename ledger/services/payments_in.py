"""Incoming payments in bulk: one bank credit made of many payments (an OCR assignment), and
moving an unallocated payment onto an invoice."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import TypeVar

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bankint.db import array_literal, copy_lines, copy_text, joined
from bankint.errors import ValidationFailed
from companies.services import audit_record

from ..models import (
    Invoice,
    InvoiceSettlement,
    ReferenceKind,
    Voucher,
)
from .chart import RECEIVABLES, ZERO
from .invoices import Settlement
from .settlements import invoice_settlements_apply
from .vouchers import LineSpec, VoucherSpec, vouchers_insert

T = TypeVar("T")


def _invoices_add_paid(
    company, deltas: dict[int, Decimal], *, meanwhile: Callable[[], T] | None = None
) -> T | None:
    """Add ``deltas`` to the invoices' paid amounts and recompute their status, in bulk.

    The increment happens in the database (``paid_amount + delta``), so two imports that
    settle the same invoice at once add up instead of overwriting each other. ``meanwhile``
    runs in Python while the database updates (the UPDATE goes in pipeline mode); its result
    is returned.
    """
    if not deltas:
        return meanwhile() if meanwhile else None
    now = timezone.now()
    connection.ensure_connection()
    with connection.wrap_database_errors, connection.connection.pipeline():
        with connection.cursor() as cursor:
            cursor.execute(
                """
                UPDATE ledger_invoice AS i
                   SET paid_amount = i.paid_amount + v.delta,
                       status = CASE WHEN i.paid_amount + v.delta <= 0 THEN 'OPEN'
                                     WHEN i.paid_amount + v.delta < i.amount THEN 'PARTLY_PAID'
                                     WHEN i.paid_amount + v.delta = i.amount THEN 'PAID'
                                     ELSE 'OVERPAID' END,
                       paid_at = CASE WHEN i.paid_amount + v.delta >= i.amount THEN %s::timestamptz END
                  FROM unnest(%s::bigint[], %s::numeric[]) AS v(id, delta)
                 WHERE i.id = v.id AND i.company_id = %s
                """,
                # arrays as literals: adapting 100,000 Decimals one by one costs more than the UPDATE
                [now, array_literal(deltas), array_literal(deltas.values()), company.pk],
            )
        # sent, not awaited: leaving the pipeline waits for it (and raises its error)
        return meanwhile() if meanwhile else None


def _settlement_lines(settlements, tail: str):
    """COPY text of (invoice, amount, reference) + ``tail`` (the columns every row shares)."""
    for s in settlements:
        reference = (s.reference or "")[:35]
        if not reference.isdigit():
            reference = copy_text(reference)
        yield f"{s.invoice_id}\t{s.amount}\t{reference}{tail}"


@transaction.atomic
def payments_in_post_bulk(
    company,
    settlements: Sequence[Settlement],
    *,
    bank_account,
    date: datetime.date,
    text: str,
    unallocated: Decimal = ZERO,
    unallocated_text: str = "",
    bank_reference: str = "",
    bank_reference_kind: str = ReferenceKind.OCR_ASSIGNMENT,
    source: str = InvoiceSettlement.Source.OCR,
    meanwhile: Callable[[Voucher], object] | None = None,
) -> Voucher | None:
    """Book one bank credit made of many payments, in a constant number of queries.

    For an OCR assignment of 100,000 payments: one voucher debits the bank's ledger account
    with the net total (the statement's one credit; ``bank_reference`` is what reconciliation
    matches), credits receivables (1500) with the settled total and, separately, with what no
    invoice claimed yet (``unallocated``, allocated by hand later). The per-invoice detail is
    in ``InvoiceSettlement`` rows (the customer ledger), written with COPY.
    ``settlements`` may be any objects with ``invoice_id``, ``amount`` and ``reference``.
    Callers have checked that every invoice id is the company's. Returns None when the
    payments change nothing (a payment and its reversal of the same invoice).

    ``meanwhile(voucher)``, when given, is called once the voucher exists, while the database
    updates the invoices (it has the time: 100,000 invoices take a few tenths of a second):
    the OCR import formats its transaction rows there. It is not called when nothing is posted.
    """
    if bank_account.company_id != company.pk:
        message = _("The bank account is not one of this company's accounts.")
        raise ValidationFailed(message, fields={"bank_account": [message]})
    settled = sum((s.amount for s in settlements), ZERO)
    total = settled + unallocated
    reference_kind = bank_reference_kind if bank_reference else ReferenceKind.NONE
    lines = []
    if total:
        lines.append(
            LineSpec(
                bank_account.ledger_account,
                total,
                bank_account=bank_account,
                reference_kind=reference_kind,
                reference=bank_reference,
            )
        )
    if settled:
        lines.append(
            LineSpec(
                RECEIVABLES, -settled, text=_("Settled invoices (%(count)d)") % {"count": len(settlements)}
            )
        )
    if unallocated:
        lines.append(
            LineSpec(
                RECEIVABLES,
                -unallocated,
                text=unallocated_text or _("Unallocated payments"),
                reference_kind=reference_kind,
                reference=bank_reference,
            )
        )
    deltas: dict[int, Decimal] = {}
    get = deltas.get
    for s in settlements:
        # the payment's own Decimal when it is the invoice's only one (nearly always): no
        # 100,000 new objects at the import's peak
        previous = get(s.invoice_id)
        deltas[s.invoice_id] = s.amount if previous is None else previous + s.amount
    if len(lines) < 2:
        # Nothing net on the account or receivables (e.g. a payment and its reversal in one
        # assignment); invoices whose balance still moved get their own lines.
        lines = [LineSpec(RECEIVABLES, -delta, invoice_id=pk) for pk, delta in deltas.items() if delta]
        if not lines:
            return None
    voucher = vouchers_insert(
        company, [VoucherSpec(date=date, text=text, lines=lines, kind=Voucher.Kind.PAYMENT_IN)], audit=False
    )[0]
    created = timezone.now()
    # The invoices are locked (updated) before the settlement rows that refer to them are
    # written: what a per-row foreign key's lock did, for the whole batch at once.
    tail = f"\t{company.pk}\t{voucher.pk}\t{source}\t{created.isoformat()}\n"

    def format_rows() -> list[str]:  # while the database updates the invoices
        chunks = list(joined(_settlement_lines(settlements, tail)))
        if meanwhile is not None:
            meanwhile(voucher)
        return chunks

    chunks = _invoices_add_paid(company, deltas, meanwhile=format_rows)
    copy_lines(
        InvoiceSettlement,
        ("invoice", "amount", "reference", "company", "voucher", "source", "created_at"),
        chunks or (),
    )
    audit_record(
        "invoice.settle_bulk",
        obj=voucher,
        company=company,
        changes={
            "invoices": len(deltas),
            "settled": f"{settled:.2f}",
            "unallocated": f"{unallocated:.2f}",
            "source": source,
            "reference": bank_reference,
        },
    )
    return voucher


@transaction.atomic
def payment_allocate(
    company, *, invoice: Invoice, amount: Decimal, date: datetime.date, reference: str = "", text: str = ""
) -> Voucher:
    """Move an unallocated payment (credited to 1500 without an invoice) onto an invoice."""
    if invoice.company_id != company.pk:
        message = _("The invoice is not one of this company's invoices.")
        raise ValidationFailed(message, fields={"invoice": [message]})
    voucher = vouchers_insert(
        company,
        [
            VoucherSpec(
                date=date,
                text=text or _("Allocation to invoice %(number)d") % {"number": invoice.number},
                kind=Voucher.Kind.PAYMENT_IN,
                lines=[
                    LineSpec(RECEIVABLES, amount, text=_("Unallocated payments"), reference=reference),
                    LineSpec(
                        RECEIVABLES,
                        -amount,
                        reference_kind=ReferenceKind.KID if reference else ReferenceKind.NONE,
                        reference=reference,
                        invoice_id=invoice.pk,
                    ),
                ],
            )
        ],
        audit=False,
    )[0]
    invoice_settlements_apply(
        company, voucher, [(invoice.pk, amount, reference)], source=InvoiceSettlement.Source.MANUAL
    )
    audit_record(
        "invoice.allocate",
        obj=voucher,
        company=company,
        changes={"invoice": invoice.number, "amount": f"{amount:.2f}", "reference": reference},
    )
    return voucher

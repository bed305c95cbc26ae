"""Allocating by hand an OCR payment the import could not settle."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from bankint.errors import Conflict, ValidationFailed
from companies.services import audit_record
from ledger.models import Invoice
from ledger.services.payments_in import payment_allocate

from ..models import OcrFile, OcrTransaction

ZERO = Decimal("0.00")


@transaction.atomic
def ocr_transaction_allocate(
    transaction_obj: OcrTransaction, invoice: Invoice, *, user=None
) -> OcrTransaction:
    """Settle an unmatched OCR payment against an invoice the user chose.

    The payment sits on receivables as unallocated since the import; this moves it onto the
    invoice. A conditional update claims it, so a double click allocates once.
    """
    company = transaction_obj.company
    if invoice.company_id != company.pk:
        message = _("The invoice is not one of this company's invoices.")
        raise ValidationFailed(message, fields={"invoice": [message]})
    if transaction_obj.status != OcrTransaction.Status.UNMATCHED:
        raise Conflict(_("This payment is not waiting for allocation any more."), code="not_unmatched")
    if (
        transaction_obj.amount < ZERO
        and (
            paid := Invoice.objects.select_for_update()
            .values_list("paid_amount", flat=True)
            .get(pk=invoice.pk)
        )
        + transaction_obj.amount
        < ZERO
    ):
        # A credit note (or a reversal) only takes back what was paid: an invoice is never
        # left with less than nothing paid.
        message = _(
            "A credit note of NOK %(amount)s can only reduce what was paid on an invoice, and invoice "
            "%(number)d has NOK %(paid)s paid."
        ) % {"amount": f"{-transaction_obj.amount:.2f}", "number": invoice.number, "paid": f"{paid:.2f}"}
        raise ValidationFailed(message, fields={"invoice": [message]})
    claimed = OcrTransaction.objects.filter(
        pk=transaction_obj.pk, status=OcrTransaction.Status.UNMATCHED
    ).update(status=OcrTransaction.Status.SETTLED, invoice=invoice)
    if not claimed:
        raise Conflict(_("This payment is not waiting for allocation any more."), code="not_unmatched")
    voucher = payment_allocate(
        company,
        invoice=invoice,
        amount=transaction_obj.amount,
        date=timezone.localdate(),
        reference=transaction_obj.kid,
        text=_("OCR payment %(a)s/%(n)d allocated to invoice %(number)d")
        % {"a": transaction_obj.assignment_number, "n": transaction_obj.number, "number": invoice.number},
    )
    OcrTransaction.objects.filter(pk=transaction_obj.pk).update(voucher=voucher, note="")
    OcrFile.objects.filter(pk=transaction_obj.file_id, unmatched_count__gt=0).update(
        unmatched_count=F("unmatched_count") - 1, settled_count=F("settled_count") + 1
    )
    audit_record(
        "ocr_transaction.allocate",
        obj=transaction_obj,
        company=company,
        actor=user,
        changes={"invoice": invoice.number, "amount": f"{transaction_obj.amount:.2f}"},
    )
    transaction_obj.refresh_from_db()
    return transaction_obj

"""Reads for remittance: lists, one batch with its history ("where is my payment?")."""

from __future__ import annotations

from django.db.models import QuerySet

from companies.models import AuditEvent

from .models import BankReport, Payment, PaymentBatch


def payment_list(company, *, status: str | None = None, batch_id: int | None = None) -> QuerySet[Payment]:
    qs = Payment.objects.filter(company=company).select_related("bank_account", "batch")
    if status:
        qs = qs.filter(status=status)
    if batch_id is not None:
        qs = qs.filter(batch_id=batch_id)
    return qs.order_by("-created_at", "-id")


def payment_list_rejected_uncorrected(company) -> QuerySet[Payment]:
    return payment_list(company, status=Payment.Status.REJECTED).filter(corrected_by__isnull=True)


def payment_batch_list(company, *, status: str | None = None) -> QuerySet[PaymentBatch]:
    qs = PaymentBatch.objects.filter(company=company).select_related("bank_account")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-id")


def payment_batch_timeline(batch: PaymentBatch) -> list[dict]:
    """The batch's audit rows and the bank's reports, oldest first: the status timeline."""
    rows = [
        {
            "at": e.created_at,
            "kind": "audit",
            "action": e.action,
            "actor": e.actor_label,
            "changes": e.changes,
        }
        for e in AuditEvent.objects.filter(object_type="remittance.paymentbatch", object_id=str(batch.pk))
    ]
    rows += [
        {
            "at": r.received_at,
            "kind": "bank",
            "action": r.get_kind_display(),
            "actor": "DNB",
            "changes": {"status": r.status, "summary": r.summary},
        }
        for r in BankReport.objects.filter(batch=batch).only("received_at", "kind", "status", "summary")
    ]
    return sorted(rows, key=lambda r: r["at"])

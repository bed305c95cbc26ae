"""Reads for remittance: lists, one batch with its history ("where is my payment?")."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

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


def _batch_action_label(action: str) -> str:
    """An audit action code in plain words: support staff and users read the timeline, not code."""
    verb = action.removeprefix("payment_batch.")
    fixed = {
        "create": _("Batch created"),
        "signing_start": _("BankID signing started"),
        "signing_cancelled": _("BankID signing cancelled"),
        "signing_expired": _("BankID signing expired"),
        "signing_failed": _("BankID signing failed"),
        "execution_date_moved": _("Execution date moved to the next banking day"),
    }
    if verb in fixed:
        return fixed[verb]
    if verb.upper() in PaymentBatch.Status.values:
        return PaymentBatch.Status(verb.upper()).label
    return action


def _status_label(value) -> str:
    return PaymentBatch.Status(value).label if value in PaymentBatch.Status.values else str(value or "")


def payment_batch_timeline(batch: PaymentBatch) -> list[dict]:
    """The batch's audit rows and the bank's reports, oldest first: the status timeline."""
    rows = [
        {
            "at": e.created_at,
            "kind": "audit",
            "action": _batch_action_label(e.action),
            "code": e.action,
            "status_after": _status_label((e.changes or {}).get("status", {}).get("after"))
            if isinstance((e.changes or {}).get("status"), dict)
            else "",
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
            "code": r.kind,
            "status_after": "",
            "actor": "DNB",
            "changes": {"status": r.status, "summary": r.summary},
        }
        for r in BankReport.objects.filter(batch=batch).only("received_at", "kind", "status", "summary")
    ]
    return sorted(rows, key=lambda r: r["at"])

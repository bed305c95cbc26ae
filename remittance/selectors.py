"""Reads for remittance: lists, one batch with its history ("where is my payment?")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from companies.models import AuditEvent
from companies.roles import ROLE_PERMS, Perm

from .models import BankReport, Payment, PaymentBatch, PaymentSettings

# The roles that enter or approve payments; read-only members take no part in them.
PAYMENT_ROLES = sorted(
    role for role, perms in ROLE_PERMS.items() if perms & {Perm.PREPARE_PAYMENTS, Perm.APPROVE_PAYMENTS}
)


def payment_list(company, *, status: str | None = None, batch_id: int | None = None) -> QuerySet[Payment]:
    qs = Payment.objects.filter(company=company).select_related("bank_account", "batch")
    if status:
        qs = qs.filter(status=status)
    if batch_id is not None:
        qs = qs.filter(batch_id=batch_id)
    return qs.order_by("-created_at", "-id")


def payment_end_to_end_ids_by_uetr(company_id: int, uetrs: list[str]) -> dict[str, str]:
    """UETR → EndToEndId of the company's payments with these UETRs (``bankint.payment_ids``)."""
    return {
        str(uetr): end_to_end_id
        for uetr, end_to_end_id in Payment.objects.filter(company_id=company_id, uetr__in=uetrs).values_list(
            "uetr", "end_to_end_id"
        )
    }


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
        "signing_refused": _("BankID signing refused: the four-eyes rule applies"),
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


# --- the four-eyes rule -------------------------------------------------------------------------


def payment_settings_get(company) -> PaymentSettings:
    """The company's payment settings; the defaults (four-eyes on) where none were saved."""
    return PaymentSettings.objects.filter(company=company).first() or PaymentSettings(company=company)


def payment_people(company) -> QuerySet:
    """The active users who may enter or approve the company's payments."""
    return (
        get_user_model()
        .objects.filter(memberships__company=company, memberships__role__in=PAYMENT_ROLES, is_active=True)
        .distinct()
    )


def payment_approvers(company) -> QuerySet:
    """The active users who may approve the company's payments with BankID (the approver role)."""
    approving = sorted(role for role, perms in ROLE_PERMS.items() if Perm.APPROVE_PAYMENTS in perms)
    return (
        get_user_model()
        .objects.filter(memberships__company=company, memberships__role__in=approving, is_active=True)
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


def four_eyes_in_force(company) -> bool:
    """Whether an approver must not be the one who built the batch or entered its payments.

    The rule is off only while the company has it switched off *and* one person alone may
    enter or approve its payments: where two can, one enters and the other approves, so a
    second person joining brings the rule back without anyone switching it on.
    """
    if payment_settings_get(company).four_eyes:
        return True
    return payment_people(company).count() != 1


@dataclass(frozen=True)
class PaymentSettingsState:
    four_eyes: bool
    four_eyes_in_force: bool
    payment_people: int
    updated_at: datetime | None


def payment_settings_state(company) -> PaymentSettingsState:
    settings = payment_settings_get(company)
    people = payment_people(company).count()
    return PaymentSettingsState(
        four_eyes=settings.four_eyes,
        four_eyes_in_force=settings.four_eyes or people != 1,
        payment_people=people,
        updated_at=settings.updated_at,
    )

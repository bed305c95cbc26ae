"""What several remittance jobs share: the batch's conditional state change, the request to
send a batch, and a format module's refusal in words."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from bankint.errors import IllegalTransition, reason_of
from companies.services import audit_record
from iso20022.errors import IsoFormatError

from ..models import Payment, PaymentBatch
from ..signals import payment_batch_ready_to_send

B = PaymentBatch.Status
P = Payment.Status


def transition(
    batch: PaymentBatch, target: str, *, allowed_from=None, audit: dict | None = None, **fields
) -> PaymentBatch:
    """Move the batch to ``target`` with one conditional UPDATE from the states allowed to.

    Two requests racing to move the same batch cannot both succeed: the loser's update
    matches no row and it gets IllegalTransition naming the state the winner left.
    """
    sources = allowed_from or [s for s, targets in PaymentBatch.TRANSITIONS.items() if target in targets]
    stamp = {
        B.APPROVED: "approved_at",
        B.SUBMITTING: "submitting_at",
        B.SUBMITTED: "submitted_at",
        B.BOOKED: "booked_at",
    }.get(target)
    if stamp:
        fields.setdefault(stamp, timezone.now())
    claimed = PaymentBatch.objects.filter(pk=batch.pk, status__in=sources).update(status=target, **fields)
    if not claimed:
        current = PaymentBatch.objects.filter(pk=batch.pk).values_list("status", flat=True).first()
        raise IllegalTransition(
            _("The batch is %(current)s and cannot become %(target)s.")
            % {"current": B(current).label if current else "?", "target": B(target).label}
        )
    before = batch.status
    batch.refresh_from_db()
    audit_record(
        f"payment_batch.{target.lower()}",
        obj=batch,
        changes={"status": {"before": before, "after": target}, **(audit or {})},
    )
    return batch


def request_submit(batch: PaymentBatch) -> None:
    """Ask for the batch to be sent once the surrounding transaction commits.

    The batch's state, already written in this transaction, is what says it is to be sent;
    ``remittance.tasks`` queues the send on commit, and the sweep in
    ``payment_batches_resolve_stale`` queues whatever the broker lost.
    """
    payment_batch_ready_to_send.send(sender=PaymentBatch, batch_id=batch.pk)


def file_reason(exc: IsoFormatError) -> str:
    """A format module's refusal in the active language, and where in the file when it says
    so nowhere else (a path of elements, or a field)."""
    reason = reason_of(exc)
    if exc.path and exc.path != "/" and exc.path not in reason:
        return _("%(reason)s (at %(path)s)") % {"reason": reason, "path": exc.path}
    return reason

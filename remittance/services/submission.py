"""Submission: a batch sent to the bank at most once, and the batches whose sending was
interrupted found again.

``payment_batch_submit`` claims the batch with a conditional update (APPROVED,
POST_APPROVAL or UNKNOWN → SUBMITTING), builds and stores the file once, calls the bank
*outside* any transaction with the batch's fixed MsgId, and records the answer in a second
transaction. A timeout leaves the batch UNKNOWN; the retry resends the stored bytes with the
same MsgId, which the bank deduplicates. A crash between send and record is resolved by
asking the bank what it has under the MsgId (``payment_batch_resolve``).
"""

from __future__ import annotations

import hashlib
import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from bankclient import BankRejected, BankUnavailable, get_client
from bankint.errors import BankFileRejected, Conflict, IllegalTransition, NotPermitted
from companies.roles import Perm
from companies.selectors import user_perms
from companies.services import audit_record

from ..banking_days import banking_day_on_or_after
from ..models import Payment, PaymentBatch
from .bank_answers import payment_batch_apply_pain002, reject_whole_batch, report_unreadable
from .batches import payment_batch_build_file
from .common import B, P, request_submit, transition

logger = logging.getLogger(__name__)

# A batch still SUBMITTING after this long lost its worker between send and record.
STALE_SUBMISSION = timedelta(minutes=10)


def payment_batch_send(batch: PaymentBatch, user) -> PaymentBatch:
    """Post-approval: send the draft to the bank for approval there. RgB: (re)queue the send."""
    if Perm.PREPARE_PAYMENTS not in user_perms(
        user, batch.company
    ) and Perm.APPROVE_PAYMENTS not in user_perms(user, batch.company):
        raise NotPermitted(_("You may not send payments for this company."))
    with transaction.atomic():
        if batch.status == B.DRAFT:
            if batch.approval_mode == PaymentBatch.ApprovalMode.RGB:
                raise Conflict(
                    _("This account uses RgB: approve the batch with BankID before it is sent."),
                    code="needs_approval",
                )
            batch = transition(batch, B.POST_APPROVAL, allowed_from=[B.DRAFT])
        elif batch.status not in (B.APPROVED, B.POST_APPROVAL, B.UNKNOWN):
            raise IllegalTransition(
                _("The batch is %(status)s and cannot be sent.") % {"status": batch.get_status_display()}
            )
        request_submit(batch)
    return batch


def _execution_date_move_forward(batch: PaymentBatch) -> None:
    """A batch approved for a day that has passed goes out for the next banking day.

    Approval can wait (a BankID session left open over a weekend, post-approval batches
    prepared on Friday): the bank would otherwise book it on a date already closed. The
    payments, the file and the audit trail all say the new date.
    """
    today = timezone.localdate()
    if batch.execution_date >= today:
        return
    before, after = batch.execution_date, banking_day_on_or_after(today)
    PaymentBatch.objects.filter(pk=batch.pk).update(execution_date=after)
    Payment.objects.filter(batch=batch).update(execution_date=after)
    batch.execution_date = after
    audit_record(
        "payment_batch.execution_date_moved",
        obj=batch,
        changes={"execution_date": {"before": before.isoformat(), "after": after.isoformat()}},
    )


def payment_batch_submit(batch_id: int, *, client=None) -> PaymentBatch:
    """Send the batch once. Safe to call twice, from two workers, or after a crash."""
    now = timezone.now()
    with transaction.atomic():
        claimed = PaymentBatch.objects.filter(
            pk=batch_id, status__in=[B.APPROVED, B.POST_APPROVAL, B.UNKNOWN]
        ).update(status=B.SUBMITTING, submitting_at=now, submit_attempts=F("submit_attempts") + 1)
        batch = PaymentBatch.objects.select_related("bank_account", "company").get(pk=batch_id)
        if not claimed:
            return batch  # someone else sends it, or it was sent already
        if not batch.pain001_sha256:
            _execution_date_move_forward(batch)
            # Built once: every retry sends these bytes with this MsgId.
            batch.file_created_at = now
            xml = payment_batch_build_file(batch)
            batch.pain001, batch.pain001_sha256 = xml, hashlib.sha256(xml).hexdigest()
            PaymentBatch.objects.filter(pk=batch.pk, pain001_sha256="").update(
                pain001=xml, pain001_sha256=batch.pain001_sha256, file_created_at=now
            )
            Payment.objects.filter(batch=batch, status=P.IN_BATCH).update(status=P.SENT)
        audit_record(
            "payment_batch.submitting",
            obj=batch,
            changes={
                "attempt": batch.submit_attempts,
                "msg_id": batch.msg_id,
                "sha256": batch.pain001_sha256,
            },
        )
    client = client or get_client()
    rgb = batch.approval_mode == PaymentBatch.ApprovalMode.RGB
    try:
        answer = client.submit_pain001(
            bytes(batch.pain001),
            msg_id=batch.msg_id,
            approval_mode="rgb" if rgb else "post_approval",
            approved_by=[batch.approved_bank_user_id] if rgb and batch.approved_bank_user_id else [],
        )
    except BankUnavailable as exc:
        # The bank may have executed it: never a new file, only this one again (same MsgId).
        with transaction.atomic():
            transition(batch, B.UNKNOWN, allowed_from=[B.SUBMITTING], last_error=str(exc)[:500])
        raise
    except BankRejected as exc:
        return reject_whole_batch(batch, exc.code, exc.message)
    return payment_batch_apply_pain002(batch, answer.content)


def payment_batch_resolve(batch: PaymentBatch, *, client=None) -> PaymentBatch:
    """UNKNOWN, or SUBMITTING for too long: ask the bank what it has under the MsgId."""
    client = client or get_client()
    try:
        content = client.get_pain002(batch.msg_id)
    except BankRejected as exc:
        if exc.status == 404 or exc.code == "not_found":
            if batch.status == B.SUBMITTING:
                with transaction.atomic():
                    batch = transition(
                        batch, B.UNKNOWN, allowed_from=[B.SUBMITTING], last_error=exc.message[:500]
                    )
            return batch  # never received: the next send (same MsgId) is safe
        raise
    return payment_batch_apply_pain002(batch, content)


def payment_batches_resolve_stale(*, client=None) -> int:
    """Beat: batches left SUBMITTING by a crashed worker, or UNKNOWN after a timeout."""
    stale = getattr(settings, "REMITTANCE_STALE_SUBMISSION_SECONDS", STALE_SUBMISSION.total_seconds())
    cutoff = timezone.now() - timedelta(seconds=stale)
    ids = list(
        PaymentBatch.objects.filter(status=B.SUBMITTING, submitting_at__lt=cutoff).values_list(
            "pk", flat=True
        )
    ) + list(PaymentBatch.objects.filter(status=B.UNKNOWN).values_list("pk", flat=True))
    done = 0
    for batch in PaymentBatch.objects.filter(pk__in=ids).select_related("company", "bank_account"):
        try:
            batch = payment_batch_resolve(batch, client=client)
        except (BankUnavailable, BankRejected) as exc:
            logger.warning("could not resolve batch %s: %s", batch.pk, exc)
            continue
        except BankFileRejected as exc:
            # One unreadable answer must not stop the other batches; it waits, said, not resent.
            report_unreadable(batch, exc)
            continue
        if batch.status == B.UNKNOWN:
            request_submit(batch)
        done += 1
    # Approved, or sent for post-approval, but never queued (the broker was down at the
    # click) or the queue lost it: queue it again. The claim in payment_batch_submit makes a
    # second delivery a no-op, so an early re-queue costs nothing.
    unqueued = (
        PaymentBatch.objects.filter(status__in=[B.APPROVED, B.POST_APPROVAL])
        .annotate(since=Coalesce("approved_at", "created_at"))
        .filter(since__lt=cutoff)
    )
    for batch in unqueued.only("pk"):
        request_submit(batch)
        done += 1
    return done

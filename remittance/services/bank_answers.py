"""The bank's answers to a payment file: pain.002 status reports, each stored as received and
applied once, in a constant number of queries per batch (camt.054: :mod:`.debit_notifications`)."""

from __future__ import annotations

import hashlib
import logging
from collections import Counter

from django.db import transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_

from bankint.errors import BankFileRejected
from bankint.stored_text import Account, Code, stored
from iso20022.errors import IsoFormatError
from iso20022.pain002 import Pain002Report, StatusReason, UnidentifiedStatus, parse_pain002
from ledger.services import (
    bills_unschedule_bulk,
)
from notifications.models import Notification
from notifications.services import notify

from ..models import BankReport, Payment, PaymentBatch
from .common import B, P, file_reason, transition

logger = logging.getLogger(__name__)

UPDATE_CHUNK = 10_000

_PAYMENT_FOR_CODE = {
    "PDNG": P.AWAITING_APPROVAL,
    "ACSP": P.ACCEPTED,
    "ACCP": P.ACCEPTED,
    "ACWC": P.ACCEPTED,
    "ACSC": P.ACCEPTED,  # booked only when the camt.054 arrives and the voucher is posted
    "RJCT": P.REJECTED,
}


def _batch_status_from(counts: Counter, batch_rejected: bool) -> str:
    live = {k: v for k, v in counts.items() if k != P.CANCELLED}
    total = sum(live.values())
    rejected = live.get(P.REJECTED, 0)
    if batch_rejected or (total and rejected == total):
        return B.REJECTED
    if total and live.get(P.BOOKED, 0) == total - rejected:
        return B.BOOKED
    if rejected:
        return B.PARTLY_ACCEPTED
    if live.get(P.AWAITING_APPROVAL, 0):
        return B.AWAITING_APPROVAL
    if total and live.get(P.ACCEPTED, 0) + live.get(P.BOOKED, 0) == total:
        return B.ACCEPTED
    return B.SUBMITTED


def _move_batch(batch: PaymentBatch, target: str, **fields) -> PaymentBatch:
    """Follow the bank's word where the transition map allows; otherwise keep the state."""
    if target != batch.status and target in PaymentBatch.TRANSITIONS.get(batch.status, ()):
        return transition(batch, target, allowed_from=[batch.status], **fields)
    if fields:
        PaymentBatch.objects.filter(pk=batch.pk).update(**fields)
        for key, value in fields.items():
            setattr(batch, key, value)
    return batch


def _lang() -> str:
    return "en" if (get_language() or "nb").startswith("en") else "nb"


def _notify_rejections(batch: PaymentBatch, rejected: list[Payment], key: str, reason: str = "") -> None:
    if not rejected and not reason:
        return
    # By code, worded in the reader's language when read; a rejection with only the bank's
    # words is given by them.
    lines = []
    for (code, text), n in Counter(
        (p.reason_code, "" if p.reason_code else p.reason_text) for p in rejected
    ).items():
        words = text or Code("pain002_reason", code)
        lines.append(
            stored(N_("%(code)s: %(words)s (%(count)d)"), code=code, words=words, count=n)
            if code
            else stored(N_("%(words)s (%(count)d)"), words=words, count=n)
        )
    body = stored(
        N_(
            "The bank rejected %(count)d payment in batch %(msg_id)s from account %(account)s. %(reason)s "
            "Correct the rejected payment under Payments › Rejected and send it again in a new batch."
        ),
        plural=N_(
            "The bank rejected %(count)d payments in batch %(msg_id)s from account %(account)s. %(reason)s "
            "Correct the rejected payments under Payments › Rejected and send them again in a new batch."
        ),
        plural_by="count",
        **{
            "count": len(rejected),
            "msg_id": batch.msg_id,
            "account": Account(batch.bank_account.account_number),
            "reason": reason or lines,
        },
    )
    notify(
        batch.company,
        title=stored(N_("Payments rejected by the bank")),
        body=body,
        level=Notification.Level.ERROR,
        link=f"/payments/batches/{batch.pk}/",
        dedup_key=f"remittance:{batch.pk}:{key}"[:100],
    )


def _notify_unidentified(batch: PaymentBatch, statuses: list[UnidentifiedStatus], key: str) -> None:
    lang = _lang()
    described = "; ".join(
        " ".join(
            part
            for part in (
                f"#{u.position}",
                u.instruction_id or "",
                u.status or "-",
                u.reasons[0].key if u.reasons else "",
                f"({u.reasons[0].text(lang)})" if u.reasons else "",
            )
            if part
        )
        for u in statuses
    )
    notify(
        batch.company,
        title=stored(N_("A status from the bank could not be matched to a payment")),
        body=stored(
            N_(
                "The bank's status report for batch %(msg_id)s gives %(count)d status(es) without saying which "
                "payment they are for (no EndToEndId): %(statuses)s. The portal has not applied them to any "
                "payment; check the batch's payments in the online bank."
            ),
            msg_id=batch.msg_id,
            count=len(statuses),
            statuses=described,
        ),
        level=Notification.Level.WARNING,
        link=f"/payments/batches/{batch.pk}/",
        dedup_key=f"remittance:{batch.pk}:{key}"[:100],
    )


def report_unreadable(batch: PaymentBatch, exc: BankFileRejected) -> None:
    """A status report the portal cannot read: kept on the batch and said to the company, so a
    batch never waits silently for an answer that has come."""
    logger.error("pain.002 for %s not applied: %s", batch.msg_id, exc)
    PaymentBatch.objects.filter(pk=batch.pk).update(last_error=exc.message[:500])
    notify(
        batch.company,
        title=stored(N_("The bank's status report could not be read")),
        body=stored(
            N_(
                "The bank's answer to batch %(msg_id)s could not be applied: %(reason)s The batch keeps its "
                "status until a readable answer comes; check it in the online bank."
            ),
            msg_id=batch.msg_id,
            reason=exc.message,
        ),
        level=Notification.Level.ERROR,
        link=f"/payments/batches/{batch.pk}/",
        dedup_key=f"remittance:{batch.pk}:unreadable:{hashlib.sha256(exc.message.encode()).hexdigest()[:16]}",
    )


def reject_whole_batch(batch: PaymentBatch, code: str, message: str) -> PaymentBatch:
    with transaction.atomic():
        batch = PaymentBatch.objects.select_related("bank_account", "company").get(pk=batch.pk)
        payments = list(batch.payments.exclude(status__in=list(Payment.FINAL)))
        now = timezone.now()
        for p in payments:
            p.status, p.reason_code, p.reason_text, p.rejected_at = P.REJECTED, code[:10], message[:500], now
        _update_grouped(payments, ["status", "reason_code", "reason_text", "rejected_at"])
        bills_unschedule_bulk(batch.company, [p.bill_id for p in payments if p.bill_id])
        batch = _move_batch(
            batch, B.REJECTED, bank_status="RJCT", bank_reason=code[:10], bank_reason_text=message[:500]
        )
        _notify_rejections(batch, payments, f"refused:{code}", reason=f"{code}: {message}")
    return batch


def _update_grouped(payments: list[Payment], fields: list[str]) -> None:
    """One UPDATE per distinct set of new values (a handful: status × reason code), not a
    CASE per row: bulk_update of 10,000 rows takes seconds, this takes milliseconds."""
    groups: dict[tuple, list[int]] = {}
    for p in payments:
        groups.setdefault(tuple(getattr(p, f) for f in fields), []).append(p.pk)
    for values, ids in groups.items():
        for start in range(0, len(ids), UPDATE_CHUNK):
            Payment.objects.filter(pk__in=ids[start : start + UPDATE_CHUNK]).update(
                **dict(zip(fields, values, strict=True))
            )


def _statuses_for_batch(
    report: Pain002Report, batch: PaymentBatch, payments: list[Payment]
) -> tuple[dict[str, tuple[str | None, tuple[StatusReason, ...]]], list[UnidentifiedStatus]]:
    """EndToEndId → (status, reasons) for this batch's payments, and the statuses the bank gave
    without an EndToEndId that could not be placed.

    A status without EndToEndId is a payment's only where it cannot be another's: the report
    lists one transaction for the batch and the batch has one payment. Anywhere else it is
    returned to be reported (never guessed by position: banks list only some payments, in
    their own order), unless it says no more than the batch's status already does.
    """
    statuses = report.effective_statuses()
    mine = [u for u in report.unidentified_statuses() if u.pmt_inf_id == batch.pmt_inf_id]
    if not mine:
        return statuses, []
    listed = next(b for b in report.batches if b.pmt_inf_id == batch.pmt_inf_id).transactions
    if len(listed) == 1 and len(payments) == 1:
        only = mine[0]
        return {**statuses, payments[0].end_to_end_id: (only.status, only.reasons)}, []
    b_status, b_reasons = report.batch_statuses()[batch.pmt_inf_id]
    return statuses, [u for u in mine if (u.status, u.reasons) != (b_status, b_reasons)]


def _batch_reason(b_reasons: tuple[StatusReason, ...], payments: list[Payment]) -> tuple[str, str]:
    """(code, the bank's words) for the batch: its own reason, else the one its rejected
    payments share (the bank's usual answer when every payment is refused), else none."""
    if b_reasons and (b_reasons[0].key or b_reasons[0].info):
        return b_reasons[0].key, b_reasons[0].info
    rejected = {(p.reason_code, p.reason_text) for p in payments if p.status == P.REJECTED}
    codes = {code for code, _text in rejected}
    if len(codes) == 1 and "" not in codes:
        texts = {text for _code, text in rejected}
        return codes.pop(), texts.pop() if len(texts) == 1 else ""
    return "", ""


def payment_batch_apply_pain002(
    batch: PaymentBatch, content: bytes, *, bank_reference: str = ""
) -> PaymentBatch:
    """Apply a pain.002 at file, batch and payment level, once, in a constant number of queries.

    Each payment keeps the reason the bank gave for it; a reason from the batch or the file
    fills in only where it gave none, and an answer without a reason never erases one the
    batch already has.
    """
    report = _read_pain002(batch, content)
    sha = hashlib.sha256(content).hexdigest()
    with transaction.atomic():
        batch = (
            PaymentBatch.objects.select_for_update(of=("self",))
            .select_related("bank_account", "company")
            .get(pk=batch.pk)
        )
        if BankReport.objects.filter(batch=batch, kind=BankReport.Kind.PAIN002, sha256=sha).exists():
            return batch  # applied already (a retried send or a duplicate event)
        b_status, b_reasons, batch_rejected = _batch_answer(report, batch)
        payments = list(Payment.objects.filter(batch=batch).exclude(status=P.CANCELLED))
        tx_statuses, unplaced = _statuses_for_batch(report, batch, payments)
        now = timezone.now()
        changed, newly_rejected = _apply_payment_statuses(
            payments, tx_statuses, (b_status, b_reasons), batch_rejected, now
        )
        _update_grouped(changed, ["status", "bank_status", "reason_code", "reason_text", "rejected_at"])
        bills_unschedule_bulk(batch.company, [p.bill_id for p in newly_rejected if p.bill_id])
        target = _batch_status_from(Counter(p.status for p in payments), batch_rejected)
        bank_status = (b_status or report.group_status or "")[:4]
        BankReport.objects.create(
            company=batch.company,
            batch=batch,
            kind=BankReport.Kind.PAIN002,
            bank_reference=(bank_reference or report.msg_id)[:64],
            content=content,
            sha256=sha,
            status=bank_status,
            summary=_pain002_summary(tx_statuses, unplaced)[:500],
        )
        batch = _move_batch(
            batch, target, bank_status=bank_status, answered_at=now, **_reason_fields(b_reasons, payments)
        )
        if newly_rejected:
            _notify_rejections(batch, newly_rejected, f"pain002:{sha[:16]}")
        if unplaced:
            _notify_unidentified(batch, unplaced, f"pain002-unplaced:{sha[:16]}")
    return batch


def _read_pain002(batch: PaymentBatch, content: bytes) -> Pain002Report:
    """The report, read and checked to answer this batch's MsgId, or BankFileRejected."""
    try:
        report = parse_pain002(content)
    except IsoFormatError as exc:
        raise BankFileRejected(
            _("The bank's status report could not be read: %(error)s") % {"error": file_reason(exc)}
        ) from exc
    if report.original_msg_id != batch.msg_id:
        raise BankFileRejected(
            _("The status report is for %(other)s, not for batch %(msg_id)s.")
            % {"other": report.original_msg_id, "msg_id": batch.msg_id}
        )
    return report


def _batch_answer(
    report: Pain002Report, batch: PaymentBatch
) -> tuple[str | None, tuple[StatusReason, ...], bool]:
    """(status, reasons, rejected) for the batch: its own, else the file's; a file-level
    RJCT without batch statuses rejects the batch."""
    b_status, b_reasons = report.batch_statuses().get(
        batch.pmt_inf_id, (report.group_status, report.group_reasons)
    )
    batch_rejected = b_status == "RJCT" or (report.group_status == "RJCT" and not report.batches)
    return b_status, b_reasons, batch_rejected


def _apply_payment_statuses(
    payments: list[Payment],
    tx_statuses: dict[str, tuple[str | None, tuple[StatusReason, ...]]],
    batch_answer: tuple[str | None, tuple[StatusReason, ...]],
    batch_rejected: bool,
    now,
) -> tuple[list[Payment], list[Payment]]:
    """Set each payment's new status in memory; return (changed, newly rejected).

    A payment without a status of its own takes the batch's. A status only ever moves
    forward (``Payment.RANK``), except to REJECTED; a payment in a final state is left alone.
    """
    changed, newly_rejected = [], []
    for p in payments:
        if p.status in Payment.FINAL:
            continue
        status, reasons = tx_statuses.get(p.end_to_end_id, batch_answer)
        if batch_rejected and status != "RJCT":
            # A rejected batch rejects all of its payments; one the bank rejected itself
            # keeps its own reason.
            status, reasons = "RJCT", batch_answer[1]
        target = _PAYMENT_FOR_CODE.get(status or "", P.SENT)
        if target == P.REJECTED:
            _reject_payment(p, reasons, now)
            newly_rejected.append(p)
        elif Payment.RANK.get(target, 0) > Payment.RANK.get(p.status, 0):
            p.status = target
        elif p.bank_status == (status or ""):
            continue
        p.bank_status = (status or "")[:4]
        changed.append(p)
    return changed, newly_rejected


def _reject_payment(p: Payment, reasons: tuple[StatusReason, ...], now) -> None:
    reason = reasons[0] if reasons else None
    p.status, p.rejected_at = P.REJECTED, now
    p.reason_code = reason.key[:10] if reason else ""
    p.reason_text = reason.info[:500] if reason else ""


def _pain002_summary(
    tx_statuses: dict[str, tuple[str | None, tuple[StatusReason, ...]]], unplaced: list[UnidentifiedStatus]
) -> str:
    """The stored report's summary: how many payments got each status, and how many statuses
    could not be placed."""
    summary = ", ".join(
        f"{k}: {v}" for k, v in sorted(Counter(s for s, _r in tx_statuses.values() if s).items())
    )
    if unplaced:
        summary = _("%(summary)s; %(count)d without EndToEndId, not applied") % {
            "summary": summary or "-",
            "count": len(unplaced),
        }
    return summary


def _reason_fields(b_reasons: tuple[StatusReason, ...], payments: list[Payment]) -> dict[str, str]:
    """The batch's reason fields to write: none when the answer gives no reason, so a known
    reason is never replaced by an empty one (a later ACSC says none)."""
    code, words = _batch_reason(b_reasons, payments)
    return {"bank_reason": code[:10], "bank_reason_text": words[:500]} if code or words else {}

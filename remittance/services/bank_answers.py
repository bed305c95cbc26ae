"""The bank's answers: pain.002 status reports and camt.054 debit notifications, each
stored as received and applied once, in a constant number of queries per batch."""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_

from bankint.errors import BankFileRejected
from bankint.stored_text import Account, Code, stored
from companies.services import audit_record
from iso20022.camt053 import Camt053Fx
from iso20022.camt054 import Camt054Report, parse_camt054
from iso20022.errors import IsoFormatError
from iso20022.pain002 import Pain002Report, StatusReason, UnidentifiedStatus, parse_pain002
from ledger.models import ReferenceKind, Voucher
from ledger.services import (
    PAYABLES,
    LineSpec,
    VoucherSpec,
    bills_mark_paid_bulk,
    bills_unschedule_bulk,
    ledger_account_ensure,
    vouchers_post_bulk,
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


@dataclass(frozen=True, slots=True)
class _Booked:
    """What a camt.054 says the bank debited for one payment: the day, the amount in the
    account's currency, and (a payment in currency) the amount sent with the bank's exchange."""

    day: date
    amount: Decimal
    currency: str
    foreign: Camt053Fx | None = None


def _notify_booked_otherwise(company, payments: list[Payment], booked: dict[int, _Booked], sha: str) -> None:
    lines = [
        stored(
            N_("%(e2e)s: %(currency)s %(amount)s booked, the payment is %(own_currency)s %(own_amount)s"),
            e2e=p.end_to_end_id,
            currency=booked[p.pk].currency,
            amount=booked[p.pk].amount,
            own_currency=p.currency,
            own_amount=p.amount,
        )
        for p in payments
    ]
    notify(
        company,
        title=stored(N_("The bank booked payments at another amount")),
        body=stored(
            N_(
                "A debit notification from the bank books %(count)d payment(s) at an amount or currency other "
                "than the payment's: %(lines)s. They are not booked in the ledger; check them with the bank."
            ),
            count=len(payments),
            lines=lines,
        ),
        level=Notification.Level.WARNING,
        link="/payments/batches/",
        dedup_key=f"remittance:camt054-amount:{sha[:16]}",
    )


def payment_batch_book_camt054(company, content: bytes, *, notification_id: str = "") -> list[PaymentBatch]:
    """Book the payments a camt.054 debit notification reports: vouchers, bills paid, EndToEndIds.

    A payment is found by its EndToEndId, or by its UETR when the bank gives none
    (``NOTPROVIDED``). It is booked for what it is only when the bank booked that: the same
    amount in the same currency, or, for a payment in another currency than the account's,
    that amount sent (``AmtDtls``) and what it cost in the account's currency, which is what
    is booked (with the exchange difference against the bill). Anything else (another amount,
    another currency) is left unbooked and said in a warning, never posted at the payment's
    amount as if the bank had agreed.
    """
    report = _read_camt054(content)
    sha = hashlib.sha256(content).hexdigest()
    by_e2e, by_uetr = _booked_debits(report)
    with transaction.atomic():
        found = Q(end_to_end_id__in=list(by_e2e))
        if by_uetr:
            found |= Q(uetr__in=list(by_uetr))
        payments = list(
            Payment.objects.select_for_update(of=("self",))
            .filter(found, company=company)
            .select_related("bank_account", "batch", "bill")
            .order_by("id")
        )
        booked = {p.pk: by_e2e.get(p.end_to_end_id) or by_uetr[str(p.uetr)] for p in payments}
        batch_ids = sorted({p.batch_id for p in payments if p.batch_id})
        batches = {
            b.pk: b
            for b in PaymentBatch.objects.select_for_update(of=("self",))
            .filter(pk__in=batch_ids)
            .select_related("bank_account", "company")
        }
        known = set(
            BankReport.objects.filter(
                batch_id__in=batch_ids, kind=BankReport.Kind.CAMT054, sha256=sha
            ).values_list("batch_id", flat=True)
        )
        to_book = [p for p in payments if p.status != P.BOOKED and p.batch_id not in known]
        to_book = _booked_as_paid(company, to_book, booked, sha)
        _book_payments(company, to_book, booked)
        reference = str(notification_id or report.msg_id)[:64]
        BankReport.objects.bulk_create(
            _camt054_reports(
                company, [b for b in batch_ids if b not in known], to_book, reference, content, sha
            ),
            ignore_conflicts=True,
        )
        out = _batches_follow_payments(batches, batch_ids)
        if to_book:
            audit_record(
                "payment.book_bulk",
                company=company,
                changes={"count": len(to_book), "batches": batch_ids, "notification": str(notification_id)},
            )
    return out


def _read_camt054(content: bytes) -> Camt054Report:
    try:
        return parse_camt054(content)
    except IsoFormatError as exc:
        raise BankFileRejected(
            _("The bank's debit notification could not be read: %(error)s") % {"error": file_reason(exc)}
        ) from exc


def _uetr(text: str | None) -> str | None:
    """A UETR as ``Payment.uetr`` reads back (lower-case, hyphenated), or None if it is not one."""
    try:
        return str(uuid.UUID(text)) if text else None
    except ValueError:
        return None


def _booked_debits(report: Camt054Report) -> tuple[dict[str, _Booked], dict[str, _Booked]]:
    """EndToEndId → booking, and UETR → booking for the transactions the bank names without an
    EndToEndId, of the booked debits the notification reports (not reversals, not pending)."""
    by_e2e: dict[str, _Booked] = {}
    by_uetr: dict[str, _Booked] = {}
    for _ntf, entry, tx in report.transactions():
        if entry.credit_debit != "DBIT" or entry.reversal or entry.status != "BOOK":
            continue
        booking = _Booked(entry.booking_date or timezone.localdate(), tx.amount, tx.currency, tx.foreign)
        if tx.end_to_end_id and tx.end_to_end_id != "NOTPROVIDED":
            by_e2e[tx.end_to_end_id] = booking
        elif (uetr := _uetr(tx.uetr)) is not None:
            by_uetr[uetr] = booking
    return by_e2e, by_uetr


def _converted(p: Payment, b: _Booked) -> bool:
    """A payment in another currency than its account's, which the bank sent as asked and
    debited in the account's currency."""
    return (
        p.currency != b.currency
        and b.currency == p.bank_account.currency
        and b.foreign is not None
        and (b.foreign.amount, b.foreign.currency) == (p.amount, p.currency)
    )


def _booked_as_paid(company, to_book: list[Payment], booked: dict[int, _Booked], sha: str) -> list[Payment]:
    """The payments the bank booked at their own amount and currency (or, in currency, sent at
    it); the others are left unbooked and said in one warning."""
    differing = [
        p
        for p in to_book
        if (booked[p.pk].amount, booked[p.pk].currency) != (p.amount, p.currency)
        and not _converted(p, booked[p.pk])
    ]
    if differing:
        to_book = [p for p in to_book if p not in differing]
        _notify_booked_otherwise(company, differing, booked, sha)
    return to_book


RATE_PLACES = Decimal("1E-10")  # Payment.exchange_rate's decimal places


def exchange_rate(amount: Decimal, foreign: Camt053Fx) -> Decimal:
    """Units of the account's currency for one unit of the payment's, as the bank debited it.

    Banks quote ``CcyXchg`` either way round (SrcCcy NOK, TrgtCcy USD, XchgRate 0.0903 or
    SrcCcy EUR, TrgtCcy NOK, XchgRate 11.72): the bank's own rate is taken the way that
    agrees with what it debited, and without one the rate is what it debited per unit sent.
    """
    actual = amount / foreign.amount
    given = foreign.rate
    rate = min((given, 1 / given), key=lambda r: abs(r - actual)) if given else actual
    return rate.quantize(RATE_PLACES)


def _payables_value(p: Payment, nok: Decimal) -> Decimal:
    """What paying the payment takes off payables, in the ledger's currency: the bill's value
    in NOK as it was booked (``Bill.nok_amount``; a share of it for a part), else what the bank
    debited (no exchange difference without a booked value)."""
    bill = p.bill
    if bill is None or bill.nok_amount is None or bill.currency != p.currency or not bill.amount:
        return nok
    if p.amount == bill.amount:
        return bill.nok_amount
    return (bill.nok_amount * p.amount / bill.amount).quantize(Decimal("0.01"))


def _lines(p: Payment, b: _Booked) -> list[LineSpec]:
    """The payment voucher's lines: payables debited, the bank account credited with what the
    bank debited (the EndToEndId on its line, for reconciliation), and for a payment in
    currency the difference to the bill's booked value as agio (a gain, credited) or disagio
    (a loss, debited) on the account's exchange accounts, never as a bank fee."""
    account = p.bank_account
    paid = b.amount if _converted(p, b) else p.amount
    payables = _payables_value(p, paid) if _converted(p, b) else p.amount
    lines = [LineSpec(PAYABLES, payables, bill_id=p.bill_id)]
    difference = paid - payables
    if difference > 0:
        lines.append(LineSpec(account.exchange_loss_account, difference, text=_("Exchange loss (disagio)")))
    elif difference < 0:
        lines.append(LineSpec(account.exchange_gain_account, difference, text=_("Exchange gain (agio)")))
    lines.append(
        LineSpec(
            account.ledger_account,
            -paid,
            bank_account=account,
            reference_kind=ReferenceKind.E2E,
            reference=p.end_to_end_id,
            bill_id=p.bill_id,
        )
    )
    return lines


# Norwegian standard chart (NS 4102) names of the exchange accounts a company may not have yet.
_EXCHANGE_ACCOUNT_NAMES = {"gain": "Valutagevinst (agio)", "loss": "Valutatap (disagio)"}


def _exchange_accounts_ensure(company, specs: list[VoucherSpec], to_book: list[Payment]) -> None:
    """The agio/disagio accounts the vouchers use join the chart (a company whose chart predates
    them has neither): one look-up per account used, not per payment."""
    wanted: dict[str, str] = {}
    for p in to_book:
        wanted.setdefault(p.bank_account.exchange_gain_account, _EXCHANGE_ACCOUNT_NAMES["gain"])
        wanted.setdefault(p.bank_account.exchange_loss_account, _EXCHANGE_ACCOUNT_NAMES["loss"])
    used = {line.ledger_account for spec in specs for line in spec.lines}
    for number, name in wanted.items():
        if number in used:
            ledger_account_ensure(company, number, name)


def _book_payments(company, to_book: list[Payment], booked: dict[int, _Booked]) -> None:
    """One voucher per payment (payables debited, the bank account credited with the
    EndToEndId, an exchange difference where a payment in currency cost more or less than its
    bill was booked at), the payments BOOKED with what the bank debited and its rate, and their
    bills paid: a bulk statement each."""
    specs = [
        VoucherSpec(
            date=booked[p.pk].day,
            text=(_("Payment to %(creditor)s") % {"creditor": p.creditor_name})[:200],
            kind=Voucher.Kind.PAYMENT_OUT,
            lines=_lines(p, booked[p.pk]),
        )
        for p in to_book
    ]
    if any(len(spec.lines) > 2 for spec in specs):
        _exchange_accounts_ensure(company, specs, to_book)
    vouchers = vouchers_post_bulk(company, specs) if specs else []
    now = timezone.now()
    for p, v in zip(to_book, vouchers, strict=True):
        b = booked[p.pk]
        p.status, p.voucher, p.booked_at, p.booked_date, p.bank_status = (P.BOOKED, v, now, b.day, "ACSC")
        p.booked_amount = b.amount
        p.exchange_rate = exchange_rate(b.amount, b.foreign) if _converted(p, b) else None
    Payment.objects.bulk_update(
        to_book,
        ["status", "voucher", "booked_at", "booked_date", "bank_status", "booked_amount", "exchange_rate"],
        batch_size=2000,
    )
    bills_mark_paid_bulk(
        company, {p.bill_id: v.pk for p, v in zip(to_book, vouchers, strict=True) if p.bill_id}
    )


def _camt054_reports(
    company, batch_ids: list[int], booked: list[Payment], reference: str, content: bytes, sha: str
) -> list[BankReport]:
    """The notification as received, stored once for each batch it books payments of."""
    return [
        BankReport(
            company=company,
            batch_id=bid,
            kind=BankReport.Kind.CAMT054,
            bank_reference=reference,
            content=content,
            sha256=sha,
            status="BOOK",
            summary=_("%(count)d payment(s) booked") % {"count": sum(1 for p in booked if p.batch_id == bid)},
        )
        for bid in batch_ids
    ]


def _batches_follow_payments(batches: dict[int, PaymentBatch], batch_ids: list[int]) -> list[PaymentBatch]:
    """Each batch moved to the state its payments now add up to (one query for the counts)."""
    counts: dict[int, Counter] = {bid: Counter() for bid in batch_ids}
    for bid, status in Payment.objects.filter(batch_id__in=batch_ids).values_list("batch_id", "status"):
        counts[bid][status] += 1
    out = []
    for bid in batch_ids:
        batch = batches[bid]
        out.append(_move_batch(batch, _batch_status_from(counts[bid], batch.status == B.REJECTED)))
    return out

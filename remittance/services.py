"""Every write in remittance: payments, batches, approval, submission, pain.002 and camt.054.

The money rules (issue 7, STYLE rules 3 and 7):

* a batch is sent at most once: ``payment_batch_submit`` claims it with a conditional
  update (APPROVED/POST_APPROVAL/UNKNOWN → SUBMITTING), builds the file once and stores it,
  calls the bank *outside* any transaction with the batch's fixed MsgId, and records the
  answer in a second transaction. A timeout leaves the batch UNKNOWN; the retry resends the
  stored bytes with the same MsgId, which the bank deduplicates;
* a crash between send and record is resolved by asking the bank for the MsgId
  (``payment_batch_resolve``);
* the bank's reports (pain.002, camt.054) are stored as received and applied once, in a
  constant number of queries per batch.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from accounts.models import BankAccount, BankApprovalRight, BankService
from bankclient import BankRejected, BankUnavailable, get_client
from bankint.account_numbers import clean_account_number, format_account_number
from bankint.errors import (
    BankFileRejected,
    Conflict,
    DomainError,
    IllegalTransition,
    NotPermitted,
    ValidationFailed,
    reason_of,
)
from bankint.tasks import enqueue_on_commit
from companies.roles import Perm, Role
from companies.selectors import roles_for, user_perms
from companies.services import audit_record, user_national_id_use
from ledger import kid as kidrules
from ledger.models import Bill, ReferenceKind, Voucher
from ledger.money import clean_amount
from ledger.services import (
    PAYABLES,
    LineSpec,
    VoucherSpec,
    bill_schedule,
    bills_mark_paid_bulk,
    bills_unschedule_bulk,
    vouchers_post_bulk,
)
from notifications.models import Notification
from notifications.services import notify

from .banking_days import NoBankingDay, banking_day_on_or_after, days_after
from .camt054 import parse_camt054
from .models import MAX_BATCH_TOTAL, BankReport, Payment, PaymentBatch, PaymentSettings
from .pain001 import Pain001Batch, Pain001Message, Pain001Payment, build_pain001
from .pain002 import Pain002Report, StatusReason, UnidentifiedStatus, parse_pain002, reason_text
from .selectors import four_eyes_in_force, payment_people
from .xsd import IsoFormatError

logger = logging.getLogger(__name__)

DUPLICATE_WINDOW = timedelta(days=30)
# A batch still SUBMITTING after this long lost its worker between send and record.
STALE_SUBMISSION = timedelta(minutes=10)
UPDATE_CHUNK = 10_000
B = PaymentBatch.Status
P = Payment.Status


def _new_id(prefix: str) -> str:
    # ≤35 printable ASCII (pain.001 Max35Text); random, so ids never collide across companies.
    return f"{prefix}{timezone.now():%y%m%d}{secrets.token_hex(8).upper()}"


# --- payments ------------------------------------------------------------------------------------


def _debit_account(company, bank_account_id) -> BankAccount:
    account = BankAccount.objects.filter(company=company, pk=bank_account_id, is_active=True).first()
    if account is None:
        msg = _("Choose one of this company's active bank accounts to pay from.")
        raise ValidationFailed(msg, fields={"bank_account": [msg]})
    if BankService.REMITTANCE not in (account.services or []):
        msg = _(
            "Account %(account)s does not have the remittance service: order it on the Agreements tab "
            "under Settings › Bank accounts before paying from it."
        ) % {"account": account.account_number_display}
        raise ValidationFailed(msg, fields={"bank_account": [msg]}, code="remittance_not_active")
    return account


def _execution_date(value: date | None) -> tuple[date, str]:
    today = timezone.localdate()
    requested = value or today
    if not isinstance(requested, date):
        msg = _("Enter a valid execution date.")
        raise ValidationFailed(msg, fields={"execution_date": [msg]})
    if requested < today:
        msg = _("The execution date %(date)s is in the past: choose today or a later date.") % {
            "date": requested.isoformat()
        }
        raise ValidationFailed(msg, fields={"execution_date": [msg]})
    # Banks take execution dates up to a year ahead; the check comes before any date arithmetic
    # on what was typed, and the window's end is computed without overflowing near 9999.
    if requested > days_after(today, 365):
        msg = _("The execution date can be at most one year ahead.")
        raise ValidationFailed(msg, fields={"execution_date": [msg]})
    try:
        actual = banking_day_on_or_after(requested)
    except NoBankingDay:
        msg = _("There is no banking day on or after %(date)s: choose an earlier date.") % {
            "date": requested.isoformat()
        }
        raise ValidationFailed(msg, fields={"execution_date": [msg]}) from None
    notice = ""
    if actual != requested:
        notice = _(
            "%(requested)s is not a banking day (weekend or bank holiday): the payment is made on %(actual)s."
        ) % {"requested": requested.isoformat(), "actual": actual.isoformat()}
    return actual, notice


def _clean_reference(kid: str, message: str) -> tuple[str, str]:
    kid_value = kidrules.compact(kid or "")
    text = (message or "").strip()
    if kid_value and text:
        msg = _("Give either a KID or a message, not both: the bank carries only one of them.")
        raise ValidationFailed(msg, fields={"kid": [msg], "message": [msg]})
    if kid_value and not (kid_value.isdigit() and kidrules.is_valid(kid_value)):
        msg = _("KID “%(kid)s” has the wrong check digit or length: check it against the invoice.") % {
            "kid": kid
        }
        raise ValidationFailed(msg, fields={"kid": [msg]})
    if len(text) > 140:
        msg = _("The message can be at most 140 characters (it has %(count)d).") % {"count": len(text)}
        raise ValidationFailed(msg, fields={"message": [msg]})
    return kid_value, text


def _duplicate_check(company, creditor_account: str, amount, kid: str, message: str, confirm: bool) -> None:
    if confirm:
        return
    # The KID identifies the invoice; without one, the message does (two invoices of the
    # same amount to one supplier are not duplicates).
    twin = (
        Payment.objects.filter(
            company=company,
            creditor_account=creditor_account,
            amount=amount,
            kid=kid,
            **({} if kid else {"message": message}),
            created_at__gte=timezone.now() - DUPLICATE_WINDOW,
        )
        .exclude(status__in=[P.REJECTED, P.CANCELLED])
        .order_by("-created_at")
        .first()
    )
    if twin is not None:
        msg = _(
            "A payment of %(amount)s to %(account)s%(kid)s was registered on %(date)s. "
            "If this is not a duplicate, confirm that you want to pay it again."
        ) % {
            "amount": f"{amount:.2f}",
            "account": format_account_number(creditor_account),
            "kid": (_(" with KID %(kid)s") % {"kid": kid}) if kid else "",
            "date": timezone.localtime(twin.created_at).date().isoformat(),
        }
        raise Conflict(msg, code="possible_duplicate", fields={"confirm_duplicate": [msg]})


@transaction.atomic
def payment_create(
    company,
    *,
    bank_account_id,
    creditor_name: str,
    creditor_account: str,
    amount,
    kid: str = "",
    message: str = "",
    execution_date: date | None = None,
    confirm_duplicate: bool = False,
    user=None,
    bill: Bill | None = None,
    corrects: Payment | None = None,
) -> Payment:
    """Register a payment. ``payment.notices`` says what the portal changed (the date)."""
    account = _debit_account(company, bank_account_id)
    name = " ".join((creditor_name or "").split())[:70]
    if not name:
        msg = _("Enter the creditor's name.")
        raise ValidationFailed(msg, fields={"creditor_name": [msg]})
    creditor = clean_account_number(creditor_account, field="creditor_account")
    if creditor == account.account_number:
        msg = _("The creditor account is the account you pay from.")
        raise ValidationFailed(msg, fields={"creditor_account": [msg]})
    value = clean_amount(amount)
    kid_value, text = _clean_reference(kid, message)
    day, notice = _execution_date(execution_date)
    _duplicate_check(company, creditor, value, kid_value, text, confirm_duplicate)
    if bill is not None:
        bill_schedule(bill)  # OPEN → SCHEDULED, conditional: a bill goes into one live payment
    try:
        with transaction.atomic():
            payment = Payment.objects.create(
                company=company,
                bank_account=account,
                bill=bill,
                creditor_name=name,
                creditor_account=creditor,
                amount=value,
                kid=kid_value,
                message=text,
                execution_date=day,
                requested_date=execution_date or day,
                end_to_end_id=_new_id("E"),
                created_by=user if getattr(user, "pk", None) else None,
                corrects=corrects,
            )
    except IntegrityError:
        raise Conflict(_("This bill is already in a payment."), code="bill_in_payment") from None
    # Four-eyes: who entered it, and for a correction also whoever entered what it corrects.
    editors = {user.pk} if getattr(user, "pk", None) else set()
    if corrects is not None:
        editors |= set(corrects.editors.values_list("pk", flat=True))
    if editors:
        payment.editors.add(*editors)
    audit_record(
        "payment.create",
        obj=payment,
        changes={
            "after": {
                "amount": f"{value:.2f}",
                "creditor_account": creditor,
                "kid": kid_value,
                "execution_date": day.isoformat(),
                "bill": bill.pk if bill else None,
                "corrects": corrects.pk if corrects else None,
            }
        },
    )
    payment.notices = [notice] if notice else []
    return payment


def payment_create_from_bill(
    company,
    *,
    bill_id,
    bank_account_id,
    execution_date: date | None = None,
    confirm_duplicate=False,
    user=None,
) -> Payment:
    bill = Bill.objects.select_related("supplier").filter(company=company, pk=bill_id).first()
    if bill is None:
        msg = _("Bill #%(id)s is not one of this company's bills.") % {"id": bill_id}
        raise ValidationFailed(msg, fields={"bill": [msg]})
    if bill.status != Bill.Status.OPEN:
        raise Conflict(
            _("The bill is %(status)s: it is already in a payment or paid.")
            % {"status": bill.get_status_display()},
            code="bill_not_open",
        )
    return payment_create(
        company,
        bank_account_id=bank_account_id,
        creditor_name=bill.supplier.name,
        creditor_account=bill.supplier.account_number,
        amount=bill.amount,
        kid=bill.kid,
        message=bill.message,
        execution_date=execution_date or max(bill.due_date, timezone.localdate()),
        confirm_duplicate=confirm_duplicate,
        user=user,
        bill=bill,
    )


@transaction.atomic
def payment_cancel(payment: Payment) -> Payment:
    """Withdraw a payment that has not left the portal (NEW, or in a draft batch)."""
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    batch = PaymentBatch.objects.select_for_update().filter(pk=payment.batch_id).first()
    if payment.status not in (P.NEW, P.IN_BATCH) or (batch is not None and batch.status != B.DRAFT):
        raise IllegalTransition(_("Only a payment that has not been approved or sent can be cancelled."))
    if batch is not None and batch.signing_id:
        raise IllegalTransition(
            _("The batch is being signed with BankID: finish or cancel the signing first.")
        )
    Payment.objects.filter(pk=payment.pk).update(status=P.CANCELLED, batch=None)
    if batch is not None:
        PaymentBatch.objects.filter(pk=batch.pk).update(
            payment_count=F("payment_count") - 1, total=F("total") - payment.amount
        )
    if payment.bill_id:
        bills_unschedule_bulk(payment.company, [payment.bill_id])
    audit_record(
        "payment.cancel", obj=payment, changes={"status": {"before": payment.status, "after": P.CANCELLED}}
    )
    payment.refresh_from_db()
    return payment


def payment_correct(payment: Payment, *, user=None, confirm_duplicate: bool = False, **changes) -> Payment:
    """A rejected payment, corrected and registered again (a new EndToEndId, a new batch)."""
    if payment.status != P.REJECTED:
        raise IllegalTransition(_("Only a rejected payment can be corrected and sent again."))
    if Payment.objects.filter(corrects=payment).exists():
        raise Conflict(_("This payment has already been corrected."), code="already_corrected")
    bill = None
    if payment.bill_id:
        bill = Bill.objects.filter(pk=payment.bill_id).first()
    fields = {
        "bank_account_id": payment.bank_account_id,
        "creditor_name": payment.creditor_name,
        "creditor_account": payment.creditor_account,
        "amount": payment.amount,
        "kid": payment.kid,
        "message": payment.message,
        "execution_date": None,
    }
    unknown = set(changes) - set(fields)
    if unknown:
        raise ValidationFailed(_("Unknown fields: %(names)s") % {"names": ", ".join(sorted(unknown))})
    fields.update(changes)
    if "kid" in changes and "message" not in changes and changes["kid"]:
        fields["message"] = ""
    if "message" in changes and "kid" not in changes and changes["message"]:
        fields["kid"] = ""
    return payment_create(
        payment.company, user=user, bill=bill, corrects=payment, confirm_duplicate=confirm_duplicate, **fields
    )


# --- batches -------------------------------------------------------------------------------------


@transaction.atomic
def payment_batches_build(company, *, payment_ids=None, user=None) -> list[PaymentBatch]:
    """Group new payments into draft batches: one per debit account and execution date."""
    qs = Payment.objects.select_for_update(of=("self",)).filter(company=company, status=P.NEW)
    if payment_ids is not None:
        qs = qs.filter(pk__in=list(payment_ids))
    payments = list(qs.select_related("bank_account").order_by("id"))
    if not payments:
        raise ValidationFailed(_("There are no new payments to put in a batch."), code="nothing_to_batch")
    groups: dict[tuple[int, date], list[Payment]] = {}
    for p in payments:
        groups.setdefault((p.bank_account_id, p.execution_date), []).append(p)
    batches = []
    for (_account_id, day), group in groups.items():
        account = group[0].bank_account
        parts = _parts_within_total(group)
        for number, (part, total) in enumerate(parts, start=1):
            msg_id = _new_id("BI")
            batch = PaymentBatch.objects.create(
                company=company,
                bank_account=account,
                execution_date=day,
                approval_mode=account.approval_mode,
                msg_id=msg_id,
                pmt_inf_id=f"{msg_id}-1",
                payment_count=len(part),
                total=total,
                created_by=user if getattr(user, "pk", None) else None,
            )
            Payment.objects.filter(pk__in=[p.pk for p in part], status=P.NEW).update(
                batch=batch, status=P.IN_BATCH
            )
            after = {"payments": len(part), "total": f"{total:.2f}", "msg_id": msg_id}
            if len(parts) > 1:
                after["part"] = f"{number}/{len(parts)}"
            audit_record("payment_batch.create", obj=batch, changes={"after": after})
            batches.append(batch)
    return batches


def _parts_within_total(payments: list[Payment]) -> list[tuple[list[Payment], Decimal]]:
    """The payments, in order, cut into runs whose total a batch can hold (``MAX_BATCH_TOTAL``).

    Two payments of 9 000 000 000 000.00 on one account and date once made a total the column
    cannot hold: the build failed, and with it every later build of the company's new payments.
    Split, not refused: each payment fits a batch alone (its own column has the same bound),
    so every payment is batched and none holds back the others; the bank takes two files for
    one account and date as readily as one.
    """
    parts: list[tuple[list[Payment], Decimal]] = []
    part: list[Payment] = []
    total = Decimal(0)
    for p in payments:
        if part and total + p.amount > MAX_BATCH_TOTAL:
            parts.append((part, total))
            part, total = [], Decimal(0)
        part.append(p)
        total += p.amount
    if part:
        parts.append((part, total))
    return parts


def _transition(
    batch: PaymentBatch, target: str, *, allowed_from=None, audit: dict | None = None, **fields
) -> PaymentBatch:
    """Conditional update from a state that may move to ``target`` (STYLE rule 7)."""
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


@dataclass
class ApprovalCheck:
    warnings: list[str]
    bank_user_id: str
    # The approver built the batch or entered one of its payments, allowed only because the
    # four-eyes rule is off (a one-person company): the approval's audit row says so.
    four_eyes_off: bool = False


FOUR_EYES_OFF = "off (one-person company)"


def _four_eyes(batch: PaymentBatch, user) -> bool:
    """Refuse an approver who built the batch or entered or changed one of its payments.

    Returns True when they did and the rule is off for the company (one person alone handles
    its payments), so the approval can say so; False when they took no part.
    """
    built = batch.created_by_id == user.pk
    entered = (
        Payment.objects.filter(batch=batch, editors=user)
        .only("amount", "creditor_name", "end_to_end_id")
        .order_by("id")
        .first()
    )
    if not built and entered is None:
        return False
    if not four_eyes_in_force(batch.company):
        return True
    if entered is not None:
        raise NotPermitted(
            _(
                "You entered or changed the payment of %(amount)s to %(creditor)s (%(e2e)s) in this batch: "
                "under the four-eyes rule someone else must approve it."
            )
            % {
                "amount": f"{entered.amount:.2f}",
                "creditor": entered.creditor_name,
                "e2e": entered.end_to_end_id,
            },
            code="four_eyes",
        )
    raise NotPermitted(_("You created this batch: someone else must approve it."), code="four_eyes")


def payment_batch_approval_check(batch: PaymentBatch, user) -> ApprovalCheck:
    """Hard rules refuse (NotPermitted/Conflict); a missing bank right is a warning before signing."""
    if Perm.APPROVE_PAYMENTS not in user_perms(user, batch.company):
        raise NotPermitted(_("Only a user with the approver role can approve payments."))
    account = batch.bank_account
    if account.dual_approval_required:
        raise Conflict(
            _(
                "The bank agreement for account %(account)s requires dual approval, so RgB cannot be used: "
                "send the batch for post-approval in the online bank."
            )
            % {"account": account.account_number_display},
            code="dual_approval",
        )
    if batch.approval_mode != PaymentBatch.ApprovalMode.RGB:
        raise Conflict(
            _("Account %(account)s uses post-approval in the online bank: send the batch instead.")
            % {"account": account.account_number_display},
            code="not_rgb",
        )
    if batch.status != B.DRAFT:
        raise IllegalTransition(
            _("Only a draft batch can be approved; this one is %(status)s.")
            % {"status": batch.get_status_display()}
        )
    four_eyes_off = _four_eyes(batch, user)
    profile = getattr(user, "profile", None)
    bank_user_id = (getattr(profile, "bank_user_id", "") or "").upper()
    warnings = []
    has_right = BankApprovalRight.objects.filter(bank_account=account, user=user).exists() or (
        bank_user_id
        and BankApprovalRight.objects.filter(bank_account=account, bank_user_id=bank_user_id).exists()
    )
    if not has_right:
        warnings.append(
            _(
                "The bank has no approval right for you%(uid)s on account %(account)s (see the Authorisations tab). "
                "If you sign anyway, the bank will reject the payments (AG08)."
            )
            % {
                "uid": f" ({bank_user_id})" if bank_user_id else "",
                "account": account.account_number_display,
            }
        )
    return ApprovalCheck(warnings=warnings, bank_user_id=bank_user_id, four_eyes_off=four_eyes_off)


def _display_name(user) -> str:
    return (user.get_full_name() or user.get_username()) if user is not None else "?"


def _signing_busy(batch: PaymentBatch, expires_at) -> Conflict:
    """Another approver's BankID signing is open: theirs stays, this one is refused, and says
    who is signing and until when (the bank's expiry), so nobody signs a session that is then
    silently thrown away."""
    if expires_at is not None:
        msg = _(
            "%(name)s is signing this batch with BankID until %(time)s: wait until they have finished "
            "or the signing has expired, then reload the batch."
        ) % {
            "name": _display_name(batch.signing_user),
            "time": timezone.localtime(expires_at).strftime("%H:%M"),
        }
    else:
        msg = _(
            "%(name)s is signing this batch with BankID: wait until they have finished or the signing "
            "has expired, then reload the batch."
        ) % {"name": _display_name(batch.signing_user)}
    return Conflict(msg, code="signing_in_progress")


def _signing_session(client, signing_id: int):
    try:
        return client.get_signing(signing_id)
    except BankUnavailable as exc:
        raise Conflict(
            _("BankID is not reachable right now; try again in a minute."), code="bank_unavailable"
        ) from exc


def payment_batch_approve_start(
    batch: PaymentBatch, user, *, acknowledge_warnings: bool = False, client=None
):
    """RgB step 1: checks, then a BankID signing session at the bank (no transaction open).

    One signing per batch at a time. A pending one is never replaced: its own approver gets
    it back (the same session, not a second), anyone else a 409 that names the signer and
    the session's end. One that was completed but not yet recorded is recorded (the batch is
    approved by it); only a cancelled or expired one makes room for a new signing. Two
    approvers starting at the same moment: the signing is claimed with a conditional update
    on the signing it replaces, so exactly one of them gets it.
    """
    check = payment_batch_approval_check(batch, user)
    if check.warnings and not acknowledge_warnings:
        raise Conflict(" ".join(check.warnings), code="approval_warning")
    client = client or get_client()
    replaces = batch.signing_id
    if replaces:
        current = _signing_session(client, replaces)
        if current.status == "PENDING":
            if batch.signing_user_id == user.pk:
                return current
            raise _signing_busy(batch, current.expires_at)
        if current.status == "COMPLETE":
            try:
                approved = payment_batch_approve_complete(batch, client=client)
            except NotPermitted:
                replaces = None  # the signer was refused (four-eyes): their signing is gone
            else:
                raise Conflict(
                    _("The batch has already been approved with BankID by %(name)s.")
                    % {"name": _display_name(approved.approved_by)},
                    code="already_approved",
                )
    text = _(
        "Approve %(count)d payment(s), total NOK %(total)s, from account %(account)s on %(date)s (%(msg_id)s)."
    ) % {
        "count": batch.payment_count,
        "total": f"{batch.total:.2f}",
        "account": batch.bank_account.account_number_display,
        "date": batch.execution_date.isoformat(),
        "msg_id": batch.msg_id,
    }
    try:
        session = client.start_signing(
            name=(user.get_full_name() or user.get_username())[:200],
            text=text,
            national_id=user_national_id_use(
                user, purpose="bankid_signing", company=batch.company, obj=batch
            ),
            # After signing, the BankID page links back to the batch in the portal.
            return_url=settings.PORTAL_PUBLIC_URL + reverse("remittance:batch_detail", args=[batch.pk]),
        )
    except BankUnavailable as exc:
        raise Conflict(
            _("BankID is not reachable right now; try again in a minute."), code="bank_unavailable"
        ) from exc
    except BankRejected as exc:
        raise ValidationFailed(
            _("BankID refused the signing: %(message)s") % {"message": exc.message}
        ) from exc
    with transaction.atomic():
        claimed = PaymentBatch.objects.filter(pk=batch.pk, status=B.DRAFT, signing_id=replaces).update(
            signing_id=session.id,
            signing_url=session.url,
            signing_user=user,
            signing_expires_at=session.expires_at,
        )
        if not claimed:
            batch.refresh_from_db()
            still_open = batch.signing_expires_at is None or batch.signing_expires_at > timezone.now()
            if (
                batch.status == B.DRAFT
                and batch.signing_id
                and batch.signing_user_id != user.pk
                and still_open
            ):
                # Another approver claimed the batch first: theirs is the signing.
                raise _signing_busy(batch, batch.signing_expires_at)
            raise IllegalTransition(_("The batch changed while signing started; reload it."))
        changes = {"signing_id": session.id, "warnings": check.warnings}
        if replaces:
            changes["replaces"] = replaces
        if check.four_eyes_off:
            changes["four_eyes"] = FOUR_EYES_OFF
        audit_record("payment_batch.signing_start", obj=batch, changes=changes)
    batch.refresh_from_db()
    return session


class SigningPending(Exception):
    pass


def _signing_end(batch: PaymentBatch, signing_id: int, action: str) -> None:
    with transaction.atomic():
        PaymentBatch.objects.filter(pk=batch.pk, signing_id=signing_id).update(
            signing_id=None, signing_url="", signing_user=None, signing_expires_at=None
        )
        audit_record(action, obj=batch, changes={"signing_id": signing_id})
    batch.refresh_from_db()


def payment_batch_approve_complete(batch: PaymentBatch, user=None, *, client=None) -> PaymentBatch:
    """RgB step 2: ask BankID how the signing ended; COMPLETE approves and queues the send.

    Two paths finish the same signing, the approver back on the batch page and the bank's
    ``signing.updated`` event in the worker, often at the same moment: whichever comes second
    finds the batch approved with this signature and returns it, with no error and no warning.
    The four-eyes rule is checked again here: it may have come into force since the start.
    """
    if batch.status != B.DRAFT and batch.signature_ref:
        return batch
    if not batch.signing_id:
        raise IllegalTransition(_("No BankID signing was started for this batch."))
    if user is not None and batch.signing_user_id != user.pk:
        raise NotPermitted(_("Another user is signing this batch."))
    client = client or get_client()
    session = _signing_session(client, batch.signing_id)
    if session.status == "PENDING":
        raise SigningPending(session.url)
    signer = batch.signing_user
    if session.status != "COMPLETE":
        _signing_end(batch, session.id, "payment_batch.signing_" + session.status.lower())
        msg = {
            "CANCELLED": _(
                "The BankID signing was cancelled: the batch is not approved. Approve it again when ready."
            ),
            "EXPIRED": _(
                "The BankID signing expired before it was completed: the batch is not approved. Approve it again."
            ),
        }.get(session.status, _("The BankID signing failed: the batch is not approved."))
        raise Conflict(msg, code=f"signing_{session.status.lower()}")
    try:
        four_eyes_off = _four_eyes(batch, signer) if signer is not None else False
    except NotPermitted:
        _signing_end(batch, session.id, "payment_batch.signing_refused")
        raise
    profile = getattr(signer, "profile", None)
    signature = (session.signature_ref or "")[:128]
    with transaction.atomic():
        try:
            batch = _transition(
                batch,
                B.APPROVED,
                allowed_from=[B.DRAFT],
                audit={"four_eyes": FOUR_EYES_OFF} if four_eyes_off else None,
                signature_ref=signature,
                approved_by=signer,
                approved_bank_user_id=(getattr(profile, "bank_user_id", "") or "").upper(),
                signing_id=None,
                signing_url="",
                signing_expires_at=None,
            )
        except IllegalTransition:
            batch.refresh_from_db()
            if batch.status != B.DRAFT and signature and batch.signature_ref == signature:
                return batch  # the other path finished this signing first
            raise
        _enqueue_submit(batch)
    return batch


def payment_batch_approve(batch: PaymentBatch, user, *, acknowledge_warnings: bool = False, client=None):
    """The API's one ``approve/`` call: ``(batch, None)`` when approved, ``(None, session)`` to sign.

    Idempotent for the approver whose signing approved the batch: six parallel calls after one
    signing all answer as the winner did (the batch and its state), never 409 to the losers.
    The winner's transition is one conditional update, so a call sees the batch either before
    it (and finishes the signing, losing the update quietly) or after it (and answers here).
    """
    if batch.status != B.DRAFT and batch.signature_ref and batch.approved_by_id == user.pk:
        return batch, None
    if batch.signing_id and batch.signing_user_id == user.pk:
        return payment_batch_approve_complete(batch, user, client=client), None
    session = payment_batch_approve_start(
        batch, user, acknowledge_warnings=acknowledge_warnings, client=client
    )
    return None, session


# --- settings --------------------------------------------------------------------------------------


def payment_settings_check_may_change(company, user) -> None:
    """The company's system administrators set its approval rules; nobody else."""
    if Role.SYSADMIN not in roles_for(user, company):
        raise NotPermitted(_("Only a system administrator can change the payment settings."))


@transaction.atomic
def payment_settings_update(company, user, *, four_eyes: bool) -> PaymentSettings:
    """Switch the four-eyes rule on, or off where one person alone handles the payments.

    "One person" is one active user holding any role that enters or approves payments
    (``selectors.payment_people``): with two, one can enter and the other approve, so the
    rule stays. Switched off, it comes back by itself when a second such person joins.
    """
    payment_settings_check_may_change(company, user)
    if not isinstance(four_eyes, bool):
        msg = _("Give true or false.")
        raise ValidationFailed(msg, fields={"four_eyes": [msg]})
    current = PaymentSettings.objects.select_for_update().filter(company=company).first()
    row = current or PaymentSettings(company=company)
    before = row.four_eyes
    people = payment_people(company).count()
    if not four_eyes and before and people != 1:
        msg = _(
            "The four-eyes rule can be switched off only when one person alone enters and approves the "
            "company's payments; here %(count)d people may do so."
        ) % {"count": people}
        raise ValidationFailed(msg, code="four_eyes_required", fields={"four_eyes": [msg]})
    row.four_eyes = four_eyes
    row.save()
    if before != four_eyes:
        audit_record(
            "payment_settings.update",
            obj=row,
            company=company,
            changes={"four_eyes": {"before": before, "after": four_eyes}, "payment_people": people},
        )
    return row


def _enqueue_submit(batch: PaymentBatch) -> None:
    from .tasks import payment_batch_submit as task

    enqueue_on_commit(task, batch.pk)


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
            batch = _transition(batch, B.POST_APPROVAL, allowed_from=[B.DRAFT])
        elif batch.status not in (B.APPROVED, B.POST_APPROVAL, B.UNKNOWN):
            raise IllegalTransition(
                _("The batch is %(status)s and cannot be sent.") % {"status": batch.get_status_display()}
            )
        _enqueue_submit(batch)
    return batch


# --- the file --------------------------------------------------------------------------------------


def payment_batch_message(batch: PaymentBatch, payments=None) -> Pain001Message:
    """The pain.001 content for a batch, from the database (ids fixed at creation)."""
    company = batch.company
    if payments is None:
        payments = Payment.objects.filter(batch=batch).exclude(status=P.CANCELLED).order_by("id")
    rows = payments.values_list(
        "end_to_end_id", "amount", "creditor_name", "creditor_account", "kid", "message"
    )
    txs = [
        Pain001Payment(
            end_to_end_id=e2e,
            amount=amount,
            creditor_name=name,
            creditor_account=acct,
            kid=kid or None,
            message=msg or None,
        )
        for e2e, amount, name, acct, kid, msg in rows.iterator(chunk_size=5000)
    ]
    return Pain001Message(
        msg_id=batch.msg_id,
        created_at=timezone.localtime(batch.file_created_at or timezone.now()),
        initiating_party_name=company.name,
        initiating_party_org_number=company.org_number,
        batches=[
            Pain001Batch(
                pmt_inf_id=batch.pmt_inf_id,
                execution_date=batch.execution_date,
                debtor_name=company.name,
                debtor_org_number=company.org_number,
                debtor_account=batch.bank_account.account_number,
                payments=txs,
            )
        ],
    )


def payment_batch_build_file(batch: PaymentBatch) -> bytes:
    """Build (and XSD-check) the file; regenerating gives the same MsgId/PmtInfId/EndToEndIds."""
    try:
        return build_pain001(payment_batch_message(batch))
    except IsoFormatError as exc:
        raise ValidationFailed(
            _("The payment file could not be built: %(error)s") % {"error": _file_reason(exc)}
        ) from exc


def payment_batch_pain001(batch: PaymentBatch) -> bytes:
    """The file as sent, or (before sending) as it would be sent."""
    if batch.pain001_sha256:
        return bytes(batch.pain001)
    return payment_batch_build_file(batch)


# --- submission ------------------------------------------------------------------------------------


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
            _transition(batch, B.UNKNOWN, allowed_from=[B.SUBMITTING], last_error=str(exc)[:500])
        raise
    except BankRejected as exc:
        return _reject_whole_batch(batch, exc.code, exc.message)
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
                    batch = _transition(
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
            _report_unreadable(batch, exc)
            continue
        if batch.status == B.UNKNOWN:
            _enqueue_submit(batch)
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
        _enqueue_submit(batch)
        done += 1
    return done


# --- the bank's answers ------------------------------------------------------------------------------

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
        return _transition(batch, target, allowed_from=[batch.status], **fields)
    if fields:
        PaymentBatch.objects.filter(pk=batch.pk).update(**fields)
        for key, value in fields.items():
            setattr(batch, key, value)
    return batch


def _lang() -> str:
    return "en" if (get_language() or "nb").startswith("en") else "nb"


def _file_reason(exc: IsoFormatError) -> str:
    """A format module's refusal in the active language, and where in the file when it says
    so nowhere else (a path of elements, or a field)."""
    reason = reason_of(exc)
    if exc.path and exc.path != "/" and exc.path not in reason:
        return _("%(reason)s (at %(path)s)") % {"reason": reason, "path": exc.path}
    return reason


def _notify_rejections(batch: PaymentBatch, rejected: list[Payment], key: str, reason: str = "") -> None:
    if not rejected and not reason:
        return
    # By code in both languages; a rejection with only the bank's words is given by them.
    lines = []
    for (code, text), n in Counter(
        (p.reason_code, "" if p.reason_code else p.reason_text) for p in rejected
    ).items():
        words = text or f"{reason_text(code, 'nb')} / {reason_text(code, 'en')}"
        lines.append(f"{code}: {words} ({n})" if code else f"{words} ({n})")
    body = _(
        "The bank rejected %(count)d payment(s) in batch %(msg_id)s from account %(account)s. %(reason)s "
        "Correct the rejected payments under Payments › Rejected and send them again in a new batch."
    ) % {
        "count": len(rejected),
        "msg_id": batch.msg_id,
        "account": batch.bank_account.account_number_display,
        "reason": reason or "; ".join(lines),
    }
    notify(
        batch.company,
        title=_("Payments rejected by the bank"),
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
        title=_("A status from the bank could not be matched to a payment"),
        body=_(
            "The bank's status report for batch %(msg_id)s gives %(count)d status(es) without saying which "
            "payment they are for (no EndToEndId): %(statuses)s. The portal has not applied them to any "
            "payment; check the batch's payments in the online bank."
        )
        % {"msg_id": batch.msg_id, "count": len(statuses), "statuses": described},
        level=Notification.Level.WARNING,
        link=f"/payments/batches/{batch.pk}/",
        dedup_key=f"remittance:{batch.pk}:{key}"[:100],
    )


def _report_unreadable(batch: PaymentBatch, exc: BankFileRejected) -> None:
    """A status report the portal cannot read: kept on the batch and said to the company, so a
    batch never waits silently for an answer that has come."""
    logger.error("pain.002 for %s not applied: %s", batch.msg_id, exc)
    PaymentBatch.objects.filter(pk=batch.pk).update(last_error=exc.message[:500])
    notify(
        batch.company,
        title=_("The bank's status report could not be read"),
        body=_(
            "The bank's answer to batch %(msg_id)s could not be applied: %(reason)s The batch keeps its "
            "status until a readable answer comes; check it in the online bank."
        )
        % {"msg_id": batch.msg_id, "reason": exc.message},
        level=Notification.Level.ERROR,
        link=f"/payments/batches/{batch.pk}/",
        dedup_key=f"remittance:{batch.pk}:unreadable:{hashlib.sha256(exc.message.encode()).hexdigest()[:16]}",
    )


def _reject_whole_batch(batch: PaymentBatch, code: str, message: str) -> PaymentBatch:
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
    try:
        report = parse_pain002(content)
    except IsoFormatError as exc:
        raise BankFileRejected(
            _("The bank's status report could not be read: %(error)s") % {"error": _file_reason(exc)}
        ) from exc
    if report.original_msg_id != batch.msg_id:
        raise BankFileRejected(
            _("The status report is for %(other)s, not for batch %(msg_id)s.")
            % {"other": report.original_msg_id, "msg_id": batch.msg_id}
        )
    sha = hashlib.sha256(content).hexdigest()
    with transaction.atomic():
        batch = (
            PaymentBatch.objects.select_for_update(of=("self",))
            .select_related("bank_account", "company")
            .get(pk=batch.pk)
        )
        if BankReport.objects.filter(batch=batch, kind=BankReport.Kind.PAIN002, sha256=sha).exists():
            return batch  # applied already (a retried send or a duplicate event)
        b_status, b_reasons = report.batch_statuses().get(
            batch.pmt_inf_id, (report.group_status, report.group_reasons)
        )
        batch_rejected = b_status == "RJCT" or (report.group_status == "RJCT" and not report.batches)
        payments = list(Payment.objects.filter(batch=batch).exclude(status=P.CANCELLED))
        tx_statuses, unplaced = _statuses_for_batch(report, batch, payments)
        now = timezone.now()
        changed, newly_rejected = [], []
        for p in payments:
            if p.status in Payment.FINAL:
                continue
            status, reasons = tx_statuses.get(p.end_to_end_id, (b_status, b_reasons))
            if batch_rejected and status != "RJCT":
                # A rejected batch rejects all of its payments; one the bank rejected itself
                # keeps its own reason.
                status, reasons = "RJCT", b_reasons
            target = _PAYMENT_FOR_CODE.get(status or "", P.SENT)
            if target == P.REJECTED:
                reason = reasons[0] if reasons else None
                p.status, p.rejected_at = P.REJECTED, now
                p.reason_code = reason.key[:10] if reason else ""
                p.reason_text = reason.info[:500] if reason else ""
                newly_rejected.append(p)
            elif Payment.RANK.get(target, 0) > Payment.RANK.get(p.status, 0):
                p.status = target
            else:
                if p.bank_status == (status or ""):
                    continue
            p.bank_status = (status or "")[:4]
            changed.append(p)
        _update_grouped(changed, ["status", "bank_status", "reason_code", "reason_text", "rejected_at"])
        bills_unschedule_bulk(batch.company, [p.bill_id for p in newly_rejected if p.bill_id])
        counts = Counter(p.status for p in payments)
        target = _batch_status_from(counts, batch_rejected)
        summary = ", ".join(
            f"{k}: {v}" for k, v in sorted(Counter(s for s, _r in tx_statuses.values() if s).items())
        )
        if unplaced:
            summary = _("%(summary)s; %(count)d without EndToEndId, not applied") % {
                "summary": summary or "-",
                "count": len(unplaced),
            }
        BankReport.objects.create(
            company=batch.company,
            batch=batch,
            kind=BankReport.Kind.PAIN002,
            bank_reference=(bank_reference or report.msg_id)[:64],
            content=content,
            sha256=sha,
            status=(b_status or report.group_status or "")[:4],
            summary=summary[:500],
        )
        code, words = _batch_reason(b_reasons, payments)
        # A known reason is never replaced by an empty one (a later ACSC says none).
        reason_fields = {"bank_reason": code[:10], "bank_reason_text": words[:500]} if code or words else {}
        batch = _move_batch(
            batch,
            target,
            bank_status=(b_status or report.group_status or "")[:4],
            answered_at=now,
            **reason_fields,
        )
        if newly_rejected:
            _notify_rejections(batch, newly_rejected, f"pain002:{sha[:16]}")
        if unplaced:
            _notify_unidentified(batch, unplaced, f"pain002-unplaced:{sha[:16]}")
    return batch


def _notify_booked_otherwise(company, payments: list[Payment], booked: dict, sha: str) -> None:
    lines = "; ".join(
        _("%(e2e)s: %(currency)s %(amount)s booked, the payment is %(own_currency)s %(own_amount)s")
        % {
            "e2e": p.end_to_end_id,
            "currency": booked[p.end_to_end_id][1],
            "amount": f"{booked[p.end_to_end_id][0]:.2f}",
            "own_currency": p.currency,
            "own_amount": f"{p.amount:.2f}",
        }
        for p in payments
    )
    notify(
        company,
        title=_("The bank booked payments at another amount"),
        body=_(
            "A debit notification from the bank books %(count)d payment(s) at an amount or currency other "
            "than the payment's: %(lines)s. They are not booked in the ledger; check them with the bank."
        )
        % {"count": len(payments), "lines": lines},
        level=Notification.Level.WARNING,
        link="/payments/batches/",
        dedup_key=f"remittance:camt054-amount:{sha[:16]}",
    )


def payment_batch_book_camt054(company, content: bytes, *, notification_id: str = "") -> list[PaymentBatch]:
    """Book the payments a camt.054 debit notification reports: vouchers, bills paid, EndToEndIds.

    A payment is booked for what it is only when the bank booked that: the same amount in the
    same currency. Anything else (another amount, another currency) is left unbooked and said
    in a warning, never posted at the payment's amount as if the bank had agreed.
    """
    try:
        report = parse_camt054(content)
    except IsoFormatError as exc:
        raise BankFileRejected(
            _("The bank's debit notification could not be read: %(error)s") % {"error": _file_reason(exc)}
        ) from exc
    sha = hashlib.sha256(content).hexdigest()
    booked_txs = {}
    booked_amounts = {}
    for _ntf, entry, tx in report.transactions():
        if (
            tx.end_to_end_id
            and entry.credit_debit == "DBIT"
            and not entry.reversal
            and entry.status == "BOOK"
        ):
            booked_txs[tx.end_to_end_id] = entry.booking_date or timezone.localdate()
            booked_amounts[tx.end_to_end_id] = (tx.amount, tx.currency)
    with transaction.atomic():
        payments = list(
            Payment.objects.select_for_update(of=("self",))
            .filter(company=company, end_to_end_id__in=list(booked_txs))
            .select_related("bank_account", "batch")
            .order_by("id")
        )
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
        differing = [p for p in to_book if booked_amounts[p.end_to_end_id] != (p.amount, p.currency)]
        if differing:
            to_book = [p for p in to_book if p not in differing]
            _notify_booked_otherwise(company, differing, booked_amounts, sha)
        specs = [
            VoucherSpec(
                date=booked_txs[p.end_to_end_id],
                text=(_("Payment to %(creditor)s") % {"creditor": p.creditor_name})[:200],
                kind=Voucher.Kind.PAYMENT_OUT,
                lines=[
                    LineSpec(PAYABLES, p.amount, bill_id=p.bill_id),
                    LineSpec(
                        p.bank_account.ledger_account,
                        -p.amount,
                        bank_account=p.bank_account,
                        reference_kind=ReferenceKind.E2E,
                        reference=p.end_to_end_id,
                        bill_id=p.bill_id,
                    ),
                ],
            )
            for p in to_book
        ]
        vouchers = vouchers_post_bulk(company, specs) if specs else []
        now = timezone.now()
        for p, v in zip(to_book, vouchers, strict=True):
            p.status, p.voucher, p.booked_at, p.booked_date, p.bank_status = (
                P.BOOKED,
                v,
                now,
                booked_txs[p.end_to_end_id],
                "ACSC",
            )
        Payment.objects.bulk_update(
            to_book, ["status", "voucher", "booked_at", "booked_date", "bank_status"], batch_size=2000
        )
        bills_mark_paid_bulk(
            company, {p.bill_id: v.pk for p, v in zip(to_book, vouchers, strict=True) if p.bill_id}
        )
        BankReport.objects.bulk_create(
            [
                BankReport(
                    company=company,
                    batch_id=bid,
                    kind=BankReport.Kind.CAMT054,
                    bank_reference=str(notification_id or report.msg_id)[:64],
                    content=content,
                    sha256=sha,
                    status="BOOK",
                    summary=_("%(count)d payment(s) booked")
                    % {"count": sum(1 for p in to_book if p.batch_id == bid)},
                )
                for bid in batch_ids
                if bid not in known
            ],
            ignore_conflicts=True,
        )
        counts: dict[int, Counter] = {bid: Counter() for bid in batch_ids}
        for bid, status in Payment.objects.filter(batch_id__in=batch_ids).values_list("batch_id", "status"):
            counts[bid][status] += 1
        out = []
        for bid in batch_ids:
            batch = batches[bid]
            out.append(_move_batch(batch, _batch_status_from(counts[bid], batch.status == B.REJECTED)))
        if to_book:
            audit_record(
                "payment.book_bulk",
                company=company,
                changes={"count": len(to_book), "batches": batch_ids, "notification": str(notification_id)},
            )
    return out


# --- the change feed (registered in RemittanceConfig.ready) --------------------------------------------


def feed_payment_file_updated(events, *, client=None) -> None:
    """``payment_file.updated``: fetch the current pain.002 once per MsgId and apply it."""
    pairs = {(e.org_number, str((e.data or {}).get("msg_id") or e.resource_id)) for e in events}
    msg_ids = {m for _o, m in pairs}
    batches = list(
        PaymentBatch.objects.filter(msg_id__in=msg_ids)
        .select_related("company", "bank_account")
        .order_by("id")
    )
    client = client or get_client()
    for batch in batches:
        if (batch.company.org_number, batch.msg_id) not in pairs:
            continue  # another customer's MsgId: never cross tenants
        if batch.status in (B.DRAFT, B.APPROVED, B.POST_APPROVAL):
            continue
        try:
            content = client.get_pain002(batch.msg_id)
        except BankRejected as exc:
            logger.warning("pain.002 for %s not available: %s", batch.msg_id, exc)
            continue
        try:
            payment_batch_apply_pain002(batch, content)
        except BankFileRejected as exc:
            _report_unreadable(batch, exc)


def feed_debit_notification_created(events, *, client=None) -> None:
    """``debit_notification.created``: download each camt.054 once and book its payments."""
    from companies.models import Company

    wanted = {str(e.resource_id): e for e in events}
    seen = set(
        BankReport.objects.filter(kind=BankReport.Kind.CAMT054, bank_reference__in=list(wanted)).values_list(
            "bank_reference", flat=True
        )
    )
    msg_ids = {str((e.data or {}).get("msg_id") or "") for e in events}
    owners = dict(PaymentBatch.objects.filter(msg_id__in=msg_ids).values_list("msg_id", "company_id"))
    companies = Company.objects.in_bulk(set(owners.values()))
    client = client or get_client()
    for ref, event in wanted.items():
        msg_id = str((event.data or {}).get("msg_id") or "")
        company = companies.get(owners.get(msg_id))
        if ref in seen or company is None or company.org_number != event.org_number:
            continue
        try:
            content = client.download_debit_notification(int(ref))
        except BankRejected as exc:
            logger.warning("camt.054 %s not available: %s", ref, exc)
            continue
        try:
            payment_batch_book_camt054(company, content, notification_id=ref)
        except BankFileRejected as exc:
            logger.error("camt.054 %s not booked: %s", ref, exc)


def feed_signing_updated(events, *, client=None) -> None:
    """``signing.updated``: a BankID signing for a batch ended; approve it, or say it did not.

    The approver usually finishes on the batch page; this completes it when they do not come
    back (closed tab), so a signed batch is never left waiting.
    """
    ids = [int(e.resource_id) for e in events if str(e.resource_id).isdigit()]
    batches = list(
        PaymentBatch.objects.filter(signing_id__in=ids, status=B.DRAFT).select_related(
            "company", "bank_account", "signing_user"
        )
    )
    client = client or get_client()
    for batch in batches:
        # Read before completing: a signing that ends without approval is cleared from the batch.
        signer, signing_id = batch.signing_user, batch.signing_id
        try:
            payment_batch_approve_complete(batch, client=client)
        except SigningPending:
            continue
        except (Conflict, NotPermitted) as exc:
            if exc.code == "bank_unavailable":
                raise BankUnavailable(exc.message) from exc
            if signer is not None:
                notify(
                    batch.company,
                    title=_("Batch not approved"),
                    body=exc.message,
                    level=Notification.Level.WARNING,
                    user=signer,
                    link=f"/payments/batches/{batch.pk}/",
                    dedup_key=f"remittance:{batch.pk}:signing:{signing_id}",
                )
        except DomainError as exc:
            logger.warning("signing for batch %s not completed: %s", batch.pk, exc)

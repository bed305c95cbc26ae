"""Approval: the checks before a batch may be approved, the RgB approval with a BankID
signing at the bank (start, complete, the API's one call), and the four-eyes setting."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import BankApprovalRight
from bankclient import BankRejected, BankUnavailable, get_client
from bankint import formatting
from bankint.errors import Conflict, IllegalTransition, NotPermitted, ValidationFailed
from companies.roles import Perm, Role
from companies.selectors import roles_for, user_perms
from companies.services import audit_record, user_national_id_use

from ..models import Payment, PaymentBatch, PaymentSettings
from ..selectors import four_eyes_in_force, payment_people
from .common import B, request_submit, transition


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
            return _own_pending_signing(batch, user, current)
        if current.status == "COMPLETE":
            _record_completed_signing(batch, client)
            replaces = None  # the signer was refused (four-eyes): their signing is gone
    session = _start_signing(batch, user, client)
    _claim_signing(batch, user, session, replaces, check)
    batch.refresh_from_db()
    return session


def _own_pending_signing(batch: PaymentBatch, user, current):
    """A pending signing goes back to its own approver; anyone else is told who signs."""
    if batch.signing_user_id == user.pk:
        return current
    raise _signing_busy(batch, current.expires_at)


def _record_completed_signing(batch: PaymentBatch, client) -> None:
    """A signing completed at the bank but not yet recorded: record it, and refuse the new
    one because the batch is now approved. Returns only when the signer was refused."""
    try:
        approved = payment_batch_approve_complete(batch, client=client)
    except NotPermitted:
        return
    raise Conflict(
        _("The batch has already been approved with BankID by %(name)s.")
        % {"name": _display_name(approved.approved_by)},
        code="already_approved",
    )


def _start_signing(batch: PaymentBatch, user, client):
    """Open the BankID signing at the bank, with the text the approver signs."""
    text = ngettext(
        "Approve %(count)d payment of %(total)s from account %(account)s on %(date)s (%(msg_id)s).",
        "Approve %(count)d payments, %(total)s in all, from account %(account)s on %(date)s (%(msg_id)s).",
        batch.payment_count,
    ) % {
        "count": batch.payment_count,
        "total": formatting.money(batch.total),
        "account": batch.bank_account.account_number_display,
        "date": formatting.day(batch.execution_date),
        "msg_id": batch.msg_id,
    }
    try:
        return client.start_signing(
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


def _claim_signing(batch: PaymentBatch, user, session, replaces, check: ApprovalCheck) -> None:
    """Put the new signing on the batch with one conditional update on the signing it
    replaces, so of two approvers starting at once exactly one gets the batch."""
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
            batch = transition(
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
        request_submit(batch)
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

"""Payments: register one (from a form or from a bill), cancel one that has not left, and
correct one the bank rejected."""

from __future__ import annotations

import secrets
from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import BankAccount, BankService
from bankint.account_numbers import clean_account_number, format_account_number
from bankint.errors import Conflict, IllegalTransition, ValidationFailed
from companies.services import audit_record
from ledger import kid as kidrules
from ledger.models import Bill
from ledger.money import clean_amount
from ledger.services import bill_schedule, bills_unschedule_bulk, clean_payment_reference

from ..banking_days import NoBankingDay, banking_day_on_or_after, days_after
from ..models import Payment, PaymentBatch
from .common import B, P

DUPLICATE_WINDOW = timedelta(days=30)


def new_id(prefix: str) -> str:
    # ≤35 printable ASCII (pain.001 Max35Text); random, so ids never collide across companies.
    return f"{prefix}{timezone.now():%y%m%d}{secrets.token_hex(8).upper()}"


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
    kid_value, text = clean_payment_reference(kid, message)
    if kid_value and not (kid_value.isdigit() and kidrules.is_valid(kid_value)):
        msg = _("KID “%(kid)s” has the wrong check digit or length: check it against the invoice.") % {
            "kid": kid
        }
        raise ValidationFailed(msg, fields={"kid": [msg]})
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
                end_to_end_id=new_id("E"),
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

"""Every write to bank accounts, authorisations and the mirrored bank rights."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from functools import partial

from django.db import IntegrityError, transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils import timezone
from django.utils.translation import gettext as _

from bankint.account_numbers import clean_account_number, format_account_number
from bankint.errors import Conflict, ValidationFailed
from companies.models import Company
from companies.roles import Perm
from companies.selectors import user_perms
from companies.services import audit_record
from ledger.selectors import kid_enabled
from ledger.services import clean_ledger_account, ledger_account_ensure, ledger_chart_ensure

from .models import (
    ApprovalAuthorisation,
    BankAccount,
    BankApprovalRight,
    BankService,
    PaymentFileVersion,
    PaymentMethod,
)
from .selectors import bank_account_list_with_nets_ocr

EDITABLE = ("name", "ledger_account", "fee_account", "incoming_payment_methods", "approval_mode")

logger = logging.getLogger(__name__)
# Who hears that an account was registered for Nets OCR (the OCR app imports what Nets sent
# for it before): filled in ``AppConfig.ready``, so accounts imports no app above it.
_NETS_OCR_REGISTERED: list[Callable[[BankAccount], object]] = []


def on_nets_ocr_registered(hook: Callable[[BankAccount], object]) -> None:
    """Call ``hook(account)`` once an account registered for Nets OCR is committed."""
    if hook not in _NETS_OCR_REGISTERED:
        _NETS_OCR_REGISTERED.append(hook)


def _nets_ocr_registered(account: BankAccount) -> None:
    if account.is_active and account.has_nets_ocr:
        transaction.on_commit(partial(_run_nets_ocr_hooks, account.pk))


def _run_nets_ocr_hooks(pk: int) -> None:
    account = BankAccount.objects.select_related("company").get(pk=pk)
    for hook in _NETS_OCR_REGISTERED:
        try:
            hook(account)
        except Exception:  # the registration stands; what the hook failed to do is logged
            logger.exception("a Nets OCR registration hook failed for bank account %s", pk)


def _clean_bank_ledger_account(company, value, *, exclude_pk=None) -> str:
    number = str(value or "").strip()
    # NS 4102: 19xx are cash and bank; posting a bank account elsewhere breaks the balance sheet.
    if not (len(number) == 4 and number.isdigit() and number.startswith("19")):
        message = _("A bank account posts to a ledger account from 1900 to 1999, e.g. 1920.")
        raise ValidationFailed(message, fields={"ledger_account": [message]})
    clash = BankAccount.objects.filter(company=company, ledger_account=number).exclude(pk=exclude_pk).first()
    if clash is not None:
        # Reconciliation matches one bank statement against one ledger account.
        message = _("Ledger account %(number)s is already used by bank account %(account)s.") % {
            "number": number,
            "account": clash.account_number_display,
        }
        raise ValidationFailed(message, fields={"ledger_account": [message]})
    return number


def _clean_methods(value) -> list[str]:
    methods = list(value or [])
    unknown = [m for m in methods if m not in PaymentMethod.values]
    if unknown:
        message = _("Unknown incoming payment method: %(methods)s.") % {
            "methods": ", ".join(map(str, unknown))
        }
        raise ValidationFailed(message, fields={"incoming_payment_methods": [message]})
    return sorted(set(methods))


def _clean_name(value) -> str:
    name = (value or "").strip()
    if not name:
        message = _("Give the account a name, e.g. Driftskonto.")
        raise ValidationFailed(message, fields={"name": [message]})
    return name[:100]


def _check_approval_mode(mode: str, dual_approval_required: bool) -> str:
    if mode not in BankAccount.ApprovalMode.values:
        message = _("Choose RgB or post-approval in the online bank.")
        raise ValidationFailed(message, fields={"approval_mode": [message]})
    if mode == BankAccount.ApprovalMode.RGB and dual_approval_required:
        message = _(
            "The bank agreement requires dual approval, so payments from this account must be approved in the "
            "online bank: RgB is not allowed."
        )
        raise ValidationFailed(message, fields={"approval_mode": [message]})
    return mode


def _keep_nets_ocr_for_kid(company, account: BankAccount, *, losing: bool) -> None:
    """KID invoicing needs an active account with Nets OCR; refuse to remove the last one."""
    if not losing or not kid_enabled(company):
        return
    others = bank_account_list_with_nets_ocr(company).exclude(pk=account.pk)
    if not others.exists():
        message = _(
            "Invoicing with KID is on and this is the last active account with “Nets OCR”: switch KID off in "
            "the invoice settings first."
        )
        raise ValidationFailed(
            message, code="nets_ocr_required", fields={"incoming_payment_methods": [message]}
        )


@transaction.atomic
def bank_account_create(
    company: Company,
    *,
    account_number: str,
    name: str,
    ledger_account: str,
    fee_account: str = "7770",
    incoming_payment_methods: Iterable[str] = (),
    approval_mode: str = BankAccount.ApprovalMode.POST_APPROVAL,
) -> BankAccount:
    number = clean_account_number(account_number)
    if BankAccount.objects.filter(company=company, account_number=number).exists():
        message = _("Account %(number)s is already registered for this company.") % {
            "number": format_account_number(number)
        }
        raise ValidationFailed(message, code="duplicate", fields={"account_number": [message]})
    name = _clean_name(name)
    ledger = _clean_bank_ledger_account(company, ledger_account)
    ledger_chart_ensure(company)
    fee = clean_ledger_account(fee_account, company=company, field="fee_account")
    account = BankAccount(
        company=company,
        account_number=number,
        name=name,
        ledger_account=ledger,
        fee_account=fee,
        incoming_payment_methods=_clean_methods(incoming_payment_methods),
        approval_mode=_check_approval_mode(approval_mode, False),
    )
    try:
        with transaction.atomic():
            account.save()
    except IntegrityError:  # a concurrent registration of the same number won
        message = _("Account %(number)s is already registered for this company.") % {
            "number": format_account_number(number)
        }
        raise ValidationFailed(message, code="duplicate", fields={"account_number": [message]}) from None
    ledger_account_ensure(company, ledger, name)
    audit_record(
        "bank_account.create",
        obj=account,
        changes={"after": {"account_number": number, "name": name, "ledger_account": ledger}},
    )
    _nets_ocr_registered(account)
    return account


@transaction.atomic
def bank_account_update(account: BankAccount, **changes) -> BankAccount:
    """Change what users may change; the account number and the bank's fields are fixed."""
    account = BankAccount.objects.select_for_update().get(pk=account.pk)
    company = account.company
    unknown = set(changes) - set(EDITABLE) - {"is_active"}
    if unknown:
        raise ValidationFailed(
            _("These fields cannot be changed: %(fields)s.") % {"fields": ", ".join(sorted(unknown))},
            fields={k: [_("This field cannot be changed.")] for k in sorted(unknown)},
        )
    if "is_active" in changes:
        active = changes.pop("is_active")
        if active is False and account.is_active:
            account = bank_account_deactivate(account)
        elif active is True and not account.is_active:
            account = bank_account_reactivate(account)
    before = {k: getattr(account, k) for k in EDITABLE}
    if "name" in changes:
        account.name = _clean_name(changes["name"])
    if "ledger_account" in changes:
        account.ledger_account = _clean_bank_ledger_account(
            company, changes["ledger_account"], exclude_pk=account.pk
        )
    if "fee_account" in changes:
        account.fee_account = clean_ledger_account(
            changes["fee_account"], company=company, field="fee_account"
        )
    if "incoming_payment_methods" in changes:
        methods = _clean_methods(changes["incoming_payment_methods"])
        _keep_nets_ocr_for_kid(
            company, account, losing=account.has_nets_ocr and PaymentMethod.NETS_OCR not in methods
        )
        account.incoming_payment_methods = methods
    if "approval_mode" in changes:
        account.approval_mode = _check_approval_mode(changes["approval_mode"], account.dual_approval_required)
    diff = {
        k: {"before": before[k], "after": getattr(account, k)}
        for k in EDITABLE
        if before[k] != getattr(account, k)
    }
    if diff:
        account.save()
        if "ledger_account" in diff:
            ledger_account_ensure(company, account.ledger_account, account.name)
        audit_record("bank_account.update", obj=account, changes=diff)
        if "incoming_payment_methods" in diff and PaymentMethod.NETS_OCR not in (
            before["incoming_payment_methods"] or []
        ):
            _nets_ocr_registered(account)
    return account


@transaction.atomic
def bank_account_deactivate(account: BankAccount) -> BankAccount:
    """Deactivated accounts stay for history (payments, postings); no new use."""
    account = BankAccount.objects.select_for_update().get(pk=account.pk)
    if not account.is_active:
        return account
    _keep_nets_ocr_for_kid(account.company, account, losing=account.has_nets_ocr)
    account.is_active = False
    account.deactivated_at = timezone.now()
    account.save(update_fields=["is_active", "deactivated_at", "updated_at"])
    audit_record("bank_account.deactivate", obj=account)
    return account


@transaction.atomic
def bank_account_reactivate(account: BankAccount) -> BankAccount:
    account = BankAccount.objects.select_for_update().get(pk=account.pk)
    if account.is_active:
        return account
    account.is_active = True
    account.deactivated_at = None
    account.save(update_fields=["is_active", "deactivated_at", "updated_at"])
    audit_record("bank_account.reactivate", obj=account)
    _nets_ocr_registered(account)
    return account


@transaction.atomic
def bank_account_delete(account: BankAccount) -> None:
    """Delete an account nothing refers to; otherwise say to deactivate it instead."""
    label, pk, company = str(account), account.pk, account.company
    try:
        with transaction.atomic():
            BankAccount.objects.filter(pk=pk).delete()
    except (ProtectedError, RestrictedError, IntegrityError):
        raise Conflict(
            _(
                "Account %(account)s is in use (postings, authorisations or bank orders refer to it): deactivate "
                "it instead."
            )
            % {"account": account.account_number_display},
            code="in_use",
        ) from None
    audit_record(
        "bank_account.delete",
        company=company,
        object_repr=label,
        changes={"before": {"id": pk, "account_number": account.account_number}},
    )


@transaction.atomic
def bank_account_agreement_set(
    account: BankAccount,
    *,
    agreement_id: str | None = None,
    division_name: str | None = None,
    division_number: str | None = None,
    services: Iterable[str] | None = None,
    dual_approval_required: bool | None = None,
    payment_file_version: str | None = None,
    currency: str | None = None,
) -> BankAccount:
    """What the bank reports when a service order completes (called by the agreements issue).

    AvtaleID may stay empty: DNB does not know it for Nets OCR, so nothing may require it. If
    the bank says the agreement needs two approvers, the account falls back to post-approval, since
    RgB cannot be combined with dual approval.
    """
    account = BankAccount.objects.select_for_update().get(pk=account.pk)
    before = {
        "agreement_id": account.agreement_id,
        "division_name": account.division_name,
        "division_number": account.division_number,
        "services": list(account.services),
        "dual_approval_required": account.dual_approval_required,
        "approval_mode": account.approval_mode,
        "payment_file_version": account.payment_file_version,
        "currency": account.currency,
    }
    if agreement_id is not None:
        account.agreement_id = agreement_id.strip()
    if division_name is not None:
        account.division_name = division_name.strip()
    if division_number is not None:
        account.division_number = division_number.strip()
    if services is not None:
        unknown = [s for s in services if s not in BankService.values]
        if unknown:
            raise ValidationFailed(_("Unknown bank service: %(s)s.") % {"s": ", ".join(map(str, unknown))})
        account.services = sorted(set(services))
    if dual_approval_required is not None:
        account.dual_approval_required = dual_approval_required
        if dual_approval_required and account.approval_mode == BankAccount.ApprovalMode.RGB:
            account.approval_mode = BankAccount.ApprovalMode.POST_APPROVAL
    if payment_file_version in PaymentFileVersion.values:
        # The pain.001 version the bank's agreement takes (None or one the portal does not
        # write: left as it is).
        account.payment_file_version = payment_file_version
    if currency and re.fullmatch(r"[A-Z]{3}", currency):
        # A currency account (EUR, USD, ...) is the bank's: it pays only in its own currency.
        account.currency = currency
    account.save()
    after = {k: getattr(account, k) for k in before}
    diff = {k: {"before": before[k], "after": after[k]} for k in before if before[k] != after[k]}
    if diff:
        audit_record("bank_account.agreement_set", obj=account, changes=diff)
    return account


def _not_ours(field: str, message: str):
    return ValidationFailed(message, fields={field: [message]})


@transaction.atomic
def authorisation_create(company: Company, *, bank_account_id, user_id) -> ApprovalAuthorisation:
    """Let a user approve payments from an account (RgB) in the portal."""
    from django.contrib.auth import get_user_model

    try:
        account_pk = int(bank_account_id)
    except (TypeError, ValueError):
        raise _not_ours("bank_account", _("Choose a bank account.")) from None
    account = BankAccount.objects.filter(pk=account_pk, company=company).first()
    if account is None:
        # Same words whether it is another company's or no account at all: ids are not probes.
        raise _not_ours(
            "bank_account",
            _("Bank account #%(id)s is not one of this company's accounts.") % {"id": account_pk},
        )
    if not account.is_active:
        raise _not_ours("bank_account", _("The bank account is deactivated."))
    try:
        user_pk = int(user_id)
    except (TypeError, ValueError):
        raise _not_ours("user", _("Choose a user.")) from None
    user = get_user_model().objects.filter(pk=user_pk, memberships__company=company).distinct().first()
    if user is None:
        raise _not_ours("user", _("User #%(id)s is not a member of this company.") % {"id": user_pk})
    if Perm.APPROVE_PAYMENTS not in user_perms(user, company):
        raise _not_ours(
            "user",
            _("%(user)s does not have the approver role in this company.") % {"user": user.get_username()},
        )
    if ApprovalAuthorisation.objects.filter(bank_account=account, user=user).exists():
        message = _("%(user)s may already approve payments from %(account)s.") % {
            "user": user.get_username(),
            "account": account.account_number_display,
        }
        raise ValidationFailed(message, code="duplicate", fields={"user": [message]})
    auth = ApprovalAuthorisation.objects.create(company=company, bank_account=account, user=user)
    audit_record(
        "authorisation.create",
        obj=auth,
        company=company,
        changes={"after": {"user": user.get_username(), "account": account.account_number}},
    )
    return auth


@transaction.atomic
def authorisation_delete(auth: ApprovalAuthorisation) -> None:
    company, label = auth.company, str(auth)
    ApprovalAuthorisation.objects.filter(pk=auth.pk).delete()
    audit_record("authorisation.delete", company=company, object_repr=label)


@transaction.atomic
def bank_approval_rights_replace(
    account: BankAccount, bank_user_ids: Iterable[str], *, fetched_at=None
) -> int:
    """Mirror the bank's approval rights for an account as fetched now (agreements issue)."""
    from django.contrib.auth import get_user_model

    fetched_at = fetched_at or timezone.now()
    ids = sorted({(u or "").strip().upper() for u in bank_user_ids if (u or "").strip()})
    users = {
        uid.upper(): pk
        for pk, uid in get_user_model()
        .objects.filter(memberships__company=account.company, profile__bank_user_id__in=ids)
        .values_list("pk", "profile__bank_user_id")
    }
    BankApprovalRight.objects.filter(bank_account=account).delete()
    BankApprovalRight.objects.bulk_create(
        [
            BankApprovalRight(
                company=account.company,
                bank_account=account,
                bank_user_id=uid,
                user_id=users.get(uid),
                fetched_at=fetched_at,
            )
            for uid in ids
        ]
    )
    audit_record("bank_rights.replace", obj=account, changes={"bank_user_ids": ids})
    return len(ids)

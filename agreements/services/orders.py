"""Service orders ("Koble til tjeneste"): checking, creating and sending them to the bank.

The bank is called only outside database transactions, so a slow bank never holds locks: an
order is committed as SUBMITTING first, then sent with its reference as the idempotency key,
then the answer is recorded in a second transaction. Results arrive through the change feed
(``agreements.services.order_results``)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.banks import DNB, SBANKEN
from accounts.models import BankAccount, BankService
from accounts.selectors import bank_account_list
from accounts.services import bank_account_update
from bankclient import BankRejected, BankUnavailable, get_client
from bankint.errors import ValidationFailed
from bankint.stored_text import register_code
from bankint.tasks import enqueue_on_commit
from companies.models import Company
from companies.roles import Role
from companies.selectors import roles_for
from companies.services import audit_record
from ledger.selectors import invoice_settings_get
from ledger.services import clean_ledger_account

from ..models import Bank, OrderService, ServiceOrder, ServiceOrderAccount

logger = logging.getLogger(__name__)

# Queued by name: agreements.tasks imports the services, not the other way round.
SUBMIT_TASK = "agreements.service_order_submit"
RIGHTS_REFRESH_TASK = "agreements.bank_rights_refresh"

# DNB: an accountant may request kontofullmakt for at most six accounts at once (the bank's limit).
KONTOFULLMAKT_MAX_ACCOUNTS = 6

# The bank's order service names → the services the portal marks active on the account.
ACCOUNT_SERVICE = {
    OrderService.REMITTANCE: BankService.REMITTANCE,
    OrderService.INCOMING_RECONCILIATION: BankService.INCOMING_RECONCILIATION,
    OrderService.NETS_OCR: BankService.OCR,
}

BANK_FINAL = {"COMPLETED", "PARTIALLY_COMPLETED", "REJECTED"}
BANK_STATUS = {
    "AWAITING_CONFIRMATION": ServiceOrder.Status.AWAITING_CONFIRMATION,
    "AWAITING_CONSENT": ServiceOrder.Status.AWAITING_CONFIRMATION,  # S'banken's consent step
    "PROCESSING": ServiceOrder.Status.PROCESSING,
    "COMPLETED": ServiceOrder.Status.COMPLETED,
    "PARTIALLY_COMPLETED": ServiceOrder.Status.PARTIALLY_COMPLETED,
    "REJECTED": ServiceOrder.Status.REJECTED,
    "CANCELLED": ServiceOrder.Status.CANCELLED,
}


def sources_for(target: str) -> list[str]:
    return [s for s, targets in ServiceOrder.TRANSITIONS.items() if target in targets]


def order_link(order: ServiceOrder) -> str:
    return reverse("agreements:order_detail", args=[order.pk])


def return_url(name: str, pk: int) -> str:
    """The portal page the bank's pages send the user back to, at the portal's public address
    (the one the bank has registered; it refuses any other): there the portal asks the bank
    what happened, so the page is current at once, not at the next feed poll."""
    return settings.PORTAL_PUBLIC_URL + reverse(name, args=[pk])


def rejection_advice(code: str | None) -> str:
    advice = {
        "no_online_bank": _(
            "Create an online bank agreement integrated with the ERP (Avtaler tab › Online bank), then order again."
        ),
        "account_not_owned": _(
            "Check the account numbers on the Accounts tab; they must belong to this company."
        ),
        "unknown_customer": _("Check the organisation number, or contact DNB to become a customer."),
        "dual_approval_required": _("Use post-approval in the online bank for this account."),
    }
    return advice.get(code or "", _("Correct what the bank says and order again, or contact DNB's support."))


# Stored notifications name the advice by the bank's code; it is worded when read.
register_code("order_advice", lambda code, _lang: rejection_advice(code))
register_code("order_service", lambda code, _lang: str(dict(OrderService.choices).get(code, code)))


# --- ordering ---------------------------------------------------------------------------------


# The bank an order goes to, and the registry name its accounts carry (accounts.banks).
BANK_REGISTRY = {Bank.DNB: DNB, Bank.SBANKEN: SBANKEN}
# S'banken activates over its API: no Nets OCR, no fee account, no order wizard.
BANK_SERVICES = {
    Bank.DNB: tuple(OrderService.values),
    Bank.SBANKEN: (OrderService.REMITTANCE, OrderService.INCOMING_RECONCILIATION),
}


def bank_accounts_for(company, bank: str = Bank.DNB) -> list[BankAccount]:
    name = BANK_REGISTRY.get(bank, DNB)
    return [a for a in bank_account_list(company, active=True) if a.bank_name == name]


def dnb_accounts(company) -> list[BankAccount]:
    return bank_accounts_for(company, Bank.DNB)


def service_order_validate(
    company: Company,
    *,
    user=None,
    account_ids: Sequence,
    services: Sequence[str],
    fee_account: str = "7770",
    bank: str = Bank.DNB,
) -> tuple[list[BankAccount], list[str], str]:
    """Everything checked before anything goes to the bank."""
    if bank not in BANK_REGISTRY:
        raise ValidationFailed(_("Choose DNB or S'banken bedrift."), fields={"bank": [_("Unknown bank.")]})
    available = bank_accounts_for(company, bank)
    if not available and bank == Bank.SBANKEN:
        raise ValidationFailed(
            _(
                "Oppsett av bankkonto: the company has no S'banken account registered. Create the accounts on "
                "the Accounts tab first, then activate the integration."
            ),
            code="no_bank_account",
        )
    if not available:
        raise ValidationFailed(
            _(
                "Oppsett av bankkonto: the company has no DNB account registered. Create the accounts on the "
                "Accounts tab first, then order the services."
            ),
            code="no_dnb_account",
        )
    by_id = {a.pk: a for a in available}
    try:
        ids = sorted({int(i) for i in account_ids})
    except (TypeError, ValueError):
        ids = []
    if not ids:
        message = _("Choose at least one account.")
        raise ValidationFailed(message, code="accounts_required", fields={"accounts": [message]})
    unknown = [i for i in ids if i not in by_id]
    if unknown:
        message = _("Account #%(ids)s is not one of this company's active accounts in %(bank)s.") % {
            "ids": ", #".join(map(str, unknown)),
            "bank": Bank(bank).label,
        }
        raise ValidationFailed(message, fields={"accounts": [message]})
    accounts = [by_id[i] for i in ids]
    chosen = sorted(set(services or []))
    bad = [s for s in chosen if s not in BANK_SERVICES[bank]]
    if not chosen or bad:
        message = _(
            "Choose at least one service: remittance, incoming payments and reconciliation, Nets OCR."
        )
        raise ValidationFailed(message, code="services_required", fields={"services": [message]})
    if OrderService.NETS_OCR in chosen:
        if not invoice_settings_get(company).kid_enabled:
            message = _(
                "Nets OCR needs invoicing with KID: switch on “Invoice with KID” in the invoice settings "
                "(%(link)s), then order again."
            ) % {"link": reverse("ledger:invoice_settings")}
            raise ValidationFailed(message, code="kid_required", fields={"services": [message]})
        missing = [a for a in accounts if not a.has_nets_ocr]
        if missing:
            message = _(
                "KID needs “Nets OCR” registered under Incoming payments on %(accounts)s: edit the account "
                "(%(link)s) and tick Nets OCR."
            ) % {
                "accounts": ", ".join(a.account_number_display for a in missing),
                "link": reverse("accounts:edit", args=[missing[0].pk]),
            }
            raise ValidationFailed(message, code="nets_ocr_required", fields={"accounts": [message]})
    fee = clean_ledger_account(fee_account or "7770", company=company, field="fee_account")
    if user is not None and len(accounts) > KONTOFULLMAKT_MAX_ACCOUNTS:
        roles = set(roles_for(user, company))
        if Role.ACCOUNTANT in roles and Role.SYSADMIN not in roles:
            message = _(
                "An accountant can request account authority (kontofullmakt) for at most %(max)s accounts at "
                "a time, and you chose %(n)s. Order for the first %(max)s now and the rest in a new order."
            ) % {"max": KONTOFULLMAKT_MAX_ACCOUNTS, "n": len(accounts)}
            raise ValidationFailed(message, code="too_many_accounts", fields={"accounts": [message]})
    return accounts, chosen, fee


def service_order_create(
    company: Company,
    *,
    user=None,
    account_ids: Sequence,
    services: Sequence[str],
    fee_account: str = "7770",
    idempotency_key: str = "",
    bank: str = Bank.DNB,
    client=None,
) -> ServiceOrder:
    """Validate, commit the order as SUBMITTING, then send it to the bank (outside the transaction).

    The same ``idempotency_key`` (the form's hidden key, the API's ``Idempotency-Key``) returns
    the first order: a double-click on "Bestill" orders once.
    """
    key = (idempotency_key or "").strip()[:100] or uuid.uuid4().hex
    existing = ServiceOrder.objects.filter(company=company, idempotency_key=key).first()
    if existing is not None:
        return service_order_submit(existing, client=client, enqueue_retry=True)
    accounts, chosen, fee = service_order_validate(
        company, user=user, account_ids=account_ids, services=services, fee_account=fee_account, bank=bank
    )
    settings_row = invoice_settings_get(company)
    ocr = OrderService.NETS_OCR in chosen
    try:
        with transaction.atomic():
            order = ServiceOrder.objects.create(
                company=company,
                bank=bank,
                created_by=user if getattr(user, "pk", None) else None,
                idempotency_key=key,
                reference=f"bankint-{company.pk}-{uuid.uuid4().hex[:20]}",
                services=chosen,
                fee_account=fee,
                kid_length=settings_row.kid_length if ocr else None,
                kid_check=settings_row.kid_algorithm if ocr else "",
            )
            ServiceOrderAccount.objects.bulk_create(
                [
                    ServiceOrderAccount(
                        order=order, company=company, bank_account=a, account_number=a.account_number
                    )
                    for a in accounts
                ]
            )
            audit_record(
                "service_order.create",
                obj=order,
                changes={"after": {"accounts": [a.account_number for a in accounts], "services": chosen}},
            )
    except IntegrityError:  # the same key raced in from a second click: the first one wins
        existing = ServiceOrder.objects.get(company=company, idempotency_key=key)
        return service_order_submit(existing, client=client, enqueue_retry=True)
    return service_order_submit(order, client=client, enqueue_retry=True)


def _transition(order: ServiceOrder, target: str, **fields) -> bool:
    """Conditional update from any legal source state; one audit row when it happened."""
    before = order.status
    updated = ServiceOrder.objects.filter(pk=order.pk, status__in=sources_for(target)).update(
        status=target, updated_at=timezone.now(), **fields
    )
    if updated:
        for k, v in fields.items():
            setattr(order, k, v)
        order.status = target
        audit_record(
            "service_order.status", obj=order, changes={"status": {"before": before, "after": target}}
        )
    return bool(updated)


STALE_SUBMISSION_SECONDS = 600


def service_orders_submit_stale(*, client=None) -> int:
    """Beat: orders still SUBMITTING after ten minutes are sent again.

    The task's retries ran out during a long outage, or the broker was down when the order
    was placed. The reference makes the resend safe: the bank returns the first order.
    """
    cutoff = timezone.now() - timedelta(seconds=STALE_SUBMISSION_SECONDS)
    sent = 0
    for order in ServiceOrder.objects.filter(status=ServiceOrder.Status.SUBMITTING, updated_at__lt=cutoff):
        try:
            service_order_submit(order, client=client)
        except BankUnavailable as exc:
            logger.warning("service order %s: the bank is still unavailable (%s)", order.pk, exc)
            break  # the others would fail the same way; the next sweep tries again
        sent += 1
    return sent


def service_order_submit(order: ServiceOrder, *, client=None, enqueue_retry: bool = False) -> ServiceOrder:
    """Send a SUBMITTING order to the bank; safe to run twice (the bank dedupes on the reference)."""
    order.refresh_from_db()
    if order.status != ServiceOrder.Status.SUBMITTING:
        return order
    accounts = list(order.lines.values_list("account_number", flat=True))
    client = client or get_client()
    try:
        if order.bank == Bank.SBANKEN:
            answer = client.create_sbanken_activation(
                org_number=order.company.org_number,
                accounts=accounts,
                services=order.services,
                reference=order.reference,
                return_url=return_url("agreements:order_return", order.pk),
            )
        else:
            answer = client.create_service_order(
                org_number=order.company.org_number,
                accounts=accounts,
                services=order.services,
                fee_account=order.fee_account,
                kid_length=order.kid_length,
                kid_check=order.kid_check or None,
                reference=order.reference,
                # Every page of the bank's order wizard links back to this order in the portal.
                return_url=return_url("agreements:order_return", order.pk),
            )
    except BankRejected as exc:
        with transaction.atomic():
            _transition(
                order,
                ServiceOrder.Status.FAILED,
                code=exc.code[:60],
                message=str(exc.message if hasattr(exc, "message") else exc),
                raw_response={"code": exc.code, "detail": str(exc)},
            )
        return order
    except BankUnavailable as exc:
        ServiceOrder.objects.filter(pk=order.pk, status=ServiceOrder.Status.SUBMITTING).update(
            message=_("The bank did not answer (%(error)s). The order is kept and sent again automatically.")
            % {"error": exc},
            updated_at=timezone.now(),
        )
        order.refresh_from_db()
        if enqueue_retry:
            enqueue_on_commit(SUBMIT_TASK, order.pk)
        if not enqueue_retry:
            raise
        return order
    target = BANK_STATUS.get(answer.status, ServiceOrder.Status.AWAITING_CONFIRMATION)
    if target not in (ServiceOrder.Status.AWAITING_CONFIRMATION, ServiceOrder.Status.PROCESSING):
        target = ServiceOrder.Status.AWAITING_CONFIRMATION
    with transaction.atomic():
        _transition(
            order,
            target,
            bank_order_id=answer.id,
            wizard_url=answer.wizard_url,
            submitted_at=timezone.now(),
            message="",
            raw_response={"id": answer.id, "status": answer.status, "wizard_url": answer.wizard_url},
        )
    return order


# --- approval mode -------------------------------------------------------------------------------


def approval_mode_set(account: BankAccount, mode: str) -> BankAccount:
    """RgB or post-approval; dual approval refuses RgB (accounts service says why and audits)."""
    return bank_account_update(account, approval_mode=mode)

"""Every write to service orders, online-bank applications and RgB orders.

The bank is called only outside database transactions (STYLE rule 3): an order is committed
as SUBMITTING first, then sent with its reference as the idempotency key, then the answer is
recorded in a second transaction. Results arrive through the change feed
(``service_orders_apply_events``), in a constant number of queries per page of events.
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
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
from accounts.services import bank_account_update, bank_approval_rights_replace
from bankclient import BankRejected, BankUnavailable, get_client
from bankclient.dto import ChangeEvent
from bankint.errors import Conflict, ValidationFailed
from bankint.tasks import enqueue_on_commit
from companies.models import AuditEvent, Company
from companies.roles import Role
from companies.selectors import roles_for
from companies.services import audit_events_build, audit_record
from ledger.selectors import invoice_settings_get
from ledger.services import clean_ledger_account
from notifications.models import Notification
from notifications.services import notify_bulk

from .models import Bank, OnlineBankApplication, OrderService, RgbOrder, ServiceOrder, ServiceOrderAccount

logger = logging.getLogger(__name__)

# Queued by name: agreements.tasks imports the services, not the other way round.
SUBMIT_TASK = "agreements.service_order_submit"
RIGHTS_REFRESH_TASK = "agreements.bank_rights_refresh"

# DNB: an accountant may request kontofullmakt for at most six accounts at once (seed).
KONTOFULLMAKT_MAX_ACCOUNTS = 6

# The bank's order service names → the services the portal marks active on the account.
ACCOUNT_SERVICE = {
    OrderService.REMITTANCE: BankService.REMITTANCE,
    OrderService.INCOMING_RECONCILIATION: BankService.INCOMING_RECONCILIATION,
    OrderService.NETS_OCR: BankService.OCR,
}

_BANK_FINAL = {"COMPLETED", "PARTIALLY_COMPLETED", "REJECTED"}
_BANK_STATUS = {
    "AWAITING_CONFIRMATION": ServiceOrder.Status.AWAITING_CONFIRMATION,
    "AWAITING_CONSENT": ServiceOrder.Status.AWAITING_CONFIRMATION,  # S'banken's consent step
    "PROCESSING": ServiceOrder.Status.PROCESSING,
    "COMPLETED": ServiceOrder.Status.COMPLETED,
    "PARTIALLY_COMPLETED": ServiceOrder.Status.PARTIALLY_COMPLETED,
    "REJECTED": ServiceOrder.Status.REJECTED,
    "CANCELLED": ServiceOrder.Status.CANCELLED,
}


def _sources_for(target: str) -> list[str]:
    return [s for s, targets in ServiceOrder.TRANSITIONS.items() if target in targets]


def order_link(order: ServiceOrder) -> str:
    return reverse("agreements:order_detail", args=[order.pk])


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
    """Everything checked before anything goes to the bank (the seed's rules, in order)."""
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
    updated = ServiceOrder.objects.filter(pk=order.pk, status__in=_sources_for(target)).update(
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
                # The bank's receipt page links back to this order's page in the portal.
                return_url=settings.PORTAL_PUBLIC_URL + reverse("agreements:order_detail", args=[order.pk]),
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
    target = _BANK_STATUS.get(answer.status, ServiceOrder.Status.AWAITING_CONFIRMATION)
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


# --- results from the change feed ----------------------------------------------------------------


def _account_result_fields(order: ServiceOrder, result) -> tuple[str, list[dict], list[str], list[str]]:
    services = [
        {"service": s.service, "status": s.status, "code": s.code, "message": s.message}
        for s in result.services
    ]
    ok = [s.service for s in result.services if s.status == "ok"]
    errors = [s.message or s.code or "" for s in result.services if s.status != "ok"]
    verdict = ServiceOrderAccount.Result.FAILED if errors and not ok else ServiceOrderAccount.Result.OK
    if errors and ok:
        verdict = ServiceOrderAccount.Result.FAILED
    return verdict, services, ok, errors


def _kid_mismatch_text(order: ServiceOrder, account_number: str, bank_message: str) -> str:
    return _(
        "DNB could not set up Nets OCR on account %(account)s because the KID structure does not match. "
        "The portal's invoice settings make KIDs of %(length)s digits with %(check)s check digit, but the "
        "bank's OCR agreement for the account expects another structure (the bank said: “%(bank)s”). "
        "Change the KID length and check digit in the invoice settings to match the OCR agreement (or ask "
        "DNB to change the agreement), then order Nets OCR again. Invoices already sent keep their KIDs."
    ) % {
        "account": account_number,
        "length": order.kid_length or "?",
        "check": order.kid_check or "?",
        "bank": bank_message,
    }


def _fetch(client, order: ServiceOrder):
    if order.bank == Bank.SBANKEN:
        return client.get_sbanken_activation(order.bank_order_id)
    return client.get_service_order(order.bank_order_id)


def service_orders_apply_events(events: list[ChangeEvent], *, client=None, bank: str = Bank.DNB) -> int:
    """Feed handler for ``service_order.updated``: fetch each changed order once, apply it.

    Idempotent: orders already final are skipped, transitions are conditional, notifications
    carry a dedup key. Bank calls happen before the transaction; ``BankUnavailable`` leaves
    the page for the next round.
    """
    last: dict[int, str] = {}
    for e in events:
        try:
            last[int(e.resource_id)] = str((e.data or {}).get("status") or "")
        except (TypeError, ValueError):
            continue
    if not last:
        return 0
    orders = list(
        ServiceOrder.objects.filter(bank=bank, bank_order_id__in=list(last))
        .exclude(status__in=ServiceOrder.FINAL)
        .select_related("company")
    )
    if not orders:
        return 0
    client = client or get_client()
    details = {}
    for order in orders:
        if last[order.bank_order_id] in _BANK_FINAL:
            details[order.pk] = _fetch(client, order)
    return _apply_order_updates(orders, last, details, client=client)


def service_order_repoll(order: ServiceOrder, *, client=None) -> ServiceOrder:
    """Support's "re-poll": ask the bank for one order now and apply what it says."""
    if order.bank_order_id is None:
        return service_order_submit(order, client=client)
    if order.status in ServiceOrder.FINAL:
        return order
    client = client or get_client()
    detail = _fetch(client, order)
    last = {order.bank_order_id: detail.status}
    details = {order.pk: detail} if detail.status in _BANK_FINAL else {}
    _apply_order_updates([order], last, details, client=client)
    order.refresh_from_db()
    return order


def _apply_order_updates(orders, last, details, *, client) -> int:
    now = timezone.now()
    claim = uuid.uuid4().hex
    by_target: dict[str, list[ServiceOrder]] = defaultdict(list)
    for order in orders:
        status = details[order.pk].status if order.pk in details else last[order.bank_order_id]
        target = _BANK_STATUS.get(status)
        if target is None or target == order.status:
            continue
        by_target[target].append(order)
    if not by_target:
        return 0
    finished: list[ServiceOrder] = []
    with transaction.atomic():
        claimed_ids: set[int] = set()
        audits: list[AuditEvent] = []
        for target, group in by_target.items():
            stamps = {"updated_at": now, "claim": claim}
            if target == ServiceOrder.Status.PROCESSING:
                stamps["processing_at"] = now
            if target in ServiceOrder.FINAL:
                stamps["completed_at"] = now
            ServiceOrder.objects.filter(pk__in=[o.pk for o in group], status__in=_sources_for(target)).update(
                status=target, **stamps
            )
            won = set(
                ServiceOrder.objects.filter(pk__in=[o.pk for o in group], claim=claim).values_list(
                    "pk", flat=True
                )
            )
            claimed_ids |= won
            for o in group:
                if o.pk in won:
                    before = o.status
                    o.status = target
                    audits.append(
                        audit_events_build(
                            "service_order.status",
                            [o],
                            {o.pk: {"status": {"before": before, "after": target}}},
                        )[0]
                    )
                    if o.pk in details:
                        finished.append(o)
        if finished:
            _apply_results(finished, details, now, audits)
        AuditEvent.objects.bulk_create(audits)
    # Approval rights come from the bank: refresh the Autorisasjoner tab after each completed order.
    completed = [o for o in finished if o.status != ServiceOrder.Status.REJECTED and o.bank == Bank.DNB]
    for company in {o.company_id: o.company for o in completed}.values():
        try:
            _refresh_bank_rights(company, client)
        except BankUnavailable as exc:
            # Without the rights every approver would see an AG08 warning: try again shortly.
            logger.warning("could not refresh bank approval rights for %s: %s", company.org_number, exc)
            enqueue_on_commit(RIGHTS_REFRESH_TASK, company.pk)
        except BankRejected as exc:
            logger.warning("the bank refused the approval rights for %s: %s", company.org_number, exc)
    return len(claimed_ids)


def bank_rights_refresh(company: Company, *, client=None) -> None:
    """Read the approval rights the bank has for the company's accounts (Autorisasjoner tab)."""
    _refresh_bank_rights(company, client or get_client())


def _apply_results(finished: list[ServiceOrder], details: dict, now, audits: list[AuditEvent]) -> None:
    lines = list(
        ServiceOrderAccount.objects.filter(order__in=finished).select_related(
            "bank_account", "order__company"
        )
    )
    by_order: dict[int, dict[str, ServiceOrderAccount]] = defaultdict(dict)
    for line in lines:
        by_order[line.order_id][line.account_number] = line
    accounts_changed: dict[int, BankAccount] = {}
    notifications: list[Notification] = []
    orders_changed: list[ServiceOrder] = []
    for order in finished:
        detail = details[order.pk]
        order.code = (detail.code or "")[:60]
        order.message = detail.message or ""
        order.subscription_upgraded = detail.subscription_upgraded
        order.raw_response = _detail_json(detail)
        orders_changed.append(order)
        link = order_link(order)
        if order.status == ServiceOrder.Status.REJECTED:
            for line in by_order[order.pk].values():
                line.result = ServiceOrderAccount.Result.FAILED
                line.errors = [detail.message or detail.code or ""]
            notifications.append(
                Notification(
                    company=order.company,
                    level=Notification.Level.ERROR,
                    title=_("%(bank)s rejected the service order") % {"bank": order.get_bank_display()},
                    body=_("%(bank)s rejected service order #%(id)s: %(reason)s What to do: %(todo)s")
                    % {
                        "bank": order.get_bank_display(),
                        "id": order.pk,
                        "reason": detail.message or detail.code or _("no reason given."),
                        "todo": _rejection_advice(detail.code),
                    },
                    link=link,
                    dedup_key=f"service_order:{order.pk}:rejected",
                )
            )
            continue
        done_accounts = []
        for result in detail.results:
            line = by_order[order.pk].get(result.account)
            if line is None:
                continue
            verdict, services, ok, errors = _account_result_fields(order, result)
            line.result = verdict
            line.service_results = services
            line.errors = errors
            line.agreement_id = result.agreement_id or ""
            line.division_name = result.division_name or ""
            line.division_number = result.division_number or ""
            account = accounts_changed.get(line.bank_account_id, line.bank_account)
            before = {
                "agreement_id": account.agreement_id,
                "division_name": account.division_name,
                "division_number": account.division_number,
                "services": list(account.services),
            }
            # No AvtaleID for Nets OCR: DNB does not know it, so an empty answer never clears one.
            if result.agreement_id:
                account.agreement_id = result.agreement_id
            if result.division_name:
                account.division_name = result.division_name
            if result.division_number:
                account.division_number = result.division_number
            account.services = sorted(
                set(account.services) | {ACCOUNT_SERVICE[s] for s in ok if s in ACCOUNT_SERVICE}
            )
            account.updated_at = now
            accounts_changed[account.pk] = account
            after = {k: getattr(account, k) for k in before}
            audits.extend(
                audit_events_build(
                    "bank_account.agreement_set",
                    [account],
                    {
                        account.pk: {
                            k: {"before": before[k], "after": after[k]}
                            for k in before
                            if before[k] != after[k]
                        }
                    },
                )
            )
            if ok:
                done_accounts.append(account)
            for s in result.services:
                if s.status == "ok":
                    continue
                if s.code == "kid_mismatch":
                    body = _kid_mismatch_text(order, account.account_number_display, s.message or "")
                    title = _("Nets OCR: the KID structure does not match DNB's OCR agreement")
                else:
                    body = _(
                        "DNB could not activate %(service)s on account %(account)s: %(reason)s What to do: %(todo)s"
                    ) % {
                        "service": s.service,
                        "account": account.account_number_display,
                        "reason": s.message or s.code or _("no reason given."),
                        "todo": _rejection_advice(s.code),
                    }
                    title = _("DNB could not activate a service")
                notifications.append(
                    Notification(
                        company=order.company,
                        level=Notification.Level.ERROR,
                        title=title,
                        body=body,
                        link=link,
                        dedup_key=f"service_order:{order.pk}:{account.account_number}:{s.service}",
                    )
                )
        if done_accounts:
            text = _("%(bank)s has registered the agreement for %(accounts)s.") % {
                "bank": order.get_bank_display(),
                "accounts": ", ".join(
                    f"{a.account_number_display} ({_('AvtaleID')} {a.agreement_id or '–'}, "
                    f"{a.division_name or '–'} {a.division_number or ''})".replace(" )", ")")
                    for a in done_accounts
                ),
            }
            if detail.subscription_upgraded:
                text += " " + _("The basic online bank subscription was upgraded to integrated with ERP.")
            notifications.append(
                Notification(
                    company=order.company,
                    level=Notification.Level.INFO,
                    title=_("Avtalen er registrert"),
                    body=text,
                    link=link,
                    dedup_key=f"service_order:{order.pk}:registered",
                )
            )
    if accounts_changed:
        BankAccount.objects.bulk_update(
            list(accounts_changed.values()),
            ["agreement_id", "division_name", "division_number", "services", "updated_at"],
        )
    if lines:
        ServiceOrderAccount.objects.bulk_update(
            lines, ["result", "service_results", "errors", "agreement_id", "division_name", "division_number"]
        )
    ServiceOrder.objects.bulk_update(
        orders_changed, ["code", "message", "subscription_upgraded", "raw_response"]
    )
    notify_bulk(notifications)


def _rejection_advice(code: str | None) -> str:
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


def _detail_json(detail) -> dict:
    return {
        "id": detail.id,
        "status": detail.status,
        "code": detail.code,
        "message": detail.message,
        "subscription_upgraded": detail.subscription_upgraded,
        "results": [
            {
                "account": r.account,
                "agreement_id": r.agreement_id,
                "division_name": r.division_name,
                "division_number": r.division_number,
                "services": [
                    {"service": s.service, "status": s.status, "code": s.code, "message": s.message}
                    for s in r.services
                ],
            }
            for r in detail.results
        ],
    }


def _refresh_bank_rights(company: Company, client) -> None:
    customer = client.get_customer(company.org_number)
    rights: dict[str, list[str]] = defaultdict(list)
    for user_id, numbers in customer.approval_rights:
        for number in numbers:
            rights[number].append(user_id)
    dual = customer.dual_approval
    for account in bank_account_list(company, active=True):
        if account.account_number in {a.number for a in customer.accounts}:
            bank_approval_rights_replace(account, rights.get(account.account_number, []))
            if dual and not account.dual_approval_required:
                from accounts.services import bank_account_agreement_set

                bank_account_agreement_set(account, dual_approval_required=True)


# --- approval mode -------------------------------------------------------------------------------


def approval_mode_set(account: BankAccount, mode: str) -> BankAccount:
    """RgB or post-approval; dual approval refuses RgB (accounts service says why and audits)."""
    return bank_account_update(account, approval_mode=mode)


# --- online bank application ---------------------------------------------------------------------


def online_bank_application_start(company: Company, *, client=None) -> OnlineBankApplication:
    """A customer without an online bank is sent to the bank's pages; we track the application."""
    open_app = (
        OnlineBankApplication.objects.filter(company=company)
        .exclude(status__in=[OnlineBankApplication.Status.CREATED, OnlineBankApplication.Status.CANCELLED])
        .first()
    )
    if open_app is not None and open_app.bank_application_id:
        return open_app
    app = open_app or OnlineBankApplication.objects.create(
        company=company, reference=f"bankint-app-{company.pk}-{uuid.uuid4().hex[:16]}"
    )
    if open_app is None:
        audit_record("online_bank_application.create", obj=app)
    client = client or get_client()
    answer = client.create_online_bank_application(
        org_number=company.org_number, company_name=company.name, reference=app.reference
    )
    with transaction.atomic():
        OnlineBankApplication.objects.filter(pk=app.pk).update(
            bank_application_id=answer.id,
            url=answer.url,
            status=answer.status,
            raw_response={"id": answer.id},
        )
    app.refresh_from_db()
    return app


def online_bank_applications_apply_events(events: list[ChangeEvent], *, client=None) -> int:
    order = OnlineBankApplication.ORDER
    last: dict[int, dict] = {}
    for e in events:
        try:
            key = int(e.resource_id)
        except (TypeError, ValueError):
            continue
        status = str((e.data or {}).get("status") or "")
        seen = str(last.get(key, {}).get("status") or "")
        # Within a run the furthest state wins: an old event delivered late never moves it back.
        if seen in order and status in order and order.index(status) < order.index(seen):
            continue
        last[key] = e.data or {}
    apps = list(
        OnlineBankApplication.objects.filter(bank_application_id__in=list(last)).select_related("company")
    )
    changed = []
    notifications = []
    for app in apps:
        status = str(last[app.bank_application_id].get("status") or "")
        if status not in OnlineBankApplication.Status.values or status == app.status:
            continue
        if status in order and app.status in order and order.index(status) < order.index(app.status):
            continue  # an old event delivered late never moves the application back
        before, app.status = app.status, status
        changed.append((app, before))
        if status == OnlineBankApplication.Status.READY_FOR_SIGNING:
            notifications.append(
                Notification(
                    company=app.company,
                    title=_("The online bank agreement is ready to sign"),
                    body=_(
                        "DNB has prepared the online bank agreement. Sign it with BankID on DNB's pages: %(url)s"
                    )
                    % {"url": app.url},
                    link=app.url,
                    dedup_key=f"online_bank_application:{app.pk}:ready",
                )
            )
        elif status == OnlineBankApplication.Status.CREATED:
            notifications.append(
                Notification(
                    company=app.company,
                    title=_("The online bank is created"),
                    body=_(
                        "DNB has created the integrated online bank. You can now order the bank services with "
                        "“Connect service” on the Agreements tab."
                    ),
                    link=reverse("agreements:connect"),
                    dedup_key=f"online_bank_application:{app.pk}:created",
                )
            )
    if not changed:
        return 0
    with transaction.atomic():
        OnlineBankApplication.objects.bulk_update([a for a, _b in changed], ["status"])
        AuditEvent.objects.bulk_create(
            [
                audit_events_build(
                    "online_bank_application.status",
                    [a],
                    {a.pk: {"status": {"before": b, "after": a.status}}},
                )[0]
                for a, b in changed
            ]
        )
        notify_bulk(notifications)
    return len(changed)


# --- RgB ordering later ----------------------------------------------------------------------------


def rgb_order_start(company: Company, *, account_ids: Sequence, client=None) -> RgbOrder:
    """Order RgB for accounts on post-approval with an existing integration (etterbestilling)."""
    accounts = [a for a in bank_account_list(company, active=True) if a.pk in {int(i) for i in account_ids}]
    if not accounts:
        message = _("Choose at least one account.")
        raise ValidationFailed(message, fields={"accounts": [message]})
    dual = [a for a in accounts if a.dual_approval_required]
    if dual:
        raise ValidationFailed(
            _(
                "The bank agreement for %(accounts)s requires dual approval, so RgB is not allowed: both "
                "approvals happen in the online bank. The account must use post-approval."
            )
            % {"accounts": ", ".join(a.account_number_display for a in dual)},
            code="dual_approval_required",
        )
    not_integrated = [a for a in accounts if not a.agreement_id]
    if not_integrated:
        raise ValidationFailed(
            _("%(accounts)s has no integration yet: order the services with “Connect service” first.")
            % {"accounts": ", ".join(a.account_number_display for a in not_integrated)},
            code="no_integration",
        )
    already = [a for a in accounts if a.approval_mode == BankAccount.ApprovalMode.RGB]
    if already:
        raise Conflict(
            _("%(accounts)s already uses RgB.")
            % {"accounts": ", ".join(a.account_number_display for a in already)}
        )
    order = RgbOrder.objects.create(
        company=company,
        reference=f"bankint-rgb-{company.pk}-{uuid.uuid4().hex[:16]}",
        accounts=[a.account_number for a in accounts],
    )
    audit_record("rgb_order.create", obj=order, changes={"after": {"accounts": order.accounts}})
    client = client or get_client()
    answer = client.create_rgb_order(
        org_number=company.org_number,
        accounts=order.accounts,
        vendor="PowerOffice GO",
        reference=order.reference,
    )
    RgbOrder.objects.filter(pk=order.pk).update(bank_order_id=answer.id, url=answer.url)
    order.refresh_from_db()
    return order


def rgb_orders_apply_events(events: list[ChangeEvent], *, client=None) -> int:
    ids = set()
    for e in events:
        if str((e.data or {}).get("status")) == RgbOrder.Status.CONFIRMED:
            try:
                ids.add(int(e.resource_id))
            except (TypeError, ValueError):
                continue
    orders = list(
        RgbOrder.objects.filter(
            bank_order_id__in=list(ids), status=RgbOrder.Status.AWAITING_USER
        ).select_related("company")
    )
    if not orders:
        return 0
    client = client or get_client()
    details = {o.pk: client.get_rgb_order(o.bank_order_id) for o in orders}
    done = 0
    for order in orders:
        detail = details[order.pk]
        with transaction.atomic():
            if not RgbOrder.objects.filter(pk=order.pk, status=RgbOrder.Status.AWAITING_USER).update(
                status=RgbOrder.Status.CONFIRMED,
                confirmed_at=timezone.now(),
                raw_response={
                    "id": detail.id,
                    "status": detail.status,
                    "results": [r.__dict__ for r in detail.results],
                },
            ):
                continue
            done += 1
            audit_record(
                "rgb_order.status",
                obj=order,
                changes={"status": {"before": "AWAITING_USER", "after": "CONFIRMED"}},
            )
            enabled = [r.account for r in detail.results if r.status == "enabled"]
            refused = [r for r in detail.results if r.status != "enabled"]
            for account in BankAccount.objects.filter(company=order.company, account_number__in=enabled):
                if (
                    account.approval_mode != BankAccount.ApprovalMode.RGB
                    and not account.dual_approval_required
                ):
                    bank_account_update(account, approval_mode=BankAccount.ApprovalMode.RGB)
            notes = []
            if enabled:
                notes.append(
                    Notification(
                        company=order.company,
                        title=_("RgB is active"),
                        body=_("DNB confirmed accounting-approved payments (RgB) for %(accounts)s.")
                        % {"accounts": ", ".join(enabled)},
                        dedup_key=f"rgb_order:{order.pk}:confirmed",
                    )
                )
            for r in refused:
                notes.append(
                    Notification(
                        company=order.company,
                        level=Notification.Level.ERROR,
                        title=_("DNB refused RgB for an account"),
                        body=_("DNB refused RgB for %(account)s: %(reason)s What to do: %(todo)s")
                        % {
                            "account": r.account,
                            "reason": r.message or r.code,
                            "todo": _rejection_advice(r.code),
                        },
                        dedup_key=f"rgb_order:{order.pk}:{r.account}:refused",
                    )
                )
            notify_bulk(notes)
    return done

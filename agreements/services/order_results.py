"""Service-order results from the bank's change feed, in a constant number of queries per page
of events: statuses, per-account results, the agreements they give the accounts, and the
approval rights the bank holds afterwards."""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop as N_

from accounts.models import BankAccount, PaymentFileVersion
from accounts.selectors import bank_account_list
from accounts.services import bank_approval_rights_replace
from bankclient import BankRejected, BankUnavailable, get_client
from bankclient.dto import ChangeEvent
from bankint.stored_text import Account, Code, stored
from bankint.tasks import enqueue_on_commit
from companies.models import AuditEvent, Company
from companies.services import audit_events_build
from notifications.models import Notification
from notifications.services import notify_bulk

from ..models import Bank, ServiceOrder, ServiceOrderAccount
from .orders import (
    ACCOUNT_SERVICE,
    BANK_FINAL,
    BANK_STATUS,
    RIGHTS_REFRESH_TASK,
    order_link,
    service_order_submit,
    sources_for,
)

logger = logging.getLogger(__name__)

# --- results from the change feed ----------------------------------------------------------------


def _account_result_fields(result) -> tuple[str, list[dict], list[str], list[str]]:
    services = [
        {"service": s.service, "status": s.status, "code": s.code, "message": s.message}
        for s in result.services
    ]
    ok = [s.service for s in result.services if s.status == "ok"]
    # Each reason once: an account that is not the customer's fails every service alike.
    errors = list(dict.fromkeys(s.message or s.code or "" for s in result.services if s.status != "ok"))
    verdict = ServiceOrderAccount.Result.FAILED if errors and not ok else ServiceOrderAccount.Result.OK
    if errors and ok:
        verdict = ServiceOrderAccount.Result.FAILED
    return verdict, services, ok, errors


def _kid_mismatch_text(order: ServiceOrder, account_number: str, bank_message: str) -> str:
    return stored(
        N_(
            "DNB could not set up Nets OCR on account %(account)s because the KID structure does not match. "
            "The portal's invoice settings make KIDs of %(length)s digits with %(check)s check digit, but the "
            "bank's OCR agreement for the account expects another structure (the bank said: “%(bank)s”). "
            "Change the KID length and check digit in the invoice settings to match the OCR agreement (or ask "
            "DNB to change the agreement), then order Nets OCR again. Invoices already sent keep their KIDs."
        ),
        account=Account(account_number),
        length=order.kid_length or "?",
        check=order.kid_check or "?",
        bank=bank_message,
    )


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
        if last[order.bank_order_id] in BANK_FINAL:
            details[order.pk] = _fetch(client, order)
    return _apply_order_updates(orders, last, details, client=client)


def service_order_repoll(order: ServiceOrder, *, client=None) -> ServiceOrder:
    """Ask the bank for one order now and apply what it says: support's "re-poll", and the user
    back from the bank's pages (``agreements:order_return``), whose order page is then current
    at once instead of after the next feed poll."""
    if order.bank_order_id is None:
        return service_order_submit(order, client=client)
    if order.status in ServiceOrder.FINAL:
        return order
    client = client or get_client()
    detail = _fetch(client, order)
    if detail.wizard_url and detail.wizard_url != order.wizard_url:
        # "Continue at DNB" leads to the step of the bank's wizard the order is at.
        ServiceOrder.objects.filter(pk=order.pk).update(wizard_url=detail.wizard_url)
    last = {order.bank_order_id: detail.status}
    details = {order.pk: detail} if detail.status in BANK_FINAL else {}
    _apply_order_updates([order], last, details, client=client)
    order.refresh_from_db()
    return order


def _apply_order_updates(orders, last, details, *, client) -> int:
    now = timezone.now()
    claim = uuid.uuid4().hex
    by_target: dict[str, list[ServiceOrder]] = defaultdict(list)
    for order in orders:
        status = details[order.pk].status if order.pk in details else last[order.bank_order_id]
        target = BANK_STATUS.get(status)
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
            ServiceOrder.objects.filter(pk__in=[o.pk for o in group], status__in=sources_for(target)).update(
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
    """Store what the bank answered for each finished order: on the order, its account lines
    and the bank accounts, with an audit row per changed account and the notifications."""
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
    for order in finished:
        detail = details[order.pk]
        _record_detail(order, detail)
        link = order_link(order)
        if order.status == ServiceOrder.Status.REJECTED:
            _reject_lines(by_order[order.pk].values(), detail)
            notifications.append(_rejected_notification(order, detail, link))
            continue
        done_accounts = []
        for result in detail.results:
            line = by_order[order.pk].get(result.account)
            if line is None:
                continue
            account, ok = _apply_account_result(line, result, accounts_changed, now, audits)
            if ok:
                done_accounts.append(account)
            failed = [s for s in result.services if s.status != "ok"]
            if failed and not ok and len({s.code for s in failed}) == 1:
                # The whole account failed for one reason (not the customer's, say): one notice.
                notifications.append(_account_failed_notification(order, account, failed[0], link))
            else:
                notifications.extend(_service_failed_notification(order, account, s, link) for s in failed)
        if done_accounts:
            notifications.append(_registered_notification(order, detail, done_accounts, link))
    if accounts_changed:
        BankAccount.objects.bulk_update(
            list(accounts_changed.values()),
            [
                "agreement_id",
                "division_name",
                "division_number",
                "services",
                "payment_file_version",
                "updated_at",
            ],
        )
    if lines:
        ServiceOrderAccount.objects.bulk_update(
            lines, ["result", "service_results", "errors", "agreement_id", "division_name", "division_number"]
        )
    ServiceOrder.objects.bulk_update(finished, ["code", "message", "subscription_upgraded", "raw_response"])
    notify_bulk(notifications)


def _record_detail(order: ServiceOrder, detail) -> None:
    order.code = (detail.code or "")[:60]
    order.message = detail.message or ""
    order.subscription_upgraded = detail.subscription_upgraded
    order.raw_response = _detail_json(detail)


def _reject_lines(lines, detail) -> None:
    for line in lines:
        line.result = ServiceOrderAccount.Result.FAILED
        line.errors = [detail.message or detail.code or ""]


def _apply_account_result(
    line: ServiceOrderAccount, result, accounts_changed: dict[int, BankAccount], now, audits: list[AuditEvent]
) -> tuple[BankAccount, list[str]]:
    """One account's result: onto its order line and its bank account (audited); the account
    and the services the bank set up on it."""
    verdict, services, ok, errors = _account_result_fields(result)
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
        "payment_file_version": account.payment_file_version,
    }
    # The pain.001 version of the bank's remittance agreement decides the file the portal writes.
    if result.payment_file_version in PaymentFileVersion.values:
        account.payment_file_version = result.payment_file_version
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
                    k: {"before": before[k], "after": after[k]} for k in before if before[k] != after[k]
                }
            },
        )
    )
    return account, ok


def _rejected_notification(order: ServiceOrder, detail, link: str) -> Notification:
    return _order_notification(
        order,
        link,
        "rejected",
        Notification.Level.ERROR,
        stored(N_("%(bank)s rejected the service order"), bank=order.get_bank_display()),
        stored(
            N_("%(bank)s rejected service order #%(id)s: %(reason)s What to do: %(todo)s"),
            bank=order.get_bank_display(),
            id=order.pk,
            reason=detail.message or detail.code or stored(N_("no reason given.")),
            todo=Code("order_advice", detail.code or ""),
        ),
    )


def _account_failed_notification(order: ServiceOrder, account: BankAccount, s, link: str) -> Notification:
    body = stored(
        N_(
            "%(bank)s could not set up account %(account)s in service order #%(id)s: %(reason)s The order's "
            "other accounts are set up as usual. What to do: %(todo)s"
        ),
        bank=order.get_bank_display(),
        account=Account(account.account_number),
        id=order.pk,
        reason=s.message or s.code or stored(N_("no reason given.")),
        todo=Code("order_advice", s.code or ""),
    )
    title = stored(N_("%(bank)s could not set up an account"), bank=order.get_bank_display())
    return _order_notification(
        order, link, f"{account.account_number}:account", Notification.Level.ERROR, title, body
    )


def _service_failed_notification(order: ServiceOrder, account: BankAccount, s, link: str) -> Notification:
    if s.code == "kid_mismatch":
        body = _kid_mismatch_text(order, account.account_number, s.message or "")
        title = stored(N_("Nets OCR: the KID structure does not match DNB's OCR agreement"))
    else:
        body = stored(
            N_("DNB could not activate %(service)s on account %(account)s: %(reason)s What to do: %(todo)s"),
            service=Code("order_service", s.service),
            account=Account(account.account_number),
            reason=s.message or s.code or stored(N_("no reason given.")),
            todo=Code("order_advice", s.code or ""),
        )
        title = stored(N_("DNB could not activate a service"))
    key = f"{account.account_number}:{s.service}"
    return _order_notification(order, link, key, Notification.Level.ERROR, title, body)


def _registered_notification(
    order: ServiceOrder, detail, done_accounts: list[BankAccount], link: str
) -> Notification:
    text = stored(
        N_("%(bank)s has registered the agreement for %(accounts)s.")
        if not detail.subscription_upgraded
        else N_(
            "%(bank)s has registered the agreement for %(accounts)s. The basic online bank subscription "
            "was upgraded to integrated with ERP."
        ),
        bank=order.get_bank_display(),
        accounts=[
            stored(
                N_("%(account)s (AvtaleID %(agreement)s, division %(division)s)"),
                account=Account(a.account_number),
                agreement=a.agreement_id or "–",
                division=f"{a.division_name or '–'} {a.division_number or ''}".strip(),
            )
            for a in done_accounts
        ],
    )
    return _order_notification(
        order, link, "registered", Notification.Level.INFO, stored(N_("The agreement is registered")), text
    )


def _order_notification(
    order: ServiceOrder, link: str, key: str, level: str, title: str, body: str
) -> Notification:
    # One notice per order and key: the feed may deliver an order's result twice.
    return Notification(
        company=order.company,
        level=level,
        title=title,
        body=body,
        link=link,
        dedup_key=f"service_order:{order.pk}:{key}",
    )


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
                "payment_file_version": r.payment_file_version,
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
    versions = {a.number: a.payment_file_version for a in customer.accounts}
    currencies = {a.number: a.currency for a in customer.accounts}
    for account in bank_account_list(company, active=True):
        if account.account_number in versions:
            bank_approval_rights_replace(account, rights.get(account.account_number, []))
            version = versions[account.account_number]
            new_version = version in PaymentFileVersion.values and version != account.payment_file_version
            currency = currencies[account.account_number]
            new_currency = bool(currency) and currency != account.currency
            if (dual and not account.dual_approval_required) or new_version or new_currency:
                from accounts.services import bank_account_agreement_set

                bank_account_agreement_set(
                    account,
                    dual_approval_required=True if dual else None,
                    payment_file_version=version if new_version else None,
                    currency=currency if new_currency else None,
                )

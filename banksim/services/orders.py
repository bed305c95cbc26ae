"""Service orders: the partner orders remittance, reconciliation, Nets OCR and RgB for a
customer's accounts; the customer confirms in the bank's order wizard; the bank carries the
order out after a delay (``complete_due``), account by account and service by service."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction

from banksim import clock
from banksim.models import Account, Customer, PartnerOrder, ServiceOrder
from banksim.services.common import (
    BankError,
    by_reference,
    clean_return_url,
    kid_structure,
    ocr_agreement_id,
    token,
    validate_account,
    validate_org_number,
)
from banksim.services.feed import event
from banksim.services.public import fields_of, fields_or_none, iso_or_none, public_url
from banksim.words import kontoer

SERVICES = ("remittance", "incoming_reconciliation", "nets_ocr", "rgb")
KONTOFULLMAKT_MAX_ACCOUNTS = 6


def order_request(data: dict, model, allowed_services) -> tuple[str | None, object | None, str, list, list]:
    """What every partner order starts with: its reference (an order already made under it is
    returned as is: a retried request never orders twice), organisation, accounts, services."""
    reference, existing = by_reference(model, data)
    if existing:
        return reference, existing, "", [], []
    org = validate_org_number(data.get("org_number"))
    accounts = data.get("accounts")
    if not isinstance(accounts, list) or not accounts:
        raise BankError("accounts_required", "Velg minst én konto.")
    accounts = sorted({validate_account(a) for a in accounts})
    services = data.get("services")
    if not isinstance(services, list) or not services or any(s not in allowed_services for s in services):
        raise BankError(
            "invalid_services", f"services må være en ikke-tom liste av {', '.join(allowed_services)}."
        )
    return reference, None, org, accounts, services


def service_order_create(data: dict) -> tuple[ServiceOrder, bool]:
    reference, existing, org, accounts, services = order_request(data, ServiceOrder, SERVICES)
    if existing:
        return existing, False
    kid_length = kid_check = None
    if "nets_ocr" in services:
        if not isinstance(data.get("kid"), dict):
            raise BankError(
                "kid_structure_required",
                "Bestilling av Nets OCR krever KID-struktur (lengde og MOD10/MOD11).",
            )
        kid_length, kid_check = kid_structure(data["kid"])
    fee_account = str(data.get("fee_account") or "")
    if fee_account and not re.fullmatch(r"\d{4,8}", fee_account):
        raise BankError(
            "invalid_fee_account", "Konto for bankgebyr må være et hovedbokskontonummer, f.eks. 7770."
        )
    return order_create(
        ServiceOrder,
        "service_order.updated",
        reference,
        org_number=org,
        accounts=accounts,
        services=sorted(set(services)),
        fee_account=fee_account,
        kid_length=kid_length,
        kid_check=kid_check or "",
        return_url=clean_return_url(data.get("return_url")),
    )


def order_create(model: type[PartnerOrder], event_type: str, reference: str | None, **fields) -> tuple:
    """Make a partner's order (a DNB service order, an S'banken activation) and tell the feed:
    the order and True, or, when a request with the same reference raced this one, the order
    that one made and False (the first one wins)."""
    try:
        with transaction.atomic():
            order = model.objects.create(token=token(), reference=reference, created_at=clock.now(), **fields)
            event(event_type, order.org_number, order.pk, {"status": order.status})
    except IntegrityError:
        return model.objects.get(reference=reference), False
    return order, True


def partner_order_public(order: PartnerOrder, wizard_path: str) -> dict:
    """An order of services as both banks answer it (a DNB service order, an S'banken
    activation): the same shape, so the portal's client reads either bank's alike."""
    return {
        "id": order.pk,
        **fields_of(order, "reference", "org_number", "accounts", "services", "status"),
        **fields_or_none(order, "code", "message"),
        "wizard_url": public_url(wizard_path),
        "created_at": order.created_at.isoformat(),
        "completed_at": iso_or_none(order.completed_at),
        "results": order.result,
    }


def service_order_public(order: ServiceOrder) -> dict:
    return {
        **partner_order_public(order, service_order_step_path(order)),
        "fee_account": order.fee_account or None,
        "kid": {"length": order.kid_length, "check": order.kid_check} if order.kid_length else None,
        "subscription_upgraded": order.subscription_upgraded,
        "kontofullmakt_accounts": order.kontofullmakt,
        "confirmed_at": iso_or_none(order.confirmed_at),
    }


def service_order_step_path(order: ServiceOrder) -> str:
    """The page of the order wizard the order is at: the order to confirm, or once confirmed
    or cancelled, its receipt."""
    if order.status == ServiceOrder.Status.AWAITING_CONFIRMATION:
        return f"/bestilling/{order.token}/"
    return f"/bestilling/{order.token}/kvittering/"


def service_order_confirm(order: ServiceOrder) -> None:
    with transaction.atomic():
        order = ServiceOrder.objects.select_for_update().get(pk=order.pk)
        if order.status != ServiceOrder.Status.AWAITING_CONFIRMATION:
            raise BankError(
                "order_not_awaiting_confirmation", "Bestillingen er allerede bekreftet eller avbrutt.", 409
            )
        current = clock.now()
        order.status = ServiceOrder.Status.PROCESSING
        order.confirmed_at = current
        order.due_at = current + timedelta(seconds=settings.BANKSIM_ORDER_DELAY_SECONDS)
        order.save()
        event("service_order.updated", order.org_number, order.pk, {"status": order.status})


def service_order_cancel(order: ServiceOrder) -> None:
    with transaction.atomic():
        order = ServiceOrder.objects.select_for_update().get(pk=order.pk)
        if order.status != ServiceOrder.Status.AWAITING_CONFIRMATION:
            raise BankError("order_not_awaiting_confirmation", "Bestillingen kan ikke avbrytes nå.", 409)
        order.status = ServiceOrder.Status.CANCELLED
        order.save()
        event("service_order.updated", order.org_number, order.pk, {"status": order.status})


def kontofullmakt_request(order: ServiceOrder, accounts: list[str]) -> None:
    accounts = [validate_account(a) for a in accounts if str(a).strip()]
    if not accounts:
        raise BankError("accounts_required", "Oppgi minst én konto.")
    if len(set(accounts)) > KONTOFULLMAKT_MAX_ACCOUNTS:
        raise BankError(
            "too_many_accounts",
            f"En regnskapsfører kan be om kontofullmakt for høyst {KONTOFULLMAKT_MAX_ACCOUNTS} kontoer om gangen "
            f"(du valgte {len(set(accounts))}). Send resten i en ny forespørsel.",
        )
    order.kontofullmakt = sorted(set(order.kontofullmakt) | set(accounts))
    order.save(update_fields=["kontofullmakt"])


# --- carrying an order out --------------------------------------------------------------------


def complete_due(current: datetime) -> None:
    """Carry out every confirmed order whose processing time has come."""
    for order in ServiceOrder.objects.filter(status=ServiceOrder.Status.PROCESSING, due_at__lte=current):
        _order_complete(order, current)


def _order_complete(order: ServiceOrder, current: datetime) -> None:
    customer = Customer.objects.filter(org_number=order.org_number).first()
    order.completed_at = current
    refusal = _order_refusal(order, customer)
    if refusal:
        order.status = ServiceOrder.Status.REJECTED
        order.code, order.message = refusal
    else:
        _order_carry_out(order, customer)
    order.save()
    event(
        "service_order.updated",
        order.org_number,
        order.pk,
        {"status": order.status, "code": order.code or None},
    )


def _order_refusal(order: ServiceOrder, customer: Customer | None) -> tuple[str, str] | None:
    """Why the whole order is rejected (code, message), or None if it can be carried out."""
    if customer is None:
        return "unknown_customer", f"Organisasjonsnummer {order.org_number} er ikke kunde i DNB."
    if customer.subscription == Customer.Subscription.NONE:
        return "no_online_bank", (
            f"{customer.name} har ikke bedriftsnettbank i DNB. Opprett en nettbankavtale "
            "(integrert med regnskapssystem) før du bestiller tjenester."
        )
    if not customer.accounts.filter(number__in=order.accounts).exists():
        # One wrong account fails only itself (see _order_carry_out); none right fails the order.
        return "account_not_owned", (
            f"{_accounts_text(order.accounts)} tilhører ikke {customer.name} ({customer.org_number})."
        )
    return None


def _accounts_text(numbers: list[str]) -> str:
    """``Kontoen 1503.20.80119`` / ``Kontoene 1503.20.80119 og 1503.20.80135``."""
    return f"{'Kontoen' if len(numbers) == 1 else 'Kontoene'} {kontoer(numbers)}"


def _order_carry_out(order: ServiceOrder, customer: Customer) -> None:
    if customer.subscription == Customer.Subscription.BASIC:
        # DNB upgrades a free basic subscription to integrated on the customer's first
        # digital order, so the order goes through instead of being refused.
        customer.subscription = Customer.Subscription.INTEGRATED
        customer.save(update_fields=["subscription"])
        order.subscription_upgraded = True
    owned = {a.number: a for a in customer.accounts.filter(number__in=order.accounts)}
    order.result = [
        _order_account(order, customer, owned[n]) if n in owned else _not_owned(order, customer, n)
        for n in order.accounts
    ]
    failed = [s for r in order.result for s in r["services"] if s["status"] == "failed"]
    order.status = ServiceOrder.Status.PARTIALLY_COMPLETED if failed else ServiceOrder.Status.COMPLETED
    order.code = failed[0]["code"] if failed else ""
    order.message = " ".join(dict.fromkeys(s["message"] for s in failed))  # each reason once


def _order_account(order: ServiceOrder, customer: Customer, account: Account) -> dict:
    """Switch the order's services on for one account: its line in the order's results."""
    results = []
    for service in order.services:
        failure = _ENABLE[service](order, customer, account)
        code, message = failure or (None, None)
        results.append(
            {"service": service, "status": "failed" if failure else "ok", "code": code, "message": message}
        )
    bank_services = [s for s in order.services if s != "nets_ocr"]
    if bank_services and not account.agreement_id:
        # AvtaleID and division identify the file-transfer agreement; Nets OCR has none at DNB.
        account.agreement_id = f"{30000000 + account.pk}"
        account.division_number = f"{customer.pk:06d}"
        account.division_name = f"{customer.name[:40]} ERP"
    account.save()
    return {
        "account": account.number,
        "agreement_id": account.agreement_id or None if bank_services else None,
        "division_name": account.division_name or None if bank_services else None,
        "division_number": account.division_number or None if bank_services else None,
        "payment_file_version": account.payment_file_version if account.remittance else None,
        "services": results,
    }


def _not_owned(order: ServiceOrder, customer: Customer, number: str) -> dict:
    """An account of the order that is not the customer's: its line says so for each service,
    and the rest of the order goes ahead."""
    message = f"{_accounts_text([number])} tilhører ikke {customer.name} ({customer.org_number})."
    return {
        "account": number,
        "agreement_id": None,
        "division_name": None,
        "division_number": None,
        "payment_file_version": None,
        "services": [
            {"service": s, "status": "failed", "code": "account_not_owned", "message": message}
            for s in order.services
        ],
    }


# Each service switched on for an account: None, or why it failed there (code, message).
_Enable = Callable[[ServiceOrder, Customer, Account], tuple[str, str] | None]


def _enable_remittance(order: ServiceOrder, customer: Customer, account: Account) -> None:
    account.remittance = True
    # A remittance agreement made now is on the 2019 messages (pain.001.001.09 in, camt .08
    # out); only agreements from before stay on .03 until they are renewed like this.
    account.payment_file_version = Account.FileVersion.V09


def _enable_reconciliation(order: ServiceOrder, customer: Customer, account: Account) -> None:
    account.reconciliation = True


def _enable_rgb(order: ServiceOrder, customer: Customer, account: Account) -> tuple[str, str] | None:
    if customer.dual_approval:
        return "dual_approval_required", (
            f"Konto {account.number}: avtalen krever dobbel godkjenning, så regnskapsgodkjente "
            "betalinger er ikke tillatt. Kontoen må bruke ettergodkjenning i nettbank."
        )
    account.rgb_enabled = True
    return None


def _enable_nets_ocr(order: ServiceOrder, customer: Customer, account: Account) -> tuple[str, str] | None:
    wanted = (order.kid_length, order.kid_check)
    if not account.has_ocr:
        account.ocr_agreement_id = ocr_agreement_id(account)
        account.kid_length, account.kid_check = wanted
    elif (account.kid_length, account.kid_check) != wanted:
        return "kid_mismatch", (
            f"Konto {account.number}: KID-strukturen i bestillingen (lengde {order.kid_length}, "
            f"{order.kid_check}) stemmer ikke med Nets-avtalen (lengde {account.kid_length}, "
            f"{account.kid_check}). Endre KID-oppsettet i fakturainnstillingene og bestill på nytt."
        )
    return None


_ENABLE: dict[str, _Enable] = {
    "remittance": _enable_remittance,
    "incoming_reconciliation": _enable_reconciliation,
    "rgb": _enable_rgb,
    "nets_ocr": _enable_nets_ocr,
}

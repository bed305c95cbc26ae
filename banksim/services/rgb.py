"""Ordering regnskapsgodkjente betalinger (RgB): payments approved in the ERP, executed
without a second approval in the online bank. The user logs in on the bank's page, picks
the ERP and the client, and the bank enables or refuses each account."""

from __future__ import annotations

import re

from django.db import transaction

from banksim import clock
from banksim.models import Account, BankUser, Customer, RgbOrder
from banksim.services.common import (
    BankError,
    bank_user_login,
    by_reference,
    clean_return_url,
    token,
    validate_account,
    validate_org_number,
)
from banksim.services.feed import event
from banksim.services.public import fields_of, fields_or_none, iso_or_none, public_url

ERP_VENDORS = (
    "24SevenOffice",
    "PowerOffice GO",
    "Tripletex",
    "Visma.net AutoPay",
    "Xledger",
    "ZData",
    "Zirius",
)
UNSUPPORTED_VENDORS = ("Visma eAccounting",)


def rgb_order_create(data: dict) -> tuple[RgbOrder, bool]:
    reference, existing = by_reference(RgbOrder, data)
    if existing:
        return existing, False
    org = validate_org_number(data["org_number"]) if data.get("org_number") else ""
    accounts = data.get("accounts") or []
    if not isinstance(accounts, list):
        raise BankError("invalid_accounts", "accounts må være en liste av kontonumre.")
    vendor = str(data.get("vendor") or "")
    if vendor and vendor not in ERP_VENDORS:
        raise BankError("unsupported_vendor", f"{vendor} støttes ikke for regnskapsgodkjente betalinger.")
    order = RgbOrder.objects.create(
        token=token(),
        reference=reference,
        org_number=org,
        accounts=sorted({validate_account(a) for a in accounts}),
        vendor=vendor,
        return_url=clean_return_url(data.get("return_url")),
        created_at=clock.now(),
    )
    event("rgb_order.updated", org, order.pk, {"status": order.status})
    return order, True


def rgb_order_public(order: RgbOrder) -> dict:
    return {
        "id": order.pk,
        **fields_of(order, "reference", "accounts", "status"),
        **fields_or_none(order, "org_number", "vendor", "user_id"),
        "results": order.result,
        "url": public_url(rgb_step_path(order)),
        "confirmed_at": iso_or_none(order.confirmed_at),
    }


def rgb_step_path(order: RgbOrder) -> str:
    """The page of the order the user is at: log in, choose the ERP and client, choose the
    accounts, then the receipt."""
    if order.status != RgbOrder.Status.AWAITING_USER:
        return f"/rgb/{order.token}/kvittering/"
    if not order.user_id:
        return f"/rgb/{order.token}/"
    return f"/rgb/{order.token}/{'kontoer' if order.vendor and order.org_number else 'bestilling'}/"


def rgb_login(order: RgbOrder, user_id: str) -> BankUser:
    user = bank_user_login(re.sub(r"\s", "", user_id or "").upper())
    order.user_id = user.user_id
    order.save(update_fields=["user_id"])
    return user


def rgb_customers_for(user: BankUser) -> list[Customer]:
    return [user.customer, *user.clients.exclude(pk=user.customer_id).order_by("name")]


def rgb_choose(order: RgbOrder, vendor: str, org_number: str) -> None:
    if vendor in UNSUPPORTED_VENDORS:
        raise BankError("unsupported_vendor", f"{vendor} støttes ikke for regnskapsgodkjente betalinger.")
    if vendor not in ERP_VENDORS:
        raise BankError("vendor_required", "Velg regnskapssystem.")
    user = BankUser.objects.get(user_id=order.user_id)
    allowed = {c.org_number for c in rgb_customers_for(user)}
    if org_number not in allowed:
        raise BankError("client_not_allowed", "Du har ikke tilgang til denne klienten.", 403)
    order.vendor, order.org_number = vendor, org_number
    order.save(update_fields=["vendor", "org_number"])


def rgb_confirm(order: RgbOrder, accounts: list[str]) -> None:
    with transaction.atomic():
        order = RgbOrder.objects.select_for_update().get(pk=order.pk)
        if order.status != RgbOrder.Status.AWAITING_USER:
            raise BankError("rgb_order_closed", "Bestillingen er allerede fullført.", 409)
        if not accounts:
            raise BankError("accounts_required", "Velg minst én konto.")
        customer = Customer.objects.get(org_number=order.org_number)
        owned = {a.number: a for a in customer.accounts.filter(number__in=accounts)}
        order.accounts = sorted(set(accounts))
        order.result = [_rgb_account(customer, number, owned.get(number)) for number in order.accounts]
        order.status = RgbOrder.Status.CONFIRMED
        order.confirmed_at = clock.now()
        order.save()
        event("rgb_order.updated", order.org_number, order.pk, {"status": order.status})


def _rgb_account(customer: Customer, number: str, account: Account | None) -> dict:
    """Enable RgB on one account of the order, or say why the bank refuses it."""
    if account is None:
        return _refused(number, "account_not_owned", f"Konto {number} tilhører ikke {customer.name}.")
    if customer.dual_approval:
        return _refused(
            number,
            "dual_approval_required",
            f"Konto {number}: avtalen krever dobbel godkjenning av betalinger. Regnskapsgodkjente "
            "betalinger har én godkjenner, så kontoen må fortsatt bruke ettergodkjenning i nettbank.",
        )
    account.rgb_enabled = True
    account.save(update_fields=["rgb_enabled"])
    return {"account": number, "status": "enabled", "code": None, "message": None}


def _refused(number: str, code: str, message: str) -> dict:
    return {"account": number, "status": "refused", "code": code, "message": message}

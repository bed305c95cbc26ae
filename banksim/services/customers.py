"""The bank's customers, their accounts and online-bank users, as the seed command and
``/sim/customers`` set them up and the partner API shows them."""

from __future__ import annotations

import re
from datetime import date

from django.db import transaction

from banksim import clock
from banksim.models import Account, BankUser, Customer, Entry, KidPayee
from banksim.services.books import book
from banksim.services.common import (
    BankError,
    json_list,
    kid_structure,
    ocr_agreement_id,
    parse_money,
    validate_account,
    validate_org_number,
)
from banksim.services.public import fields_of, fields_or_none
from banksim.services.rates import CURRENCIES

ACCOUNT_FLAGS = ("remittance", "reconciliation", "rgb_enabled")


def customer_upsert(data: dict) -> Customer:
    """Create or update a customer with accounts and users (seed_demo_customer, /sim/customers)."""
    org = validate_org_number(data.get("org_number"))
    subscription = data.get("subscription", Customer.Subscription.NONE)
    if subscription not in Customer.Subscription.values:
        raise BankError("invalid_subscription", "subscription må være none, basic eller integrated.")
    today = clock.today()
    with transaction.atomic():
        customer, _ = Customer.objects.update_or_create(
            org_number=org,
            defaults={
                "name": str(data.get("name") or org)[:200],
                "subscription": subscription,
                "dual_approval": bool(data.get("dual_approval", False)),
            },
        )
        for raw in json_list(data.get("accounts"), "accounts", dict):
            _account_upsert(customer, raw, today)
        for raw in json_list(data.get("users"), "users", dict):
            _user_upsert(customer, raw)
    return customer


def _account_upsert(customer: Customer, raw: dict, today: date) -> None:
    number = validate_account(raw.get("number"))
    balance = parse_money(raw.get("balance", "0"), "balance")
    account = Account.objects.filter(number=number).first()
    if account is None:
        account = Account.objects.create(
            customer=customer,
            number=number,
            name=str(raw.get("name") or "")[:100],
            initial_balance=balance,
            balance=balance,
            opened_date=today,
        )
    elif account.customer_id != customer.pk:
        raise BankError("account_taken", f"Kontoen {number} tilhører en annen kunde.", 409)
    else:
        account.name = str(raw.get("name") or account.name)[:100]
        account.save(update_fields=["name"])
        if "balance" in raw and balance != account.balance:
            # A changed balance is booked as an adjustment so statements still add up.
            book(account, balance - account.balance, Entry.Kind.ADJUSTMENT, text="Korreksjon")
    _account_agreements(account, raw)
    account.save()


def _account_agreements(account: Account, raw: dict) -> None:
    """The Nets OCR agreement and the service flags ``raw`` asks for."""
    ocr = raw.get("ocr")
    if ocr is not None and not isinstance(ocr, dict):
        raise BankError("invalid_kid_structure", 'ocr må være {"length": 9, "check": "MOD10"}.')
    if ocr:
        length, check = kid_structure(ocr)
        account.ocr_agreement_id = account.ocr_agreement_id or ocr_agreement_id(account)
        account.kid_length, account.kid_check = length, check
    for flag in ACCOUNT_FLAGS:
        if flag in raw:
            setattr(account, flag, bool(raw[flag]))
    if "currency" in raw:
        currency = str(raw["currency"] or "").upper()
        if currency not in CURRENCIES:
            raise BankError("invalid_currency", f"currency må være en av {', '.join(sorted(CURRENCIES))}.")
        if currency != account.currency and account.entries.exists():
            raise BankError(
                "currency_locked", f"Konto {account.number} har posteringer; valutaen kan ikke endres."
            )
        account.currency = currency
    if "payment_file_version" in raw:
        version = raw["payment_file_version"]
        if version not in Account.FileVersion.values:
            raise BankError(
                "invalid_payment_file_version",
                f"payment_file_version må være en av {', '.join(Account.FileVersion.values)}.",
            )
        account.payment_file_version = version


def _user_upsert(customer: Customer, raw: dict) -> None:
    user_id = str(raw.get("user_id") or "").upper()
    if not re.fullmatch(r"[A-Z]{2}\d{5}", user_id):
        raise BankError("invalid_user_id", f"Bruker-ID {user_id!r} må se ut som TB12345.")
    user, _ = BankUser.objects.update_or_create(
        user_id=user_id,
        defaults={
            "name": str(raw.get("name") or user_id)[:200],
            "customer": customer,
            "email": str(raw.get("email") or "")[:200],
        },
    )
    rights = [validate_account(a) for a in json_list(raw.get("approval_accounts"), "approval_accounts")]
    user.approval_accounts.set(Account.objects.filter(number__in=rights))
    clients = [validate_org_number(o) for o in json_list(raw.get("clients"), "clients")]
    user.clients.set(Customer.objects.filter(org_number__in=clients))


def kid_payee_add(account: str, name: str = "") -> KidPayee:
    payee, _ = KidPayee.objects.update_or_create(account=validate_account(account), defaults={"name": name})
    return payee


def customer_public(customer: Customer) -> dict:
    return {
        **fields_of(customer, "org_number", "name", "subscription", "dual_approval"),
        "accounts": [_account_public(a) for a in customer.accounts.order_by("number")],
        "users": [
            {
                **fields_of(u, "user_id", "name"),
                "approval_accounts": sorted(a.number for a in u.approval_accounts.all()),
                "clients": sorted(c.org_number for c in u.clients.all()),
            }
            for u in customer.users.order_by("user_id")
        ],
    }


def _account_public(a: Account) -> dict:
    return {
        **fields_of(a, "number", "name"),
        "balance": f"{a.balance:.2f}",
        **fields_of(a, *ACCOUNT_FLAGS),
        **fields_or_none(a, "agreement_id", "division_name", "division_number"),
        "currency": a.currency,
        # The pain.001 version the account's remittance agreement takes (and so the camt
        # versions it gets back); null without a remittance agreement.
        "payment_file_version": a.payment_file_version if a.remittance else None,
        "ocr": {
            "agreement_id": a.ocr_agreement_id,
            "kid_length": a.kid_length,
            "kid_check": a.kid_check,
        }
        if a.has_ocr
        else None,
    }

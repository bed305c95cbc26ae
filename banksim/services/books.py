"""The accounts' books: ``book`` is the one way an amount lands on an account, so that an
account's balance is always its initial balance plus its entries (what a statement shows)."""

from __future__ import annotations

import secrets
from datetime import date
from decimal import Decimal

from django.db.models import F

from banksim import clock, formats
from banksim.models import Account, Entry


def book(
    account: Account, amount: Decimal, kind: str, day: date | None = None, *, reference: str = "", **fields
) -> Entry:
    """Book ``amount`` (signed: credit > 0) on ``account`` on ``day`` (today if not given).

    ``reference`` is the entry's AcctSvcrRef; without one the bank makes up a unique one."""
    entry = Entry.objects.create(
        account=account,
        booking_date=day or clock.today(),
        amount=amount,
        kind=kind,
        reference=reference or f"SIM{secrets.token_hex(8).upper()}",
        **fields,
    )
    Account.objects.filter(pk=account.pk).update(balance=F("balance") + amount)
    account.balance += amount
    return entry


def camt_entry(e: Entry) -> formats.CamtEntry:
    """An entry as camt.053 and camt.054 write it."""
    return formats.CamtEntry(
        amount=e.amount,
        booking_date=e.booking_date,
        reference=e.reference,
        text=e.text,
        kind=e.kind,
        msg_id=e.msg_id,
        pmt_inf_id=e.pmt_inf_id,
        end_to_end_id=e.end_to_end_id,
        kid=e.kid,
        counterparty_name=e.counterparty_name,
        counterparty_account=e.counterparty_account,
    )

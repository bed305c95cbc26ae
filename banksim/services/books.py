"""The accounts' books: ``book`` is the one way an amount lands on an account, so that an
account's balance is always its initial balance plus its entries (what a statement shows)."""

from __future__ import annotations

import secrets
from datetime import date
from decimal import Decimal

from django.db.models import F
from django.utils import timezone

from banksim import clock, formats
from banksim.models import Account, DebitNotification, Entry, Statement
from banksim.services.feed import event


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
        uetr=e.uetr,
        instructed_amount=e.instructed_amount,
        instructed_currency=e.instructed_currency,
        exchange_rate=e.exchange_rate,
    )


def camt_store(
    document: Statement | DebitNotification,
    write,
    msg_prefix: str,
    entries: list[Entry],
    event_type: str,
    event_data: dict,
    **content,
) -> None:
    """Write the camt file of a statement or debit notification just created (its MsgId made
    from the row's key), keep its exact bytes so every download is the same, and tell the feed.
    The version is the account's agreement's: .001.08 on 2019 (pain.001.001.09), else .001.02."""
    account = document.account
    document.xml = write(
        msg_id=f"{msg_prefix}{document.pk:012d}",
        created_at=timezone.localtime(document.created_at),
        account=account.number,
        account_name=account.name,
        entries=[camt_entry(e) for e in entries],
        version=formats.CAMT_FOR[account.payment_file_version],
        currency=account.currency,
        **content,
    )
    document.save(update_fields=["xml"])
    event(event_type, account.customer.org_number, document.pk, {"account": account.number, **event_data})

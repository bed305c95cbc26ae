"""Account statements (camt.053): one per account and closed day, its opening balance the
initial balance plus every earlier entry, its closing balance the opening plus the day's."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db.models import Sum

from banksim import clock, formats
from banksim.models import Account, Statement
from banksim.services.books import camt_store


def statements_for(day: date) -> None:
    for account in Account.objects.select_related("customer").filter(opened_date__lte=day).order_by("pk"):
        if Statement.objects.filter(account=account, statement_date=day).exists():
            continue
        entries = list(account.entries.filter(booking_date=day).order_by("pk"))
        before = account.entries.filter(booking_date__lt=day).aggregate(s=Sum("amount"))["s"] or Decimal(0)
        opening = account.initial_balance + before
        closing = opening + sum((e.amount for e in entries), Decimal(0))
        account.statement_seq += 1
        account.save(update_fields=["statement_seq"])
        statement = Statement.objects.create(
            account=account,
            statement_date=day,
            sequence=account.statement_seq,
            opening_balance=opening,
            closing_balance=closing,
            entries=len(entries),
            xml=b"",
            created_at=clock.now(),
        )
        camt_store(
            statement,
            formats.write_camt053,
            "C53",
            entries,
            "statement.created",
            {
                "date": day.isoformat(),
                "sequence": statement.sequence,
                "opening_balance": f"{opening:.2f}",
                "closing_balance": f"{closing:.2f}",
            },
            owner_org=account.customer.org_number,
            statement_date=day,
            sequence=statement.sequence,
            opening=opening,
            closing=closing,
        )

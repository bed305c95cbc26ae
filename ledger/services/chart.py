"""The chart of accounts and the number series every numbered ledger object draws from."""

from __future__ import annotations

from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from bankint.errors import ValidationFailed

from ..models import (
    LedgerAccount,
    NumberSeries,
)
from ..selectors import DEFAULT_CHART, ledger_account_numbers

RECEIVABLES, SALES, PAYABLES, PURCHASES = "1500", "3000", "2400", "4000"
ZERO = Decimal("0.00")


def ledger_chart_ensure(company) -> None:
    """Give the company the minimal chart (1500, 1920, 1950, 2400, 3000, 4000, 7770, 8040, 8060, 8140, 8160)."""
    if LedgerAccount.objects.filter(company=company).exists():
        return
    LedgerAccount.objects.bulk_create(
        [LedgerAccount(company=company, number=number, name=name) for number, name in DEFAULT_CHART],
        ignore_conflicts=True,
    )


def ledger_account_ensure(company, number: str, name: str) -> None:
    """A bank's ledger account (e.g. 1950) joins the chart when the account is registered."""
    ledger_chart_ensure(company)
    LedgerAccount.objects.bulk_create(
        [LedgerAccount(company=company, number=number, name=name[:100])], ignore_conflicts=True
    )


def clean_ledger_account(value, *, company, field: str = "ledger_account") -> str:
    number = str(value or "").strip()
    if not (len(number) == 4 and number.isascii() and number.isdigit()):
        message = _("A ledger account is a 4-digit number, e.g. 1920.")
    else:
        ledger_chart_ensure(company)
        if number in ledger_account_numbers(company):
            return number
        message = _("Ledger account %(number)s is not in the chart of accounts.") % {"number": number}
    raise ValidationFailed(message, fields={field: [message]})


@transaction.atomic
def number_allocate(company, kind: str, count: int = 1) -> int:
    """Reserve ``count`` consecutive numbers and return the first.

    The increment is a single UPDATE, which holds the row lock until commit: two concurrent
    issuers never get the same number (a unique constraint backs it up). A rolled-back
    transaction gives its numbers back, so there are no gaps from failures either.
    """
    if not NumberSeries.objects.filter(company=company, kind=kind).exists():
        try:
            with transaction.atomic():
                NumberSeries.objects.create(company=company, kind=kind, next_value=1)
        except IntegrityError:
            pass  # another transaction created it first
    NumberSeries.objects.filter(company=company, kind=kind).update(next_value=F("next_value") + count)
    after = NumberSeries.objects.filter(company=company, kind=kind).values_list("next_value", flat=True).get()
    return after - count


def number_peek(company, kind: str) -> int:
    value = (
        NumberSeries.objects.filter(company=company, kind=kind).values_list("next_value", flat=True).first()
    )
    return value or 1

"""The fleet day's population, the same on both sides: what company ``i`` is called, its three
account numbers, its KID payments and its payment batch. Pure functions of the index (no Django),
so the portal's seeder (``bench/fleet_day.py``) and the bank's (``bench/fleet_day_bank.py``, in
banksim's own process and database) agree without talking to each other.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

ACCOUNTS_PER_COMPANY = 3
KID_PAYMENTS_PER_COMPANY = 10
PAYMENTS_PER_BATCH = 5
BATCHES = 2_000  # companies 0..1,999 each have one approved batch (fewer when fewer companies)
SERVICE_ORDERS_EVERY = 10  # every 10th company has a service order that completes today
OPENING_BALANCE = Decimal("1000000.00")
KID_LENGTH = 10


def _mod11(body: str) -> int | None:
    weights = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2]
    check = 11 - sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11
    return {11: 0, 10: None}.get(check, check)


def _accounts(prefix: str, start: int):
    serial = start
    while True:
        body = f"{prefix}{serial:06d}"
        check = _mod11(body)
        if check is not None:
            yield body + str(check)
        serial += 1


def account_numbers(companies: int) -> list[list[str]]:
    """Each company's three account numbers (valid MOD11, prefix 1503: DNB-like, all distinct)."""
    numbers = _accounts("1503", 100_000)
    return [[next(numbers) for _ in range(ACCOUNTS_PER_COMPANY)] for _ in range(companies)]


def creditor_accounts(count: int) -> list[str]:
    """Suppliers' accounts in another bank (not the simulator's, so the bank sends them out)."""
    numbers = _accounts("1206", 300_000)
    return [next(numbers) for _ in range(count)]


def kid(body: int) -> str:
    """A MOD10 (Luhn) KID of ``KID_LENGTH`` digits."""
    digits = f"{body:0{KID_LENGTH - 1}d}"
    total = 0
    for i, d in enumerate(reversed(digits)):
        n = int(d) * (2 if i % 2 == 0 else 1)
        total += n - 9 if n > 9 else n
    return digits + str((10 - total % 10) % 10)


@dataclass(frozen=True)
class KidPayment:
    account_index: int  # 0..2: which of the company's accounts receives it
    invoice_number: int
    kid: str
    amount: Decimal


_ORG_NUMBERS: list[str] = []


def org_number(i: int) -> str:
    """Company ``i``'s organisation number (valid MOD11, from 80000000x up, all distinct)."""
    body = 80_000_000 + len(_ORG_NUMBERS) * 1  # the next candidate after the last valid one
    if _ORG_NUMBERS:
        body = int(_ORG_NUMBERS[-1][:8]) + 1
    while len(_ORG_NUMBERS) <= i:
        digits = f"{body:08d}"
        check = 11 - sum(int(d) * w for d, w in zip(digits, [3, 2, 7, 6, 5, 4, 3, 2], strict=True)) % 11
        check = {11: 0}.get(check, check)
        if check != 10:
            _ORG_NUMBERS.append(digits + str(check))
        body += 1
    return _ORG_NUMBERS[i]


def bank_user_id(i: int) -> str:
    return f"FD{i:06d}"


def kid_payments(i: int) -> list[KidPayment]:
    """Company ``i``'s KID payments of the day (its open invoices, paid in full)."""
    return [
        KidPayment(
            account_index=n % ACCOUNTS_PER_COMPANY,
            invoice_number=n + 1,
            kid=kid(i * 100 + n),
            amount=Decimal(100 + (i * 7 + n * 13) % 9_000) + Decimal("0.50"),
        )
        for n in range(KID_PAYMENTS_PER_COMPANY)
    ]


def payment_amount(i: int, n: int) -> Decimal:
    return Decimal(50 + (i * 11 + n * 17) % 4_000) + Decimal("0.25")


def business_day(today: date) -> date:
    """The bank's business day of the run: the first Monday–Friday on or after ``today``
    (holidays aside: the bank's own calendar says if it is one; the run then says so)."""
    while today.weekday() >= 5:
        today += timedelta(days=1)
    return today

"""Reads of bank reconciliation: files, statements, entries, open ledger lines, the overview."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum

from accounts.models import BankAccount
from ledger.models import VoucherLine

from .models import Statement, StatementEntry, StatementFile
from .services import open_ledger_lines

ZERO = Decimal("0.00")


def _narrowed(qs: QuerySet, **lookups) -> QuerySet:
    """``qs`` filtered by each lookup given a value: a filter the user left empty narrows nothing."""
    given = {lookup: value for lookup, value in lookups.items() if value}
    return qs.filter(**given) if given else qs


def statement_file_list(
    company, *, bank_account_id: int | None = None, date_from: date | None = None, date_to: date | None = None
) -> QuerySet[StatementFile]:
    """The company's files, newest first; filtered, those holding a statement for the account
    and closing within the dates (a rejected file holds none, so a filter leaves it out)."""
    qs = StatementFile.objects.filter(company=company).defer("data").order_by("-created_at", "-id")
    statements = _narrowed(
        Statement.objects.filter(company=company),
        bank_account_id=bank_account_id,
        closing_date__gte=date_from,
        closing_date__lte=date_to,
    )
    if bank_account_id or date_from or date_to:
        qs = qs.filter(pk__in=statements.values("file_id"))
    return qs


def statement_file_get(company, pk) -> StatementFile:
    return StatementFile.objects.defer("data").get(company=company, pk=pk)


def statement_list(company, *, bank_account_id: int | None = None) -> QuerySet[Statement]:
    qs = Statement.objects.filter(company=company).select_related("bank_account", "file")
    return _narrowed(qs, bank_account_id=bank_account_id).order_by("-closing_date", "-id")


def statement_entry_list(
    company,
    *,
    status: str | None = None,
    bank_account_id: int | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    search: str = "",
) -> QuerySet[StatementEntry]:
    qs = _narrowed(
        StatementEntry.objects.filter(company=company).select_related("bank_account"),
        status=status,
        bank_account_id=bank_account_id,
        booking_date__gte=date_from,
        booking_date__lte=date_to,
    )
    if search:
        qs = qs.filter(
            Q(text__icontains=search)
            | Q(counterparty_name__icontains=search)
            | Q(acct_svcr_ref__icontains=search)
            | Q(amount__startswith=search.lstrip("-"))
        )
    return qs.order_by("booking_date", "id")


def open_line_list(account: BankAccount, *, date_from=None, date_to=None, search: str = "") -> QuerySet:
    qs = _narrowed(
        open_ledger_lines(account).select_related("voucher"),
        voucher__date__gte=date_from,
        voucher__date__lte=date_to,
    )
    if search:
        qs = qs.filter(
            Q(text__icontains=search) | Q(reference__icontains=search) | Q(voucher__text__icontains=search)
        )
    return qs.order_by("voucher__date", "id")


@dataclass
class PeriodStatus:
    month: str  # YYYY-MM
    bank_closing: Decimal
    ledger_balance: Decimal
    unmatched: int
    balance_problems: int

    @property
    def reconciled(self) -> bool:
        return self.unmatched == 0 and self.balance_problems == 0 and self.bank_closing == self.ledger_balance


@dataclass
class AccountOverview:
    account: BankAccount
    days: list[tuple[date, Decimal, Decimal]] = field(default_factory=list)  # (day, bank, ledger)
    entries: int = 0
    matched: int = 0
    unmatched: int = 0
    periods: list[PeriodStatus] = field(default_factory=list)

    @property
    def match_rate(self) -> float:
        return round(100.0 * self.matched / self.entries, 1) if self.entries else 100.0


def account_overview(account: BankAccount, *, days: int = 60) -> AccountOverview:
    """The bank's closing balance against the ledger balance per statement day, and per month."""
    overview = AccountOverview(account)
    # Two counts that indexes answer: all entries (the key index) and the unmatched ones (the
    # partial index of unmatched entries); matched entries are the rest.
    overview.entries = StatementEntry.objects.filter(bank_account=account).count()
    overview.unmatched = StatementEntry.objects.filter(
        bank_account=account, status=StatementEntry.Status.UNMATCHED
    ).count()
    overview.matched = overview.entries - overview.unmatched

    closing: dict[date, Decimal] = {}
    problems: dict[str, int] = defaultdict(int)
    for day, balance, ok in (
        Statement.objects.filter(bank_account=account)
        .order_by("closing_date", "id")
        .values_list("closing_date", "closing_balance", "balance_ok")
    ):
        closing[day] = balance  # the latest statement of a day wins
        if not ok:
            problems[f"{day:%Y-%m}"] += 1
    if not closing:
        return overview
    wanted = sorted(closing)
    # Ledger balance at each day = Σ lines up to and including it: one grouped query.
    per_day = dict(
        VoucherLine.objects.filter(company_id=account.company_id, ledger_account=account.ledger_account)
        .filter(Q(bank_account=account) | Q(bank_account__isnull=True))
        .values_list("voucher__date")
        .annotate(total=Sum("amount"))
        .order_by("voucher__date")
        .values_list("voucher__date", "total")
    )
    ledger: dict[date, Decimal] = {}
    running = ZERO
    days_sorted = sorted(per_day)
    i = 0
    for day in wanted:
        while i < len(days_sorted) and days_sorted[i] <= day:
            running += per_day[days_sorted[i]]
            i += 1
        ledger[day] = running
    overview.days = [(day, closing[day], ledger[day]) for day in wanted[-days:]]

    unmatched_by_month: dict[str, int] = defaultdict(int)
    for month, n in (
        StatementEntry.objects.filter(bank_account=account, status=StatementEntry.Status.UNMATCHED)
        .order_by()
        .values("booking_date")
        .annotate(n=Count("id"))
        .values_list("booking_date", "n")
    ):
        unmatched_by_month[f"{month:%Y-%m}"] += n
    last_of_month: dict[str, date] = {}
    for day in wanted:
        last_of_month[f"{day:%Y-%m}"] = day
    overview.periods = [
        PeriodStatus(
            month=month,
            bank_closing=closing[day],
            ledger_balance=ledger[day],
            unmatched=unmatched_by_month.get(month, 0),
            balance_problems=problems.get(month, 0),
        )
        for month, day in sorted(last_of_month.items(), reverse=True)
    ]
    return overview


def chart_svg_points(overview: AccountOverview, width: int = 640, height: int = 200, pad: int = 24) -> dict:
    """Polyline points for the inline SVG chart (pixels only; the money is computed above)."""
    if not overview.days:
        return {}
    values = [v for _d, bank, ledger in overview.days for v in (bank, ledger)]
    low, high = min(values), max(values)
    span = (high - low) or Decimal(1)
    n = len(overview.days)

    def x(i):
        return pad + (width - 2 * pad) * (i / (n - 1) if n > 1 else 0.5)

    def y(v):
        return pad + float((high - v) / span) * (height - 2 * pad)

    bank_points = [(f"{x(i):.1f}", f"{y(b):.1f}") for i, (_d, b, _l) in enumerate(overview.days)]
    ledger_points = [(f"{x(i):.1f}", f"{y(lv):.1f}") for i, (_d, _b, lv) in enumerate(overview.days)]
    bank = " ".join(f"{px},{py}" for px, py in bank_points)
    ledger = " ".join(f"{px},{py}" for px, py in ledger_points)
    return {
        "bank_points": bank_points,
        "ledger_points": ledger_points,
        "width": width,
        "height": height,
        "bank": bank,
        "ledger": ledger,
        "high": high,
        "low": low,
        "first": overview.days[0][0],
        "last": overview.days[-1][0],
    }

"""Reads of the ledger; every list is company-scoped and joins what its page shows."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Prefetch, QuerySet

from .models import (
    Bill,
    Customer,
    ExchangeRate,
    Invoice,
    InvoiceSettings,
    LedgerAccount,
    Supplier,
    Voucher,
    VoucherLine,
)

DEFAULT_CHART: list[tuple[str, str]] = [
    ("1500", "Kundefordringer"),
    ("1920", "Bankinnskudd"),
    ("1950", "Bankinnskudd for skattetrekk"),
    ("2400", "Leverandørgjeld"),
    ("3000", "Salgsinntekt"),
    ("4000", "Varekjøp"),
    ("7770", "Bank- og kortgebyrer"),
    ("8040", "Renteinntekt"),
    ("8060", "Valutagevinst (agio)"),
    ("8140", "Rentekostnad"),
    ("8160", "Valutatap (disagio)"),
]


def invoice_settings_get(company) -> InvoiceSettings:
    """The company's settings, or the defaults (unsaved) before anyone changed them."""
    return InvoiceSettings.objects.filter(company=company).first() or InvoiceSettings(company=company)


def kid_enabled(company) -> bool:
    return InvoiceSettings.objects.filter(company=company, kid_enabled=True).exists()


def bank_accounts_by_id(company, ids) -> dict:
    """The company's bank accounts among ``ids``, by id, for voucher lines that name one.

    Reached through the voucher line's foreign key: the model (``accounts.BankAccount``) is a
    layer above the ledger, which names it in its schema but does not import it.
    """
    model = VoucherLine._meta.get_field("bank_account").related_model
    return {b.pk: b for b in model.objects.filter(company=company, pk__in=ids)}


def ledger_account_numbers(company) -> set[str]:
    return set(LedgerAccount.objects.filter(company=company).values_list("number", flat=True))


def ledger_account_list(company) -> QuerySet[LedgerAccount]:
    return LedgerAccount.objects.filter(company=company).order_by("number")


def customer_list(company) -> QuerySet[Customer]:
    return Customer.objects.filter(company=company).order_by("number")


def supplier_list(company) -> QuerySet[Supplier]:
    return Supplier.objects.filter(company=company).order_by("number")


def invoice_list(company, *, status: str | None = None, customer_id=None) -> QuerySet[Invoice]:
    qs = Invoice.objects.filter(company=company).select_related("customer").order_by("-number")
    if status:
        qs = qs.filter(status=status.upper())
    if customer_id:
        qs = qs.filter(customer_id=customer_id)
    return qs


def invoice_list_open_by_kid(company, kids) -> dict[str, Invoice]:
    """KID → invoice for the OCR import: one query for a whole file."""
    return {
        inv.kid: inv
        for inv in Invoice.objects.filter(company=company, kid__in=list(kids)).select_related("customer")
    }


def bill_list(company, *, status: str | None = None, supplier_id=None) -> QuerySet[Bill]:
    qs = Bill.objects.filter(company=company).select_related("supplier").order_by("due_date", "id")
    if status:
        qs = qs.filter(status=status.upper())
    if supplier_id:
        qs = qs.filter(supplier_id=supplier_id)
    return qs


def voucher_list(company) -> QuerySet[Voucher]:
    return (
        Voucher.objects.filter(company=company)
        .order_by("-number")
        .prefetch_related(Prefetch("lines", queryset=VoucherLine.objects.select_related("open_entry")))
    )


def exchange_rates_latest() -> dict[str, Decimal]:
    """The bank's last published rate (NOK per unit) per currency the portal has stored; for a
    form's hint only, never for an amount (the service reads the rate of the day)."""
    rows = ExchangeRate.objects.order_by("currency", "-rate_date").distinct("currency")
    return {row.currency: row.rate for row in rows}

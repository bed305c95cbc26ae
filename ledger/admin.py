"""Support staff see the ledger; posted vouchers are never edited, and everything else
changes only through the services (audit, number series, vouchers), so the admin is read-only."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from bankint.admin import ReadOnlyAdmin, ReadOnlyInline

from .models import (
    Bill,
    Customer,
    ExchangeRate,
    Invoice,
    InvoiceSettings,
    InvoiceSettlement,
    Supplier,
    Voucher,
    VoucherLine,
)


class VoucherLineInline(ReadOnlyInline):
    model = VoucherLine
    fields = [
        "ledger_account",
        "amount",
        "bank_account",
        "reference_kind",
        "reference",
        "reconciled",
        "invoice",
        "bill",
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("open_entry")  # ``reconciled``

    @admin.display(description=_("reconciled"), boolean=True)
    def reconciled(self, obj):
        return obj.reconciled


@admin.register(Voucher)
class VoucherAdmin(ReadOnlyAdmin):
    list_display = ["number", "company", "date", "text", "kind", "reverses", "posted_at"]
    list_filter = ["kind"]
    search_fields = ["text", "company__name", "lines__reference"]
    list_select_related = ["company", "reverses"]
    inlines = [VoucherLineInline]


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyAdmin):
    list_display = ["number", "company", "customer", "amount", "paid_amount", "kid", "status", "due_date"]
    list_filter = ["status"]
    search_fields = ["kid", "customer__name", "company__name"]
    list_select_related = ["company", "customer"]


@admin.register(InvoiceSettlement)
class InvoiceSettlementAdmin(ReadOnlyAdmin):
    list_display = ["invoice", "amount", "source", "reference", "voucher", "created_at"]
    list_filter = ["source"]
    list_select_related = ["invoice", "voucher"]


@admin.register(Bill)
class BillAdmin(ReadOnlyAdmin):
    list_display = [
        "supplier",
        "company",
        "amount",
        "currency",
        "nok_amount",
        "due_date",
        "kid",
        "message",
        "status",
    ]
    list_filter = ["status", "currency"]
    search_fields = ["kid", "message", "supplier__name", "company__name"]
    list_select_related = ["company", "supplier"]


@admin.register(Customer)
class CustomerAdmin(ReadOnlyAdmin):
    list_display = ["number", "name", "company", "org_number"]
    search_fields = ["name", "org_number", "company__name"]


@admin.register(Supplier)
class SupplierAdmin(ReadOnlyAdmin):
    list_display = [
        "number",
        "name",
        "company",
        "account_number_display",
        "iban",
        "bic",
        "country",
        "currency",
        "org_number",
    ]
    list_filter = ["country", "currency"]
    search_fields = ["name", "account_number", "iban", "bic", "org_number", "company__name"]

    @admin.display(description=_("account number"), ordering="account_number")
    def account_number_display(self, obj):
        return obj.account_number_display


@admin.register(InvoiceSettings)
class InvoiceSettingsAdmin(ReadOnlyAdmin):
    list_display = [
        "company",
        "kid_enabled",
        "kid_length",
        "kid_algorithm",
        "kid_customer_digits",
        "updated_at",
    ]


@admin.register(ExchangeRate)
class ExchangeRateAdmin(ReadOnlyAdmin):
    """The bank's published rates, as fetched: read-only (the bank's word, not ours to edit)."""

    list_display = ["currency", "rate_date", "rate", "fetched_at"]
    list_filter = ["currency"]
    date_hierarchy = "rate_date"
    search_fields = ["currency"]

"""Support's "where is my payment?": batch, file, the bank's reports and the audit trail on one
page. Read-only: payments change only through the services (guards, audit, never twice)."""

from django.contrib import admin
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from bankint.admin import ReadOnlyAdmin

from .models import BankReport, Payment, PaymentBatch, PaymentSettings
from .selectors import payment_batch_timeline


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class PaymentInline(_ReadOnlyInline):
    model = Payment
    fields = [
        "end_to_end_id",
        "creditor_name",
        "creditor_account",
        "amount",
        "kid",
        "message",
        "status",
        "reason_code",
        "reason_text",
        "bill",
        "voucher",
    ]
    readonly_fields = fields


class BankReportInline(_ReadOnlyInline):
    model = BankReport
    fields = ["kind", "received_at", "status", "summary", "bank_reference", "sha256"]
    readonly_fields = fields


@admin.register(PaymentBatch)
class PaymentBatchAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "company",
        "msg_id",
        "bank_account",
        "execution_date",
        "approval_mode",
        "status",
        "payment_count",
        "total",
        "created_at",
    ]
    list_filter = ["status", "approval_mode"]
    search_fields = [
        "msg_id",
        "pmt_inf_id",
        "payments__end_to_end_id",
        "company__name",
        "company__org_number",
    ]
    list_select_related = ["company", "bank_account"]
    exclude = ["pain001"]
    readonly_fields = ["timeline"]
    inlines = [PaymentInline, BankReportInline]

    @admin.display(description=_("Timeline (audit and bank reports)"))
    def timeline(self, obj):
        rows = payment_batch_timeline(obj)
        return format_html_join(
            "",
            "<div>{} · {} · {} · {}</div>",
            ((r["at"], r["action"], r["actor"], r["changes"]) for r in rows),
        )


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "company",
        "creditor_name",
        "creditor_account",
        "amount",
        "execution_date",
        "status",
        "reason_code",
        "batch",
    ]
    list_filter = ["status"]
    search_fields = ["end_to_end_id", "creditor_name", "creditor_account", "kid", "batch__msg_id"]
    list_select_related = ["company", "batch"]


@admin.register(PaymentSettings)
class PaymentSettingsAdmin(ReadOnlyAdmin):
    list_display = ["company", "four_eyes", "updated_at"]
    list_filter = ["four_eyes"]
    search_fields = ["company__name", "company__org_number"]
    list_select_related = ["company"]

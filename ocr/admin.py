"""Support staff: OCR files with their raw bytes, read-only (only the import service writes)."""

from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from bankint.admin import RawFileAdminMixin, ReadOnlyAdmin, ReadOnlyInline
from companies.support import SupportAdminMixin

from .models import OcrAssignment, OcrFile, OcrTransaction


class AssignmentInline(ReadOnlyInline):
    model = OcrAssignment
    fields = [
        "number",
        "account",
        "unassigned",
        "transaction_count",
        "total_amount",
        "net_amount",
        "voucher",
        "reference",
    ]


@admin.register(OcrFile)
class OcrFileAdmin(SupportAdminMixin, RawFileAdminMixin, ReadOnlyAdmin):
    list_display = [
        "id",
        "company",
        "status",
        "source",
        "transmission_number",
        "transaction_count",
        "total_amount",
        "created_at",
    ]
    list_filter = ["status", "source"]
    search_fields = [
        "sha256",
        "transmission_number",
        "filename",
        "company__name",
        "company__org_number",
        "=transactions__kid",
    ]
    amount_search_fields = ("total_amount",)
    date_search_fields = ("created_at",)
    exclude = ["raw"]
    readonly_fields = ["raw_file", "raw_preview"]
    inlines = [AssignmentInline]
    raw_field = "raw"
    raw_content_type = "text/plain; charset=iso-8859-1"
    raw_filename = "ocr-{pk}.txt"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("company")

    @admin.display(description=_("first lines"))
    def raw_preview(self, obj):
        text = OcrFile.objects.get(pk=obj.pk).data[: 82 * 20].decode("latin-1", errors="replace")
        return format_html("<pre>{}</pre>", text)


@admin.register(OcrTransaction)
class OcrTransactionAdmin(SupportAdminMixin, ReadOnlyAdmin):
    list_display = [
        "id",
        "company",
        "file",
        "assignment_number",
        "number",
        "type",
        "kid",
        "amount",
        "status",
        "invoice",
    ]
    list_filter = ["status", "type"]
    search_fields = ["=kid", "payer_account", "text", "company__name", "company__org_number"]
    amount_search_fields = ("amount",)
    date_search_fields = ("nets_date", "bank_date")
    raw_id_fields = ["file", "assignment", "invoice", "reverses", "voucher"]
    list_select_related = ["company", "invoice"]

"""Support staff: OCR files with their raw bytes, read-only (only the import service writes)."""

from django.contrib import admin
from django.http import HttpResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .models import OcrAssignment, OcrFile, OcrTransaction


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AssignmentInline(admin.TabularInline):
    model = OcrAssignment
    extra = 0
    can_delete = False
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
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(OcrFile)
class OcrFileAdmin(_ReadOnly):
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
    search_fields = ["sha256", "transmission_number", "filename", "company__name"]
    exclude = ["raw"]
    readonly_fields = ["raw_file", "raw_preview"]
    inlines = [AssignmentInline]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("company").defer("raw")

    def get_urls(self):
        extra = [path("<int:pk>/raw/", self.admin_site.admin_view(self.download), name="ocr_ocrfile_raw")]
        return extra + super().get_urls()

    def download(self, request, pk: int):
        file = OcrFile.objects.get(pk=pk)
        response = HttpResponse(file.data, content_type="text/plain; charset=iso-8859-1")
        response["Content-Disposition"] = f'attachment; filename="ocr-{file.pk}.txt"'
        return response

    @admin.display(description=_("raw file"))
    def raw_file(self, obj):
        return format_html(
            '<a href="{}">{}</a> ({} bytes)',
            reverse("admin:ocr_ocrfile_raw", args=[obj.pk]),
            _("Download"),
            obj.size,
        )

    @admin.display(description=_("first lines"))
    def raw_preview(self, obj):
        text = OcrFile.objects.get(pk=obj.pk).data[: 82 * 20].decode("latin-1", errors="replace")
        return format_html("<pre>{}</pre>", text)


@admin.register(OcrTransaction)
class OcrTransactionAdmin(_ReadOnly):
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
    search_fields = ["kid", "payer_account", "text"]
    raw_id_fields = ["file", "assignment", "invoice", "reverses", "voucher"]
    list_select_related = ["company", "invoice"]

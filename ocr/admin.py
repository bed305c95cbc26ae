"""Support staff: OCR files with their raw bytes, read-only (only the import service writes);
the vendor-level transmissions Nets delivers for every customer, with an upload for an
operator (permission ``ocr.upload_ocrtransmission``) and a retry of the companies that
failed; and the assignments kept aside for accounts nobody registered."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from bankint.admin import RawFileAdminMixin, ReadOnlyAdmin, ReadOnlyInline
from companies.support import SupportAdminMixin

from .models import OcrAssignment, OcrFile, OcrKeptAside, OcrTransaction, OcrTransmission
from .services import MAX_FILE_BYTES, ocr_transmission_import, ocr_transmission_retry


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


class TransmissionUploadForm(forms.Form):
    file = forms.FileField(label=_("Nets OCR transmission"), max_length=200)


class KeptAsideInline(ReadOnlyInline):
    model = OcrKeptAside
    fields = ["number", "account", "transaction_count", "total_amount", "imported_file", "imported_at"]


class PartInline(ReadOnlyInline):
    model = OcrFile
    fk_name = "transmission"
    verbose_name_plural = _("companies' parts")
    fields = ["company", "status", "transaction_count", "total_amount", "settled_count", "unmatched_count"]


@admin.register(OcrTransmission)
class OcrTransmissionAdmin(RawFileAdminMixin, ReadOnlyAdmin):
    list_display = [
        "id",
        "status",
        "source",
        "transmission_number",
        "company_count",
        "kept_aside_count",
        "transaction_count",
        "total_amount",
        "created_at",
    ]
    list_filter = ["status", "source"]
    search_fields = ["sha256", "transmission_number", "filename"]
    exclude = ["raw"]
    readonly_fields = ["raw_file"]
    inlines = [PartInline, KeptAsideInline]
    actions = ["retry_failed"]
    raw_field = "raw"
    raw_content_type = "text/plain; charset=iso-8859-1"
    raw_filename = "ocr-transmission-{pk}.txt"
    change_list_template = "admin/ocr/ocrtransmission/change_list.html"

    def get_urls(self):
        upload = self.admin_site.admin_view(self.upload_view)
        return [path("upload/", upload, name="ocr_ocrtransmission_upload"), *super().get_urls()]

    def has_upload_permission(self, request) -> bool:
        return request.user.has_perm("ocr.upload_ocrtransmission")

    def changelist_view(self, request, extra_context=None):
        extra = {"can_upload": self.has_upload_permission(request), **(extra_context or {})}
        return super().changelist_view(request, extra_context=extra)

    def upload_view(self, request):
        """An operator uploads a transmission as Nets delivers it; the service splits it."""
        if not self.has_upload_permission(request):
            raise PermissionDenied
        form = TransmissionUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            if upload.size > MAX_FILE_BYTES:
                form.add_error("file", _("The file is larger than an OCR file is ever."))
            else:
                row = ocr_transmission_import(
                    upload.read(), source=OcrFile.Source.UPLOAD, filename=upload.name, user=request.user
                )
                level = messages.ERROR if row.status == OcrTransmission.Status.REJECTED else messages.INFO
                text = row.reason or _(
                    "Received: %(companies)d companies, %(kept)d assignments kept aside."
                ) % {
                    "companies": row.company_count,
                    "kept": row.kept_aside_count,
                }
                self.message_user(request, f"{row.get_status_display()}: {text}", level)
                return redirect(reverse("admin:ocr_ocrtransmission_change", args=[row.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "form": form,
            "title": _("Upload a Nets OCR transmission"),
        }
        return TemplateResponse(request, "admin/ocr/ocrtransmission/upload.html", context)

    @admin.action(description=_("Import the failed companies' parts again"), permissions=["upload"])
    def retry_failed(self, request, queryset):
        for row in queryset.exclude(failed={}):
            ocr_transmission_retry(row)
        self.message_user(request, _("Done: see each transmission's failed companies."))


@admin.register(OcrKeptAside)
class OcrKeptAsideAdmin(ReadOnlyAdmin):
    """Assignments for accounts no company has registered for Nets OCR: imported by themselves
    when a company registers the account."""

    list_display = [
        "id",
        "account",
        "number",
        "transmission",
        "transaction_count",
        "total_amount",
        "nets_date",
        "imported_file",
        "imported_at",
    ]
    list_filter = [("imported_at", admin.EmptyFieldListFilter)]
    search_fields = ["account", "number", "transmission__transmission_number"]
    raw_id_fields = ["transmission", "imported_file"]
    readonly_fields = ["records_preview"]
    exclude = ["records"]

    @admin.display(description=_("raw records"))
    def records_preview(self, obj):
        return format_html("<pre>{}</pre>", obj.records)

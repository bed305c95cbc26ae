"""Support's "where is my payment?": batch, file, the bank's reports and the audit trail on one
page. Read-only: payments change only through the services (guards, audit, never twice).

Support finds a batch or a payment by company (name or organisation number), amount ("12 345,67"
or "12345.67"), KID, EndToEndId, MsgId or date ("05.12.2026"); every page they open is audited
(``companies.support``). The BankID signing session (its URL) is not shown: it is the approver's.
"""

from django.contrib import admin
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from bankint import formatting
from bankint.admin import ReadOnlyAdmin, ReadOnlyInline
from companies.audit_words import action_words
from companies.models import AuditEvent
from companies.support import SupportAdminMixin
from iso20022.pain002 import reason_text, status_text

from .models import BankReport, Payment, PaymentBatch, PaymentSettings


def _lang() -> str:
    return "en" if (get_language() or "nb").startswith("en") else "nb"


def _bank_words(status: str, reason_code: str = "", reason: str = "") -> str:
    """The bank's status and reason in words, the codes after them (the words are what support reads)."""
    if not status and not reason_code:
        return ""
    parts = [f"{status_text(status, _lang())} ({status})" if status else ""]
    if reason_code or status == "RJCT":
        parts.append(
            f"{reason_code}: {reason_text(reason_code, _lang())}" if reason_code else reason_text("", _lang())
        )
    if reason:
        parts.append(f"«{reason}»")
    return " · ".join(p for p in parts if p)


class LabelledRelationsMixin:
    """The company, account, people and batch under translated labels (the model's fields have none)."""

    @admin.display(description=_("company"), ordering="company__name")
    def company_shown(self, obj):
        return obj.company

    @admin.display(description=_("bank account"))
    def bank_account_shown(self, obj):
        return obj.bank_account

    @admin.display(description=_("created by"))
    def created_by_shown(self, obj):
        return obj.created_by or ""

    @admin.display(description=_("payment batch"))
    def batch_shown(self, obj):
        if obj.batch_id is None:
            return ""
        url = reverse("admin:remittance_paymentbatch_change", args=[obj.batch_id])
        return format_html('<a href="{}">{}</a>', url, obj.batch)


class PaymentInline(ReadOnlyInline):
    model = Payment
    show_change_link = True
    fields = [
        "end_to_end_id",
        "creditor_name",
        "creditor_account_shown",
        "amount_shown",
        "kind",
        "kid",
        "message",
        "status",
        "bank_answer",
        "bill_shown",
        "voucher_shown",
    ]

    @admin.display(description=_("bill"))
    def bill_shown(self, obj):
        return obj.bill or ""

    @admin.display(description=_("voucher"))
    def voucher_shown(self, obj):
        return obj.voucher or ""

    @admin.display(description=_("creditor account"))
    def creditor_account_shown(self, obj):
        return formatting.account(obj.creditor_account)

    @admin.display(description=_("amount"))
    def amount_shown(self, obj):
        return formatting.money(obj.amount, obj.currency)

    @admin.display(description=_("the bank's answer"))
    def bank_answer(self, obj):
        return _bank_words(obj.bank_status, obj.reason_code, obj.reason_text)


class BankReportInline(ReadOnlyInline):
    """The pain.002 and camt.054 files the bank sent about the batch, each to download."""

    model = BankReport
    fields = ["kind", "received", "status_words", "summary", "bank_reference", "download"]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("content")

    @admin.display(description=_("received"))
    def received(self, obj):
        return formatting.moment(obj.received_at)

    @admin.display(description=_("status"))
    def status_words(self, obj):
        return _bank_words(obj.status) if obj.kind == BankReport.Kind.PAIN002 else obj.status

    @admin.display(description=_("file"))
    def download(self, obj):
        url = reverse("admin:remittance_paymentbatch_report", args=[obj.batch_id, obj.pk])
        return format_html('<a href="{}">{}</a> · SHA-256 {}', url, _("Download"), obj.sha256[:16])


@admin.register(PaymentBatch)
class PaymentBatchAdmin(SupportAdminMixin, LabelledRelationsMixin, ReadOnlyAdmin):
    list_display = [
        "id",
        "company_shown",
        "msg_id",
        "bank_account_shown",
        "execution_date",
        "approval_mode",
        "status",
        "payment_count",
        "total_shown",
        "pain001_version",
        "created_at",
    ]
    list_filter = ["status", "approval_mode", "currency", "pain001_version"]
    search_fields = [
        "msg_id",
        "pmt_inf_id",
        "=payments__end_to_end_id",
        "=payments__kid",
        "company__name",
        "company__org_number",
    ]
    amount_search_fields = ("total", "payments__amount")
    date_search_fields = ("execution_date", "created_at")
    list_select_related = ["company", "bank_account"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "company_shown",
                    "bank_account_shown",
                    "status",
                    "bank_answer",
                    "execution_date",
                    "approval_mode",
                    "payment_count",
                    "total_shown",
                    "pain001_version",
                    "created_by_shown",
                    "approved_by_shown",
                ]
            },
        ),
        (_("Files"), {"fields": ["files"]}),
        (_("Audit trail"), {"fields": ["trail"]}),
        (
            _("Details"),
            {
                "classes": ["collapse"],
                "fields": [
                    "msg_id",
                    "pmt_inf_id",
                    "pain001_sha256",
                    "signature_ref",
                    "approved_bank_user_id",
                    "submit_attempts",
                    "last_error",
                    "created_at",
                    "approved_at",
                    "submitted_at",
                    "answered_at",
                    "booked_at",
                ],
            },
        ),
    ]
    readonly_fields = [
        "company_shown",
        "bank_account_shown",
        "bank_answer",
        "total_shown",
        "created_by_shown",
        "approved_by_shown",
        "files",
        "trail",
    ]
    inlines = [PaymentInline, BankReportInline]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("pain001")

    @admin.display(description=_("approved by"))
    def approved_by_shown(self, obj):
        return obj.approved_by or ""

    @admin.display(description=_("total"), ordering="total")
    def total_shown(self, obj):
        return formatting.money(obj.total, obj.currency)

    @admin.display(description=_("the bank's answer"))
    def bank_answer(self, obj):
        return _bank_words(obj.bank_status, obj.bank_reason, obj.bank_reason_text)

    @admin.display(description=_("files"))
    def files(self, obj):
        """The pain.001 sent, then every file the bank sent back, oldest first."""
        rows = []
        if obj.pain001_sha256:
            url = reverse("admin:remittance_paymentbatch_pain001", args=[obj.pk])
            sent = formatting.moment(obj.submitted_at or obj.submitting_at or obj.approved_at)
            rows.append((_("pain.001 sent"), sent, "", url, obj.pain001_sha256[:16]))
        else:
            rows.append((_("pain.001 not sent yet"), "", "", "", ""))
        for report in obj.reports.defer("content").order_by("received_at", "id"):
            url = reverse("admin:remittance_paymentbatch_report", args=[obj.pk, report.pk])
            words = _bank_words(report.status) if report.kind == BankReport.Kind.PAIN002 else report.summary
            rows.append(
                (
                    report.get_kind_display(),
                    formatting.moment(report.received_at),
                    words,
                    url,
                    report.sha256[:16],
                )
            )
        return format_html(
            "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>{}</tbody></table>",
            _("file"),
            _("when"),
            _("status"),
            _("download"),
            format_html_join(
                "",
                '<tr><td>{}</td><td>{}</td><td>{}</td><td><a href="{}">{}</a></td></tr>',
                ((name, when, words, url, sha) for name, when, words, url, sha in rows),
            ),
        )

    @admin.display(description=_("audit trail"))
    def trail(self, obj):
        """Who did what to the batch and its payments, and what the bank said, oldest first."""
        payment_ids = [str(pk) for pk in Payment.objects.filter(batch=obj).values_list("pk", flat=True)]
        events = (
            AuditEvent.objects.filter(
                Q(object_type="remittance.paymentbatch", object_id=str(obj.pk))
                | Q(object_type="remittance.payment", object_id__in=payment_ids)
            )
            .exclude(action__startswith="support.")
            .order_by("created_at", "id")
        )
        rows = [
            (e.created_at, action_words(e.action), e.actor_label or _("the system"), e.object_repr)
            for e in events
        ]
        rows += [
            (r.received_at, r.get_kind_display(), "DNB", _bank_words(r.status) or r.summary)
            for r in obj.reports.defer("content")
        ]
        rows.sort(key=lambda row: row[0])
        return format_html(
            "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>{}</tbody></table>",
            _("when"),
            _("what happened"),
            _("who"),
            _("concerns"),
            format_html_join(
                "",
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                ((formatting.moment(at), what, who, about) for at, what, who, about in rows),
            ),
        )

    def get_urls(self):
        return [
            path(
                "<int:pk>/pain001/",
                self.admin_site.admin_view(self.pain001_view),
                name="remittance_paymentbatch_pain001",
            ),
            path(
                "<int:pk>/report/<int:report_id>/",
                self.admin_site.admin_view(self.report_view),
                name="remittance_paymentbatch_report",
            ),
            *super().get_urls(),
        ]

    def pain001_view(self, request, pk: int):
        batch = get_object_or_404(PaymentBatch, pk=pk)
        return self._download(request, batch, bytes(batch.pain001), f"pain001-{batch.msg_id}.xml", "pain.001")

    def report_view(self, request, pk: int, report_id: int):
        report = get_object_or_404(BankReport.objects.select_related("batch"), pk=report_id, batch_id=pk)
        name = f"{report.kind.lower()}-{report.batch.msg_id}-{report.pk}.xml"
        return self._download(request, report.batch, bytes(report.content), name, report.get_kind_display())

    def _download(self, request, batch, content: bytes, filename: str, what: str):
        if not self.has_view_permission(request, batch):
            return HttpResponse(status=403)
        self.audit_view(request, batch, str(what))
        response = HttpResponse(content, content_type="application/xml")
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


@admin.register(Payment)
class PaymentAdmin(SupportAdminMixin, LabelledRelationsMixin, ReadOnlyAdmin):
    list_display = [
        "id",
        "company_shown",
        "creditor_name",
        "creditor_account_shown",
        "amount_shown",
        "kind",
        "kid",
        "end_to_end_id",
        "execution_date",
        "status",
        "reason_code",
        "batch_shown",
    ]
    list_filter = ["status", "kind", "currency"]
    search_fields = [
        "=end_to_end_id",
        "creditor_name",
        "creditor_account",
        "=kid",
        "batch__msg_id",
        "company__name",
        "company__org_number",
    ]
    amount_search_fields = ("amount",)
    date_search_fields = ("execution_date", "requested_date", "booked_date", "created_at")
    list_select_related = ["company", "batch"]
    readonly_fields = ["bank_answer"]

    @admin.display(description=_("creditor account"))
    def creditor_account_shown(self, obj):
        return formatting.account(obj.creditor_account)

    @admin.display(description=_("amount"), ordering="amount")
    def amount_shown(self, obj):
        return formatting.money(obj.amount, obj.currency)

    @admin.display(description=_("the bank's answer"))
    def bank_answer(self, obj):
        return _bank_words(obj.bank_status, obj.reason_code, obj.reason_text)


@admin.register(PaymentSettings)
class PaymentSettingsAdmin(SupportAdminMixin, ReadOnlyAdmin):
    list_display = ["company", "four_eyes", "updated_at"]
    list_filter = ["four_eyes"]
    search_fields = ["company__name", "company__org_number"]
    list_select_related = ["company"]

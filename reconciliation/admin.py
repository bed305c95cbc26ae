"""Support staff see statement files (with the raw bytes to download), statements, entries and
matches. Everything changes only through the services, so the admin is read-only."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from bankint.admin import ReadOnlyAdmin

from .models import Match, MatchLine, Statement, StatementEntry, StatementFile


class StatementInline(admin.TabularInline):
    model = Statement
    extra = 0
    can_delete = False
    fields = [
        "bank_account",
        "statement_id",
        "electronic_seq_nb",
        "closing_date",
        "opening_balance",
        "closing_balance",
        "entries_count",
        "balance_ok",
        "balance_difference",
    ]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(StatementFile)
class StatementFileAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "company",
        "filename",
        "source",
        "status",
        "entries_new",
        "entries_existing",
        "created_at",
    ]
    list_filter = ["status", "source"]
    search_fields = ["filename", "sha256", "company__name"]
    exclude = ["data"]
    readonly_fields = ["raw_file"]
    inlines = [StatementInline]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("data")

    @admin.display(description=_("raw file"))
    def raw_file(self, obj):
        url = reverse("admin:reconciliation_statementfile_raw", args=[obj.pk])
        return format_html('<a href="{}">{}</a> ({} bytes)', url, _("Download"), obj.size)

    def get_urls(self):
        return [
            path(
                "<int:pk>/raw/",
                self.admin_site.admin_view(self.raw_view),
                name="reconciliation_statementfile_raw",
            ),
            *super().get_urls(),
        ]

    def raw_view(self, request, pk: int):
        file = StatementFile.objects.get(pk=pk)
        if not self.has_view_permission(request, file):
            return HttpResponse(status=403)
        response = HttpResponse(bytes(file.data), content_type="application/xml")
        response["Content-Disposition"] = f'attachment; filename="statement-{file.pk}.xml"'
        return response


@admin.register(Statement)
class StatementAdmin(ReadOnlyAdmin):
    list_display = ["id", "bank_account", "statement_id", "closing_date", "closing_balance", "balance_ok"]
    list_filter = ["balance_ok"]


@admin.register(StatementEntry)
class StatementEntryAdmin(ReadOnlyAdmin):
    list_display = ["id", "bank_account", "booking_date", "amount", "status", "matched_rule", "acct_svcr_ref"]
    list_filter = ["status", "matched_rule", "is_charge", "reversal"]
    search_fields = ["acct_svcr_ref", "text", "counterparty_name"]
    readonly_fields = ["unmatched_reason"]


class MatchEntryInline(admin.TabularInline):
    """The entries that name the match."""

    model = StatementEntry
    fk_name = "match"
    extra = 0
    can_delete = False
    fields = ["booking_date", "amount", "text", "status"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class MatchLineInline(admin.TabularInline):
    model = MatchLine
    extra = 0
    can_delete = False
    readonly_fields = ["voucher_line"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Match)
class MatchAdmin(ReadOnlyAdmin):
    list_display = ["id", "company", "bank_account", "rule", "amount", "created_at"]
    list_filter = ["rule"]
    inlines = [MatchEntryInline, MatchLineInline]

"""Support staff see statement files (with the raw bytes to download), statements, entries and
matches. Everything changes only through the services, so the admin is read-only."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from bankint.admin import RawFileAdminMixin, ReadOnlyAdmin, ReadOnlyInline
from bankint.stored_text import render

from .models import Match, MatchLine, Statement, StatementEntry, StatementFile


class StatementInline(ReadOnlyInline):
    model = Statement
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


@admin.register(StatementFile)
class StatementFileAdmin(RawFileAdminMixin, ReadOnlyAdmin):
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
    raw_content_type = "application/xml"
    raw_filename = "statement-{pk}.xml"


@admin.register(Statement)
class StatementAdmin(ReadOnlyAdmin):
    list_display = ["id", "bank_account", "statement_id", "closing_date", "closing_balance", "balance_ok"]
    list_filter = ["balance_ok"]


@admin.register(StatementEntry)
class StatementEntryAdmin(ReadOnlyAdmin):
    list_display = ["id", "bank_account", "booking_date", "amount", "status", "matched_rule", "acct_svcr_ref"]
    list_filter = ["status", "matched_rule", "is_charge", "reversal"]
    search_fields = ["acct_svcr_ref", "text", "counterparty_name"]
    readonly_fields = ["why_unmatched"]
    exclude = ["unmatched_reason"]

    @admin.display(description=_("why unmatched"))
    def why_unmatched(self, obj) -> str:
        return render(obj.unmatched_reason)


class MatchEntryInline(ReadOnlyInline):
    """The entries that name the match."""

    model = StatementEntry
    fk_name = "match"
    fields = ["booking_date", "amount", "text", "status"]


class MatchLineInline(ReadOnlyInline):
    model = MatchLine
    readonly_fields = ["voucher_line"]


@admin.register(Match)
class MatchAdmin(ReadOnlyAdmin):
    list_display = ["id", "company", "bank_account", "rule", "amount", "created_at"]
    list_filter = ["rule"]
    inlines = [MatchEntryInline, MatchLineInline]

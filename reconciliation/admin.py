"""Support staff see statement files (with the raw bytes to download), statements, entries and
matches. Everything changes only through the services, so the admin is read-only."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from bankint.admin import RawFileAdminMixin, ReadOnlyAdmin, ReadOnlyInline
from bankint.stored_text import render
from companies.support import SupportAdminMixin

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
class StatementFileAdmin(SupportAdminMixin, RawFileAdminMixin, ReadOnlyAdmin):
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
    search_fields = ["filename", "sha256", "company__name", "company__org_number"]
    date_search_fields = ("created_at",)
    exclude = ["data"]
    readonly_fields = ["raw_file"]
    inlines = [StatementInline]
    raw_content_type = "application/xml"
    raw_filename = "statement-{pk}.xml"


@admin.register(Statement)
class StatementAdmin(SupportAdminMixin, ReadOnlyAdmin):
    list_display = [
        "id",
        "company",
        "bank_account",
        "statement_id",
        "closing_date",
        "closing_balance",
        "balance_ok",
    ]
    list_filter = ["balance_ok"]
    search_fields = ["statement_id", "company__name", "company__org_number", "bank_account__account_number"]
    amount_search_fields = ("opening_balance", "closing_balance")
    date_search_fields = ("closing_date", "from_date", "to_date")
    list_select_related = ["company", "bank_account"]


@admin.register(StatementEntry)
class StatementEntryAdmin(SupportAdminMixin, ReadOnlyAdmin):
    list_display = ["id", "bank_account", "booking_date", "amount", "status", "matched_rule", "acct_svcr_ref"]
    list_filter = ["status", "matched_rule", "is_charge", "reversal"]
    search_fields = [
        "acct_svcr_ref",
        "text",
        "counterparty_name",
        "end_to_end_ids",
        "uetrs",
        "kids",
        "company__name",
        "company__org_number",
    ]
    amount_search_fields = ("amount",)
    date_search_fields = ("booking_date", "value_date")
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
class MatchAdmin(SupportAdminMixin, ReadOnlyAdmin):
    list_display = ["id", "company", "bank_account", "rule", "amount", "created_at"]
    list_filter = ["rule"]
    inlines = [MatchEntryInline, MatchLineInline]

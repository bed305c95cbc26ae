"""Shapes of the reconciliation API: statement files (upload), statements, entries, matches."""

from __future__ import annotations

from rest_framework import serializers

from bankint.api.fields import StoredTextField
from bankint.api.mixins import StrictSerializerMixin

from ..models import Match, Statement, StatementEntry, StatementFile


class StatementSerializer(serializers.ModelSerializer):
    account_number = serializers.CharField(source="bank_account.account_number", read_only=True)

    class Meta:
        model = Statement
        fields = [
            "id",
            "bank_account",
            "account_number",
            "statement_id",
            "electronic_seq_nb",
            "from_date",
            "to_date",
            "closing_date",
            "currency",
            "opening_balance",
            "closing_balance",
            "balance_types",
            "entries_count",
            "balance_ok",
            "balance_difference",
        ]
        read_only_fields = fields


class StatementFileSerializer(serializers.ModelSerializer):
    class Meta:
        model = StatementFile
        fields = [
            "id",
            "source",
            "filename",
            "sha256",
            "size",
            "status",
            "reason",
            "statements_count",
            "entries_count",
            "entries_new",
            "entries_existing",
            "matched_count",
            "created_at",
            "imported_at",
        ]
        read_only_fields = fields


class StatementFileDetailSerializer(StatementFileSerializer):
    statements = StatementSerializer(many=True, read_only=True)

    class Meta(StatementFileSerializer.Meta):
        fields = [*StatementFileSerializer.Meta.fields, "statements"]
        read_only_fields = fields


class StatementUploadSerializer(StrictSerializerMixin, serializers.Serializer):
    file = serializers.FileField(help_text="a camt.053.001.02 statement file")


class StatementUploadResultSerializer(StatementFileDetailSerializer):
    outcome = serializers.CharField(read_only=True, help_text="imported")
    message = serializers.CharField(read_only=True)

    class Meta(StatementFileDetailSerializer.Meta):
        fields = [*StatementFileDetailSerializer.Meta.fields, "outcome", "message"]
        read_only_fields = fields


class StatementEntrySerializer(serializers.ModelSerializer):
    account_number = serializers.CharField(source="bank_account.account_number", read_only=True)
    match_id = serializers.SerializerMethodField()
    unmatched_reason = StoredTextField()

    class Meta:
        model = StatementEntry
        fields = [
            "id",
            "bank_account",
            "account_number",
            "statement",
            "booking_date",
            "value_date",
            "amount",
            "currency",
            "reversal",
            "booking_status",
            "acct_svcr_ref",
            "bank_tx_code",
            "end_to_end_ids",
            "uetrs",
            "kids",
            "references",
            "text",
            "counterparty_name",
            "counterparty_account",
            "is_charge",
            "charges",
            "foreign_amounts",
            "status",
            "matched_rule",
            "unmatched_reason",
            "match_id",
        ]
        read_only_fields = fields

    def get_match_id(self, obj) -> int | None:
        return obj.match_id if obj.status == StatementEntry.Status.MATCHED else None


class MatchSerializer(serializers.ModelSerializer):
    entries = serializers.SerializerMethodField()
    voucher_lines = serializers.SerializerMethodField()

    class Meta:
        model = Match
        fields = ["id", "rule", "amount", "voucher", "entries", "voucher_lines", "created_at"]
        read_only_fields = fields

    def get_entries(self, obj) -> list[int]:
        return sorted(entry.pk for entry in obj.entries.all())

    def get_voucher_lines(self, obj) -> list[int]:
        return sorted(link.voucher_line_id for link in obj.line_links.all())


class MatchRequestSerializer(StrictSerializerMixin, serializers.Serializer):
    voucher_lines = serializers.ListField(
        child=serializers.IntegerField(min_value=1), min_length=1, max_length=500
    )
    entries = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        default=list,
        max_length=500,
        help_text="further bank entries to match together with this one (many-to-one)",
    )


class PostAndMatchSerializer(StrictSerializerMixin, serializers.Serializer):
    ledger_account = serializers.CharField(max_length=10)
    text = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")

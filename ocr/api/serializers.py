from rest_framework import serializers

from bankint.api.fields import StoredTextField
from bankint.api.mixins import StrictSerializerMixin

from ..models import OcrAssignment, OcrFile, OcrTransaction


class OcrFileSerializer(serializers.ModelSerializer):
    total_amount = serializers.DecimalField(max_digits=15, decimal_places=2, read_only=True)
    reason = StoredTextField()

    class Meta:
        model = OcrFile
        fields = [
            "id", "status", "source", "reason", "filename", "sha256", "size", "transmitter",
            "transmission_number", "recipient", "bank_file_id", "duplicate_of", "conflict_with", "transaction_count",
            "total_amount", "settled_count", "unmatched_count", "unassigned_count", "skipped_count",
            "created_at",
        ]  # fmt: skip
        read_only_fields = fields


class OcrAssignmentSerializer(serializers.ModelSerializer):
    voucher_number = serializers.IntegerField(
        source="voucher.number", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = OcrAssignment
        fields = [
            "id", "number", "account", "agreement_id", "bank_account", "unassigned", "transaction_count",
            "total_amount", "net_amount", "nets_date", "settled_count", "unmatched_count", "skipped_count",
            "voucher", "voucher_number", "reference",
        ]  # fmt: skip
        read_only_fields = fields


class OcrTransactionSerializer(serializers.ModelSerializer):
    invoice_number = serializers.IntegerField(
        source="invoice.number", read_only=True, default=None, allow_null=True
    )
    note = StoredTextField()

    class Meta:
        model = OcrTransaction
        fields = [
            "id", "file", "assignment", "account", "assignment_number", "number", "type", "status",
            "amount", "kid", "nets_date", "bank_date", "payer_account", "text", "archive_reference",
            "invoice", "invoice_number", "reverses", "voucher", "note",
        ]  # fmt: skip
        read_only_fields = fields


class OcrFileDetailSerializer(OcrFileSerializer):
    assignments = serializers.SerializerMethodField()
    transactions = serializers.SerializerMethodField()
    transactions_truncated = serializers.SerializerMethodField()

    EMBEDDED = 1000  # more than this: page through transactions/ instead

    class Meta(OcrFileSerializer.Meta):
        fields = [*OcrFileSerializer.Meta.fields, "assignments", "transactions", "transactions_truncated"]
        read_only_fields = fields

    def _transactions(self, obj):
        cache = self.context.setdefault("_tx", {})
        if obj.pk not in cache:
            cache[obj.pk] = list(self.context["transactions"](obj)[: self.EMBEDDED + 1])
        return cache[obj.pk]

    def get_assignments(self, obj) -> list[dict]:
        return OcrAssignmentSerializer(self.context["assignments"](obj), many=True).data

    def get_transactions(self, obj) -> list[dict]:
        return OcrTransactionSerializer(self._transactions(obj)[: self.EMBEDDED], many=True).data

    def get_transactions_truncated(self, obj) -> bool:
        return len(self._transactions(obj)) > self.EMBEDDED


class OcrUploadSerializer(StrictSerializerMixin, serializers.Serializer):
    file = serializers.FileField(allow_empty_file=True)


class AllocateSerializer(StrictSerializerMixin, serializers.Serializer):
    invoice = serializers.IntegerField(min_value=1)

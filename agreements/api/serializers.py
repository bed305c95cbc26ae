"""Shapes of the service-order API; the services decide (same messages as the UI)."""

from __future__ import annotations

from rest_framework import serializers

from bankint.api.mixins import StrictSerializerMixin

from ..models import ServiceOrder, ServiceOrderAccount


class ServiceOrderAccountSerializer(serializers.ModelSerializer):
    bank_account = serializers.IntegerField(source="bank_account_id", read_only=True)

    class Meta:
        model = ServiceOrderAccount
        fields = [
            "bank_account",
            "account_number",
            "result",
            "agreement_id",
            "division_name",
            "division_number",
            "service_results",
            "errors",
        ]
        read_only_fields = fields


class ServiceOrderSerializer(serializers.ModelSerializer):
    accounts = ServiceOrderAccountSerializer(source="lines", many=True, read_only=True)
    outage_warning = serializers.SerializerMethodField()
    # Empty until the bank has answered with its order wizard: not always a URL.
    wizard_url = serializers.CharField(read_only=True, help_text="The bank's order wizard; empty until known")

    class Meta:
        model = ServiceOrder
        fields = [
            "id",
            "bank",
            "status",
            "services",
            "fee_account",
            "kid_length",
            "kid_check",
            "wizard_url",
            "subscription_upgraded",
            "code",
            "message",
            "outage_warning",
            "accounts",
            "created_at",
            "submitted_at",
            "completed_at",
        ]
        read_only_fields = fields

    def get_outage_warning(self, obj) -> str:
        from ..selectors import service_order_outage_warning

        return service_order_outage_warning(obj)


class ServiceOrderCreateSerializer(StrictSerializerMixin, serializers.Serializer):
    bank = serializers.ChoiceField(choices=["DNB", "SBANKEN"], required=False, default="DNB")
    accounts = serializers.ListField(
        child=serializers.IntegerField(), help_text="bank account ids", max_length=100
    )
    services = serializers.ListField(
        child=serializers.CharField(max_length=40),
        help_text="remittance, incoming_reconciliation, nets_ocr",
        max_length=10,
    )
    fee_account = serializers.CharField(max_length=10, required=False, default="7770")
    idempotency_key = serializers.CharField(
        max_length=100, required=False, default="", help_text="or the Idempotency-Key header"
    )

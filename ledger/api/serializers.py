"""Shapes of the ledger API. Amounts are strings with two decimals; the services decide what
is valid, so messages match the UI."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from bankint.api.mixins import StrictSerializerMixin
from bankint.errors import ValidationFailed

from ..models import (
    Bill,
    Customer,
    Invoice,
    InvoiceSettings,
    InvoiceSettlement,
    Supplier,
    Voucher,
    VoucherLine,
)
from ..money import API_AMOUNT, clean_amount
from ..services.suppliers import SUPPLIER_FIELDS


@extend_schema_field(
    {
        "type": "string",
        "pattern": r"^-?[0-9]{1,13}(\.[0-9]{1,2})?$",
        "example": "1250.50",
        "description": "NOK, two decimals",
    }
)
class AmountField(serializers.Field):
    """Kroner as a string with two decimals (``"1250.50"``); three decimals are an error."""

    def __init__(self, *, allow_negative: bool = False, **kwargs):
        self.allow_negative = allow_negative
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            raise serializers.ValidationError(_('Send the amount as a string, e.g. "1250.50".'))
        if not API_AMOUNT.fullmatch(data):
            raise serializers.ValidationError(
                _("“%(value)s” is not an amount: use digits and a decimal point, e.g. 1250.50.")
                % {"value": data}
            )
        try:
            return clean_amount(data, allow_negative=self.allow_negative)
        except ValidationFailed as exc:
            raise serializers.ValidationError(exc.message) from None

    def to_representation(self, value):
        return f"{value:.2f}"


class InvoiceSettingsSerializer(StrictSerializerMixin, serializers.ModelSerializer):
    kid_length = serializers.IntegerField()
    kid_algorithm = serializers.CharField()
    kid_customer_digits = serializers.IntegerField(min_value=0, max_value=24)

    class Meta:
        model = InvoiceSettings
        fields = ["kid_enabled", "kid_length", "kid_algorithm", "kid_customer_digits", "updated_at"]
        read_only_fields = ["updated_at"]


class CustomerSerializer(StrictSerializerMixin, serializers.ModelSerializer):
    org_number = serializers.CharField(required=False, allow_blank=True, max_length=20)

    class Meta:
        model = Customer
        fields = ["id", "number", "name", "org_number", "email", "created_at"]
        read_only_fields = ["id", "number", "created_at"]


class SettlementSerializer(serializers.ModelSerializer):
    amount = AmountField(allow_negative=True)
    voucher_number = serializers.IntegerField(source="voucher.number", read_only=True)

    class Meta:
        model = InvoiceSettlement
        fields = ["id", "amount", "source", "reference", "voucher", "voucher_number", "created_at"]
        read_only_fields = fields


class InvoiceSerializer(StrictSerializerMixin, serializers.ModelSerializer):
    customer = serializers.IntegerField(source="customer_id")
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    amount = AmountField()
    paid_amount = AmountField(read_only=True)
    open_amount = AmountField(read_only=True)
    issue_date = serializers.DateField(required=False)
    due_date = serializers.DateField(required=False)

    class Meta:
        model = Invoice
        fields = [
            "id",
            "number",
            "customer",
            "customer_name",
            "issue_date",
            "due_date",
            "amount",
            "currency",
            "text",
            "kid",
            "status",
            "paid_amount",
            "open_amount",
            "voucher",
            "issued_at",
            "paid_at",
        ]
        read_only_fields = ["id", "number", "currency", "kid", "status", "voucher", "issued_at", "paid_at"]


class InvoiceDetailSerializer(InvoiceSerializer):
    settlements = SettlementSerializer(many=True, read_only=True)

    class Meta(InvoiceSerializer.Meta):
        fields = [*InvoiceSerializer.Meta.fields, "settlements"]


class SupplierSerializer(StrictSerializerMixin, serializers.ModelSerializer):
    """A Norwegian supplier has an account number; one abroad an IBAN, its bank's BIC and a
    structured address (town and country at least). The service checks them."""

    account_number = serializers.CharField(required=False, allow_blank=True, max_length=40)
    org_number = serializers.CharField(required=False, allow_blank=True, max_length=20)
    country = serializers.CharField(required=False, allow_blank=True, max_length=2)
    currency = serializers.CharField(required=False, allow_blank=True, max_length=3)
    iban = serializers.CharField(required=False, allow_blank=True, max_length=50)
    bic = serializers.CharField(required=False, allow_blank=True, max_length=20)
    bank_country = serializers.CharField(required=False, allow_blank=True, max_length=2)
    street = serializers.CharField(required=False, allow_blank=True, max_length=70)
    building_number = serializers.CharField(required=False, allow_blank=True, max_length=16)
    postcode = serializers.CharField(required=False, allow_blank=True, max_length=16)
    town = serializers.CharField(required=False, allow_blank=True, max_length=35)
    is_abroad = serializers.BooleanField(read_only=True)

    class Meta:
        model = Supplier
        fields = ["id", "number", *SUPPLIER_FIELDS, "is_abroad", "created_at"]
        read_only_fields = ["id", "number", "is_abroad", "created_at"]


# What the services set as the bill moves on: never the client's to send.
BILL_STATE_FIELDS = ["status", "voucher", "payment_voucher", "created_at", "scheduled_at", "paid_at"]


class BillSerializer(StrictSerializerMixin, serializers.ModelSerializer):
    supplier = serializers.IntegerField(source="supplier_id")
    supplier_name = serializers.CharField(source="supplier.name", read_only=True)
    amount = AmountField()
    issue_date = serializers.DateField(required=False)
    kid = serializers.CharField(required=False, allow_blank=True, max_length=40)
    message = serializers.CharField(required=False, allow_blank=True, max_length=400)
    # The supplier's currency when not sent; a bill in currency is booked in NOK at the bank's
    # rate on its issue date (nok_amount, exchange_rate).
    currency = serializers.CharField(required=False, allow_blank=True, max_length=3)
    nok_amount = serializers.DecimalField(max_digits=15, decimal_places=2, read_only=True, allow_null=True)
    exchange_rate = serializers.DecimalField(
        max_digits=18, decimal_places=10, read_only=True, allow_null=True
    )

    class Meta:
        model = Bill
        fields = [
            "id",
            "supplier",
            "supplier_name",
            "supplier_invoice_number",
            "amount",
            "currency",
            "nok_amount",
            "exchange_rate",
            "issue_date",
            "due_date",
            "kid",
            "message",
            *BILL_STATE_FIELDS,
        ]
        read_only_fields = ["id", "nok_amount", "exchange_rate", *BILL_STATE_FIELDS]


class VoucherLineSerializer(StrictSerializerMixin, serializers.ModelSerializer):
    ledger_account = serializers.CharField(max_length=10)
    amount = AmountField(allow_negative=True)
    bank_account = serializers.IntegerField(source="bank_account_id", required=False, allow_null=True)
    reference_kind = serializers.CharField(read_only=True)
    reference = serializers.CharField(required=False, allow_blank=True, max_length=35)
    reconciled = serializers.BooleanField(read_only=True)

    class Meta:
        model = VoucherLine
        fields = [
            "id",
            "ledger_account",
            "amount",
            "text",
            "bank_account",
            "reference_kind",
            "reference",
            "reconciled",
            "invoice",
            "bill",
        ]
        read_only_fields = ["id", "reference_kind", "reconciled", "invoice", "bill"]


class VoucherSerializer(StrictSerializerMixin, serializers.ModelSerializer):
    lines = VoucherLineSerializer(many=True)
    reversed_by = serializers.SerializerMethodField()

    class Meta:
        model = Voucher
        fields = ["id", "number", "date", "text", "kind", "reverses", "reversed_by", "posted_at", "lines"]
        read_only_fields = ["id", "number", "kind", "reverses", "reversed_by", "posted_at"]

    def get_reversed_by(self, obj) -> int | None:
        reversals = getattr(obj, "reversal_ids", None)
        if reversals is not None:
            return reversals[0] if reversals else None
        return obj.reversed_by.values_list("pk", flat=True).first()


class ReverseSerializer(StrictSerializerMixin, serializers.Serializer):
    date = serializers.DateField(required=False)
    text = serializers.CharField(required=False, allow_blank=True, max_length=200)

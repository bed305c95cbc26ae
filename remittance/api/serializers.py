from django.utils.translation import get_language
from rest_framework import serializers

from bankint.api.mixins import StrictSerializerMixin
from iso20022.pain002 import reason_text
from ledger.api.serializers import AmountField

from ..models import Payment, PaymentBatch
from ..regulatory import regulatory_choices


class PaymentSerializer(StrictSerializerMixin, serializers.ModelSerializer):
    bank_account = serializers.IntegerField(source="bank_account_id", required=False)
    bill = serializers.IntegerField(source="bill_id", required=False, allow_null=True)
    batch = serializers.IntegerField(source="batch_id", read_only=True, allow_null=True)
    amount = AmountField(required=False)
    creditor_name = serializers.CharField(required=False, max_length=200)
    creditor_account = serializers.CharField(required=False, max_length=40)
    kid = serializers.CharField(required=False, allow_blank=True, max_length=40)
    message = serializers.CharField(required=False, allow_blank=True, max_length=400)
    execution_date = serializers.DateField(required=False, allow_null=True)
    # Payments abroad and in currency: the service decides the kind (domestic, SEPA, abroad) and
    # the UETR, and requires the Currency Register's code and text above NOK 100 000.
    currency = serializers.CharField(required=False, max_length=3)
    creditor_bic = serializers.CharField(required=False, allow_blank=True, max_length=20)
    creditor_street = serializers.CharField(required=False, allow_blank=True, max_length=70)
    creditor_building_number = serializers.CharField(required=False, allow_blank=True, max_length=16)
    creditor_postcode = serializers.CharField(required=False, allow_blank=True, max_length=16)
    creditor_town = serializers.CharField(required=False, allow_blank=True, max_length=35)
    creditor_country = serializers.CharField(required=False, allow_blank=True, max_length=2)
    charge_bearer = serializers.ChoiceField(
        choices=[("", ""), *Payment.ChargeBearer.choices], required=False, allow_blank=True
    )
    urgent = serializers.BooleanField(required=False)
    regulatory_code = serializers.ChoiceField(
        choices=[("", ""), *regulatory_choices()],
        required=False,
        allow_blank=True,
        help_text="The Currency Register's payment type code (betalingsart), required for a payment abroad "
        "above NOK 100 000.",
    )
    regulatory_text = serializers.CharField(required=False, allow_blank=True, max_length=35)
    nok_equivalent = AmountField(read_only=True, allow_null=True)
    booked_amount = AmountField(read_only=True, allow_null=True)
    exchange_rate = serializers.DecimalField(
        max_digits=18, decimal_places=10, read_only=True, allow_null=True
    )
    confirm_duplicate = serializers.BooleanField(required=False, default=False, write_only=True)
    reason = serializers.SerializerMethodField()
    reason_en = serializers.SerializerMethodField()
    notices = serializers.SerializerMethodField()

    class Meta:
        model = Payment
        fields = [
            "id",
            "bank_account",
            "bill",
            "batch",
            "creditor_name",
            "creditor_account",
            "amount",
            "currency",
            "kind",
            "kid",
            "message",
            "creditor_bic",
            "creditor_street",
            "creditor_building_number",
            "creditor_postcode",
            "creditor_town",
            "creditor_country",
            "charge_bearer",
            "urgent",
            "uetr",
            "nok_equivalent",
            "regulatory_code",
            "regulatory_text",
            "booked_amount",
            "exchange_rate",
            "requested_date",
            "execution_date",
            "end_to_end_id",
            "status",
            "bank_status",
            "reason_code",
            "reason",
            "reason_en",
            "corrects",
            "voucher",
            "confirm_duplicate",
            "notices",
            "created_at",
            "booked_date",
        ]
        read_only_fields = [
            "id",
            "kind",
            "uetr",
            "requested_date",
            "end_to_end_id",
            "status",
            "bank_status",
            "reason_code",
            "corrects",
            "voucher",
            "created_at",
            "booked_date",
        ]

    def get_reason(self, obj) -> str:
        if not obj.reason_code:
            return ""
        lang = "en" if (get_language() or "nb").startswith("en") else "nb"
        return reason_text(obj.reason_code, lang)

    def get_reason_en(self, obj) -> str:
        return reason_text(obj.reason_code, "en") if obj.reason_code else ""

    def get_notices(self, obj) -> list[str]:
        return list(getattr(obj, "notices", []))

    def validate(self, attrs):
        if attrs.get("bill_id") is None:
            missing = [
                f
                for f in ("bank_account_id", "creditor_name", "creditor_account", "amount")
                if f not in attrs
            ]
            names = {"bank_account_id": "bank_account"}
            if missing:
                raise serializers.ValidationError(
                    {names.get(f, f): ["This field is required."] for f in missing}
                )
        elif "bank_account_id" not in attrs:
            raise serializers.ValidationError({"bank_account": ["This field is required."]})
        return attrs


class PaymentBatchSerializer(StrictSerializerMixin, serializers.ModelSerializer):
    payments = serializers.ListField(
        child=serializers.IntegerField(min_value=1), write_only=True, min_length=1, max_length=10000
    )
    bank_account = serializers.IntegerField(source="bank_account_id", read_only=True)
    total = AmountField(read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = PaymentBatch
        fields = [
            "id",
            "payments",
            "bank_account",
            "execution_date",
            "approval_mode",
            "status",
            "status_label",
            "msg_id",
            "pmt_inf_id",
            "payment_count",
            "currency",
            "total",
            "pain001_version",
            "pain001_sha256",
            "signature_ref",
            "approved_by",
            "bank_status",
            "bank_reason",
            "bank_reason_text",
            "created_at",
            "approved_at",
            "submitted_at",
            "booked_at",
        ]
        read_only_fields = [f for f in fields if f != "payments"]


class ApproveSerializer(StrictSerializerMixin, serializers.Serializer):
    acknowledge_warnings = serializers.BooleanField(required=False, default=False)


class PaymentSettingsSerializer(StrictSerializerMixin, serializers.Serializer):
    four_eyes = serializers.BooleanField(
        help_text="Whoever built a batch or entered or changed one of its payments cannot approve it. "
        "Can be switched off only while one person alone enters and approves the company's payments."
    )
    four_eyes_in_force = serializers.BooleanField(
        read_only=True,
        help_text="Whether the rule applies now: it does whenever it is on, or more than one person "
        "may enter or approve payments.",
    )
    payment_people = serializers.IntegerField(
        read_only=True, help_text="Active users who may enter or approve the company's payments."
    )
    updated_at = serializers.DateTimeField(read_only=True, allow_null=True)

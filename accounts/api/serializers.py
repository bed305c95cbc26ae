"""Shapes of the bank-account API. Fields are lenient on purpose: the services decide, so the
API gives the same specific messages as the UI (a dotted account number is fine; a wrong
check digit says so)."""

from __future__ import annotations

from rest_framework import serializers

from bankint.api.mixins import StrictSerializerMixin

from ..models import ApprovalAuthorisation, BankAccount

AGREEMENT_FIELDS = ["agreement_id", "division_name", "division_number", "dual_approval_required", "services"]


class BankAccountSerializer(StrictSerializerMixin, serializers.ModelSerializer):
    account_number = serializers.CharField(max_length=40, help_text="11 digits; dots and spaces are accepted")
    ledger_account = serializers.CharField(max_length=10)
    fee_account = serializers.CharField(max_length=10, required=False)
    incoming_payment_methods = serializers.ListField(child=serializers.CharField(), required=False)
    approval_mode = serializers.CharField(required=False)
    account_number_display = serializers.CharField(read_only=True)
    iban = serializers.CharField(read_only=True)
    bank_name = serializers.CharField(read_only=True)
    # A new account is active; deactivating and reactivating are updates.
    is_active = serializers.BooleanField(read_only=True)

    class Meta:
        model = BankAccount
        fields = [
            "id",
            "account_number",
            "account_number_display",
            "iban",
            "bank_name",
            "name",
            "ledger_account",
            "fee_account",
            "currency",
            "payment_file_version",
            "incoming_payment_methods",
            "approval_mode",
            *AGREEMENT_FIELDS,
            "is_active",
            "created_at",
        ]
        # The file version is the bank agreement's (mirrored from the bank), never the client's.
        read_only_fields = ["id", "currency", "payment_file_version", *AGREEMENT_FIELDS, "created_at"]


class BankAccountUpdateSerializer(BankAccountSerializer):
    """The account number identifies the account at the bank: fixed once registered."""

    account_number = serializers.CharField(read_only=True)
    name = serializers.CharField(max_length=100, required=False)
    ledger_account = serializers.CharField(max_length=10, required=False)
    is_active = serializers.BooleanField(required=False)


class AuthorisationSerializer(StrictSerializerMixin, serializers.ModelSerializer):
    bank_account = serializers.IntegerField(source="bank_account_id")
    user = serializers.IntegerField(source="user_id")
    account_number = serializers.CharField(source="bank_account.account_number", read_only=True)
    username = serializers.CharField(source="user.username", read_only=True)
    in_bank = serializers.BooleanField(
        read_only=True, help_text="The bank's last fetched rights include this user on this account"
    )

    class Meta:
        model = ApprovalAuthorisation
        fields = ["id", "bank_account", "account_number", "user", "username", "in_bank", "created_at"]
        read_only_fields = ["id", "created_at"]

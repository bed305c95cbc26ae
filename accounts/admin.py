"""Support staff see bank accounts and authorisations; they change nothing here.

Writes go through the services (audit rows, guards), which the admin's save would bypass;
the agreement fields and status belong to the bank and the system administrator.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from bankint.admin import ReadOnlyAdmin

from .models import ApprovalAuthorisation, BankAccount, BankApprovalRight


@admin.register(BankAccount)
class BankAccountAdmin(ReadOnlyAdmin):
    list_display = [
        "account_number_display",
        "name",
        "company",
        "bank_name",
        "ledger_account",
        "currency",
        "payment_file_version",
        "approval_mode",
        "agreement_id",
        "division_name",
        "division_number",
        "is_active",
    ]
    list_filter = ["is_active", "approval_mode", "dual_approval_required", "currency", "payment_file_version"]
    search_fields = ["account_number", "name", "company__name", "company__org_number", "agreement_id"]
    list_select_related = ["company"]

    @admin.display(description=_("account number"), ordering="account_number")
    def account_number_display(self, obj):
        return obj.account_number_display

    @admin.display(description=_("bank"))
    def bank_name(self, obj):
        return obj.bank_name


@admin.register(ApprovalAuthorisation)
class ApprovalAuthorisationAdmin(ReadOnlyAdmin):
    list_display = ["bank_account", "user", "company", "created_at"]
    search_fields = ["bank_account__account_number", "user__username", "company__name"]
    list_select_related = ["bank_account", "user", "company"]


@admin.register(BankApprovalRight)
class BankApprovalRightAdmin(ReadOnlyAdmin):
    list_display = ["bank_account", "bank_user_id", "user", "fetched_at"]
    search_fields = ["bank_account__account_number", "bank_user_id"]
    list_select_related = ["bank_account", "user"]

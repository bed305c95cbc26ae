"""Browser forms: they check shape only; the services decide and their messages land on the
matching field."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import BankAccount, PaymentMethod


class BankAccountForm(forms.Form):
    account_number = forms.CharField(
        label=_("Account number"), max_length=40, help_text=_("11 digits, e.g. 8601.11.17947")
    )
    name = forms.CharField(label=_("Name"), max_length=100)
    ledger_account = forms.CharField(label=_("Ledger account"), max_length=10, initial="1920")
    fee_account = forms.CharField(label=_("Account for bank fees"), max_length=10, initial="7770")
    incoming_payment_methods = forms.MultipleChoiceField(
        label=_("Incoming payment methods"),
        choices=PaymentMethod.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    approval_mode = forms.ChoiceField(
        label=_("Approval of payments"),
        choices=BankAccount.ApprovalMode.choices,
        initial=BankAccount.ApprovalMode.POST_APPROVAL,
    )


class BankAccountEditForm(BankAccountForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["account_number"]  # it identifies the account at the bank


class AuthorisationForm(forms.Form):
    bank_account = forms.ChoiceField(label=_("Bank account"))
    user = forms.ChoiceField(label=_("User"))

    def __init__(self, *args, accounts=(), users=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["bank_account"].choices = [(a.pk, str(a)) for a in accounts]
        self.fields["user"].choices = [(u.pk, u.get_full_name() or u.username) for u in users]

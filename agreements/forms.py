"""Browser forms for the connect wizard: shape only; the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import OrderService


class ConnectForm(forms.Form):
    accounts = forms.MultipleChoiceField(
        label=_("Accounts"), widget=forms.CheckboxSelectMultiple, required=False
    )
    services = forms.MultipleChoiceField(
        label=_("Services"),
        choices=OrderService.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        initial=[OrderService.REMITTANCE, OrderService.INCOMING_RECONCILIATION],
    )
    fee_account = forms.CharField(label=_("Account for bank fees"), max_length=10, initial="7770")
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=100, required=False)
    bank = forms.CharField(widget=forms.HiddenInput, max_length=10, required=False)

    def __init__(self, *args, accounts=(), services=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["accounts"].choices = [
            (str(a.pk), f"{a.account_number_display} {a.name}") for a in accounts
        ]
        if services is not None:
            self.fields["services"].choices = [c for c in OrderService.choices if c[0] in services]


class RgbForm(forms.Form):
    accounts = forms.MultipleChoiceField(label=_("Accounts"), widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, accounts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["accounts"].choices = [
            (str(a.pk), f"{a.account_number_display} {a.name}") for a in accounts
        ]

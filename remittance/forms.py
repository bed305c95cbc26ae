from django import forms
from django.utils.translation import gettext_lazy as _

from bankint.formatting import money


class PaymentForm(forms.Form):
    bank_account_id = forms.TypedChoiceField(label=_("Pay from account"), coerce=int)
    creditor_name = forms.CharField(label=_("Creditor"), max_length=200)
    creditor_account = forms.CharField(label=_("Creditor account"), max_length=40, help_text=_("11 digits"))
    amount = forms.CharField(label=_("Amount (NOK)"), max_length=30)
    kid = forms.CharField(label=_("KID"), max_length=40, required=False)
    message = forms.CharField(label=_("Message"), max_length=400, required=False)
    execution_date = forms.DateField(
        label=_("Execution date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    confirm_duplicate = forms.BooleanField(label=_("Yes, this is not a duplicate"), required=False)

    def __init__(self, *args, accounts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["bank_account_id"].choices = [(a.pk, str(a)) for a in accounts]


class BillPaymentForm(forms.Form):
    bill_id = forms.TypedChoiceField(label=_("Bill"), coerce=int)
    bank_account_id = forms.TypedChoiceField(label=_("Pay from account"), coerce=int)
    execution_date = forms.DateField(
        label=_("Execution date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    confirm_duplicate = forms.BooleanField(label=_("Yes, this is not a duplicate"), required=False)

    def __init__(self, *args, accounts=(), bills=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["bank_account_id"].choices = [(a.pk, str(a)) for a in accounts]
        self.fields["bill_id"].choices = [(b.pk, f"{b} · {money(b.amount, b.currency)}") for b in bills]


class BillsPayForm(forms.Form):
    """Paying many bills: the bills are the page's checkboxes (``bill_ids``), checked by the service."""

    bank_account_id = forms.TypedChoiceField(label=_("Pay from account"), coerce=int)
    execution_date = forms.DateField(
        label=_("Execution date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave empty to pay each bill on its due date."),
    )
    confirm_duplicate = forms.BooleanField(label=_("Yes, these are not duplicates"), required=False)

    def __init__(self, *args, accounts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["bank_account_id"].choices = [(a.pk, str(a)) for a in accounts]


class CorrectionForm(forms.Form):
    creditor_name = forms.CharField(label=_("Creditor"), max_length=200)
    creditor_account = forms.CharField(label=_("Creditor account"), max_length=40)
    amount = forms.CharField(label=_("Amount (NOK)"), max_length=30)
    kid = forms.CharField(label=_("KID"), max_length=40, required=False)
    message = forms.CharField(label=_("Message"), max_length=400, required=False)
    execution_date = forms.DateField(
        label=_("Execution date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class PaymentSettingsForm(forms.Form):
    four_eyes = forms.BooleanField(
        label=_("Four-eyes rule"),
        required=False,
        help_text=_(
            "Whoever built a batch or entered or changed one of its payments cannot approve it. "
            "It can be switched off only while one person alone enters and approves the company's payments."
        ),
    )

"""Browser forms for the ledger: shape only; services decide and their messages land here."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .kid import Algorithm


class InvoiceSettingsForm(forms.Form):
    kid_enabled = forms.BooleanField(label=_("Invoice with KID"), required=False)
    kid_length = forms.IntegerField(
        label=_("KID length"), help_text=_("4 to 25 digits, check digit included")
    )
    kid_algorithm = forms.ChoiceField(label=_("Check digit"), choices=[(a.value, a.value) for a in Algorithm])
    kid_customer_digits = forms.IntegerField(
        label=_("Digits for the customer number"),
        min_value=0,
        help_text=_("0 = the KID is the invoice number alone"),
    )


class CustomerForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    org_number = forms.CharField(label=_("Organisation number"), max_length=20, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)


class InvoiceForm(forms.Form):
    customer_id = forms.TypedChoiceField(label=_("Customer"), coerce=int)
    amount = forms.CharField(label=_("Amount (NOK)"), max_length=30)
    issue_date = forms.DateField(
        label=_("Issue date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    due_date = forms.DateField(
        label=_("Due date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    text = forms.CharField(label=_("Text"), max_length=200, required=False)

    def __init__(self, *args, customers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer_id"].choices = [(c.pk, str(c)) for c in customers]


class SupplierForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    account_number = forms.CharField(label=_("Account number"), max_length=40)
    org_number = forms.CharField(label=_("Organisation number"), max_length=20, required=False)


class BillForm(forms.Form):
    supplier_id = forms.TypedChoiceField(label=_("Supplier"), coerce=int)
    supplier_invoice_number = forms.CharField(
        label=_("Supplier's invoice number"), max_length=50, required=False
    )
    amount = forms.CharField(label=_("Amount (NOK)"), max_length=30)
    issue_date = forms.DateField(
        label=_("Issue date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    due_date = forms.DateField(label=_("Due date"), widget=forms.DateInput(attrs={"type": "date"}))
    kid = forms.CharField(label=_("KID"), max_length=40, required=False)
    message = forms.CharField(label=_("Message"), max_length=400, required=False)

    def __init__(self, *args, suppliers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["supplier_id"].choices = [(s.pk, str(s)) for s in suppliers]


VOUCHER_LINES = 4


class VoucherForm(forms.Form):
    """A manual voucher with up to four lines; debit positive, credit negative."""

    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    text = forms.CharField(label=_("Text"), max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for i in range(1, VOUCHER_LINES + 1):
            self.fields[f"account_{i}"] = forms.CharField(
                label=_("Ledger account, line %(n)d") % {"n": i}, max_length=10, required=i <= 2
            )
            self.fields[f"amount_{i}"] = forms.CharField(
                label=_("Amount, line %(n)d") % {"n": i}, max_length=30, required=i <= 2
            )

    def line_values(self) -> list[tuple[str, str]]:
        out = []
        for i in range(1, VOUCHER_LINES + 1):
            account = (self.cleaned_data.get(f"account_{i}") or "").strip()
            amount = (self.cleaned_data.get(f"amount_{i}") or "").strip()
            if account or amount:
                out.append((account, amount))
        return out

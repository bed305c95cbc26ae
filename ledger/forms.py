"""Browser forms for the ledger: shape only; services decide and their messages land here."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from bankint.countries import HOME_COUNTRY, HOME_CURRENCY, country_choices, currency_choices
from bankint.forms import checked
from iso20022.pain001.abroad import check_bic, check_iban

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


# The fields only a supplier abroad has, and the one only a Norwegian supplier has: static/js/app.js
# shows one set or the other as the country changes (data-shown-when); without script all are
# shown and clean() decides, so the page works the same either way.
_ABROAD = {"data-shown-when": "abroad"}
_DOMESTIC = {"data-shown-when": "domestic"}


def _text(label, max_length, help_text="", attrs=None, required=False):
    return forms.CharField(
        label=label,
        max_length=max_length,
        required=required,
        help_text=help_text,
        widget=forms.TextInput(attrs=attrs or {}),
    )


class SupplierForm(forms.Form):
    """A Norwegian supplier is paid to its account number (BBAN); one abroad to its IBAN at its
    bank (BIC), with a structured address of at least town and country (the SEPA and SWIFT rule
    from 15 November 2026). The keys of ``cleaned_data`` are ``supplier_create``'s arguments."""

    name = forms.CharField(label=_("Name"), max_length=200)
    org_number = forms.CharField(label=_("Organisation number"), max_length=20, required=False)
    country = forms.ChoiceField(
        label=_("Country"),
        required=False,
        initial=HOME_COUNTRY,
        help_text=_("Where the supplier is. A supplier abroad is paid to an IBAN."),
        widget=forms.Select(attrs={"data-abroad-switch": "country"}),
    )
    currency = forms.ChoiceField(
        label=_("Currency"),
        required=False,
        initial=HOME_CURRENCY,
        help_text=_("The currency the supplier invoices in."),
    )
    account_number = _text(
        _("Account number"),
        40,
        _("Norwegian account number, 11 digits."),
        {**_DOMESTIC, "inputmode": "numeric"},
    )
    iban = _text(
        _("IBAN"),
        50,
        _("The supplier's international account number, e.g. DE89 3704 0044 0532 0130 00."),
        _ABROAD,
    )
    bic = _text(_("BIC (SWIFT)"), 20, _("The bank's BIC, 8 or 11 characters."), _ABROAD)
    bank_country = forms.ChoiceField(
        label=_("The bank's country"),
        required=False,
        help_text=_("Leave empty when it is the IBAN's country."),
        widget=forms.Select(attrs=_ABROAD),
    )
    street = _text(_("Street"), 70, attrs=_ABROAD)
    building_number = _text(_("Building number"), 16, attrs=_ABROAD)
    postcode = _text(_("Postcode"), 16, attrs=_ABROAD)
    town = _text(_("Town"), 35, _("Required for a supplier abroad, with the country."), _ABROAD)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = country_choices()
        self.fields["currency"].choices = currency_choices()
        self.fields["bank_country"].choices = country_choices(blank_label=_("The IBAN's country"))

    def clean(self):
        data = super().clean()
        country = data["country"] = data.get("country") or HOME_COUNTRY
        data["currency"] = data.get("currency") or HOME_CURRENCY
        iban = "".join((data.get("iban") or "").split()).upper()
        bic = "".join((data.get("bic") or "").split()).upper()
        for name in ("street", "building_number", "postcode", "town"):
            data[name] = " ".join((data.get(name) or "").split())
        if country == HOME_COUNTRY and not iban:
            # A Norwegian supplier: its account number, as before; nothing of a bank abroad.
            data.update(iban="", bic="", bank_country="")
            if not (data.get("account_number") or "").strip() and "account_number" not in self.errors:
                self.add_error("account_number", _("Enter the supplier's account number (11 digits)."))
            return data
        if country != HOME_COUNTRY:
            data["account_number"] = ""  # paid to the IBAN: a Norwegian account number has no use
        if not iban:
            self.add_error("iban", _("A supplier abroad is paid to its IBAN: enter it."))
        else:
            data["iban"] = checked(self, "iban", check_iban, iban, "iban") or iban
        if bic:
            data["bic"] = checked(self, "bic", check_bic, bic, "bic") or bic
        else:
            data["bic"] = ""
        if not data["town"]:
            self.add_error(
                "town", _("Enter the town: a payment abroad must carry at least town and country.")
            )
        return data


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

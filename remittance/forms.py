import json
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from bankint.countries import HOME_CURRENCY, country_choices, currency_choices
from bankint.errors import ValidationFailed
from bankint.formatting import money
from bankint.forms import checked
from iso20022.pain001.abroad import REPORTING_THRESHOLD_NOK, amount_text, check_bic, check_iban
from ledger.money import clean_amount

from .models import Payment

# Fields shown only for a payment abroad, only for a Norwegian one, or only when the payment may
# need the Currency Register report: static/js/app.js shows and hides them as the currency and
# the account change (data-shown-when); without script all are shown and the server decides.
_ABROAD = {"data-shown-when": "abroad"}
_DOMESTIC = {"data-shown-when": "domestic"}
_REPORT = {"data-shown-when": "report"}


def _text(label, max_length, help_text="", attrs=None):
    return forms.CharField(
        label=label,
        max_length=max_length,
        required=False,
        help_text=help_text,
        widget=forms.TextInput(attrs=attrs),
    )


def regulatory_code_choices() -> list[tuple[str, str]] | None:
    """The Currency Register's payment type codes ("betalingsart") with their Norwegian names,
    from :mod:`remittance.regulatory` (the one list the service checks against); None while it
    is not there, and the form then takes the code as typed."""
    try:
        from remittance.regulatory import REGULATORY_CODES
    except ImportError:
        return None
    items = REGULATORY_CODES.items() if hasattr(REGULATORY_CODES, "items") else REGULATORY_CODES
    return [(str(code), f"{code} – {name}") for code, name in items]


class PaymentForm(forms.Form):
    """A payment entered by hand. The product, not the user, tells a domestic payment (NOK to an
    account number) from a SEPA payment (EUR to an IBAN in a SEPA country) and one abroad; the
    form asks for what a payment abroad needs. Its ``cleaned_data`` keys are ``payment_create``'s."""

    bank_account_id = forms.TypedChoiceField(label=_("Pay from account"), coerce=int)
    creditor_name = forms.CharField(label=_("Creditor"), max_length=200)
    creditor_account = forms.CharField(
        label=_("Creditor account"),
        max_length=50,
        help_text=_("Norwegian account number (11 digits) or IBAN"),
        widget=forms.TextInput(attrs={"data-abroad-switch": "account"}),
    )
    currency = forms.ChoiceField(
        label=_("Currency"),
        required=False,
        initial=HOME_CURRENCY,
        widget=forms.Select(attrs={"data-abroad-switch": "currency"}),
    )
    amount = forms.CharField(
        label=_("Amount"),
        max_length=30,
        help_text=_("In the chosen currency, e.g. 12 345,67"),
        widget=forms.TextInput(
            attrs={"inputmode": "decimal", "data-report-amount": str(REPORTING_THRESHOLD_NOK)}
        ),
    )
    kid = _text(_("KID"), 40, attrs=_DOMESTIC)
    message = forms.CharField(label=_("Message"), max_length=400, required=False)
    execution_date = forms.DateField(
        label=_("Execution date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    creditor_bic = _text(_("Creditor's bank (BIC)"), 20, _("8 or 11 characters, e.g. DEUTDEFF."), _ABROAD)
    creditor_street = _text(_("Street"), 70, attrs=_ABROAD)
    creditor_building_number = _text(_("Building number"), 16, attrs=_ABROAD)
    creditor_postcode = _text(_("Postcode"), 16, attrs=_ABROAD)
    creditor_town = _text(_("Town"), 35, _("Required for a payment abroad, with the country."), _ABROAD)
    creditor_country = forms.ChoiceField(
        label=_("Country"), required=False, widget=forms.Select(attrs=_ABROAD)
    )
    charge_bearer = forms.ChoiceField(
        label=_("Charges"),
        required=False,
        initial=Payment.ChargeBearer.SHAR,
        choices=Payment.ChargeBearer.choices,
        help_text=_("SEPA payments in euro always share the charges."),
        widget=forms.Select(attrs=_ABROAD),
    )
    urgent = forms.BooleanField(
        label=_("Urgent payment"), required=False, widget=forms.CheckboxInput(attrs=_ABROAD)
    )
    regulatory_code = forms.CharField(
        label=_("Payment type (betalingsart)"),
        required=False,
        max_length=3,
        help_text=_(
            "The Currency Register's code: required for a payment abroad worth more than NOK 100 000."
        ),
        widget=forms.TextInput(attrs=_REPORT),
    )
    regulatory_text = _text(
        _("What the payment is for"),
        35,
        _("A short text for the Currency Register, e.g. Purchase of goods."),
        _REPORT,
    )
    confirm_duplicate = forms.BooleanField(label=_("Yes, this is not a duplicate"), required=False)

    def __init__(self, *args, accounts=(), rates=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["bank_account_id"].choices = [(a.pk, str(a)) for a in accounts]
        currency = self.fields["currency"]
        currency.choices = currency_choices()
        # The bank's last rates, for the page's hint of whether the report will be needed.
        currency.widget.attrs["data-rates"] = json.dumps(
            {c: f"{Decimal(r).normalize():f}" for c, r in (rates or {}).items()}
        )
        self.fields["creditor_country"].choices = country_choices(blank_label="–")
        codes = regulatory_code_choices()
        if codes is not None:
            self.fields["regulatory_code"] = forms.ChoiceField(
                label=self.fields["regulatory_code"].label,
                required=False,
                choices=[("", "–"), *codes],
                help_text=self.fields["regulatory_code"].help_text,
                widget=forms.Select(attrs=_REPORT),
            )

    def clean(self):
        data = super().clean()
        currency = data["currency"] = data.get("currency") or HOME_CURRENCY
        account = "".join((data.get("creditor_account") or "").split()).upper()
        is_iban = account[:2].isalpha()
        for name in ("creditor_street", "creditor_building_number", "creditor_postcode", "creditor_town"):
            data[name] = " ".join((data.get(name) or "").split())
        data["regulatory_text"] = " ".join((data.get("regulatory_text") or "").split())
        if is_iban:
            data["creditor_account"] = (
                checked(self, "creditor_account", check_iban, account, "creditor_account") or account
            )
        bic = "".join((data.get("creditor_bic") or "").split()).upper()
        data["creditor_bic"] = (
            (checked(self, "creditor_bic", check_bic, bic, "creditor_bic") or bic) if bic else ""
        )
        if "amount" in data:
            self._check_amount(data["amount"], currency)
        abroad = is_iban or currency != HOME_CURRENCY
        if not abroad:
            # A Norwegian payment carries nothing of a payment abroad (hidden fields keep what was typed).
            data.update(
                creditor_bic="",
                creditor_street="",
                creditor_building_number="",
                creditor_postcode="",
                creditor_town="",
                creditor_country="",
                charge_bearer="",
                urgent=False,
                regulatory_code="",
                regulatory_text="",
            )
            return data
        if not data["creditor_town"]:
            self.add_error(
                "creditor_town", _("Enter the town: a payment abroad must carry at least town and country.")
            )
        if not data.get("creditor_country"):
            self.add_error(
                "creditor_country",
                _("Choose the country: a payment abroad must carry at least town and country."),
            )
        return data

    def _check_amount(self, text: str, currency: str) -> None:
        try:
            value = clean_amount(text)
        except ValidationFailed as exc:
            self.add_error("amount", exc.message)
            return
        checked(self, "amount", amount_text, value, currency, "amount")


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

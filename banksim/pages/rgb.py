"""Ordering regnskapsgodkjente betalinger: log in, choose the ERP and the client, choose
the accounts, and the receipt with each account enabled or refused."""

from __future__ import annotations

from django import forms
from django.shortcuts import redirect

from banksim import services
from banksim.models import BankUser, Customer, RgbOrder
from banksim.pages.common import LoginForm, get_or_404, render_page, wizard_steps
from banksim.services import BankError

RGB_STEPS = ["Logg inn", "Regnskapssystem", "Kontoer", "Kvittering"]


def rgb_new(request):
    order, _ = services.rgb_order_create({})
    return redirect("rgb_login", token=order.token)


def rgb_login(request, token):
    order = get_or_404(RgbOrder, token=token)
    if order.status != RgbOrder.Status.AWAITING_USER:
        return redirect("rgb_receipt", token=token)
    form = LoginForm(request.POST or None)
    errors = []
    if request.method == "POST" and form.is_valid():
        try:
            services.rgb_login(order, form.cleaned_data["user_id"])
            return redirect("rgb_choose", token=token)
        except BankError as exc:
            errors.append(exc.detail)
    return render_page(
        request,
        "Regnskapsgodkjente betalinger",
        status=400 if errors or form.errors else 200,
        steps=wizard_steps(RGB_STEPS, 0),
        lead="Logg inn med bruker-ID og BankID.",
        form=form,
        errors=errors,
        buttons=[{"value": "login", "text": "Logg inn"}],
    )


class ChooseForm(forms.Form):
    vendor = forms.ChoiceField(
        label="Regnskapssystem",
        widget=forms.RadioSelect,
        error_messages={"required": "Velg regnskapssystem."},
    )
    client = forms.ChoiceField(label="Klient", error_messages={"required": "Velg klient."})

    def __init__(self, *args, customers: list[Customer], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["vendor"].choices = [(v, v) for v in services.ERP_VENDORS] + [
            (v, f"{v} (støttes ikke)") for v in services.UNSUPPORTED_VENDORS
        ]
        self.fields["client"].choices = [(c.org_number, f"{c.name} ({c.org_number})") for c in customers]


def rgb_choose(request, token):
    order = get_or_404(RgbOrder, token=token)
    if not order.user_id:
        return redirect("rgb_login", token=token)
    user = BankUser.objects.get(user_id=order.user_id)
    customers = services.rgb_customers_for(user)
    form = ChooseForm(
        request.POST or None,
        customers=customers,
        initial={"vendor": order.vendor, "client": order.org_number or customers[0].org_number},
    )
    errors = []
    if request.method == "POST" and form.is_valid():
        try:
            services.rgb_choose(order, form.cleaned_data["vendor"], form.cleaned_data["client"])
            return redirect("rgb_accounts", token=token)
        except BankError as exc:
            errors.append(exc.detail)
    return render_page(
        request,
        "Velg regnskapssystem og klient",
        status=400 if errors or form.errors else 200,
        steps=wizard_steps(RGB_STEPS, 1),
        lead="Regnskapsførere velger hvilken klient bestillingen gjelder.",
        form=form,
        errors=errors,
        buttons=[{"value": "next", "text": "Neste"}],
    )


def rgb_accounts(request, token):
    order = get_or_404(RgbOrder, token=token)
    if not order.user_id or not order.vendor:
        return redirect("rgb_login", token=token)
    if order.status != RgbOrder.Status.AWAITING_USER:
        return redirect("rgb_receipt", token=token)
    customer = Customer.objects.get(org_number=order.org_number)
    choices = [(a.number, f"{a.number} {a.name}") for a in customer.accounts.order_by("number")]

    class AccountsForm(forms.Form):
        accounts = forms.MultipleChoiceField(
            label="Kontoer",
            choices=choices,
            widget=forms.CheckboxSelectMultiple,
            error_messages={"required": "Velg minst én konto."},
        )

    form = AccountsForm(request.POST or None, initial={"accounts": order.accounts})
    errors = []
    if request.method == "POST" and form.is_valid():
        try:
            services.rgb_confirm(order, form.cleaned_data["accounts"])
            return redirect("rgb_receipt", token=token)
        except BankError as exc:
            errors.append(exc.detail)
    notices = []
    if customer.dual_approval:
        notices.append(
            "Avtalen krever dobbel godkjenning. Kontoer med dobbel godkjenning kan ikke bruke RgB."
        )
    return render_page(
        request,
        "Velg kontoer",
        status=400 if errors or form.errors else 200,
        steps=wizard_steps(RGB_STEPS, 2),
        lead=f"{customer.name} · {order.vendor}",
        form=form,
        errors=errors,
        notices=notices,
        buttons=[{"value": "confirm", "text": "Bekreft"}],
    )


def rgb_receipt(request, token):
    order = get_or_404(RgbOrder, token=token)
    return render_page(
        request,
        "Kvittering",
        steps=wizard_steps(RGB_STEPS, 3),
        lead=f"Status: {order.status}",
        headers=["Konto", "Resultat", "Begrunnelse"],
        rows=[
            (r["account"], "Aktivert" if r["status"] == "enabled" else "Avvist", r["message"] or "")
            for r in order.result
        ],
    )

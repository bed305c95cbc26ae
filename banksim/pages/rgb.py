"""Ordering regnskapsgodkjente betalinger: log in, choose the ERP and the client, choose
the accounts, and the receipt with each account enabled or refused."""

from __future__ import annotations

from django import forms
from django.shortcuts import redirect

from banksim import services, words
from banksim.models import BankUser, Customer, RgbOrder
from banksim.pages.common import (
    form_page,
    get_or_404,
    login_page,
    new_page,
    render_page,
    wizard_step,
    wizard_steps,
)

RGB_STEPS = ["Logg inn", "Regnskapssystem", "Kontoer", "Kvittering"]


rgb_new = new_page(services.rgb_order_create, "rgb_login")
_open_step = wizard_step(RgbOrder, RgbOrder.Status.AWAITING_USER, "rgb_receipt")


@_open_step
def rgb_login(request, order):
    def log_in(user_id):
        services.rgb_login(order, user_id)
        return redirect("rgb_choose", token=order.token)

    return login_page(
        request,
        log_in,
        "Regnskapsgodkjente betalinger",
        steps=wizard_steps(RGB_STEPS, 0),
        lead="Logg inn med bruker-ID og BankID.",
        back_url=order.return_url,
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
    customers = services.rgb_customers_for(BankUser.objects.get(user_id=order.user_id))
    form = ChooseForm(
        request.POST or None,
        customers=customers,
        initial={"vendor": order.vendor, "client": order.org_number or customers[0].org_number},
    )

    def choose(data):
        services.rgb_choose(order, data["vendor"], data["client"])
        return redirect("rgb_accounts", token=token)

    return form_page(
        request,
        form,
        choose,
        "Velg regnskapssystem og klient",
        steps=wizard_steps(RGB_STEPS, 1),
        lead="Regnskapsførere velger hvilken klient bestillingen gjelder.",
        buttons=[{"value": "next", "text": "Neste"}],
        back_url=order.return_url,
    )


@_open_step
def rgb_accounts(request, order):
    if not order.user_id or not order.vendor:
        return redirect("rgb_login", token=order.token)
    customer = Customer.objects.get(org_number=order.org_number)
    choices = [(a.number, f"{a.number} {a.name}") for a in customer.accounts.order_by("number")]

    class AccountsForm(forms.Form):
        accounts = forms.MultipleChoiceField(
            label="Kontoer",
            choices=choices,
            widget=forms.CheckboxSelectMultiple,
            error_messages={"required": "Velg minst én konto."},
        )

    def confirm(data):
        services.rgb_confirm(order, data["accounts"])
        return redirect("rgb_receipt", token=order.token)

    notices = []
    if customer.dual_approval:
        notices.append(
            "Avtalen krever dobbel godkjenning. Kontoer med dobbel godkjenning kan ikke bruke RgB."
        )
    return form_page(
        request,
        AccountsForm(request.POST or None, initial={"accounts": order.accounts}),
        confirm,
        "Velg kontoer",
        steps=wizard_steps(RGB_STEPS, 2),
        lead=f"{customer.name} · {order.vendor}",
        notices=notices,
        buttons=[{"value": "confirm", "text": "Bekreft"}],
        back_url=order.return_url,
    )


def rgb_receipt(request, token):
    order = get_or_404(RgbOrder, token=token)
    return render_page(
        request,
        "Kvittering",
        steps=wizard_steps(RGB_STEPS, 3),
        lead=f"Status: {words.status(order.status)}",
        headers=["Konto", "Resultat", "Begrunnelse"],
        rows=[
            (
                words.konto(r["account"]),
                "Aktivert" if r["status"] == "enabled" else "Avvist",
                r["message"] or "",
            )
            for r in order.result
        ],
        back_url=order.return_url,
    )

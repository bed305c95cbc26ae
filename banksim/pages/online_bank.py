"""Opprett nettbankavtale: company, users, confirmation and the receipt, where the
agreement is signed with BankID or printed to be signed on paper."""

from __future__ import annotations

import re

from django import forms
from django.shortcuts import redirect
from stdnum.no import fodselsnummer, orgnr

from banksim import services, words
from banksim.models import OnlineBankApplication
from banksim.pages.common import (
    form_page,
    get_current_or_404,
    get_or_404,
    new_page,
    render_page,
    wizard_step,
    wizard_steps,
)
from banksim.services import BankError

ADMIN_ROLE = "Administrator med bestillerfullmakt"
APP_STEPS = ["Firma", "Brukere", "Bekreft", "Kvittering"]


class FirmaForm(forms.Form):
    org_number = forms.CharField(label="Organisasjonsnummer", max_length=11)
    company_name = forms.CharField(
        label="Firmanavn", max_length=200, error_messages={"required": "Oppgi firmanavn."}
    )
    subscription = forms.ChoiceField(
        label="Abonnement",
        choices=[("integrated", "Bedriftsnettbank integrert med regnskapssystem")],
        initial="integrated",
    )

    def clean_org_number(self):
        value = re.sub(r"\s", "", self.cleaned_data["org_number"])
        if not orgnr.is_valid(value):
            raise forms.ValidationError("Organisasjonsnummeret må ha 9 siffer og gyldig kontrollsiffer.")
        return value


class UserForm(forms.Form):
    # Initial values equal to what the selects show: a browser posts every blank extra form
    # with its defaults, and those must count as "not filled in", not as a user without a name.
    nationality = forms.ChoiceField(
        label="Nasjonalitet",
        choices=[("Norsk", "Norsk"), ("Svensk", "Svensk"), ("Annen", "Annen")],
        initial="Norsk",
    )
    name = forms.CharField(label="Fullt navn", max_length=200, error_messages={"required": "Oppgi navn."})
    national_id = forms.CharField(label="Fødselsnummer (11 siffer)", max_length=11, required=False)
    email = forms.EmailField(
        label="E-post", error_messages={"required": "Oppgi e-post.", "invalid": "E-postadressen er ugyldig."}
    )
    country_code = forms.CharField(label="Landkode", max_length=4, initial="+47")
    mobile = forms.CharField(
        label="Mobilnummer", max_length=15, error_messages={"required": "Oppgi mobilnummer."}
    )
    role = forms.ChoiceField(
        label="Rolle", choices=[(ADMIN_ROLE, ADMIN_ROLE), ("Bruker", "Bruker")], initial="Bruker"
    )

    def clean_country_code(self):
        value = self.cleaned_data["country_code"].strip()
        if not re.fullmatch(r"\+\d{1,3}", value):
            raise forms.ValidationError("Landkoden må skrives som + og 1–3 siffer, f.eks. +47.")
        return value

    def clean(self):
        data = super().clean()
        national_id = re.sub(r"\s", "", data.get("national_id") or "")
        if data.get("nationality") == "Norsk":
            if not national_id:
                self.add_error("national_id", "Fødselsnummer er påkrevd for norske statsborgere.")
            elif not fodselsnummer.is_valid(national_id):
                self.add_error("national_id", "Fødselsnummeret er ugyldig.")
        elif national_id and not fodselsnummer.is_valid(national_id):
            self.add_error("national_id", "Fødselsnummeret er ugyldig.")
        data["national_id"] = national_id
        mobile = re.sub(r"[\s-]", "", data.get("mobile") or "")
        if mobile:
            norwegian = data.get("country_code") == "+47"
            if not mobile.isdigit() or (norwegian and len(mobile) != 8) or not 5 <= len(mobile) <= 15:
                self.add_error("mobile", "Mobilnummeret er ugyldig (8 siffer for +47).")
        data["mobile"] = mobile
        return data


class BaseUserFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        filled = [f for f in self.forms if f.has_changed() and f.cleaned_data]
        if not filled:
            raise forms.ValidationError("Registrer minst kontaktpersonen.")
        if len(filled) > services.MAX_ONLINE_BANK_USERS:
            raise forms.ValidationError(f"Du kan registrere høyst {services.MAX_ONLINE_BANK_USERS} brukere.")
        if filled[0].cleaned_data.get("role") != ADMIN_ROLE:
            raise forms.ValidationError(f"Kontaktpersonen må ha rollen «{ADMIN_ROLE}».")


UserFormSet = forms.formset_factory(UserForm, formset=BaseUserFormSet, extra=0, max_num=50, absolute_max=50)


class BekreftForm(forms.Form):
    signing_method = forms.ChoiceField(
        label="Signering",
        choices=[("bankid", "Signer med BankID"), ("print", "Skriv ut og signer på papir")],
        widget=forms.RadioSelect,
        error_messages={"required": "Velg hvordan avtalen skal signeres."},
    )
    terms = forms.BooleanField(
        label="Jeg har lest og godtar vilkårene for bedriftsnettbank",
        error_messages={"required": "Du må godta vilkårene for å fortsette."},
    )


application_new = new_page(services.application_create, "application_firma")
_draft_step = wizard_step(OnlineBankApplication, OnlineBankApplication.Status.DRAFT, "application_receipt")


@_draft_step
def application_firma(request, app):
    form = FirmaForm(
        request.POST or None, initial={"org_number": app.org_number, "company_name": app.company_name}
    )

    def save(data):
        app.org_number, app.company_name = data["org_number"], data["company_name"]
        app.save(update_fields=["org_number", "company_name"])
        return redirect("application_users", token=app.token)

    return form_page(
        request,
        form,
        save,
        "Opprett nettbankavtale",
        steps=wizard_steps(APP_STEPS, 0),
        buttons=[{"value": "next", "text": "Neste"}],
        back_url=app.return_url,
    )


@_draft_step
def application_users(request, app):
    if not app.org_number:
        return redirect("application_firma", token=app.token)
    initial = app.users or [{"role": ADMIN_ROLE, "country_code": "+47", "nationality": "Norsk"}]
    formset = UserFormSet(request.POST or None, prefix="users", initial=initial)
    if request.method == "GET":
        formset = UserFormSet(prefix="users", initial=initial)
        formset.extra = max(0, services.MAX_ONLINE_BANK_USERS - len(initial))
    if request.method == "POST" and formset.is_valid():
        users = [f.cleaned_data for f in formset.forms if f.has_changed() and f.cleaned_data]
        app.users = users
        app.contact = users[0]
        app.save(update_fields=["users", "contact"])
        return redirect("application_confirm", token=app.token)
    return render_page(
        request,
        "Brukere",
        status=400 if request.method == "POST" else 200,
        steps=wizard_steps(APP_STEPS, 1),
        lead=f"Kontaktpersonen blir «{ADMIN_ROLE}». Du kan registrere høyst {services.MAX_ONLINE_BANK_USERS} brukere.",
        formset=formset,
        buttons=[{"value": "next", "text": "Neste"}],
        back_url=app.return_url,
    )


@_draft_step
def application_confirm(request, app):
    if not app.users:
        return redirect("application_users", token=app.token)

    def submit(data):
        services.application_submit(app, data["signing_method"])
        return redirect("application_receipt", token=app.token)

    rows = [("Firma", f"{app.company_name} ({app.org_number})")] + [
        (
            u.get("role"),
            f"{u.get('name')}, {services.mask_national_id(u.get('national_id', '')) or '–'}, {u.get('email')}",
        )
        for u in app.users
    ]
    return form_page(
        request,
        BekreftForm(request.POST or None),
        submit,
        "Bekreft",
        steps=wizard_steps(APP_STEPS, 2),
        rows=rows,
        buttons=[{"value": "submit", "text": "Send søknad"}],
        back_url=app.return_url,
    )


def application_receipt(request, token):
    app = get_current_or_404(OnlineBankApplication, token=token)
    errors = []
    if request.method == "POST":
        try:
            session = services.application_start_signing(app)
            return redirect("bankid_sign", token=session.token)
        except BankError as exc:
            errors.append(exc.detail)
    text = {
        OnlineBankApplication.Status.RECEIVED: "Søknaden er mottatt. Du får e-post og SMS når avtalen er klar til signering.",
        OnlineBankApplication.Status.READY_FOR_SIGNING: "Avtalen er klar til signering.",
        OnlineBankApplication.Status.SIGNED: "Avtalen er signert. Nettbanken er klar neste virkedag.",
        OnlineBankApplication.Status.CREATED: "Nettbanken er opprettet.",
    }.get(app.status, "")
    ready_bankid = (
        app.status == OnlineBankApplication.Status.READY_FOR_SIGNING and app.signing_method == "bankid"
    )
    links = []
    if app.signing_method == "print" and app.status == OnlineBankApplication.Status.READY_FOR_SIGNING:
        links.append(
            {
                "url": f"/nettbankavtale/{token}/utskrift/",
                "text": "Skriv ut avtalen, signer og send den til banken",
            }
        )
    rows = [("Søknad", app.pk), ("Status", words.status(app.status))] + [
        (u["user_id"], u["name"]) for u in app.created_users
    ]
    return render_page(
        request,
        "Kvittering",
        steps=wizard_steps(APP_STEPS, 3),
        lead=text,
        rows=rows,
        errors=errors,
        links=links,
        buttons=[{"value": "sign", "text": "Signer med BankID"}] if ready_bankid else [],
        back_url=app.return_url,
    )


def application_print(request, token):
    app = get_or_404(OnlineBankApplication, token=token)
    return render_page(
        request,
        "Avtale om bedriftsnettbank – utskrift",
        lead="Signer og send til DNB, Postboks 1600 Sentrum, 0021 Oslo.",
        rows=[("Firma", f"{app.company_name} ({app.org_number})")]
        + [(u.get("role"), u.get("name")) for u in app.users]
        + [("Signatur", "______________________________")],
        back_url=app.return_url,
    )

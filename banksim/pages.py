"""The bank's own pages the user is sent to: the order wizard (bestillingsveileder),
kontofullmakt, "Opprett nettbankavtale", RgB ordering, BankID signing and post-approval
of payments in the online bank.

They are plain Norwegian forms with the validations DNB's pages have, because the portal's
flows end here and a demo must show the user what the bank would ask. State lives in the
database behind the URL token, not in a session (the simulator keeps no signed sessions).
"""

from __future__ import annotations

import re

from django import forms
from django.http import Http404
from django.shortcuts import redirect, render
from stdnum.no import fodselsnummer, orgnr

from banksim import services
from banksim.models import (
    BankUser,
    Customer,
    OnlineBankApplication,
    PaymentFile,
    RgbOrder,
    ServiceOrder,
    SigningSession,
)
from banksim.services import BankError

ADMIN_ROLE = "Administrator med bestillerfullmakt"


def _steps(names: list[str], active: int) -> list[dict]:
    return [
        {"name": n, "state": "active" if i == active else ("done" if i < active else "")}
        for i, n in enumerate(names)
    ]


def _page(request, title: str, status: int = 200, **context):
    return render(request, "banksim/page.html", {"title": title, **context}, status=status)


def _get(model, **lookup):
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        raise Http404
    return obj


# --- order wizard -------------------------------------------------------------------------------

ORDER_STEPS = ["Bestilling", "Bekreft", "Kvittering"]
SERVICE_NAMES = {
    "remittance": "Remittering",
    "incoming_reconciliation": "Innbetalinger og avstemmingsfiler",
    "nets_ocr": "Nets OCR",
    "rgb": "Regnskapsgodkjente betalinger",
}


def order_wizard(request, token):
    services.process_due()
    order = _get(ServiceOrder, token=token)
    errors = []
    if request.method == "POST":
        try:
            if request.POST.get("action") == "cancel":
                services.service_order_cancel(order)
            else:
                services.service_order_confirm(order)
            return redirect("order_receipt", token=token)
        except BankError as exc:
            errors.append(exc.detail)
    rows = [
        ("Organisasjonsnummer", order.org_number),
        ("Kontoer", ", ".join(order.accounts)),
        ("Tjenester", ", ".join(SERVICE_NAMES.get(s, s) for s in order.services)),
        ("Konto for bankgebyr", order.fee_account or "–"),
    ]
    if order.kid_length:
        rows.append(("KID-struktur", f"{order.kid_length} siffer, {order.kid_check}"))
    awaiting = order.status == ServiceOrder.Status.AWAITING_CONFIRMATION
    return _page(
        request,
        "Bestill tjenester for integrasjon med regnskapssystem",
        steps=_steps(ORDER_STEPS, 0 if awaiting else 2),
        lead="Kontroller bestillingen fra regnskapssystemet og bekreft. Banken behandler den normalt i løpet av dagen.",
        rows=rows,
        notices=[f"Kontofullmakt er bedt om for: {', '.join(order.kontofullmakt)}"]
        if order.kontofullmakt
        else [],
        errors=errors or ([] if awaiting else [f"Bestillingen har status {order.status}."]),
        links=[
            {
                "url": f"/bestilling/{token}/kontofullmakt/",
                "text": "Er du regnskapsfører? Bestill kontofullmakt",
            }
        ],
        buttons=[
            {"value": "confirm", "text": "Bekreft bestilling"},
            {"value": "cancel", "text": "Avbryt", "secondary": True},
        ]
        if awaiting
        else [],
    )


class KontofullmaktForm(forms.Form):
    accounts = forms.CharField(
        label="Kontoer",
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="Ett kontonummer per linje, høyst 6 om gangen.",
        error_messages={"required": "Oppgi minst én konto."},
    )
    requested_by = forms.CharField(
        label="Regnskapsførers navn", max_length=200, error_messages={"required": "Oppgi navnet ditt."}
    )


def order_kontofullmakt(request, token):
    order = _get(ServiceOrder, token=token)
    form = KontofullmaktForm(request.POST or None)
    notices, errors = [], []
    if request.method == "POST" and form.is_valid():
        accounts = [a for a in re.split(r"[\s,;]+", form.cleaned_data["accounts"]) if a]
        try:
            services.kontofullmakt_request(order, accounts)
            notices.append(f"Kontofullmakt er bestilt for {len(set(accounts))} kontoer.")
            form = KontofullmaktForm()
        except BankError as exc:
            errors.append(exc.detail)
    return _page(
        request,
        "Bestill kontofullmakt",
        status=400 if errors else 200,
        lead="Som regnskapsfører kan du be kunden om fullmakt til å se og bruke kontoene i regnskapssystemet.",
        form=form,
        notices=notices,
        errors=errors,
        links=[{"url": f"/bestilling/{token}/", "text": "Tilbake til bestillingen"}],
        buttons=[{"value": "request", "text": "Send forespørsel"}],
    )


def order_receipt(request, token):
    services.process_due()
    order = _get(ServiceOrder, token=token)
    text = {
        ServiceOrder.Status.PROCESSING: "Takk! Bestillingen er mottatt og behandles normalt i løpet av dagen.",
        ServiceOrder.Status.CANCELLED: "Bestillingen er avbrutt.",
    }.get(order.status, order.message or "Bestillingen er behandlet.")
    return _page(
        request,
        "Kvittering",
        steps=_steps(ORDER_STEPS, 2),
        lead=text,
        rows=[("Bestillingsnummer", order.pk), ("Status", order.status)],
        links=[{"url": order.return_url, "text": "Tilbake til regnskapssystemet"}]
        if order.return_url
        else [],
    )


# --- online bank agreement ------------------------------------------------------------------------

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


def application_new(request):
    app, _ = services.application_create({})
    return redirect("application_firma", token=app.token)


def _draft(token) -> OnlineBankApplication:
    return _get(OnlineBankApplication, token=token)


def application_firma(request, token):
    app = _draft(token)
    if app.status != OnlineBankApplication.Status.DRAFT:
        return redirect("application_receipt", token=token)
    form = FirmaForm(
        request.POST or None, initial={"org_number": app.org_number, "company_name": app.company_name}
    )
    if request.method == "POST" and form.is_valid():
        app.org_number, app.company_name = form.cleaned_data["org_number"], form.cleaned_data["company_name"]
        app.save(update_fields=["org_number", "company_name"])
        return redirect("application_users", token=token)
    return _page(
        request,
        "Opprett nettbankavtale",
        status=400 if form.errors else 200,
        steps=_steps(APP_STEPS, 0),
        form=form,
        buttons=[{"value": "next", "text": "Neste"}],
    )


def application_users(request, token):
    app = _draft(token)
    if app.status != OnlineBankApplication.Status.DRAFT:
        return redirect("application_receipt", token=token)
    if not app.org_number:
        return redirect("application_firma", token=token)
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
        return redirect("application_confirm", token=token)
    return _page(
        request,
        "Brukere",
        status=400 if request.method == "POST" else 200,
        steps=_steps(APP_STEPS, 1),
        lead=f"Kontaktpersonen blir «{ADMIN_ROLE}». Du kan registrere høyst {services.MAX_ONLINE_BANK_USERS} brukere.",
        formset=formset,
        buttons=[{"value": "next", "text": "Neste"}],
    )


def application_confirm(request, token):
    app = _draft(token)
    if app.status != OnlineBankApplication.Status.DRAFT:
        return redirect("application_receipt", token=token)
    if not app.users:
        return redirect("application_users", token=token)
    form = BekreftForm(request.POST or None)
    errors = []
    if request.method == "POST" and form.is_valid():
        try:
            services.application_submit(app, form.cleaned_data["signing_method"])
            return redirect("application_receipt", token=token)
        except BankError as exc:
            errors.append(exc.detail)
    rows = [("Firma", f"{app.company_name} ({app.org_number})")] + [
        (
            u.get("role"),
            f"{u.get('name')}, {services.mask_national_id(u.get('national_id', '')) or '–'}, {u.get('email')}",
        )
        for u in app.users
    ]
    return _page(
        request,
        "Bekreft",
        status=400 if form.errors or errors else 200,
        steps=_steps(APP_STEPS, 2),
        rows=rows,
        form=form,
        errors=errors,
        buttons=[{"value": "submit", "text": "Send søknad"}],
    )


def application_receipt(request, token):
    services.process_due()
    app = _draft(token)
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
    rows = [("Søknad", app.pk), ("Status", app.status)] + [
        (u["user_id"], u["name"]) for u in app.created_users
    ]
    return _page(
        request,
        "Kvittering",
        steps=_steps(APP_STEPS, 3),
        lead=text,
        rows=rows,
        errors=errors,
        links=links,
        buttons=[{"value": "sign", "text": "Signer med BankID"}] if ready_bankid else [],
    )


def application_print(request, token):
    app = _draft(token)
    return _page(
        request,
        "Avtale om bedriftsnettbank – utskrift",
        lead="Signer og send til DNB, Postboks 1600 Sentrum, 0021 Oslo.",
        rows=[("Firma", f"{app.company_name} ({app.org_number})")]
        + [(u.get("role"), u.get("name")) for u in app.users]
        + [("Signatur", "______________________________")],
    )


# --- RgB ordering ---------------------------------------------------------------------------------

RGB_STEPS = ["Logg inn", "Regnskapssystem", "Kontoer", "Kvittering"]


class LoginForm(forms.Form):
    user_id = forms.CharField(
        label="Bruker-ID",
        max_length=20,
        help_text="F.eks. TB12345",
        error_messages={"required": "Oppgi bruker-ID."},
    )


def rgb_new(request):
    order, _ = services.rgb_order_create({})
    return redirect("rgb_login", token=order.token)


def _rgb(token) -> RgbOrder:
    return _get(RgbOrder, token=token)


def rgb_login(request, token):
    order = _rgb(token)
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
    return _page(
        request,
        "Regnskapsgodkjente betalinger",
        status=400 if errors or form.errors else 200,
        steps=_steps(RGB_STEPS, 0),
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
    order = _rgb(token)
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
    return _page(
        request,
        "Velg regnskapssystem og klient",
        status=400 if errors or form.errors else 200,
        steps=_steps(RGB_STEPS, 1),
        lead="Regnskapsførere velger hvilken klient bestillingen gjelder.",
        form=form,
        errors=errors,
        buttons=[{"value": "next", "text": "Neste"}],
    )


def rgb_accounts(request, token):
    order = _rgb(token)
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
    return _page(
        request,
        "Velg kontoer",
        status=400 if errors or form.errors else 200,
        steps=_steps(RGB_STEPS, 2),
        lead=f"{customer.name} · {order.vendor}",
        form=form,
        errors=errors,
        notices=notices,
        buttons=[{"value": "confirm", "text": "Bekreft"}],
    )


def rgb_receipt(request, token):
    order = _rgb(token)
    return _page(
        request,
        "Kvittering",
        steps=_steps(RGB_STEPS, 3),
        lead=f"Status: {order.status}",
        headers=["Konto", "Resultat", "Begrunnelse"],
        rows=[
            (r["account"], "Aktivert" if r["status"] == "enabled" else "Avvist", r["message"] or "")
            for r in order.result
        ],
    )


# --- BankID -----------------------------------------------------------------------------------------


class OtpForm(forms.Form):
    otp = forms.CharField(
        label="Engangskode",
        max_length=6,
        required=False,
        help_text=f"Testkode i simulatoren: {services.BANKID_TEST_OTP}",
    )


def bankid_sign(request, token):
    services.process_due()
    session = _get(SigningSession, token=token)
    form = OtpForm(request.POST or None)
    errors = []
    if request.method == "POST" and form.is_valid():
        try:
            services.signing_finish(
                session, confirm=request.POST.get("action") != "cancel", otp=form.cleaned_data["otp"]
            )
            session.refresh_from_db()
            form = None
        except BankError as exc:
            errors.append(exc.detail)
    pending = session.status == SigningSession.Status.PENDING
    return _page(
        request,
        "BankID",
        status=400 if errors else 200,
        lead=session.text,
        rows=[
            ("Navn", session.name),
            ("Fødselsnummer", session.national_id_masked or "–"),
            ("Status", session.status),
        ],
        form=form if pending else None,
        errors=errors,
        links=[{"url": session.return_url, "text": "Tilbake til regnskapssystemet"}]
        if session.return_url and not pending
        else [],
        buttons=[
            {"value": "confirm", "text": "Signer"},
            {"value": "cancel", "text": "Avbryt", "secondary": True},
        ]
        if pending
        else [],
    )


# --- online bank: post-approval ------------------------------------------------------------------------


def netbank_login(request):
    form = LoginForm(request.POST or None)
    errors = []
    if request.method == "POST" and form.is_valid():
        user_id = form.cleaned_data["user_id"].strip().upper()
        if re.fullmatch(r"\d{11}", user_id):
            errors.append("Logg inn med bruker-ID (f.eks. TB12345), ikke fødselsnummer.")
        elif not BankUser.objects.filter(user_id=user_id).exists():
            errors.append("Ukjent bruker-ID.")
        else:
            return redirect("netbank_payments", user_id=user_id)
    return _page(
        request,
        "Bedriftsnettbank",
        status=400 if errors or form.errors else 200,
        form=form,
        errors=errors,
        buttons=[{"value": "login", "text": "Logg inn"}],
    )


def netbank_payments(request, user_id):
    services.process_due()
    user = _get(BankUser, user_id=user_id)
    errors, notices = [], []
    if request.method == "POST":
        msg_id, _, pmt_inf_id = (request.POST.get("action") or "").partition("|")
        payment_file = PaymentFile.objects.filter(msg_id=msg_id).first()
        try:
            if payment_file is None:
                raise BankError("not_found", "Betalingen finnes ikke.")
            services.payment_file_approve(payment_file, user.user_id, pmt_inf_id or None)
            notices.append(f"{pmt_inf_id or msg_id} er godkjent.")
        except BankError as exc:
            errors.append(exc.detail)
    batches = services.pending_approval_for(user)
    rows = [
        (
            b.file.msg_id,
            b.pmt_inf_id,
            b.debtor_account,
            b.execution_date.isoformat(),
            f"{sum(p.amount for p in b.payments.all()):.2f}",
            ", ".join(b.approvals) or "–",
        )
        for b in batches
    ]
    return _page(
        request,
        "Betalinger til godkjenning",
        status=400 if errors else 200,
        lead=f"Innlogget som {user.user_id} ({user.name}).",
        headers=["Fil", "Betaling", "Fra konto", "Dato", "Beløp", "Godkjent av"],
        rows=rows,
        errors=errors,
        notices=notices or ([] if rows else ["Ingen betalinger venter på godkjenning."]),
        buttons=[
            {"value": f"{b.file.msg_id}|{b.pmt_inf_id}", "text": f"Godkjenn {b.pmt_inf_id}"} for b in batches
        ],
    )

"""The order wizard (bestillingsveileder) where the customer confirms or cancels a service
order, the accountant's request for kontofullmakt, and the receipt."""

from __future__ import annotations

import re

from django import forms
from django.shortcuts import redirect

from banksim import services, words
from banksim.models import ServiceOrder
from banksim.pages.common import get_current_or_404, get_or_404, render_page, wizard_steps
from banksim.services import BankError

ORDER_STEPS = ["Bestilling", "Bekreft", "Kvittering"]
SERVICE_NAMES = {
    "remittance": "Remittering",
    "incoming_reconciliation": "Innbetalinger og avstemmingsfiler",
    "nets_ocr": "Nets OCR",
    "rgb": "Regnskapsgodkjente betalinger",
}


def order_wizard(request, token):
    order = get_current_or_404(ServiceOrder, token=token)
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
        ("Kontoer" if len(order.accounts) != 1 else "Konto", words.kontoer(order.accounts)),
        ("Tjenester", ", ".join(SERVICE_NAMES.get(s, s) for s in order.services)),
        ("Konto for bankgebyr", order.fee_account or "–"),
    ]
    if order.kid_length:
        rows.append(("KID-struktur", f"{order.kid_length} siffer, {order.kid_check}"))
    awaiting = order.status == ServiceOrder.Status.AWAITING_CONFIRMATION
    return render_page(
        request,
        "Bestill tjenester for integrasjon med regnskapssystem",
        steps=wizard_steps(ORDER_STEPS, 0 if awaiting else 2),
        lead="Kontroller bestillingen fra regnskapssystemet og bekreft. Banken behandler den normalt i løpet av dagen.",
        rows=rows,
        notices=[f"Kontofullmakt er bedt om for: {words.kontoer(order.kontofullmakt)}"]
        if order.kontofullmakt
        else [],
        errors=errors or ([] if awaiting else [f"Bestillingen har status «{words.status(order.status)}»."]),
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
        back_url=order.return_url,
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
    order = get_or_404(ServiceOrder, token=token)
    form = KontofullmaktForm(request.POST or None)
    notices, errors = [], []
    if request.method == "POST" and form.is_valid():
        accounts = [a for a in re.split(r"[\s,;]+", form.cleaned_data["accounts"]) if a]
        try:
            services.kontofullmakt_request(order, accounts)
            count = len(set(accounts))
            notices.append(f"Kontofullmakt er bestilt for {count} {'konto' if count == 1 else 'kontoer'}.")
            form = KontofullmaktForm()
        except BankError as exc:
            errors.append(exc.detail)
    return render_page(
        request,
        "Bestill kontofullmakt",
        status=400 if errors else 200,
        lead="Som regnskapsfører kan du be kunden om fullmakt til å se og bruke kontoene i regnskapssystemet.",
        form=form,
        notices=notices,
        errors=errors,
        links=[{"url": f"/bestilling/{token}/", "text": "Tilbake til bestillingen"}],
        buttons=[{"value": "request", "text": "Send forespørsel"}],
        back_url=order.return_url,
    )


def order_receipt(request, token):
    order = get_current_or_404(ServiceOrder, token=token)
    text = {
        ServiceOrder.Status.PROCESSING: "Takk! Bestillingen er mottatt og behandles normalt i løpet av dagen.",
        ServiceOrder.Status.CANCELLED: "Bestillingen er avbrutt.",
    }.get(order.status, order.message or "Bestillingen er behandlet.")
    return render_page(
        request,
        "Kvittering",
        steps=wizard_steps(ORDER_STEPS, 2),
        lead=text,
        rows=[("Bestillingsnummer", order.pk), ("Status", words.status(order.status))]
        + [(words.konto(r["account"]), _account_outcome(r)) for r in order.result],
        back_url=order.return_url,
    )


def _account_outcome(result: dict) -> str:
    """One account's line on the receipt: set up, or why not (each reason once)."""
    failed = dict.fromkeys(s["message"] for s in result["services"] if s["status"] != "ok")
    return "Ikke satt opp: " + " ".join(failed) if failed else "Satt opp"

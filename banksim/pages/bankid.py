"""BankID signing: the signer confirms with the one-time code (a fixed test code in the
simulator) or cancels."""

from __future__ import annotations

from django import forms

from banksim import services, words
from banksim.models import SigningSession
from banksim.pages.common import get_current_or_404, render_page
from banksim.services import BankError


class OtpForm(forms.Form):
    otp = forms.CharField(
        label="Engangskode",
        max_length=6,
        required=False,
        help_text=f"Testkode i simulatoren: {services.BANKID_TEST_OTP}",
    )


def bankid_sign(request, token):
    session = get_current_or_404(SigningSession, token=token)
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
    return render_page(
        request,
        "BankID",
        status=400 if errors else 200,
        lead=session.text,
        rows=[
            ("Navn", session.name),
            ("Fødselsnummer", session.national_id_masked or "–"),
            ("Status", words.status(session.status)),
        ],
        form=form if pending else None,
        errors=errors,
        # The way back once the signing is answered (signed or cancelled), not before.
        back_url="" if pending else session.return_url,
        buttons=[
            {"value": "confirm", "text": "Signer"},
            {"value": "cancel", "text": "Avbryt", "secondary": True},
        ]
        if pending
        else [],
    )

"""The online bank's post-approval (ettergodkjenning): a user logs in with a bruker-ID and
approves the payment batches waiting on accounts they have approval rights on."""

from __future__ import annotations

from django.shortcuts import redirect

from banksim import services, words
from banksim.models import BankUser, PaymentFile
from banksim.pages.common import get_current_or_404, login_page, render_page
from banksim.services import BankError


def netbank_login(request):
    def log_in(user_id):
        user = services.bank_user_login(user_id.strip().upper())
        return redirect("netbank_payments", user_id=user.user_id)

    return login_page(request, log_in, "Bedriftsnettbank")


def netbank_payments(request, user_id):
    user = get_current_or_404(BankUser, user_id=user_id)
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
            words.konto(b.debtor_account),
            words.dato(b.execution_date),
            words.belop_per_valuta(b.payments.all()),
            ", ".join(b.approvals) or "–",
        )
        for b in batches
    ]
    return render_page(
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

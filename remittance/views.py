"""Payments pages: entry, batches, BankID approval, status timeline, pain.001, rejected to fix.

Thin views: forms check shape, the services decide, their messages land on the page.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import BankAccount, BankService
from bankint.api.params import screen_status
from bankint.errors import DomainError
from bankint.forms import add_domain_errors
from bankint.views import errors_as_messages
from companies.permissions import company_view
from companies.roles import Perm
from iso20022.pain002 import reason_text
from ledger.models import Bill
from ledger.selectors import exchange_rates_latest

from . import services
from .forms import BillPaymentForm, BillsPayForm, CorrectionForm, PaymentForm, PaymentSettingsForm
from .models import Payment, PaymentBatch
from .selectors import (
    payment_batch_list,
    payment_batch_timeline,
    payment_list,
    payment_list_rejected_uncorrected,
    payment_settings_state,
)
from .services.bill_payments import MAX_BILLS

PAGE_SIZE = 50


def _lang() -> str:
    return "en" if (get_language() or "nb").startswith("en") else "nb"


def _accounts(company):
    return [
        a
        for a in BankAccount.objects.filter(company=company, is_active=True).order_by("account_number")
        if BankService.REMITTANCE in (a.services or [])
    ]


def _reason_plain(payment, lang: str) -> str:
    # A rejection without any reason says so ("The bank gave no reason"), never a bare colon.
    if payment.reason_code or payment.status == Payment.Status.REJECTED:
        return reason_text(payment.reason_code, lang)
    return ""


def _with_reasons(payments):
    lang = _lang()
    for p in payments:
        p.reason_plain = _reason_plain(p, lang)
    return payments


@company_view()
def payments(request):
    company = request.company
    can = Perm.PREPARE_PAYMENTS in request.company_perms
    accounts = _accounts(company)
    form = PaymentForm(
        request.POST if request.method == "POST" else None, accounts=accounts, rates=exchange_rates_latest()
    )
    status = 200
    if request.method == "POST":
        if not can:
            return render(request, "403.html", status=403)
        if form.is_valid():
            try:
                payment = services.payment_create(company, user=request.user, **form.cleaned_data)
            except DomainError as exc:
                add_domain_errors(form, exc)
                status = 409 if exc.code == "possible_duplicate" else 400
            else:
                messages.success(
                    request, _("The payment to %(name)s is registered.") % {"name": payment.creditor_name}
                )
                for notice in payment.notices:
                    messages.warning(request, notice)
                return redirect("remittance:payments")
        else:
            status = 400
    status_filter = screen_status(request, Payment.Status)
    page = Paginator(payment_list(company, status=status_filter or None), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    bill_form = BillPaymentForm(
        accounts=accounts,
        bills=Bill.objects.filter(company=company, status=Bill.Status.OPEN).select_related("supplier"),
    )
    return render(
        request,
        "remittance/payments.html",
        {
            "page": page,
            "form": form,
            "bill_form": bill_form,
            "can_prepare": can,
            "statuses": Payment.Status.choices,
            "status_filter": status_filter,
            "new_count": Payment.objects.filter(company=company, status=Payment.Status.NEW).count(),
        },
        status=status,
    )


@company_view(Perm.PREPARE_PAYMENTS)
@require_POST
def payment_from_bill(request):
    company = request.company
    form = BillPaymentForm(
        request.POST,
        accounts=_accounts(company),
        bills=Bill.objects.filter(company=company, status=Bill.Status.OPEN).select_related("supplier"),
    )
    if form.is_valid():
        with errors_as_messages(request):
            payment = services.payment_create_from_bill(company, user=request.user, **form.cleaned_data)
            messages.success(
                request, _("The payment to %(name)s is registered.") % {"name": payment.creditor_name}
            )
            for notice in payment.notices:
                messages.warning(request, notice)
    else:
        messages.error(request, _("Choose a bill and an account."))
    return redirect("remittance:payments")


@company_view()
def bills_to_pay(request):
    """The company's open bills with checkboxes: pay the chosen ones at once, into batches."""
    company = request.company
    can = Perm.PREPARE_PAYMENTS in request.company_perms
    if request.method == "POST" and not can:
        return render(request, "403.html", status=403)
    form = BillsPayForm(request.POST if request.method == "POST" else None, accounts=_accounts(company))
    chosen = set(request.POST.getlist("bill_ids")) if request.method == "POST" else set()
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                paid = services.bills_pay(
                    company, bill_ids=sorted(chosen), user=request.user, **form.cleaned_data
                )
            except DomainError as exc:
                add_domain_errors(form, exc)
                status = 409 if exc.status_code == 409 else 400
            else:
                bills_done = ngettext(
                    "%(count)d bill is paid.", "%(count)d bills are paid.", len(paid.payments)
                )
                in_batches = ngettext(
                    "The payments are in %(count)d batch, ready for approval.",
                    "The payments are in %(count)d batches, ready for approval.",
                    len(paid.batches),
                )
                messages.success(
                    request,
                    f"{bills_done % {'count': len(paid.payments)}} {in_batches % {'count': len(paid.batches)}}",
                )
                for warning in paid.warnings:
                    messages.warning(request, warning)
                if len(paid.batches) == 1:
                    return redirect("remittance:batch_detail", pk=paid.batches[0].pk)
                return redirect("remittance:batches")
        else:
            status = 400
    if not form.has_error("confirm_duplicate"):
        # Asked only when the service found a possible duplicate, as it names the bill.
        del form.fields["confirm_duplicate"]
    today = timezone.localdate()
    bills = list(
        Bill.objects.filter(company=company, status=Bill.Status.OPEN)
        .select_related("supplier")
        .order_by("due_date", "pk")[:MAX_BILLS]
    )
    for bill in bills:
        bill.overdue = bill.due_date < today
        bill.chosen = str(bill.pk) in chosen
    return render(
        request,
        "remittance/bills.html",
        {"bills": bills, "form": form, "can_prepare": can, "overdue": sum(b.overdue for b in bills)},
        status=status,
    )


@company_view(Perm.PREPARE_PAYMENTS)
@require_POST
def batches_build(request):
    try:
        built = services.payment_batches_build(request.company, user=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("remittance:payments")
    messages.success(request, _("%(count)d batch(es) created.") % {"count": len(built)})
    if len({(b.bank_account_id, b.execution_date) for b in built}) < len(built):
        messages.info(
            request,
            _(
                "Payments from one account on one date whose total exceeds what one batch can hold "
                "(NOK 9 999 999 999 999.99) are in several batches."
            ),
        )
    return redirect("remittance:batches")


@company_view()
def rejected(request):
    rows = _with_reasons(list(payment_list_rejected_uncorrected(request.company)[:500]))
    return render(
        request,
        "remittance/rejected.html",
        {"payments": rows, "can_prepare": Perm.PREPARE_PAYMENTS in request.company_perms},
    )


@company_view(Perm.PREPARE_PAYMENTS)
def payment_correct_view(request, pk):
    payment = get_object_or_404(Payment, company=request.company, pk=pk, status=Payment.Status.REJECTED)
    initial = {
        "creditor_name": payment.creditor_name,
        "creditor_account": payment.creditor_account,
        "amount": f"{payment.amount:.2f}",
        "kid": payment.kid,
        "message": payment.message,
    }
    form = CorrectionForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                new = services.payment_correct(payment, user=request.user, **form.cleaned_data)
            except DomainError as exc:
                add_domain_errors(form, exc)
                status = 400
            else:
                messages.success(request, _("The corrected payment is registered; put it in a new batch."))
                for notice in new.notices:
                    messages.warning(request, notice)
                return redirect("remittance:payments")
        else:
            status = 400
    payment.reason_plain = _reason_plain(payment, _lang())
    return render(request, "remittance/correct.html", {"payment": payment, "form": form}, status=status)


@company_view(Perm.PREPARE_PAYMENTS)
@require_POST
def payment_cancel_view(request, pk):
    payment = get_object_or_404(Payment, company=request.company, pk=pk)
    with errors_as_messages(request):
        services.payment_cancel(payment)
        messages.success(request, _("The payment is cancelled."))
    return redirect("remittance:payments")


@company_view()
def batches(request):
    page = Paginator(payment_batch_list(request.company), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "remittance/batches.html", {"page": page})


def _batch(request, pk) -> PaymentBatch:
    return get_object_or_404(
        PaymentBatch.objects.select_related("bank_account", "signing_user"), company=request.company, pk=pk
    )


# The batch page lists SEPA payments, then other payments abroad, then domestic ones.
_KIND_ORDER = (Payment.Kind.SEPA, Payment.Kind.ABROAD, Payment.Kind.DOMESTIC)


def _by_kind(payments) -> list[tuple[str, str, list]]:
    """(kind, its label, its payments) for each kind the batch holds, in :data:`_KIND_ORDER`."""
    groups = {kind: [] for kind in _KIND_ORDER}
    for p in payments:
        groups.setdefault(p.kind, []).append(p)
    return [(kind, Payment.Kind(kind).label, rows) for kind, rows in groups.items() if rows]


@company_view()
def batch_detail(request, pk):
    batch = _batch(request, pk)
    perms = request.company_perms
    warnings = []
    can_approve = False
    if batch.status == PaymentBatch.Status.DRAFT and batch.approval_mode == PaymentBatch.ApprovalMode.RGB:
        try:
            warnings = services.payment_batch_approval_check(batch, request.user).warnings
            can_approve = True
        except DomainError as exc:
            warnings = [exc.message] if Perm.APPROVE_PAYMENTS in perms else []
    # The bank's code in plain words in the reader's language; its own words are stored apart.
    batch.reason_plain = reason_text(batch.bank_reason, _lang()) if batch.bank_reason else ""
    payments = _with_reasons(list(batch.payments.all().order_by("id")))
    return render(
        request,
        "remittance/batch_detail.html",
        {
            "batch": batch,
            "payments": payments,
            "payment_groups": _by_kind(payments),
            "timeline": payment_batch_timeline(batch),
            "warnings": warnings,
            "can_approve": can_approve,
            "signing_mine": bool(batch.signing_id and batch.signing_user_id == request.user.pk),
            # Another approver's BankID signing, while it may still be open.
            "signing_other": bool(
                batch.signing_id
                and batch.signing_user_id != request.user.pk
                and (batch.signing_expires_at is None or batch.signing_expires_at > timezone.now())
            ),
            "can_send": Perm.PREPARE_PAYMENTS in perms
            and (
                (
                    batch.status == PaymentBatch.Status.DRAFT
                    and batch.approval_mode == PaymentBatch.ApprovalMode.POST_APPROVAL
                )
                or batch.status in (PaymentBatch.Status.APPROVED, PaymentBatch.Status.UNKNOWN)
            ),
        },
    )


@company_view()
@require_POST
def batch_approve(request, pk):
    batch = _batch(request, pk)  # another company's batch is a 404 before any role check
    if Perm.APPROVE_PAYMENTS not in request.company_perms:
        return render(request, "403.html", status=403)
    try:
        session = services.payment_batch_approve_start(
            batch, request.user, acknowledge_warnings=request.POST.get("acknowledge_warnings") == "on"
        )
    except DomainError as exc:
        if exc.code == "already_approved":
            messages.success(request, exc.message)
        else:
            messages.error(request, exc.message)
        return redirect("remittance:batch_detail", pk=pk)
    # Out to BankID; the batch page has the button to come back and finish.
    return redirect(session.url)


@company_view()
@require_POST
def batch_approve_complete(request, pk):
    batch = _batch(request, pk)
    if Perm.APPROVE_PAYMENTS not in request.company_perms:
        return render(request, "403.html", status=403)
    try:
        services.payment_batch_approve_complete(batch, request.user)
    except services.SigningPending:
        messages.warning(request, _("The BankID signing is not finished yet."))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The batch is approved and is being sent to the bank."))
    return redirect("remittance:batch_detail", pk=pk)


@company_view()
@require_POST
def batch_send(request, pk):
    batch = _batch(request, pk)
    # Whoever prepares or approves payments may send; anyone else is refused outright (as the
    # API does), not shown an error message on the batch page.
    if not any(p in request.company_perms for p in (Perm.PREPARE_PAYMENTS, Perm.APPROVE_PAYMENTS)):
        return render(request, "403.html", status=403)
    with errors_as_messages(request):
        services.payment_batch_send(batch, request.user)
        messages.success(request, _("The batch is being sent to the bank."))
    return redirect("remittance:batch_detail", pk=pk)


@company_view()
def batch_pain001(request, pk):
    batch = _batch(request, pk)
    try:
        xml = services.payment_batch_pain001(batch)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("remittance:batch_detail", pk=pk)
    response = HttpResponse(xml, content_type="application/xml")
    response["Content-Disposition"] = f'attachment; filename="{batch.msg_id}.xml"'
    return response


@company_view()
def payment_settings(request):
    """The four-eyes rule: every member sees it, system administrators change it."""
    company = request.company
    may_change = True
    try:
        services.payment_settings_check_may_change(company, request.user)
    except DomainError:
        may_change = False
    if request.method == "POST" and not may_change:
        return render(request, "403.html", status=403)
    state = payment_settings_state(company)
    status = 200
    if request.method == "POST":
        form = PaymentSettingsForm(request.POST)
        if form.is_valid():
            try:
                services.payment_settings_update(company, request.user, **form.cleaned_data)
            except DomainError as exc:
                add_domain_errors(form, exc)
            else:
                messages.success(request, _("The payment settings are saved."))
                return redirect("remittance:settings")
        status = 400
    else:
        form = PaymentSettingsForm(initial={"four_eyes": state.four_eyes})
    return render(
        request,
        "remittance/settings.html",
        {"form": form, "state": state, "may_change": may_change},
        status=status,
    )

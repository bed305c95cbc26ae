"""Innstillinger › Bankkontoer: the Kontoer, Avtaler and Autorisasjoner tabs.

Thin views: forms check shape, services decide; only ``Perm.MANAGE_BANK`` may post.
"""

from __future__ import annotations

from django.contrib import messages
from django.forms.models import model_to_dict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bankint.errors import DomainError
from bankint.forms import add_domain_errors
from bankint.views import errors_as_messages
from companies.permissions import company_view
from companies.roles import Perm

from .forms import AuthorisationForm, BankAccountEditForm, BankAccountForm
from .selectors import approver_candidates, authorisation_list, authorisation_overview, bank_account_list
from .services import (
    authorisation_create,
    authorisation_delete,
    bank_account_create,
    bank_account_deactivate,
    bank_account_update,
)

TABS = ("accounts", "agreements", "authorisations")


def _page(request, *, tab: str, account_form=None, auth_form=None, status: int = 200):
    company = request.company
    context = {"tab": tab, "can_manage": Perm.MANAGE_BANK in request.company_perms}
    if tab == "accounts":
        context["accounts"] = bank_account_list(company)
        context["form"] = account_form or BankAccountForm()
    elif tab == "authorisations":
        context["overview"] = authorisation_overview(company)
        context["auth_form"] = auth_form or AuthorisationForm(
            accounts=bank_account_list(company, active=True), users=approver_candidates(company)
        )
    return render(request, "settings/bank_accounts.html", context, status=status)


@company_view()
def bank_accounts(request):
    tab = request.GET.get("tab", "accounts")
    return _page(request, tab=tab if tab in TABS else "accounts")


@require_POST
@company_view(Perm.MANAGE_BANK)
def bank_account_add(request):
    form = BankAccountForm(request.POST)
    if form.is_valid():
        try:
            account = bank_account_create(request.company, **form.cleaned_data)
        except DomainError as exc:
            add_domain_errors(form, exc)
        else:
            messages.success(request, _("Account %(account)s is registered.") % {"account": str(account)})
            return redirect("settings_bank_accounts")
    return _page(request, tab="accounts", account_form=form, status=400)


@company_view()
def bank_account_edit(request, pk: int):
    account = get_object_or_404(bank_account_list(request.company), pk=pk)
    can_manage = Perm.MANAGE_BANK in request.company_perms
    if request.method == "POST":
        if not can_manage:
            return render(request, "403.html", status=403)
        form = BankAccountEditForm(request.POST)
        if form.is_valid():
            try:
                bank_account_update(account, **form.cleaned_data)
            except DomainError as exc:
                add_domain_errors(form, exc)
            else:
                messages.success(request, _("Account %(account)s is saved.") % {"account": str(account)})
                return redirect("settings_bank_accounts")
        status = 400
    else:
        editable = ["name", "ledger_account", "fee_account", "incoming_payment_methods", "approval_mode"]
        form = BankAccountEditForm(initial=model_to_dict(account, fields=editable))
        status = 200
    return render(
        request,
        "accounts/edit.html",
        {"account": account, "form": form, "can_manage": can_manage},
        status=status,
    )


@require_POST
@company_view(Perm.MANAGE_BANK)
def bank_account_deactivate_view(request, pk: int):
    account = get_object_or_404(bank_account_list(request.company), pk=pk)
    with errors_as_messages(request):
        bank_account_deactivate(account)
        messages.success(request, _("Account %(account)s is deactivated.") % {"account": str(account)})
    return redirect("settings_bank_accounts")


@require_POST
@company_view(Perm.MANAGE_BANK)
def authorisation_add(request):
    company = request.company
    form = AuthorisationForm(
        request.POST, accounts=bank_account_list(company, active=True), users=approver_candidates(company)
    )
    # The choices only offer this company's accounts; the service gives the message if another's is posted.
    data = {"bank_account_id": request.POST.get("bank_account"), "user_id": request.POST.get("user")}
    try:
        auth = authorisation_create(company, **data)
    except DomainError as exc:
        form.is_valid()
        form.errors.clear()
        add_domain_errors(form, exc)
        return _page(request, tab="authorisations", auth_form=form, status=400)
    messages.success(
        request,
        _("%(user)s may now approve payments from %(account)s.")
        % {
            "user": auth.user.get_full_name() or auth.user.username,
            "account": str(auth.bank_account),
        },
    )
    return redirect(reverse("settings_bank_accounts") + "?tab=authorisations")


@require_POST
@company_view(Perm.MANAGE_BANK)
def authorisation_remove(request, pk: int):
    auth = get_object_or_404(authorisation_list(request.company), pk=pk)
    authorisation_delete(auth)
    messages.success(request, _("The authorisation is removed."))
    return redirect(reverse("settings_bank_accounts") + "?tab=authorisations")

"""Avtaler › DNB › Koble til tjeneste: the connect wizard, the order page, the order list.

Thin views: forms check shape, services decide; the bank is reached by the services only.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import BankAccount
from accounts.selectors import bank_account_list
from bankclient import BankRejected, BankUnavailable
from bankint.errors import DomainError
from bankint.formatting import account
from bankint.forms import add_domain_errors
from companies.permissions import company_view
from companies.roles import Perm
from companies.selectors import company_list_for_user

from .forms import ConnectForm, RgbForm
from .models import Bank, OnlineBankApplication, OrderService, RgbOrder
from .selectors import (
    online_bank_application_current,
    service_order_list,
    service_order_list_for_user,
    service_order_outage_warning,
)
from .services.applications import (
    online_bank_application_refresh,
    online_bank_application_start,
    rgb_order_refresh,
    rgb_order_start,
)
from .services.order_results import service_order_repoll
from .services.orders import BANK_SERVICES, bank_accounts_for, service_order_create


def _bank(value) -> str:
    return Bank.SBANKEN if str(value or "").upper() == Bank.SBANKEN else Bank.DNB


def _preselected(accounts: list[BankAccount], chosen: list[str]) -> list[str]:
    """The accounts ticked when the order form opens: those chosen in "Oppsett av bankkonto",
    else the ones without an agreement yet."""
    ids = {str(a.pk) for a in accounts}
    return [i for i in chosen if i in ids] or [str(a.pk) for a in accounts if not a.agreement_id]


@company_view(Perm.MANAGE_BANK)
def connect_setup(request):
    """ "Oppsett av bankkonto", the step before ordering: the company's accounts in the bank as
    registered in the portal, the ones to order for ticked; Neste opens the order form with
    them, Avbryt goes back to the Avtaler tab."""
    bank = _bank(request.GET.get("bank"))
    accounts = bank_accounts_for(request.company, bank)
    return render(
        request,
        "agreements/connect_setup.html",
        {
            "bank": bank,
            "bank_label": Bank(bank).label,
            "accounts": accounts,
            "checked": _preselected(accounts, []),
            "companies": company_list_for_user(request.user),
        },
    )


def _connect_page(request, form=None, rgb_form=None, status=200, bank=Bank.DNB):
    company = request.company
    accounts = bank_accounts_for(company, bank)
    if form is None:
        form = ConnectForm(
            accounts=accounts,
            services=BANK_SERVICES[bank],
            initial={
                "idempotency_key": uuid.uuid4().hex,
                "bank": bank,
                "accounts": _preselected(accounts, request.GET.getlist("accounts")),
            },
        )
    rgb_accounts = [
        a
        for a in bank_account_list(company, active=True)
        if a.agreement_id and a.approval_mode == BankAccount.ApprovalMode.POST_APPROVAL
    ]
    context = {
        "bank": bank,
        "bank_label": Bank(bank).label,
        "form": form,
        "accounts": accounts,
        "companies": company_list_for_user(request.user),
        "application": online_bank_application_current(company),
        "rgb_form": rgb_form or (RgbForm(accounts=rgb_accounts) if rgb_accounts else None),
        "recent": service_order_list(company)[:5],
    }
    return render(request, "agreements/connect.html", context, status=status)


@company_view(Perm.MANAGE_BANK)
def connect(request):
    if request.method != "POST":
        return _connect_page(request, bank=_bank(request.GET.get("bank")))
    bank = _bank(request.POST.get("bank"))
    form = ConnectForm(
        request.POST, accounts=bank_accounts_for(request.company, bank), services=BANK_SERVICES[bank]
    )
    if form.is_valid():
        try:
            order = service_order_create(
                request.company,
                bank=bank,
                user=request.user,
                account_ids=form.cleaned_data["accounts"],
                services=form.cleaned_data["services"],
                fee_account=form.cleaned_data["fee_account"],
                idempotency_key=form.cleaned_data["idempotency_key"],
            )
        except DomainError as exc:
            add_domain_errors(form, exc)
        else:
            if order.wizard_url and order.is_pending:
                # The bank's own order wizard; the order page follows the status afterwards.
                return redirect(order.wizard_url)
            return redirect("agreements:order_detail", pk=order.pk)
    return _connect_page(request, form=form, status=400, bank=bank)


@company_view()
def order_list(request):
    orders = service_order_list_for_user(request.user)[:200]
    return render(request, "agreements/orders.html", {"orders": orders})


def _order(request, pk):
    return get_object_or_404(service_order_list(request.company), pk=pk)


def _order_context(order) -> dict:
    lines = list(order.lines.all())
    return {
        "order": order,
        "warning": service_order_outage_warning(order),
        "lines": lines,
        "failed_lines": [line for line in lines if line.result == line.Result.FAILED],
        "service_names": [OrderService(s).label if s in OrderService.values else s for s in order.services],
    }


@company_view()
def order_detail(request, pk: int):
    return render(request, "agreements/order_detail.html", _order_context(_order(request, pk)))


@company_view()
def order_status(request, pk: int):
    """The order page's status part, fetched again while the order is under way."""
    return render(request, "agreements/_order_status.html", _order_context(_order(request, pk)))


def _ask_the_bank(request, refresh, row) -> None:
    """Back from the bank's pages: ask the bank about ``row`` now, so the page the user lands on
    is current (the feed would tell us within its poll interval). A bank that does not answer
    leaves the row as it was, with a word to the user; the feed catches up later."""
    try:
        refresh(row)
    except (BankUnavailable, BankRejected) as exc:
        messages.warning(
            request,
            _("DNB did not answer just now (%(error)s); the status is updated automatically shortly.")
            % {"error": exc},
        )


@company_view()
def order_return(request, pk: int):
    order = _order(request, pk)
    _ask_the_bank(request, service_order_repoll, order)
    return redirect("agreements:order_detail", pk=order.pk)


@company_view()
def online_bank_return(request, pk: int):
    app = get_object_or_404(OnlineBankApplication.objects.filter(company=request.company), pk=pk)
    _ask_the_bank(request, online_bank_application_refresh, app)
    app.refresh_from_db()
    messages.info(request, _("Online bank application: %(status)s") % {"status": app.get_status_display()})
    return redirect(reverse("agreements:connect") + "#online-bank")


@company_view()
def rgb_return(request, pk: int):
    order = get_object_or_404(RgbOrder.objects.filter(company=request.company), pk=pk)
    _ask_the_bank(request, rgb_order_refresh, order)
    order.refresh_from_db()
    if order.status != RgbOrder.Status.CONFIRMED:
        messages.info(request, _("RgB order: %(status)s") % {"status": order.get_status_display()})
    for result in order.raw_response.get("results") or []:
        if result.get("status") == "enabled":
            messages.success(
                request, _("RgB is active for %(account)s.") % {"account": account(result["account"])}
            )
        else:
            messages.error(
                request,
                _("DNB refused RgB for %(account)s: %(reason)s")
                % {
                    "account": account(result["account"]),
                    "reason": result.get("message") or result.get("code"),
                },
            )
    return redirect(reverse("agreements:connect") + "#rgb")


@require_POST
@company_view(Perm.MANAGE_BANK)
def online_bank_start(request):
    try:
        app = online_bank_application_start(request.company)
    except (BankUnavailable, BankRejected) as exc:
        messages.error(
            request, _("DNB could not start the online bank application: %(error)s") % {"error": exc}
        )
        return redirect("agreements:connect")
    return redirect(app.url or reverse("agreements:connect"))


@require_POST
@company_view(Perm.MANAGE_BANK)
def rgb_start(request):
    accounts = bank_account_list(request.company, active=True)
    form = RgbForm(request.POST, accounts=accounts)
    if form.is_valid():
        try:
            order = rgb_order_start(request.company, account_ids=form.cleaned_data["accounts"])
        except DomainError as exc:
            add_domain_errors(form, exc)
        except (BankUnavailable, BankRejected) as exc:
            form.add_error(None, _("DNB did not accept the RgB order: %(error)s") % {"error": exc})
        else:
            return redirect(order.url)
    return _connect_page(request, rgb_form=form, status=400)

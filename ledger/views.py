"""Ledger pages: invoice settings, customers, invoices, suppliers, bills and vouchers.

Thin views: list with pagination and a simple create form; only ``Perm.MANAGE_LEDGER``
may post. Services decide and their messages land on the form.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.forms.models import model_to_dict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bankint.api.params import screen_status
from bankint.errors import DomainError
from bankint.forms import add_domain_errors
from companies.permissions import company_view
from companies.roles import Perm

from .forms import BillForm, CustomerForm, InvoiceForm, InvoiceSettingsForm, SupplierForm, VoucherForm
from .models import Bill, Invoice
from .selectors import (
    bill_list,
    customer_list,
    invoice_list,
    invoice_settings_get,
    supplier_list,
    voucher_list,
)
from .services import (
    LineSpec,
    bill_create,
    customer_create,
    invoice_create,
    invoice_settings_update,
    supplier_create,
    supplier_update,
    voucher_post,
    voucher_reverse,
)

PAGE_SIZE = 50


def _can(request) -> bool:
    return Perm.MANAGE_LEDGER in request.company_perms


def _forbidden_post(request) -> bool:
    return request.method == "POST" and not _can(request)


def _list_page(request, template, qs, form, *, status=200, **extra):
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "form": form, "can_manage": _can(request), **extra}
    return render(request, template, context, status=status)


def _posted(request):
    """The data a form is bound to: the POST, or None (unbound) on a GET."""
    return request.POST if request.method == "POST" else None


def _list_with_create(request, template, rows, form, *, create, created, then, **extra):
    """A list page with its create form.

    A valid POST runs ``create(**cleaned_data)``, says ``created(obj)`` and redirects to
    ``then(obj)``; otherwise the page, with 400 when a posted form was refused.
    """
    if request.method == "POST":
        obj = _create(request, form, create, created)
        if obj:
            return redirect(then(obj))
    return _list_page(request, template, rows, form, status=400 if form.is_bound else 200, **extra)


def _create(request, form, service, success_message):
    """Run ``service`` on a valid form; (object, None) or (None, 400 for the re-render)."""
    if form.is_valid():
        try:
            obj = service(**form.cleaned_data)
        except DomainError as exc:
            add_domain_errors(form, exc)
        else:
            messages.success(request, success_message(obj))
            return obj
    return None


@company_view()
def invoice_settings(request):
    if _forbidden_post(request):
        return render(request, "403.html", status=403)
    current = invoice_settings_get(request.company)
    status = 200
    if request.method == "POST":
        form = InvoiceSettingsForm(request.POST)
        if form.is_valid():
            try:
                _settings, warnings = invoice_settings_update(request.company, **form.cleaned_data)
            except DomainError as exc:
                add_domain_errors(form, exc)
            else:
                messages.success(request, _("The invoice settings are saved."))
                for warning in warnings:
                    messages.warning(request, warning)
                return redirect("ledger:invoice_settings")
        status = 400
    else:
        form = InvoiceSettingsForm(initial=model_to_dict(current, fields=InvoiceSettingsForm.base_fields))
    return render(
        request,
        "ledger/invoice_settings.html",
        {"form": form, "settings": current, "can_manage": _can(request)},
        status=status,
    )


@company_view()
def customers(request):
    if _forbidden_post(request):
        return render(request, "403.html", status=403)
    company = request.company
    return _list_with_create(
        request,
        "ledger/customers.html",
        customer_list(company),
        CustomerForm(_posted(request)),
        create=lambda **data: customer_create(company, **data),
        created=lambda c: _("Customer %(customer)s is created.") % {"customer": str(c)},
        then=lambda c: "ledger:customers",
    )


@company_view()
def invoices(request):
    if _forbidden_post(request):
        return render(request, "403.html", status=403)
    company = request.company
    status_filter = screen_status(request, Invoice.Status)
    return _list_with_create(
        request,
        "ledger/invoices.html",
        invoice_list(company, status=status_filter or None),
        InvoiceForm(_posted(request), customers=list(customer_list(company))),
        create=lambda **data: invoice_create(company, **data),
        created=lambda inv: _("Invoice %(number)d is issued.") % {"number": inv.number},
        then=lambda inv: reverse("ledger:invoice_detail", args=[inv.pk]),
        statuses=Invoice.Status.choices,
        status_filter=status_filter,
    )


@company_view()
def invoice_detail(request, pk: int):
    invoice = get_object_or_404(invoice_list(request.company), pk=pk)
    settlements = invoice.settlements.select_related("voucher").order_by("id")
    return render(request, "ledger/invoice_detail.html", {"invoice": invoice, "settlements": settlements})


@company_view()
def suppliers(request):
    if _forbidden_post(request):
        return render(request, "403.html", status=403)
    company = request.company
    return _list_with_create(
        request,
        "ledger/suppliers.html",
        supplier_list(company),
        SupplierForm(_posted(request)),
        create=lambda **data: supplier_create(company, **data),
        created=lambda s: _("Supplier %(supplier)s is created.") % {"supplier": str(s)},
        then=lambda s: "ledger:suppliers",
    )


@company_view()
def supplier_edit(request, pk: int):
    """A supplier's details: the same form as a new one; ``supplier_update`` decides."""
    supplier = get_object_or_404(supplier_list(request.company), pk=pk)
    if _forbidden_post(request):
        return render(request, "403.html", status=403)
    status = 200
    if request.method == "POST":
        form = SupplierForm(request.POST)
        if form.is_valid():
            try:
                supplier_update(supplier, **form.cleaned_data)
            except DomainError as exc:
                add_domain_errors(form, exc)
            else:
                messages.success(request, _("Supplier %(supplier)s is saved.") % {"supplier": supplier.name})
                return redirect("ledger:suppliers")
        status = 400
    else:
        form = SupplierForm(initial=model_to_dict(supplier, fields=list(SupplierForm.base_fields)))
    return render(
        request,
        "ledger/supplier_edit.html",
        {"supplier": supplier, "form": form, "can_manage": _can(request)},
        status=status,
    )


@company_view()
def bills(request):
    if _forbidden_post(request):
        return render(request, "403.html", status=403)
    company = request.company
    status_filter = screen_status(request, Bill.Status)
    return _list_with_create(
        request,
        "ledger/bills.html",
        bill_list(company, status=status_filter or None),
        BillForm(_posted(request), suppliers=list(supplier_list(company))),
        create=lambda **data: bill_create(company, **data),
        created=lambda b: _("The bill from %(supplier)s is registered.") % {"supplier": b.supplier.name},
        then=lambda b: "ledger:bills",
        statuses=Bill.Status.choices,
        status_filter=status_filter,
    )


@company_view()
def vouchers(request):
    if _forbidden_post(request):
        return render(request, "403.html", status=403)
    company = request.company
    form = VoucherForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        lines = [LineSpec(ledger_account=account, amount=amount) for account, amount in form.line_values()]
        try:
            voucher = voucher_post(
                company, date=form.cleaned_data["date"], text=form.cleaned_data["text"], lines=lines
            )
        except DomainError as exc:
            add_domain_errors(form, exc)
        else:
            messages.success(request, _("Voucher #%(number)d is posted.") % {"number": voucher.number})
            return redirect("ledger:voucher_detail", pk=voucher.pk)
    return _list_page(
        request, "ledger/vouchers.html", voucher_list(company), form, status=400 if form.is_bound else 200
    )


@company_view()
def voucher_detail(request, pk: int):
    voucher = get_object_or_404(voucher_list(request.company), pk=pk)
    return render(
        request,
        "ledger/voucher_detail.html",
        {
            "voucher": voucher,
            "lines": voucher.lines.select_related("bank_account", "open_entry").order_by("id"),
            "reversed_by": voucher.reversed_by.first(),
            "can_manage": _can(request),
        },
    )


@require_POST
@company_view(Perm.MANAGE_LEDGER)
def voucher_reverse_view(request, pk: int):
    voucher = get_object_or_404(voucher_list(request.company), pk=pk)
    try:
        reversal = voucher_reverse(voucher)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("ledger:voucher_detail", pk=voucher.pk)
    messages.success(request, _("Voucher #%(number)d is posted.") % {"number": reversal.number})
    return redirect("ledger:voucher_detail", pk=reversal.pk)

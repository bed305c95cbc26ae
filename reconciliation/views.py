"""Reconciliation pages: overview with charts, upload, files, and the two-sided matching screen.

Thin views: the services decide (and their messages are shown); selectors read. Changing
anything needs ``Perm.MANAGE_LEDGER``.
"""

from __future__ import annotations

from datetime import date

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.models import BankAccount
from bankint.api.params import as_id
from bankint.formatting import amount as fmt_amount
from bankint.views import errors_as_messages
from companies.permissions import company_view
from companies.roles import Perm
from iso20022.camt053 import DEFAULT_MAX_BYTES
from ledger.selectors import ledger_account_numbers

from .models import Match, StatementEntry, StatementFile
from .selectors import (
    account_overview,
    chart_svg_points,
    open_line_list,
    statement_entry_list,
    statement_file_list,
)
from .services import entries_match, entry_post_and_match, match_undo, statement_file_import, upload_source
from .suggestions import entry_suggestions

ROWS = 200


class UploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("camt.053 statement file"))


def _can(request) -> bool:
    return Perm.MANAGE_LEDGER in request.company_perms


def _accounts(company):
    return list(BankAccount.objects.filter(company=company).order_by("-is_active", "ledger_account"))


@company_view()
def overview(request):
    cards = []
    for account in _accounts(request.company):
        data = account_overview(account)
        cards.append({"account": account, "overview": data, "chart": chart_svg_points(data)})
    return render(
        request,
        "reconciliation/overview.html",
        {
            "cards": cards,
            "form": UploadForm(),
            "can_manage": _can(request),
            "max_mb": DEFAULT_MAX_BYTES // 2**20,
        },
    )


@company_view(Perm.MANAGE_LEDGER)
@require_POST
def upload(request):
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a camt.053 file to upload."))
        return redirect("reconciliation:overview")
    handle = form.cleaned_data["file"]
    if handle.size > DEFAULT_MAX_BYTES:
        messages.error(request, _("The file is larger than the limit and was not read."))
        return redirect("reconciliation:overview")
    result = statement_file_import(
        request.company, upload_source(handle), source=StatementFile.Source.UPLOAD, filename=handle.name or ""
    )
    if result.outcome == "imported":
        messages.success(request, result.message)
    elif result.outcome == "duplicate":
        messages.warning(request, result.message)
    else:
        messages.error(request, _("The file was rejected: %(reason)s") % {"reason": result.message})
    return redirect("reconciliation:file_detail", pk=result.file.pk)


@company_view()
def files(request):
    accounts = _accounts(request.company)
    wanted = as_id(request.GET.get("account") or "")
    account = next((a for a in accounts if a.pk == wanted), None)
    date_from, date_to = _date(request.GET.get("from")), _date(request.GET.get("to"))
    qs = statement_file_list(
        request.company, bank_account_id=account.pk if account else None, date_from=date_from, date_to=date_to
    )
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "reconciliation/files.html",
        {
            "page": page,
            "accounts": accounts,
            "account": account,
            "date_from": date_from,
            "date_to": date_to,
            "query": query.urlencode(),
        },
    )


@company_view()
def file_detail(request, pk: int):
    file = get_object_or_404(statement_file_list(request.company), pk=pk)
    statements = file.statements.select_related("bank_account").order_by("closing_date", "id")
    return render(request, "reconciliation/file_detail.html", {"file": file, "statements": statements})


def _date(value) -> date | None:
    try:
        return date.fromisoformat((value or "").strip()) if value else None
    except ValueError:
        return None


@company_view()
def matching(request):
    accounts = _accounts(request.company)
    account = None
    wanted = as_id(request.GET.get("account") or request.POST.get("account") or "")
    if wanted is not None:
        account = next((a for a in accounts if a.pk == wanted), None)
    account = account or (accounts[0] if accounts else None)
    date_from, date_to = _date(request.GET.get("from")), _date(request.GET.get("to"))
    search = (request.GET.get("q") or "").strip()[:50]
    entries = lines = matched = []
    if account is not None:
        entries = list(
            statement_entry_list(
                request.company,
                status=StatementEntry.Status.UNMATCHED,
                bank_account_id=account.pk,
                date_from=date_from,
                date_to=date_to,
                search=search,
            )[:ROWS]
        )
        proposals = entry_suggestions(
            request.company, entries
        )  # open invoices or bills, for a person to confirm
        for entry in entries:
            entry.proposal = proposals.get(entry.pk)
        lines = list(open_line_list(account, date_from=date_from, date_to=date_to, search=search)[:ROWS])
        matched = list(
            Match.objects.filter(company=request.company, bank_account=account)
            .prefetch_related("entries", "line_links__voucher_line__voucher")
            .order_by("-id")[:30]
        )
    chart = sorted(ledger_account_numbers(request.company)) if account is not None else []
    return render(
        request,
        "reconciliation/matching.html",
        {
            "accounts": accounts,
            "account": account,
            "entries": entries,
            "lines": lines,
            "matched": matched,
            "date_from": date_from,
            "date_to": date_to,
            "search": search,
            "can_manage": _can(request),
            "chart": [n for n in chart if account is None or n != account.ledger_account],
            "rows": ROWS,
        },
    )


def _back(request, account_id) -> str:
    return f"{reverse('reconciliation:matching')}?account={account_id}"


def _ids(values) -> list[int]:
    return [number for number in map(as_id, values) if number is not None]


@company_view(Perm.MANAGE_LEDGER)
@require_POST
def match_create(request):
    with errors_as_messages(request):
        match = entries_match(
            request.company, _ids(request.POST.getlist("entries")), _ids(request.POST.getlist("lines"))
        )
        messages.success(request, _("Matched %(amount)s.") % {"amount": fmt_amount(match.amount)})
    return redirect(_back(request, request.POST.get("account", "")))


@company_view(Perm.MANAGE_LEDGER)
@require_POST
def post_and_match(request):
    entry_ids = _ids(request.POST.getlist("entries"))
    if len(entry_ids) != 1:
        messages.error(request, _("Select exactly one bank entry to post."))
        return redirect(_back(request, request.POST.get("account", "")))
    entry = get_object_or_404(StatementEntry, company=request.company, pk=entry_ids[0])
    with errors_as_messages(request):
        match = entry_post_and_match(
            request.company,
            entry,
            ledger_account=request.POST.get("ledger_account", ""),
            text=request.POST.get("text", "")[:200],
        )
        messages.success(
            request,
            _("Posted %(amount)s to %(number)s and matched it.")
            % {"amount": fmt_amount(match.amount), "number": request.POST.get("ledger_account", "")},
        )
    return redirect(_back(request, entry.bank_account_id))


@company_view(Perm.MANAGE_LEDGER)
@require_POST
def unmatch(request, pk: int):
    match = get_object_or_404(Match, company=request.company, pk=pk)
    account_id = match.bank_account_id
    with errors_as_messages(request):
        match_undo(request.company, match)
        messages.success(request, _("The match was undone."))
    return redirect(_back(request, account_id))

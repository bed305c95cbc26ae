"""OCR pages: the list of files with an upload (with a progress bar), a file's page, and the
queue of unmatched payments with allocation to an invoice. Thin: services decide."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bankint.api.params import screen_status
from bankint.views import errors_as_messages
from companies.permissions import company_view
from companies.roles import Perm
from ledger.models import Invoice

from .forms import AllocateForm, OcrUploadForm
from .models import OcrFile, OcrTransaction
from .selectors import (
    ocr_assignment_list,
    ocr_file_list,
    ocr_transaction_list,
    ocr_transaction_list_unmatched,
)
from .services import MAX_FILE_BYTES, ocr_file_import, ocr_transaction_allocate

PAGE_SIZE = 50


def _can(request) -> bool:
    return Perm.MANAGE_LEDGER in request.company_perms


def _outcome(file: OcrFile) -> tuple[str, str]:
    """(level, message) for the user after an upload."""
    if file.status == OcrFile.Status.REJECTED:
        return "error", _("The file was rejected and nothing was imported: %(reason)s") % {
            "reason": file.reason
        }
    if file.status == OcrFile.Status.DUPLICATE:
        return "warning", _("Duplicate: %(reason)s Nothing new was imported.") % {"reason": file.reason}
    counts = {
        "new": file.transaction_count - file.skipped_count,
        "skipped": file.skipped_count,
        "settled": file.settled_count,
        "unmatched": file.unmatched_count,
        "unassigned": file.unassigned_count,
    }
    message = (
        _(
            "Imported: %(new)d new transactions (%(settled)d settled, %(unmatched)d to allocate, "
            "%(unassigned)d unassigned), %(skipped)d already imported."
        )
        % counts
    )
    if file.conflict_with_id:
        return "error", f"{message} {file.reason}"
    return "success", message


@company_view()
def files(request):
    status = 200
    form = OcrUploadForm()
    if request.method == "POST":
        if not _can(request):
            return render(request, "403.html", status=403)
        form = OcrUploadForm(request.POST, request.FILES)
        if form.is_valid():
            handle = form.cleaned_data["file"]
            if handle.size > MAX_FILE_BYTES:
                form.add_error(
                    "file", _("The file is larger than %(mb)d MB.") % {"mb": MAX_FILE_BYTES // 2**20}
                )
            else:
                file = ocr_file_import(
                    request.company,
                    handle.read(),
                    source=OcrFile.Source.UPLOAD,
                    filename=handle.name or "",
                    user=request.user,
                )
                level, message = _outcome(file)
                url = reverse("ocr:file_detail", args=[file.pk])
                if request.headers.get("X-Requested-With") == "XMLHttpRequest":
                    # the upload script shows the outcome, then follows the link
                    return JsonResponse(
                        {"id": file.pk, "status": file.status, "message": message, "url": url}
                    )
                getattr(messages, level)(request, message)
                return redirect(url)
        status = 400
        if request.headers.get("X-Requested-With") == "XMLHttpRequest":
            errors = [str(e) for errs in form.errors.values() for e in errs]
            return JsonResponse({"status": "INVALID", "message": " ".join(errors)}, status=400)
    status_filter = screen_status(request, OcrFile.Status)
    qs = ocr_file_list(request.company, status=status_filter or None)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "ocr/files.html",
        {
            "page": page,
            "form": form,
            "can_manage": _can(request),
            "statuses": OcrFile.Status.choices,
            "status_filter": status_filter,
        },
        status=status,
    )


@company_view()
def file_detail(request, pk: int):
    file = get_object_or_404(ocr_file_list(request.company), pk=pk)
    transactions = ocr_transaction_list(request.company, file_id=file.pk)
    page = Paginator(transactions, 100).get_page(request.GET.get("page"))
    return render(
        request,
        "ocr/file_detail.html",
        {"file": file, "assignments": ocr_assignment_list(file), "page": page, "can_manage": _can(request)},
    )


@company_view()
def file_raw(request, pk: int):
    file = get_object_or_404(OcrFile.objects.filter(company=request.company), pk=pk)
    response = HttpResponse(file.data, content_type="text/plain; charset=iso-8859-1")
    response["Content-Disposition"] = f'attachment; filename="ocr-{file.pk}.txt"'
    return response


@company_view()
def unmatched(request):
    page = Paginator(ocr_transaction_list_unmatched(request.company), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request, "ocr/unmatched.html", {"page": page, "form": AllocateForm(), "can_manage": _can(request)}
    )


@require_POST
@company_view(Perm.MANAGE_LEDGER)
def allocate(request, pk: int):
    tx = get_object_or_404(OcrTransaction.objects.filter(company=request.company), pk=pk)
    form = AllocateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter the number of the invoice to settle."))
        return redirect("ocr:unmatched")
    invoice = Invoice.objects.filter(
        company=request.company, number=form.cleaned_data["invoice_number"]
    ).first()
    if invoice is None:
        messages.error(
            request, _("There is no invoice number %(n)d.") % {"n": form.cleaned_data["invoice_number"]}
        )
        return redirect("ocr:unmatched")
    with errors_as_messages(request):
        ocr_transaction_allocate(tx, invoice, user=request.user)
        messages.success(
            request,
            _("Payment of %(amount)s allocated to invoice %(n)d.")
            % {"amount": f"{tx.amount:.2f}", "n": invoice.number},
        )
    return redirect("ocr:unmatched")

"""Reads of OCR files; every list is company-scoped and joins what its page shows."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import OcrAssignment, OcrFile, OcrTransaction

# The raw bytes can be tens of MB: lists and pages never load them.
_LIGHT = ("raw",)


def ocr_file_list(company, *, status: str | None = None) -> QuerySet[OcrFile]:
    qs = OcrFile.objects.filter(company=company).defer(*_LIGHT).order_by("-id")
    if status:
        qs = qs.filter(status=status)
    return qs


def ocr_file_get(company, pk) -> OcrFile:
    return ocr_file_list(company).get(pk=pk)


def ocr_assignment_list(file: OcrFile) -> QuerySet[OcrAssignment]:
    return OcrAssignment.objects.filter(file=file).select_related("bank_account", "voucher").order_by("id")


def ocr_transaction_list(
    company, *, file_id: int | None = None, status: str | None = None
) -> QuerySet[OcrTransaction]:
    qs = (
        OcrTransaction.objects.filter(company=company)
        .select_related("invoice", "invoice__customer", "voucher")
        .order_by("-file_id", "assignment_id", "number")
    )
    if file_id is not None:
        qs = qs.filter(file_id=file_id)
    if status:
        qs = qs.filter(status=status)
    return qs


def ocr_transaction_list_unmatched(company) -> QuerySet[OcrTransaction]:
    return ocr_transaction_list(company, status=OcrTransaction.Status.UNMATCHED)

"""One object of each OCR model a route exposes by id, for the tenancy walkers."""

from __future__ import annotations

from ocr.models import OcrFile, OcrTransaction

UI_OBJECT_ROUTES = {
    "ocr/<int:pk>/": OcrFile,
    "ocr/<int:pk>/raw/": OcrFile,
    "ocr/transactions/<int:pk>/allocate/": OcrTransaction,
}


def populate(company) -> dict:
    from ocr.services import ocr_file_import
    from tests.ocr.conftest import ocr_file, tx

    # the core probe account 86011117947 has Nets OCR; the KID matches no invoice: unmatched
    data = ocr_file(("86011117947", [tx(1, 4200, "1234567890")]), number=f"{company.pk:07d}")
    file = ocr_file_import(company, data, filename="probe.txt")
    return {OcrFile: file, OcrTransaction: OcrTransaction.objects.get(file=file)}

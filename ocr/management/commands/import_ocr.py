"""``manage.py import_ocr PATH --company ID``: exit 0 imported, 1 rejected (reason on stderr), 3 duplicate."""

from __future__ import annotations

from bankint.management.bankfile import BankFileCommand
from companies.models import Company
from ocr.models import OcrFile
from ocr.services import MAX_FILE_BYTES, ocr_file_import


class Command(BankFileCommand):
    help = "Import a Nets OCR giro file for a company."
    company_model = Company
    max_bytes = MAX_FILE_BYTES
    kind = "an OCR file"

    def import_file(self, company, path):
        file = ocr_file_import(company, path, source=OcrFile.Source.COMMAND, filename=path.name)
        if file.status == OcrFile.Status.REJECTED:
            return "rejected", "", f"Rejected (OCR file #{file.pk}): {file.reason}"
        if file.status == OcrFile.Status.DUPLICATE:
            return "duplicate", f"Duplicate: {file.reason} 0 new transactions.", ""
        summary = (
            f"Imported OCR file #{file.pk} ({file.get_status_display()}): {file.transaction_count} transactions, "
            f"{file.settled_count} settled, {file.unmatched_count} unmatched, {file.unassigned_count} unassigned, "
            f"{file.skipped_count} already imported; total NOK {file.total_amount:.2f}."
        )
        # A conflict is imported, but someone must ask the bank why: said on stderr too.
        return "imported", summary, file.reason if file.conflict_with_id else ""

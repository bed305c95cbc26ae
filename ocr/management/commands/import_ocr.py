"""``manage.py import_ocr PATH [--company ID]``: exit 0 imported, 1 rejected (reason on stderr), 3 duplicate.

Without ``--company`` the file is a vendor-level Nets transmission (to the data recipient, for
every customer): received once and split by assignment account to the companies that
registered the accounts for Nets OCR; assignments for unregistered accounts are kept aside.
"""

from __future__ import annotations

from bankint.management.bankfile import BankFileCommand
from companies.models import Company
from ocr.models import OcrFile, OcrTransmission
from ocr.services import MAX_FILE_BYTES, ocr_file_import, ocr_transmission_import


class Command(BankFileCommand):
    help = (
        "Import a Nets OCR giro file: a company's own (--company), or the vendor-level transmission "
        "Nets delivers to the data recipient for every customer (without --company)."
    )
    company_model = Company
    max_bytes = MAX_FILE_BYTES
    kind = "an OCR file"
    company_required = False

    def import_file(self, company, path):
        if company is None:
            return self.import_transmission(path)
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

    def import_transmission(self, path):
        row = ocr_transmission_import(path, source=OcrFile.Source.COMMAND, filename=path.name)
        if row.status == OcrTransmission.Status.REJECTED:
            return "rejected", "", f"Rejected (OCR transmission #{row.pk}): {row.reason}"
        if row.status == OcrTransmission.Status.DUPLICATE:
            return "duplicate", f"Duplicate: {row.reason} 0 new transactions.", ""
        summary = (
            f"Imported OCR transmission #{row.pk} ({row.get_status_display()}): {row.transaction_count} "
            f"transactions in {row.assignment_count} assignments for {row.company_count} companies, "
            f"{row.kept_aside_count} assignments kept aside; total NOK {row.total_amount:.2f}."
        )
        problems = [row.reason] if row.conflict_with_id else []
        problems += [f"Company {pk}: {why}" for pk, why in sorted(row.failed.items())]
        return "imported", summary, "\n".join(problems)

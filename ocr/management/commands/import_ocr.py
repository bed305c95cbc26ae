"""``manage.py import_ocr PATH --company ID``: exit 0 imported, 1 rejected (reason on stderr), 3 duplicate."""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from bankint import context
from companies.models import Company
from ocr.models import OcrFile
from ocr.services import MAX_FILE_BYTES, ocr_file_import


class Command(BaseCommand):
    help = "Import a Nets OCR giro file for a company."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--company", type=int, required=True, help="the company's id")

    def handle(self, *args, path: str, company: int, **options):
        target = Company.objects.filter(pk=company).first()
        if target is None:
            raise CommandError(f"No company with id {company}.")
        file_path = Path(path)
        if not file_path.is_file():
            raise CommandError(f"{path}: no such file.")
        if file_path.stat().st_size > MAX_FILE_BYTES:
            raise CommandError(f"{path}: larger than {MAX_FILE_BYTES // (1024 * 1024)} MB; not an OCR file.")
        token = context.bind(source="command")
        try:
            file = ocr_file_import(
                target, file_path.read_bytes(), source=OcrFile.Source.COMMAND, filename=file_path.name
            )
        finally:
            context.reset(token)
        if file.status == OcrFile.Status.REJECTED:
            self.stderr.write(f"Rejected (OCR file #{file.pk}): {file.reason}")
            sys.exit(1)
        if file.status == OcrFile.Status.DUPLICATE:
            self.stdout.write(f"Duplicate: {file.reason} 0 new transactions.")
            sys.exit(3)
        self.stdout.write(
            f"Imported OCR file #{file.pk} ({file.get_status_display()}): {file.transaction_count} transactions, "
            f"{file.settled_count} settled, {file.unmatched_count} unmatched, {file.unassigned_count} unassigned, "
            f"{file.skipped_count} already imported; total NOK {file.total_amount:.2f}."
        )
        if file.conflict_with_id:  # imported, but someone must ask the bank why (issue 20)
            self.stderr.write(file.reason)

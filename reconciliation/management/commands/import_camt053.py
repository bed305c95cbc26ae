"""``manage.py import_camt053 PATH --company ID``: exit 0 imported, 1 rejected, 3 duplicate (API.md)."""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand

from bankint import context
from companies.models import Company
from iso20022.camt053 import DEFAULT_MAX_BYTES
from reconciliation.models import StatementFile
from reconciliation.services import statement_file_import

EXIT = {"imported": 0, "rejected": 1, "duplicate": 3}


class Command(BaseCommand):
    help = "Import a camt.053.001.02 bank statement file for a company."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--company", type=int, required=True, help="the company's id")

    def handle(self, *args, path: str, company: int, **options):
        target = Company.objects.filter(pk=company).first()
        if target is None:
            self.stderr.write(f"No company with id {company}.")
            sys.exit(1)
        file = Path(path)
        try:
            if file.stat().st_size > DEFAULT_MAX_BYTES:
                self.stderr.write(f"{path}: larger than the limit of {DEFAULT_MAX_BYTES:,} bytes; not read.")
                sys.exit(1)
            with file.open("rb"):  # readable? (the import then reads it in pieces, never whole)
                pass
        except OSError as exc:
            self.stderr.write(f"{path}: cannot read the file ({exc.strerror}).")
            sys.exit(1)
        token = context.bind(source="command")
        try:
            result = statement_file_import(
                target, file, source=StatementFile.Source.COMMAND, filename=file.name
            )
        finally:
            context.reset(token)
        if result.outcome == "imported":
            self.stdout.write(f"statement file #{result.file.pk}: {result.message}")
        else:
            self.stderr.write(f"statement file #{result.file.pk}: {result.message}")
        sys.exit(EXIT[result.outcome])

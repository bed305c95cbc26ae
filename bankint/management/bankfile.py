"""What ``manage.py import_ocr`` and ``manage.py import_camt053`` share: ``PATH --company ID``,
the file checked before it is read, the import run as the command, and the exit status
(0 imported, 1 rejected, 3 duplicate; a bad company or path is a ``CommandError``, 1 too)."""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from bankint import context

EXIT = {"imported": 0, "rejected": 1, "duplicate": 3}


class BankFileCommand(BaseCommand):
    """Subclasses set ``company_model`` (the kernel imports no app), ``max_bytes`` and ``kind``
    ("an OCR file"), and implement :meth:`import_file`."""

    company_model = None
    max_bytes: int
    kind: str
    # False: without --company the file is not one company's (``import_file`` gets None)
    company_required = True

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--company", type=int, required=self.company_required, help="the company's id")

    def handle(self, *args, path: str, company: int | None = None, **options):
        target = None
        if company is not None:
            target = self.company_model.objects.filter(pk=company).first()
            if target is None:
                raise CommandError(f"No company with id {company}.")
        file = Path(path)
        if not file.is_file():
            raise CommandError(f"{path}: no such file.")
        try:
            size = file.stat().st_size
            with file.open("rb"):  # readable? (the import then reads it by its path)
                pass
        except OSError as exc:
            raise CommandError(f"{path}: cannot read the file ({exc.strerror}).") from None
        if size > self.max_bytes:
            raise CommandError(f"{path}: larger than the limit of {self.max_bytes:,} bytes; not {self.kind}.")
        token = context.bind(source="command")
        try:
            outcome, out, err = self.import_file(target, file)
        finally:
            context.reset(token)
        if out:
            self.stdout.write(out)
        if err:
            self.stderr.write(err)
        sys.exit(EXIT[outcome])

    def import_file(self, company, path: Path) -> tuple[str, str, str]:
        """Import the file; its outcome ("imported", "rejected", "duplicate") and what to say on
        stdout and on stderr."""
        raise NotImplementedError

"""``manage.py import_camt053 PATH --company ID``: exit 0 imported, 1 rejected, 3 duplicate."""

from __future__ import annotations

from bankint.management.bankfile import BankFileCommand
from companies.models import Company
from iso20022.camt053 import DEFAULT_MAX_BYTES
from reconciliation.models import StatementFile
from reconciliation.services import statement_file_import


class Command(BankFileCommand):
    help = "Import a camt.053 bank statement file (.001.02, .03, .04 or .08) for a company."
    company_model = Company
    max_bytes = DEFAULT_MAX_BYTES
    kind = "a camt.053 file"

    def import_file(self, company, path):
        # By its path: the import reads it in pieces, never whole.
        result = statement_file_import(company, path, source=StatementFile.Source.COMMAND, filename=path.name)
        said = f"statement file #{result.file.pk}: {result.message}"
        return result.outcome, *((said, "") if result.ok else ("", said))

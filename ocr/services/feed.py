"""The bank feed's ``ocr_file.created`` events: each new OCR file downloaded and imported."""

from __future__ import annotations

from ..models import OcrFile
from .importing import ocr_file_import


def ocr_files_fetch(events) -> list[OcrFile]:
    """Feed handler for ``ocr_file.created``: download each new file and import it.

    Idempotent: files already stored (by bank file id) are not downloaded again. The download
    happens outside any database transaction (a slow bank must not hold database locks); ``BankUnavailable`` propagates so
    the page is retried next round.
    """
    from bankclient import get_client
    from companies.models import Company

    orgs = {e.org_number for e in events if e.org_number}
    companies = {c.org_number: c for c in Company.objects.filter(org_number__in=orgs)}
    ids = [int(e.resource_id) for e in events if str(e.resource_id).isdigit()]
    known = set(
        OcrFile.objects.filter(bank_file_id__in=ids)
        .exclude(status=OcrFile.Status.DUPLICATE)
        .values_list("company_id", "bank_file_id")
    )
    client = None
    imported: list[OcrFile] = []
    for event in events:
        company = companies.get(event.org_number)
        if company is None or not str(event.resource_id).isdigit():
            continue  # not one of our companies
        file_id = int(event.resource_id)
        if (company.pk, file_id) in known:
            continue
        client = client or get_client()
        data = client.download_ocr_file(file_id)
        imported.append(
            ocr_file_import(
                company,
                data,
                source=OcrFile.Source.BANK,
                filename=f"nets-ocr-{file_id}.txt",
                bank_file_id=file_id,
            )
        )
        known.add((company.pk, file_id))
    return imported

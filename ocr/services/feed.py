"""The bank feed's ``ocr_file.created`` events: each new Nets transmission downloaded and
received once, at vendor level (Nets delivers to the data recipient, for every customer)."""

from __future__ import annotations

from ..models import OcrFile, OcrTransmission
from .transmissions import ocr_transmission_import, ocr_transmission_retry


def ocr_files_fetch(events) -> list[OcrTransmission]:
    """Feed handler for ``ocr_file.created``: download each new transmission and import it.

    Idempotent: transmissions already stored (by bank file id) are not downloaded again. The
    download happens outside any database transaction (a slow bank must not hold database
    locks); ``BankUnavailable`` propagates so the page is retried next round.
    """
    from bankclient import get_client

    ids = [int(e.resource_id) for e in events if str(e.resource_id).isdigit()]
    known = set()
    for row in OcrTransmission.objects.filter(bank_file_id__in=ids).exclude(
        status=OcrTransmission.Status.DUPLICATE
    ):
        known.add(row.bank_file_id)
        ocr_transmission_retry(row)  # the parts a worker that died half-way left undone
    client = None
    imported: list[OcrTransmission] = []
    for file_id in ids:
        if file_id in known:
            continue
        client = client or get_client()
        data = client.download_ocr_file(file_id)
        imported.append(
            ocr_transmission_import(
                data,
                source=OcrFile.Source.BANK,
                filename=f"nets-ocr-{file_id}.txt",
                bank_file_id=file_id,
            )
        )
        known.add(file_id)
    return imported

"""The bank feed's ``ocr_file.created`` events: each new Nets transmission recorded for a task
on the ``imports`` queue to download and receive once, at vendor level (Nets delivers to the
data recipient, for every customer; agreements/fetches.py)."""

from __future__ import annotations

from agreements.fetches import FetchSpec, bank_file_fetches_record
from agreements.models import BankFileFetch

from ..models import OcrFile, OcrTransmission
from .transmissions import ocr_transmission_import, ocr_transmission_retry

UNFINISHED = (OcrTransmission.Status.RECEIVED, OcrTransmission.Status.PARTLY_FAILED)


def ocr_files_fetch(events) -> list[BankFileFetch]:
    """Feed handler for ``ocr_file.created``: record each new transmission to fetch, and queue
    one ``ocr.ocr_file_import`` task per file once the record commits.

    Nothing is downloaded here. A transmission already stored is not fetched again; one that a
    worker left half-imported (RECEIVED, or a company's part failed) is queued again, and its
    task imports the parts not done. Returns the fetches queued.
    """
    events = [e for e in events if str(e.resource_id).isdigit()]
    ids = [int(e.resource_id) for e in events]
    status = dict(
        OcrTransmission.objects.filter(bank_file_id__in=ids)
        .exclude(status=OcrTransmission.Status.DUPLICATE)
        .values_list("bank_file_id", "status")
    )
    specs = [FetchSpec.of(e) for e in events if status.get(int(e.resource_id), UNFINISHED[0]) in UNFINISHED]
    again = [str(file_id) for file_id, state in status.items() if state in UNFINISHED]
    return bank_file_fetches_record(BankFileFetch.Kind.OCR_FILE, specs, reopen=again)


def ocr_file_fetch_import(fetch: BankFileFetch, *, client=None) -> OcrTransmission:
    """The task's work: download one transmission and import it, or finish the one stored.

    Idempotent: a transmission already stored (by bank file id) is not downloaded again; the
    parts a worker that died half-way left undone are imported now (``ocr_transmission_retry``),
    and the SHA-256 catches bytes received twice. The download happens outside any database
    transaction; ``BankUnavailable`` propagates and the fetch is tried again later.
    """
    from bankclient import get_client

    file_id = int(fetch.bank_resource_id)
    known = (
        OcrTransmission.objects.filter(bank_file_id=file_id)
        .exclude(status=OcrTransmission.Status.DUPLICATE)
        .order_by("id")
        .first()
    )
    if known is not None:
        return ocr_transmission_retry(known)
    data = (client or get_client()).download_ocr_file(file_id)
    return ocr_transmission_import(
        data,
        source=OcrFile.Source.BANK,
        filename=f"nets-ocr-{file_id}.txt",
        bank_file_id=file_id,
    )

"""Thin Celery tasks on the ``imports`` queue: an id in, the fetch frame around one service."""

from celery import shared_task

from agreements.fetches import bank_file_fetch_run
from agreements.models import BankFileFetch


@shared_task(name="ocr.ocr_file_import", acks_late=True, ignore_result=True)
def ocr_file_import(fetch_id: int) -> str:
    """Download one Nets transmission the feed announced and import it (agreements/fetches.py)."""
    from .services.feed import ocr_file_fetch_import

    def work(fetch):
        ocr_file_fetch_import(fetch)

    return bank_file_fetch_run(fetch_id, BankFileFetch.Kind.OCR_FILE, work)

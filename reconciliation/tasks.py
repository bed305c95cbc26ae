"""Thin Celery tasks on the ``imports`` queue: an id in, the fetch frame around one service."""

from celery import shared_task

from agreements.fetches import bank_file_fetch_run
from agreements.models import BankFileFetch


@shared_task(name="reconciliation.statement_import", acks_late=True, ignore_result=True)
def statement_import(fetch_id: int) -> str:
    """Download one statement the feed announced and import it (agreements/fetches.py)."""
    from .services.feed import statement_fetch_import

    def work(fetch):
        statement_fetch_import(fetch)

    return bank_file_fetch_run(fetch_id, BankFileFetch.Kind.STATEMENT, work)

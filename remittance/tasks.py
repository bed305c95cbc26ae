"""Thin Celery tasks: ids in, one service call, retry only when the bank is unavailable.

The services announce a batch ready to send with a signal; the receiver here queues the
send once their transaction commits (the services never import this module).
"""

from celery import shared_task
from django.dispatch import receiver

from bankclient import BankUnavailable
from bankint.tasks import enqueue_on_commit

from .services import submission
from .signals import payment_batch_ready_to_send

# Countdowns stay far below the broker's visibility timeout (CELERY_VISIBILITY_TIMEOUT, one
# hour by default): a longer one would be redelivered while it waits, as if its worker were
# lost, and the submission would run twice.
MAX_BACKOFF_SECONDS = 300


@shared_task(
    name="remittance.payment_batch_submit", bind=True, acks_late=True, ignore_result=True, max_retries=8
)
def payment_batch_submit(self, batch_id: int) -> None:
    try:
        submission.payment_batch_submit(batch_id)
    except BankUnavailable as exc:
        # Same batch, same stored file, same MsgId: the bank deduplicates the resend.
        raise self.retry(exc=exc, countdown=min(MAX_BACKOFF_SECONDS, 5 * 2**self.request.retries)) from exc


@shared_task(name="remittance.payment_batches_resolve_stale", acks_late=True, ignore_result=True)
def payment_batches_resolve_stale() -> int:
    return submission.payment_batches_resolve_stale()


@receiver(payment_batch_ready_to_send, dispatch_uid="remittance.queue_payment_batch_submit")
def queue_payment_batch_submit(sender, batch_id: int, **kwargs) -> None:
    """Queue the send once the transaction that made the batch sendable commits."""
    enqueue_on_commit(payment_batch_submit, batch_id)


@shared_task(name="remittance.debit_notification_import", acks_late=True, ignore_result=True)
def debit_notification_import(fetch_id: int) -> str:
    """Download one camt.054 the feed announced and book it, on the imports queue
    (agreements/fetches.py)."""
    from agreements.fetches import bank_file_fetch_run
    from agreements.models import BankFileFetch

    from .services.bank_events import debit_notification_fetch_import

    return bank_file_fetch_run(
        fetch_id, BankFileFetch.Kind.DEBIT_NOTIFICATION, debit_notification_fetch_import
    )

"""Thin Celery tasks: ids in, one service call, retry only when the bank is unavailable."""

from celery import shared_task

from bankclient import BankUnavailable

from . import services

# Countdowns stay far below the broker's visibility timeout (``CELERY_BROKER_TRANSPORT_OPTIONS``):
# a longer one would be redelivered while it waits and the submission would run twice.
MAX_BACKOFF_SECONDS = 300


@shared_task(
    name="remittance.payment_batch_submit", bind=True, acks_late=True, ignore_result=True, max_retries=8
)
def payment_batch_submit(self, batch_id: int) -> None:
    try:
        services.payment_batch_submit(batch_id)
    except BankUnavailable as exc:
        # Same batch, same stored file, same MsgId: the bank deduplicates the resend.
        raise self.retry(exc=exc, countdown=min(MAX_BACKOFF_SECONDS, 5 * 2**self.request.retries)) from exc


@shared_task(name="remittance.payment_batches_resolve_stale", acks_late=True, ignore_result=True)
def payment_batches_resolve_stale() -> int:
    return services.payment_batches_resolve_stale()

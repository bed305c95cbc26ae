from celery import shared_task

from . import feed


@shared_task(name="agreements.bank_feed_poll", acks_late=True, ignore_result=True)
def bank_feed_poll() -> str:
    """Beat runs this; the backoff after bank errors lives in the cursor row, not in Celery."""
    return feed.bank_feed_poll().summary()

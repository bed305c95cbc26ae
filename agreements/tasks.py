from celery import shared_task

from bankclient import BankUnavailable

from . import feed
from .services.orders import RIGHTS_REFRESH_TASK, SUBMIT_TASK


def _bank_task(name: str):
    """A task that calls the bank: while the bank is unavailable Celery retries it after 15 s,
    doubling, at most 15 minutes apart, 12 times (no jitter: the schedule is the documented one)."""
    return shared_task(
        name=name,
        acks_late=True,
        ignore_result=True,
        autoretry_for=(BankUnavailable,),
        max_retries=12,
        retry_backoff=15,
        retry_backoff_max=900,
        retry_jitter=False,
    )


@shared_task(name="agreements.bank_feed_poll", acks_late=True, ignore_result=True)
def bank_feed_poll() -> str:
    """Beat runs this; the backoff after bank errors lives in the cursor row, not in Celery."""
    return feed.bank_feed_poll().summary()


@_bank_task(SUBMIT_TASK)
def service_order_submit(order_id: int) -> str:
    """Send an order the bank did not answer; the reference makes a resend safe."""
    from .models import ServiceOrder
    from .services.orders import service_order_submit as submit

    order = ServiceOrder.objects.filter(pk=order_id).first()
    if order is None:
        return "gone"
    return submit(order).status


@shared_task(name="agreements.service_orders_submit_stale", acks_late=True, ignore_result=True)
def service_orders_submit_stale() -> int:
    from .services.orders import service_orders_submit_stale as sweep

    return sweep()


@_bank_task(RIGHTS_REFRESH_TASK)
def bank_rights_refresh(company_id: int) -> str:
    """The approval rights after a completed order, when the bank did not answer the first time."""
    from companies.models import Company

    from .services.order_results import bank_rights_refresh as refresh

    company = Company.objects.filter(pk=company_id).first()
    if company is None:
        return "gone"
    refresh(company)
    return "refreshed"


@shared_task(name="agreements.bank_file_fetches_requeue", acks_late=True, ignore_result=True)
def bank_file_fetches_requeue() -> int:
    """Beat runs this: the bank files a lost message or a dead worker left, queued again."""
    from .fetches import bank_file_fetches_requeue as sweep

    return sweep()

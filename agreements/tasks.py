from celery import shared_task

from bankclient import BankUnavailable

from . import feed
from .services.orders import RIGHTS_REFRESH_TASK, SUBMIT_TASK


@shared_task(name="agreements.bank_feed_poll", acks_late=True, ignore_result=True)
def bank_feed_poll() -> str:
    """Beat runs this; the backoff after bank errors lives in the cursor row, not in Celery."""
    return feed.bank_feed_poll().summary()


@shared_task(
    name=SUBMIT_TASK,
    bind=True,
    acks_late=True,
    ignore_result=True,
    max_retries=12,
)
def service_order_submit(self, order_id: int) -> str:
    """Send an order the bank did not answer; the reference makes a resend safe."""
    from .models import ServiceOrder
    from .services.orders import service_order_submit as submit

    order = ServiceOrder.objects.filter(pk=order_id).first()
    if order is None:
        return "gone"
    try:
        return submit(order).status
    except BankUnavailable as exc:
        raise self.retry(exc=exc, countdown=min(15 * 2**self.request.retries, 900)) from exc


@shared_task(name="agreements.service_orders_submit_stale", acks_late=True, ignore_result=True)
def service_orders_submit_stale() -> int:
    from .services.orders import service_orders_submit_stale as sweep

    return sweep()


@shared_task(
    name=RIGHTS_REFRESH_TASK,
    bind=True,
    acks_late=True,
    ignore_result=True,
    max_retries=12,
)
def bank_rights_refresh(self, company_id: int) -> str:
    """The approval rights after a completed order, when the bank did not answer the first time."""
    from companies.models import Company

    from .services.order_results import bank_rights_refresh as refresh

    company = Company.objects.filter(pk=company_id).first()
    if company is None:
        return "gone"
    try:
        refresh(company)
    except BankUnavailable as exc:
        raise self.retry(exc=exc, countdown=min(15 * 2**self.request.retries, 900)) from exc
    return "refreshed"

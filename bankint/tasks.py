from celery import shared_task
from django.core.cache import cache
from django.utils import timezone

HEARTBEAT_KEY = "bankint:worker-heartbeat"


@shared_task(name="bankint.tasks.heartbeat", ignore_result=True)
def heartbeat() -> str:
    """Beat schedules this; /healthz reports how long ago a worker last ran it."""
    now = timezone.now().isoformat()
    cache.set(HEARTBEAT_KEY, now, timeout=None)
    return now

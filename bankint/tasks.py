import logging
from functools import partial

from celery import current_app, shared_task
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

HEARTBEAT_KEY = "bankint:worker-heartbeat"
logger = logging.getLogger(__name__)


def enqueue_on_commit(task, *args) -> None:
    """Queue ``task`` once the surrounding transaction commits, and never fail the caller.

    ``task`` is a Celery task or its registered name (``"notifications.notification_email_send"``).
    Services pass the name: a tasks module imports its services, never the reverse, and the name
    is what producer and worker agree on anyway.

    The row that says what is to be done (a batch APPROVED, an order SUBMITTING, a warning not
    yet e-mailed) is already committed in PostgreSQL, and a beat sweep picks up whatever was
    not queued. So a broker that is down costs a delay and a log line, never a 500 on the
    user's click or a lost payment.
    """
    transaction.on_commit(partial(_publish, task, args))


def task_by_name(name: str):
    """The registered task called ``name``; an unknown name is a bug and raises ``KeyError``.

    A web process imports no tasks module by itself (a worker imports them all when it starts):
    the first lookup of a name not yet registered imports every app's ``tasks`` module, as
    the worker's autodiscovery does.
    """
    app = current_app
    if name not in app.tasks:
        app.autodiscover_tasks(force=True)
    return app.tasks[name]


def _publish(task, args) -> None:
    if isinstance(task, str):
        task = task_by_name(task)
    try:
        task.delay(*args)
    except Exception as exc:  # kombu raises OperationalError, redis-py its own; all mean "not queued"
        logger.error(
            "could not queue %s%s (%s: %s); the periodic sweep will pick it up",
            task.name,
            args,
            type(exc).__name__,
            exc,
        )


@shared_task(name="bankint.tasks.heartbeat", ignore_result=True)
def heartbeat() -> str:
    """Beat schedules this; /healthz reports how long ago a worker last ran it."""
    now = timezone.now().isoformat()
    cache.set(HEARTBEAT_KEY, now, timeout=None)
    return now

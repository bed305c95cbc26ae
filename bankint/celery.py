"""The Celery app. Tasks stay thin (take ids, call one service, safe to run twice: Celery
delivers at least once) and carry the request context into logs."""

import os

from celery import Celery
from celery.signals import task_postrun, task_prerun

# Remembered so that a launcher importing this package (bankint.embedded) does not hand the
# commands it runs a settings module they never asked for (pytest would take it over its ini).
SETTINGS_MODULE_DEFAULTED = not os.environ.get("DJANGO_SETTINGS_MODULE")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bankint.settings.base")

app = Celery("bankint")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
def _bind_task_context(task_id=None, task=None, **_kwargs):
    from bankint import context

    context.bind(request_id=f"task-{task_id}", source=f"task:{task.name}" if task else "task")


@task_postrun.connect
def _clear_task_context(**_kwargs):
    from bankint import context

    context.clear()

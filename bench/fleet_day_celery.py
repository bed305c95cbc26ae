"""The portal's Celery app as ``bench/fleet_day.py`` runs it (``celery -A bench.fleet_day_celery``):
the same app, tasks and settings, plus a count of the database queries each task makes, added
to Redis after each task (``fleetday:queries`` and per task name ``fleetday:by_task``), so the
fleet day can say how many queries the day cost per company without pg_stat_statements.
"""

from __future__ import annotations

import os
import time

from celery.signals import task_postrun, task_prerun
from django.db.backends.signals import connection_created

from bankint.celery import app  # noqa: F401  (the app celery -A finds)

_count = [0]
_started: dict[str, float] = {}
_redis = []


def _counting(execute, sql, params, many, context):
    _count[0] += 1
    return execute(sql, params, many, context)


@connection_created.connect
def _install(sender, connection, **_kwargs):
    if _counting not in connection.execute_wrappers:
        connection.execute_wrappers.append(_counting)


@task_prerun.connect
def _before(task_id=None, task=None, **_kwargs):
    from django.db import connections

    for conn in connections.all(initialized_only=True):
        if _counting not in conn.execute_wrappers:
            conn.execute_wrappers.append(_counting)
    _count[0] = 0
    _started[task_id] = time.perf_counter()


@task_postrun.connect
def _after(task_id=None, task=None, **_kwargs):
    import redis

    if not _redis:
        _redis.append(redis.Redis.from_url(os.environ["CELERY_BROKER_URL"]))
    seconds = time.perf_counter() - _started.pop(task_id, time.perf_counter())
    name = task.name if task else "?"
    pipe = _redis[0].pipeline()
    pipe.incrby("fleetday:queries", _count[0])
    pipe.hincrby("fleetday:by_task", name, _count[0])
    pipe.hincrby("fleetday:tasks", name, 1)
    pipe.hincrbyfloat("fleetday:seconds", name, seconds)
    pipe.execute()
    _count[0] = 0

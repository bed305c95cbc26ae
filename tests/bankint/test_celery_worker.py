"""A real Celery worker process, on the configured broker (Redis in CI), against the test database.

It proves the wiring end to end: a service enqueues on commit, the worker picks the task up
from the broker, reads the committed row and records the outcome in the database.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, transaction

from bankint.embedded import database_url
from companies.roles import Role
from notifications.models import Notification
from notifications.services import notify

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def _database_url() -> str:
    return database_url(connection.settings_dict)


@pytest.fixture
def worker(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bankint.settings.test",
        "DATABASE_URL": _database_url(),
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(tmp_path / "mail"),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
    }
    log = open(tmp_path / "worker.log", "w")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "bankint",
            "worker",
            "--pool=solo",
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    yield tmp_path
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


def test_worker_emails_an_error_notification_once(worker, company_a, make_user):
    make_user("ops-admin", company=company_a, roles=[Role.SYSADMIN], email="ops@example.test")
    with transaction.atomic():
        n = notify(
            company_a, level=Notification.Level.ERROR, title="Betaling avvist", body="AC01: feil kontonummer."
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        n.refresh_from_db()
        if n.emailed_at and list(Path(worker / "mail").glob("*")):
            break
        time.sleep(0.3)
    log = (worker / "worker.log").read_text()
    assert n.emailed_at is not None, log[-3000:]
    messages = [p.read_text() for p in (worker / "mail").glob("*")]
    assert len(messages) == 1
    assert "ops@example.test" in messages[0] and "Betaling avvist" in messages[0]

"""Celery queues: every task on a known queue, and every queue with a consumer wherever the
processes are described (``make run``, Procfile.dev, docker-compose.yml).

The point is that a night's bank files to import never delay a payment submission: the two are
on different queues, and in production no worker that takes imports also takes submissions.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
import redis
import yaml
from celery import Celery
from django.conf import settings

from bankint import embedded
from bankint.celery import app

ROOT = Path(__file__).resolve().parents[2]
QUEUES = set(settings.BANKINT_QUEUES)
# Names the file-import tasks may take when the feed hands downloads to the imports queue.
IMPORT_NAMES = [
    "ocr.ocr_file_import",
    "ocr.ocr_transmission_import",
    "reconciliation.statement_import",
    "reconciliation.statements_fetch",
    "remittance.pain002_import",
    "remittance.debit_notification_import",
    "remittance.fetch_debit_notifications",
    # The ones that exist: one per file the feed announced, and the sweep that queues again
    # what a lost message or a dead worker left (agreements/fetches.py).
    "remittance.debit_notification_import",
    "agreements.bank_file_fetches_requeue",
]


def _project_tasks() -> list[str]:
    """What ``celery inspect registered`` lists for a worker: every app's tasks, not Celery's own."""
    app.loader.import_default_modules()
    app.autodiscover_tasks(force=True)
    return sorted(name for name in app.tasks if not name.startswith("celery."))


def _queue(name: str) -> str:
    return app.amqp.router.route({}, name)["queue"].name


def test_every_task_is_listed_by_name_on_a_known_queue():
    tasks = _project_tasks()
    assert len(tasks) >= 9, tasks
    routes = settings.CELERY_TASK_ROUTES
    unlisted = [name for name in tasks if name not in routes]
    assert unlisted == [], "add these to CELERY_TASK_ROUTES (bankint/settings/base.py)"
    assert {name: _queue(name) for name in tasks if _queue(name) not in QUEUES} == {}
    # No stale entry: every exact name in the routes is a task that exists.
    listed = [name for name in routes if "*" not in name]
    assert sorted(set(listed) - set(tasks)) == []
    assert {routes[name]["queue"] for name in routes} <= QUEUES


def test_each_kind_of_work_has_its_queue():
    assert _queue("agreements.bank_feed_poll") == "feed"
    assert _queue("agreements.service_order_submit") == "feed"
    assert _queue("remittance.payment_batch_submit") == "submissions"
    assert _queue("remittance.payment_batches_resolve_stale") == "submissions"
    assert _queue("notifications.notification_email_send") == "email"
    assert _queue("bankint.tasks.heartbeat") == "default"
    # A task nobody listed yet still lands on its app's queue, and anything else on default.
    assert _queue("remittance.signing_poll") == "submissions"
    assert _queue("agreements.some_new_task") == "feed"
    assert _queue("ledger.some_new_task") == "default"


@pytest.mark.parametrize("name", IMPORT_NAMES)
def test_file_imports_go_to_imports_never_beside_submissions(name):
    assert _queue(name) == "imports"
    assert _queue(name) != _queue("remittance.payment_batch_submit")


def test_beat_sends_only_routed_tasks_that_expire_before_the_next_one_is_due():
    tasks = set(_project_tasks())
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in tasks
        assert _queue(entry["task"]) in QUEUES
        assert 0 < entry["options"]["expires"] <= entry["schedule"]


def test_a_task_sent_by_name_lands_in_its_queue_on_the_broker(monkeypatch):
    """Through the real broker (Redis), on a database of its own so no worker picks it up."""
    url = re.sub(r"/\d*$", "", settings.CELERY_BROKER_URL.rstrip("/")) + "/7"
    client = redis.Redis.from_url(url)
    client.flushdb()
    # Celery reads CELERY_BROKER_URL from the environment before any setting.
    monkeypatch.setenv("CELERY_BROKER_URL", url)
    producer = Celery("queues-test")
    producer.config_from_object("django.conf:settings", namespace="CELERY")
    producer.conf.broker_url = url
    try:
        producer.send_task("remittance.payment_batch_submit", args=[1])
        producer.send_task("ocr.ocr_transmission_import", args=[1])
        producer.send_task("notifications.notification_email_send", args=[1])
        producer.send_task("bankint.tasks.heartbeat")
        assert {q: client.llen(q) for q in sorted(QUEUES)} == {
            "default": 1,
            "email": 1,
            "feed": 0,
            "imports": 1,
            "submissions": 1,
        }
    finally:
        producer.close()
        client.flushdb()
        client.close()


# The process descriptions --------------------------------------------------------------------


def _queues_of(argv: list[str]) -> set[str] | None:
    """The queues a ``celery worker`` command line consumes; None when it names none (= all)."""
    for i, arg in enumerate(argv):
        if arg in ("-Q", "--queues"):
            return set(argv[i + 1].split(","))
        if arg.startswith("--queues="):
            return set(arg.split("=", 1)[1].split(","))
    return None


def _is_worker(argv: list[str]) -> bool:
    return "celery" in argv[:3] and "worker" in argv


def _is_beat(argv: list[str]) -> bool:
    return "celery" in argv[:3] and "beat" in argv


def _procfile() -> dict[str, list[str]]:
    lines = (ROOT / "Procfile.dev").read_text(encoding="utf-8").splitlines()
    found = (re.match(r"^([A-Za-z0-9_-]+):\s*(.+)$", line) for line in lines)
    return {m[1]: shlex.split(m[2]) for m in found if m}


def _compose() -> dict[str, list[str]]:
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))["services"]
    return {name: list(s.get("command") or []) for name, s in services.items()}


def _consumers(commands: dict[str, list[str]]) -> dict[str, set[str]]:
    return {name: (_queues_of(argv) or QUEUES) for name, argv in commands.items() if _is_worker(argv)}


@pytest.mark.parametrize("workers", ["", "one", "split"])
def test_make_run_has_a_consumer_for_every_queue_and_one_beat(workers):
    procfile = _procfile()
    started = embedded.processes(workers)
    assert set(started) <= set(procfile)
    commands = {name: procfile[name] for name in started}
    consumers = _consumers(commands)
    assert set().union(*consumers.values()) == QUEUES
    assert [name for name, argv in commands.items() if _is_beat(argv)] == ["beat"]
    if workers == "split":
        taking_submissions = [q for q in consumers.values() if "submissions" in q]
        assert taking_submissions and all("imports" not in q for q in taking_submissions)
    else:
        assert list(consumers) == ["worker"]


def test_make_run_refuses_an_unknown_workers_value():
    with pytest.raises(SystemExit, match="WORKERS=split"):
        embedded.processes("many")


def test_make_run_hands_honcho_the_processes_it_chose():
    argv = embedded.honcho_command("/venv/bin", "split")
    assert argv[argv.index("start") + 1 :] == embedded.processes("split")


def test_compose_has_a_scalable_worker_per_queue_group_and_one_beat():
    commands = _compose()
    consumers = _consumers(commands)
    assert set().union(*consumers.values()) == QUEUES
    # Every worker service names its queues (a worker without -Q would take all of them).
    assert all(_queues_of(commands[name]) for name in consumers)
    # No queue group shares a service with another: scaling one scales only that work.
    for name, queues in consumers.items():
        assert not ({"submissions", "imports"} <= queues), name
        assert not ({"submissions", "feed"} <= queues), name
    # --scale gives each container its own host name, hence a node name of its own.
    for name in consumers:
        argv = commands[name]
        assert "%h" in argv[argv.index("-n") + 1], name
        assert any(a.startswith("--concurrency=") for a in argv), name
        assert any(a.startswith("--prefetch-multiplier=") for a in argv), name
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))["services"]
    for name in consumers:  # a fixed name or published port would stop --scale
        assert "container_name" not in services[name] and "ports" not in services[name], name
    assert [name for name, argv in commands.items() if _is_beat(argv)] == ["beat"]
    assert "imports" in {q for queues in consumers.values() for q in queues}

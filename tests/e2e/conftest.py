"""The real processes for the end-to-end month: portal web (gunicorn), Celery worker and beat
on Redis, banksim with its own PostgreSQL database, and Chromium.

The portal processes share pytest-django's test database (the test is transactional, so
everything the test process writes is committed and visible to them, and the database is
flushed after the test, once the processes are stopped). banksim gets a database of its
own, created here. Each process logs to ``var/e2e/<run>/<name>.log``; the scenario reads
those logs at the end (no fødselsnummer may be in them).

Without Chromium these tests skip and say why (`make test` on a machine without it); in CI
(``CI=true``) a missing piece fails them instead.
"""

from __future__ import annotations

import datetime
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
from django.conf import settings
from django.db import connection
from django.utils import timezone

from bankclient import BankClient
from bankclient.sim import BankSim
from tests import pgdb
from tests.browser.conftest import browser_type_launch_args  # noqa: F401  (Chromium for Playwright)
from tests.clock import OFFSET_ENV, OSLO, ShiftedClock, install
from tests.conftest import chromium_path

ROOT = Path(__file__).resolve().parents[2]
KEY = "e2e-partner-key"
LOGS = ROOT / "var" / "e2e"
SCREENSHOTS = ROOT / "docs" / "screenshots"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(check: Callable[[], object], *, timeout: float = 120, interval: float = 0.3, what: str = ""):
    """Poll ``check`` until it returns something truthy; fail with ``what`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        try:
            value = check()
        except AssertionError as exc:  # a check may assert, to say what it saw
            last_error, value = exc, None
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what or check}: {last_error or ''}")


def _missing_pieces() -> list[str]:
    import redis

    problems = []
    try:
        redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_timeout=2).ping()
    except redis.RedisError as exc:
        problems.append(f"Redis at CELERY_BROKER_URL does not answer ({exc})")
    if chromium_path() is None:
        problems.append("Chromium is not installed (apt-get install chromium)")
    return problems


def require_stack() -> None:
    problems = _missing_pieces()
    if not problems:
        return
    reason = "the end-to-end month needs Redis and Chromium: " + "; ".join(problems)
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        pytest.fail(reason + " (CI must run these)")
    pytest.skip(reason + " (CI runs these)")


@dataclass
class Proc:
    """One subprocess with its log file; restartable (the worker is killed on purpose)."""

    name: str
    cmd: list[str]
    env: dict
    log_path: Path
    popen: subprocess.Popen | None = None
    starts: int = 0

    def start(self) -> Proc:
        self.starts += 1
        log = open(self.log_path, "a")
        log.write(f"\n=== start {self.starts}: {' '.join(self.cmd)}\n")
        log.flush()
        self.popen = subprocess.Popen(
            self.cmd, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()
        return self

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def kill9(self) -> None:
        """SIGKILL, as an OOM killer or a pulled plug would: no cleanup, no ack."""
        if self.alive():
            os.kill(self.popen.pid, signal.SIGKILL)
            self.popen.wait(timeout=10)

    def stop(self) -> None:
        if not self.alive():
            return
        self.popen.terminate()
        try:
            self.popen.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.kill9()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


@pytest.fixture(scope="session")
def e2e_banksim(django_db_setup, django_db_blocker):
    """banksim as its own process on its own PostgreSQL database, for the whole session."""
    with django_db_blocker.unblock():
        require_stack()
        name = f"{connection.settings_dict['NAME']}_banksim_e2e"[:63]
        db_url = pgdb.recreate(name)
    port = _free_port()
    LOGS.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "BANKSIM_DATABASE_URL": db_url,
        "BANKSIM_PARTNER_API_KEYS": KEY,
        "BANKSIM_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "BANKSIM_ALLOW_RESET": "true",
        "BANKSIM_ORDER_DELAY_SECONDS": "3600",
        "BANKSIM_APPLICATION_DELAY_SECONDS": "3600",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    subprocess.run([sys.executable, "-m", "banksim", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    url = f"http://127.0.0.1:{port}"
    proc = Proc(
        "banksim",
        [sys.executable, "-m", "banksim", "runserver", f"127.0.0.1:{port}", "--noreload"],
        env,
        LOGS / "banksim.log",
    )
    proc.log_path.write_text("")
    proc.start()
    wait_until(
        lambda: _answers(f"{url}/sim/clock") or (not proc.alive() and pytest.fail(proc.log()[-3000:])),
        timeout=60,
        what="banksim to start",
    )
    yield url
    proc.stop()
    with django_db_blocker.unblock():
        pgdb.drop(name)


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False


@dataclass
class Stack:
    run: str
    portal_url: str
    bank_url: str
    web: Proc
    worker: Proc
    beat: Proc
    sim: BankSim
    bank: BankClient
    log_dir: Path
    notes: dict = field(default_factory=dict)

    def restart_worker(self) -> None:
        self.worker.start()

    def logs(self) -> dict[str, str]:
        return {p.name: p.log() for p in (self.web, self.worker, self.beat)}


def first_day_clock(first_day: str | None) -> ShiftedClock | None:
    """The clock of a month that starts on ``first_day`` (ISO date) at 09:00 Oslo time, when the
    simulated bank opens; ``None``: the real date and time."""
    if not first_day:
        return None
    return ShiftedClock.starting_at(
        datetime.datetime.combine(datetime.date.fromisoformat(first_day), datetime.time(9, 0), OSLO)
    )


@pytest.fixture
def e2e_stack(request, e2e_banksim, transactional_db, settings, monkeypatch):
    """Portal web, worker and beat against the test database, talking to banksim.

    A run parametrized with ``first_day`` moves the clock of this process and of every process
    it starts by the same offset, so the portal lives that day as the bank does."""
    require_stack()
    callspec = getattr(request.node, "callspec", None)
    run = callspec.id if callspec else "run"
    clock = first_day_clock(callspec.params.get("first_day") if callspec else None)
    if clock is None and isinstance(timezone.now, ShiftedClock):
        clock = timezone.now  # BANKINT_TEST_NOW: the processes live the test process's day
    log_dir = LOGS / str(run)
    log_dir.mkdir(parents=True, exist_ok=True)
    for old in log_dir.glob("*.log"):
        old.unlink()
    import redis

    # Tasks left in the broker by an earlier run must not reach this run's worker.
    redis.Redis.from_url(settings.CELERY_BROKER_URL).flushdb()
    port = _free_port()
    portal_url = f"http://127.0.0.1:{port}"
    media = log_dir / "media"
    media.mkdir(exist_ok=True)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.e2e.settings",
        "DATABASE_URL": pgdb.url(connection.settings_dict["NAME"]),
        "PYTHONPATH": str(ROOT),
        "BANK_API_URL": e2e_banksim,
        "BANK_API_KEY": KEY,
        "BANK_TIMEOUT_SECONDS": "3",
        "PORTAL_PUBLIC_URL": portal_url,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "BANK_POLL_INTERVAL_SECONDS": "1",
        "BANK_FEED_LEASE_SECONDS": "20",
        "BANK_FEED_BACKOFF_BASE_SECONDS": "0.5",
        "BANK_FEED_BACKOFF_MAX_SECONDS": "2",
        "REMITTANCE_STALE_SUBMISSION_SECONDS": "8",
        "REMITTANCE_RESOLVE_INTERVAL_SECONDS": "2",
        "CELERY_VISIBILITY_TIMEOUT": "3600",
        # The files the feed announces are imported by tasks; one a killed worker left is
        # queued again by beat's sweep once its claim runs out (agreements/fetches.py).
        "BANK_FILE_FETCH_LEASE_SECONDS": "20",
        "BANK_FILE_FETCH_STALE_SECONDS": "10",
        "BANK_FILE_FETCH_SWEEP_SECONDS": "2",
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(log_dir / "mail"),
        "MEDIA_ROOT": str(media),
        "LOG_FORMAT": "json",
        "LOG_LEVEL": "INFO",
        "DEBUG": "false",
    }
    env.pop("CELERY_TASK_ALWAYS_EAGER", None)
    env.pop(OFFSET_ENV, None)
    if clock is not None:
        install(clock, monkeypatch)
        env[OFFSET_ENV] = repr(clock.offset.total_seconds())
    py = sys.executable
    web = Proc(
        "portal",
        [
            py,
            "-m",
            "gunicorn",
            "bankint.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--threads",
            "8",
            "--worker-class",
            "gthread",
            "--timeout",
            "60",
            "--access-logfile",
            "-",
        ],
        env,
        log_dir / "portal.log",
    )
    celery = [py, "-m", "celery", "-A", "bankint"]
    worker = Proc(
        "worker",
        [
            *celery,
            "worker",
            "--pool=solo",
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-n",
            f"e2e-{run}@%h",
        ],
        env,
        log_dir / "worker.log",
    )
    beat = Proc(
        "beat",
        [*celery, "beat", "--loglevel=INFO", "--schedule", str(log_dir / "beat-schedule")],
        env,
        log_dir / "beat.log",
    )
    for proc in (web, worker, beat):
        proc.start()
    stack = Stack(
        run=str(run),
        portal_url=portal_url,
        bank_url=e2e_banksim,
        web=web,
        worker=worker,
        beat=beat,
        sim=BankSim(e2e_banksim, KEY, timeout=60),
        bank=BankClient(e2e_banksim, KEY, timeout=30),
        log_dir=log_dir,
    )
    # The test process is one more client of the same bank (services it calls directly).
    settings.BANK_API_URL, settings.BANK_API_KEY = e2e_banksim, KEY
    settings.PORTAL_PUBLIC_URL = portal_url
    try:
        wait_until(
            lambda: _answers(f"{portal_url}/accounts/login/") or (not web.alive() and pytest.fail(web.log())),
            timeout=90,
            what="the portal to start",
        )
        yield stack
    finally:
        for proc in (beat, worker, web):
            proc.stop()
        stack.sim.close()
        stack.bank.close()


@pytest.fixture
def shot():
    """Screenshots of the main screens, small (the viewport only): ``var/screenshots/e2e-*.png``,
    and ``docs/screenshots/`` (shown in ``docs/TESTING.md``) when ``BANKINT_DOCS_SCREENSHOTS=1``."""
    target = (
        SCREENSHOTS if os.environ.get("BANKINT_DOCS_SCREENSHOTS") == "1" else ROOT / "var" / "screenshots"
    )
    target.mkdir(parents=True, exist_ok=True)

    def _take(page, name: str) -> Path:
        path = target / f"e2e-{name}.png"
        page.screenshot(path=str(path), full_page=False)
        return path

    return _take


OPEN_PAGES: list = []


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture(autouse=True)
def _dump_pages_on_failure(request):
    """A failed run leaves a screenshot and the HTML of every open page next to the logs."""
    OPEN_PAGES.clear()
    yield
    report = getattr(request.node, "rep_call", None)
    if report is None or not report.failed:
        return
    LOGS.mkdir(parents=True, exist_ok=True)
    for n, page in enumerate(OPEN_PAGES):
        try:
            page.screenshot(path=str(LOGS / f"failed-{n}.png"), full_page=True)
            (LOGS / f"failed-{n}.html").write_text(f"<!-- {page.url} -->\n" + page.content())
        except Exception:
            continue

"""A fleet day, measured (issue 26): ``make fleet-day COMPANIES=10000`` (or
``python bench/fleet_day.py --companies 1000 --workers 1,2`` with the four URLs set).

Seeds COMPANIES companies (three bank accounts each with every service on and registered with
Nets OCR, a chart, ten open KID invoices, and for the first 2,000 an approved RgB payment batch
of five payments; every tenth a service order at the bank) in the portal's database, and the
matching customers, accounts, bank users, KID payments and orders in the bank's own database
(bulk inserts, not measured). Then, for each worker count, on a fresh copy of both seeded
databases: starts the simulated bank (its own process), the portal's web server (gunicorn),
Celery beat and that many Celery workers (one process each, on every queue the settings
route to), and runs the day:

1. *submissions*: the approved batches are queued for sending (as approval does); the workers
   send each pain.001, the bank answers with pain.002 and books them (camt.054 follows on the
   feed);
2. *bank day close*: the bank's clock moves to the next morning: service orders complete, the
   night's one Nets transmission to the data recipient (every company's KID payments) and
   every account's camt.053 are made (the bank's own time, in its request);
3. the portal's real processes take it from there: beat polls the change feed, workers
   download and import. Done when every statement is imported, every KID invoice is paid,
   every batch is booked and every service order completed (polled in the database).

Meanwhile a client logged in as a seeded user clicks through home, payments, batches,
statements and OCR files; its latencies give p50/p95. Prints a table and writes JSON under
``var/``. Not part of ``make bench`` (it takes minutes). The seeded databases are kept as
templates (``fleet_seed_portal_N``, ``fleet_seed_bank_N``) for ``--skip-seed``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PY = sys.executable
KEY = "fleet-day-key"
PASSWORD = "fleet-day-password-123"
PAGES = ["/", "/payments/", "/payments/batches/", "/reconciliation/files/", "/ocr/"]


def _log(message: str) -> None:
    print(f"[fleet-day {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def _connect(url: str, database: str = "postgres"):
    import psycopg

    return psycopg.connect(_with_database(url, database), autocommit=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(portal_db: str, bank_db: str, **more) -> dict:
    base = os.environ["DATABASE_URL"]
    env = {
        **os.environ,
        "DATABASE_URL": _with_database(base, portal_db),
        "BANKSIM_DATABASE_URL": _with_database(base, bank_db),
        "PYTHONPATH": str(ROOT),
        **more,
    }
    return env


def _run(cmd: list[str], env: dict, what: str) -> None:
    started = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, env=env, check=True)
    _log(f"{what}: {time.perf_counter() - started:.1f} s")


# --- seeding -------------------------------------------------------------------------------


def _drop(conn, name: str) -> None:
    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def seed(companies: int, day: date, portal_seed: str, bank_seed: str, tmp: Path) -> dict:
    """Both seeded databases from scratch; returns the seed's own timings."""
    timings = {}
    with _connect(os.environ["DATABASE_URL"]) as conn:
        for name in (portal_seed, bank_seed):
            _drop(conn, name)
            conn.execute(f'CREATE DATABASE "{name}"')
    env = _env(portal_seed, bank_seed, DJANGO_SETTINGS_MODULE="bankint.settings.base")
    bank_env = {k: v for k, v in env.items() if k != "DJANGO_SETTINGS_MODULE"}
    began = time.perf_counter()
    _run([PY, "manage.py", "migrate", "--noinput", "-v0"], env, "portal migrate")
    _run([PY, "-m", "banksim", "migrate", "--noinput", "-v0"], bank_env, "bank migrate")
    timings["migrate_s"] = round(time.perf_counter() - began, 1)
    orders = tmp / "orders.json"
    began = time.perf_counter()
    _run(
        [PY, str(ROOT / "bench" / "fleet_day_bank.py"), "seed", str(companies), day.isoformat(), str(orders)],
        bank_env,
        "bank seed",
    )
    timings["bank_seed_s"] = round(time.perf_counter() - began, 1)
    began = time.perf_counter()
    _run(
        [PY, __file__, "_seed-portal", str(companies), day.isoformat(), str(orders)],
        env,
        "portal seed",
    )
    timings["portal_seed_s"] = round(time.perf_counter() - began, 1)
    with _connect(os.environ["DATABASE_URL"], portal_seed) as conn:
        conn.execute("VACUUM ANALYZE")
    with _connect(os.environ["DATABASE_URL"], bank_seed) as conn:
        conn.execute("VACUUM ANALYZE")
    return timings


def _seed_portal(companies: int, day: date, orders_path: Path) -> None:
    """In a child with Django set up on the portal's seed database: bulk inserts, then the
    payment batches built by the real service and marked approved as RgB approval leaves them."""
    import django

    django.setup()

    from django.db import transaction
    from django.utils import timezone

    from accounts.models import BankAccount, BankService, PaymentMethod
    from agreements.models import Bank, ServiceOrder, ServiceOrderAccount
    from bench import fleet_day_data as data
    from bench.common import copy_open_invoices
    from companies.models import Company
    from companies.roles import Role
    from companies.services import membership_grant, user_create
    from ledger.models import Customer, LedgerAccount
    from ledger.services.chart import DEFAULT_CHART
    from remittance.models import Payment, PaymentBatch
    from remittance.services.batches import payment_batches_build

    bank_orders = json.loads(orders_path.read_text())["orders"]
    numbers = data.account_numbers(companies)
    now = timezone.now()
    with transaction.atomic():
        rows = Company.objects.bulk_create(
            [Company(name=f"Flåte {i} AS", org_number=data.org_number(i)) for i in range(companies)],
            batch_size=5_000,
        )
        LedgerAccount.objects.bulk_create(
            [LedgerAccount(company=c, number=n, name=name) for c in rows for n, name in DEFAULT_CHART],
            batch_size=20_000,
        )
        accounts = BankAccount.objects.bulk_create(
            [
                BankAccount(
                    company=c,
                    account_number=n,
                    name=("Driftskonto", "Skattetrekk", "Innbetalinger")[k],
                    ledger_account="1920",
                    incoming_payment_methods=[PaymentMethod.NETS_OCR],
                    approval_mode=BankAccount.ApprovalMode.RGB,
                    services=[s.value for s in BankService],
                    agreement_id=f"{40_000_000 + i * 3 + k}",
                )
                for i, c in enumerate(rows)
                for k, n in enumerate(numbers[i])
            ],
            batch_size=5_000,
        )
        customers = Customer.objects.bulk_create(
            [Customer(company=c, number=1, name="Kunde AS") for c in rows], batch_size=5_000
        )
        copy_open_invoices(
            (c.pk, cu.pk, day, p.invoice_number, p.amount, p.kid)
            for i, (c, cu) in enumerate(zip(rows, customers, strict=True))
            for p in data.kid_payments(i)
        )
        user = user_create(username="fleet-0", password=PASSWORD)
        membership_grant(company=rows[0], user=user, role=Role.SYSADMIN)
        creditors = data.creditor_accounts(data.PAYMENTS_PER_BATCH)
        batched = min(companies, data.BATCHES)
        Payment.objects.bulk_create(
            [
                Payment(
                    company=rows[i],
                    bank_account=accounts[i * data.ACCOUNTS_PER_COMPANY],
                    creditor_name=f"Leverandør {n}",
                    creditor_account=creditors[n],
                    amount=data.payment_amount(i, n),
                    message=f"Faktura {i}-{n}",
                    execution_date=day,
                    requested_date=day,
                    end_to_end_id=f"FD{i:06d}E{n}",
                )
                for i in range(batched)
                for n in range(data.PAYMENTS_PER_BATCH)
            ],
            batch_size=10_000,
        )
        ServiceOrder.objects.bulk_create(
            [
                ServiceOrder(
                    company=rows[int(i)],
                    bank=Bank.DNB,
                    idempotency_key=f"fleet-{i}",
                    reference=f"fleet-{i}",
                    bank_order_id=pk,
                    status=ServiceOrder.Status.PROCESSING,
                    services=["remittance"],
                    processing_at=now,
                )
                for i, pk in bank_orders.items()
            ],
            batch_size=5_000,
        )
        ServiceOrderAccount.objects.bulk_create(
            [
                ServiceOrderAccount(
                    order=o,
                    company_id=o.company_id,
                    bank_account=accounts[int(o.reference.removeprefix("fleet-")) * 3 + 2],
                    account_number=numbers[int(o.reference.removeprefix("fleet-"))][2],
                )
                for o in ServiceOrder.objects.filter(reference__startswith="fleet-")
            ],
            batch_size=5_000,
        )
    for i in range(batched):  # the real service, one company at a time as a user would
        payment_batches_build(rows[i])
    updated = PaymentBatch.objects.filter(status=PaymentBatch.Status.DRAFT).update(
        status=PaymentBatch.Status.APPROVED, approved_at=now
    )
    for i in range(batched):
        PaymentBatch.objects.filter(company=rows[i]).update(approved_bank_user_id=data.bank_user_id(i))
    print(f"portal seeded: {companies} companies, {updated} approved batches", file=sys.stderr)


def _enqueue() -> None:
    """In a child with Django: queue every approved batch's send, as approval does on commit."""
    import django

    django.setup()
    from remittance.models import PaymentBatch
    from remittance.tasks import payment_batch_submit

    ids = list(PaymentBatch.objects.filter(status="APPROVED").values_list("pk", flat=True))
    for pk in ids:
        payment_batch_submit.delay(pk)
    print(len(ids))


def _queues(env: dict) -> list[str]:
    """Every queue the settings route a task to, plus the default ones."""
    code = (
        "import django,json;django.setup();from django.conf import settings as s;"
        "r=getattr(s,'CELERY_TASK_ROUTES',None) or {};"
        "q=[v.get('queue') for v in (r.values() if isinstance(r,dict) else []) if isinstance(v,dict)];"
        "print(json.dumps(sorted({x for x in q if x}|{getattr(s,'CELERY_TASK_DEFAULT_QUEUE','celery') or 'celery'})))"
    )
    out = subprocess.run([PY, "-c", code], cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    return sorted(set(json.loads(out.stdout.strip().splitlines()[-1])) | {"celery", "default"})


# --- processes -----------------------------------------------------------------------------


class Fleet:
    """The processes of one run; all stopped (by their own ids) on exit."""

    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.procs: dict[str, subprocess.Popen] = {}
        self.peak: dict[str, float] = {}

    def start(self, name: str, cmd: list[str], env: dict) -> subprocess.Popen:
        log = open(self.tmp / f"{name}.log", "w")  # noqa: SIM115
        proc = subprocess.Popen(
            cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.procs[name] = proc
        return proc

    def stop(self) -> None:
        for proc in self.procs.values():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()

    def sample(self) -> None:
        """Peak RSS (MB) per process tree: the largest single process of each."""
        import psutil

        for name, proc in self.procs.items():
            try:
                top = psutil.Process(proc.pid)
                tree = [top, *top.children(recursive=True)]
                rss = max(p.memory_info().rss for p in tree) / 2**20
            except psutil.Error:
                continue
            self.peak[name] = max(self.peak.get(name, 0.0), rss)


def _wait_http(url: str, proc: subprocess.Popen, seconds: float = 60) -> None:
    import requests

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with contextlib.suppress(requests.RequestException):
            if requests.get(url, timeout=2).status_code < 500:
                return
        if proc.poll() is not None:
            raise RuntimeError(f"{url}: the process exited ({proc.returncode})")
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer in {seconds} s")


class Clicker(threading.Thread):
    """A user clicking through the portal's pages while the day runs."""

    def __init__(self, base: str, username: str, think: float = 0.5):
        super().__init__(daemon=True)
        self.base, self.username, self.think = base, username, think
        self.stop = threading.Event()
        self.latencies: dict[str, list[float]] = {p: [] for p in PAGES}
        self.errors: list[str] = []

    def _login(self, session) -> None:
        url = f"{self.base}/accounts/login/"
        page = session.get(url, timeout=30)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        answer = session.post(
            url,
            data={
                "csrfmiddlewaretoken": token.group(1) if token else "",
                "username": self.username,
                "password": PASSWORD,
            },
            headers={"Referer": url},
            timeout=30,
        )
        if "sessionid" not in session.cookies:
            raise RuntimeError(f"login failed ({answer.status_code})")

    def run(self) -> None:
        import requests

        session = requests.Session()
        try:
            self._login(session)
        except Exception as exc:
            self.errors.append(f"login: {exc}")
            return
        while not self.stop.is_set():
            for page in PAGES:
                started = time.perf_counter()
                try:
                    response = session.get(self.base + page, timeout=60, allow_redirects=False)
                    if response.status_code != 200:
                        self.errors.append(f"{page}: HTTP {response.status_code}")
                except requests.RequestException as exc:
                    self.errors.append(f"{page}: {exc}")
                    continue
                self.latencies[page].append(time.perf_counter() - started)
                if self.stop.wait(self.think):
                    return


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


# --- the day -------------------------------------------------------------------------------

PROGRESS_SQL = {
    "statements": "SELECT count(*) FROM reconciliation_statementfile WHERE status = 'IMPORTED'",
    "kid_invoices_paid": "SELECT count(*) FROM ledger_invoice WHERE status = 'PAID'",
    "ocr_transmissions": "SELECT count(*) FROM ocr_ocrtransmission WHERE status IN ('IMPORTED','PARTLY_FAILED')",
    "batches_sent": "SELECT count(*) FROM remittance_paymentbatch WHERE status NOT IN ('APPROVED','SUBMITTING','UNKNOWN')",
    "batches_booked": "SELECT count(*) FROM remittance_paymentbatch WHERE status = 'BOOKED'",
    "orders_completed": "SELECT count(*) FROM agreements_serviceorder WHERE status IN ('COMPLETED','PARTIALLY_COMPLETED','REJECTED')",
    "feed_failures": "SELECT count(*) FROM agreements_feedeventfailure WHERE resolved_at IS NULL",
}


def _progress(conn) -> dict[str, int]:
    return {name: conn.execute(sql).fetchone()[0] for name, sql in PROGRESS_SQL.items()}


def _db_stats(conn, name: str) -> dict:
    row = conn.execute(
        "SELECT xact_commit + xact_rollback, tup_returned + tup_fetched, tup_inserted, tup_updated, tup_deleted,"
        " pg_database_size(datname) FROM pg_stat_database WHERE datname = %s",
        [name],
    ).fetchone()
    return dict(
        zip(("transactions", "tuples_read", "inserted", "updated", "deleted", "size"), row, strict=True)
    )


def run_day(args, workers: int, day: date, portal_seed: str, bank_seed: str, tmp: Path) -> dict:
    import redis
    import requests

    from bench import fleet_day_data as data

    base_url = os.environ["DATABASE_URL"]
    portal_db, bank_db = f"fleet_portal_{args.companies}", f"fleet_bank_{args.companies}"
    with _connect(base_url) as conn:
        for name, template in ((portal_db, portal_seed), (bank_db, bank_seed)):
            _drop(conn, name)
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    broker = redis.Redis.from_url(os.environ["CELERY_BROKER_URL"])
    broker.flushdb()
    bank_port, web_port = _free_port(), _free_port()
    bank_url, web_url = f"http://127.0.0.1:{bank_port}", f"http://127.0.0.1:{web_port}"
    env = _env(
        portal_db,
        bank_db,
        DJANGO_SETTINGS_MODULE="bankint.settings.base",
        BANK_API_URL=bank_url,
        BANK_API_KEY=KEY,
        BANK_POLL_INTERVAL_SECONDS=str(args.poll_interval),
        PORTAL_PUBLIC_URL=web_url,
    )
    bank_env = {k: v for k, v in env.items() if k != "DJANGO_SETTINGS_MODULE"}
    bank_env.update(
        BANKSIM_PARTNER_API_KEYS=KEY,
        BANKSIM_PUBLIC_URL=bank_url,
        BANKSIM_ALLOW_RESET="true",
    )
    queues = _queues(env)
    fleet = Fleet(tmp)
    expected = {
        "statements": args.companies * data.ACCOUNTS_PER_COMPANY,
        "kid_invoices_paid": args.companies * data.KID_PAYMENTS_PER_COMPANY,
        "ocr_transmissions": 1,
        "batches_sent": min(args.companies, data.BATCHES),
        "batches_booked": min(args.companies, data.BATCHES),
        "orders_completed": len(range(0, args.companies, data.SERVICE_ORDERS_EVERY)),
    }
    result: dict = {"workers": workers, "queues": queues, "expected": expected}
    try:
        bank = fleet.start(
            "banksim",
            [PY, "-m", "banksim", "runserver", f"127.0.0.1:{bank_port}", "--noreload"],
            bank_env,
        )
        web = fleet.start(
            "web",
            [
                str(Path(PY).parent / "gunicorn"),
                "bankint.wsgi:application",
                "-b",
                f"127.0.0.1:{web_port}",
                "-w",
                "2",
                "--timeout",
                "120",
            ],
            env,
        )
        for k in range(workers):
            fleet.start(
                f"worker{k + 1}",
                [
                    str(Path(PY).parent / "celery"),
                    "-A",
                    "bench.fleet_day_celery",
                    "worker",
                    "--concurrency=1",
                    "-n",
                    f"fleet{k + 1}@%h",
                    "-Q",
                    ",".join(queues),
                    "--loglevel=INFO",
                ],
                env,
            )
        _wait_http(f"{bank_url}/sim/clock", bank)
        _wait_http(f"{web_url}/accounts/login/", web)
        with _connect(base_url, portal_db) as pconn, _connect(base_url, bank_db) as bconn:
            before = _db_stats(pconn, portal_db)
            bank_before = _db_stats(bconn, bank_db)
            clicker = Clicker(web_url, "fleet-0")
            clicker.start()
            stop_sampling = threading.Event()
            load_peak = [os.getloadavg()[0]]

            def sampler():
                while not stop_sampling.wait(0.5):
                    fleet.sample()
                    load_peak[0] = max(load_peak[0], os.getloadavg()[0])

            threading.Thread(target=sampler, daemon=True).start()
            time.sleep(3)  # the clicker's first pages on a quiet portal
            trigger = time.perf_counter()
            result["load_at_start"] = os.getloadavg()
            fleet.start(
                "beat",
                [
                    str(Path(PY).parent / "celery"),
                    "-A",
                    "bench.fleet_day_celery",
                    "beat",
                    "-s",
                    str(tmp / f"beat-{workers}"),
                    "--loglevel=INFO",
                ],
                env,
            )
            out = subprocess.run(
                [PY, __file__, "_enqueue"], cwd=ROOT, env=env, check=True, capture_output=True, text=True
            )
            _log(f"{out.stdout.strip()} batch sends queued")
            done_at: dict[str, float] = {}
            phases: dict[str, float] = {}
            deadline = trigger + args.timeout
            closed = False
            last = {}
            while time.perf_counter() < deadline:
                last = _progress(pconn)
                now = time.perf_counter() - trigger
                for name, want in expected.items():
                    if name not in done_at and last[name] >= want:
                        done_at[name] = round(now, 1)
                        _log(f"{name}: {last[name]} at {now:.1f} s")
                if not closed and ("batches_sent" in done_at or now > args.submit_timeout):
                    phases["submissions_s"] = done_at.get("batches_sent")
                    started = time.perf_counter()
                    _log("bank: closing the day (clock +1 day)")
                    requests.post(
                        f"{bank_url}/sim/clock/advance",
                        json={"days": 1, "seconds": 0},
                        headers={"X-Api-Key": KEY},
                        timeout=args.timeout,
                    ).raise_for_status()
                    phases["bank_day_close_s"] = round(time.perf_counter() - started, 1)
                    phases["bank_closed_at_s"] = round(time.perf_counter() - trigger, 1)
                    _log(f"bank closed the day in {phases['bank_day_close_s']} s")
                    closed = True
                    continue
                if len(done_at) == len(expected):
                    break
                time.sleep(1)
            wall = time.perf_counter() - trigger
            result["complete"] = len(done_at) == len(expected)
            result["progress"] = last
            result["done_at_s"] = done_at
            result["wall_s"] = round(wall, 1)
            if closed:
                after_close = {
                    k: round(v - phases["bank_closed_at_s"], 1)
                    for k, v in done_at.items()
                    if k != "batches_sent"
                }
                phases["portal_after_close_s"] = (
                    max(after_close.values(), default=None) if result["complete"] else None
                )
            result["phases"] = phases
            clicker.stop.set()
            clicker.join(timeout=60)
            stop_sampling.set()
            result["load_at_end"] = os.getloadavg()
            result["load_peak_1min"] = round(load_peak[0], 2)
            after = _db_stats(pconn, portal_db)
            bank_after = _db_stats(bconn, bank_db)
        fleet.sample()
        queries = int(broker.get("fleetday:queries") or 0)
        by_task = {k.decode(): int(v) for k, v in broker.hgetall("fleetday:by_task").items()}
        tasks = {k.decode(): int(v) for k, v in broker.hgetall("fleetday:tasks").items()}
        seconds = {k.decode(): round(float(v), 1) for k, v in broker.hgetall("fleetday:seconds").items()}
        all_lat = [x for v in clicker.latencies.values() for x in v]
        result.update(
            queries=queries,
            queries_per_company=round(queries / args.companies, 1),
            by_task={
                k: {"tasks": tasks.get(k, 0), "queries": by_task[k], "seconds": seconds.get(k)}
                for k in by_task
            },
            db={
                "portal_before_mb": round(before["size"] / 2**20, 1),
                "portal_after_mb": round(after["size"] / 2**20, 1),
                "portal_growth_mb": round((after["size"] - before["size"]) / 2**20, 1),
                "bank_growth_mb": round((bank_after["size"] - bank_before["size"]) / 2**20, 1),
                "portal_transactions": after["transactions"] - before["transactions"],
                "portal_rows_inserted": after["inserted"] - before["inserted"],
                "portal_rows_updated": after["updated"] - before["updated"],
            },
            peak_rss_mb={k: round(v, 1) for k, v in fleet.peak.items()},
            pages={
                "count": len(all_lat),
                "p50_ms": round(_pct(all_lat, 0.5) * 1000, 1),
                "p95_ms": round(_pct(all_lat, 0.95) * 1000, 1),
                "per_page_p95_ms": {p: round(_pct(v, 0.95) * 1000, 1) for p, v in clicker.latencies.items()},
                "errors": clicker.errors[:20],
                "error_count": len(clicker.errors),
            },
        )
    finally:
        fleet.stop()
        if args.keep_logs:
            kept = ROOT / "var" / f"fleet_day_logs_{args.companies}_{workers}"
            shutil.rmtree(kept, ignore_errors=True)
            shutil.copytree(tmp, kept)
            result["logs"] = str(kept)
    return result


def _table(report: dict) -> str:
    lines = [
        f"Fleet day: {report['companies']:,} companies, business day {report['day']}, "
        f"machine {report['machine']}",
        "",
        "| workers | day's work (s) | submissions (s) | bank close (s) | portal after close (s) | queries/company"
        " | pages p50/p95 (ms) | peak RSS per worker (MB) | portal DB growth (MB) | load start→peak | complete |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in report["runs"]:
        ph = r.get("phases", {})
        rss = ", ".join(
            f"{v:.0f}" for k, v in sorted(r.get("peak_rss_mb", {}).items()) if k.startswith("worker")
        )
        lines.append(
            f"| {r['workers']} | {r.get('wall_s')} | {ph.get('submissions_s')} | {ph.get('bank_day_close_s')} | "
            f"{ph.get('portal_after_close_s')} | {r.get('queries_per_company')} | "
            f"{r['pages']['p50_ms']}/{r['pages']['p95_ms']} | {rss} | {r['db']['portal_growth_mb']} | "
            f"{r['load_at_start'][0]:.1f}→{r['load_peak_1min']:.1f} | {'yes' if r['complete'] else 'NO: ' + json.dumps(r['progress'])} |"
        )
    runs = {r["workers"]: r for r in report["runs"] if r.get("complete")}
    if 1 in runs and 2 in runs:
        lines.append("")
        lines.append(f"Scaling 1→2 workers: {runs[1]['wall_s'] / runs[2]['wall_s']:.2f}× faster")
    for r in report["runs"]:
        lines.append("")
        lines.append(
            f"Completion times with {r['workers']} worker(s), from the trigger: {r.get('done_at_s')}"
        )
        top = sorted(r.get("by_task", {}).items(), key=lambda kv: -(kv[1]["seconds"] or 0))
        for name, figures in top[:6]:
            lines.append(f"  {name}: {figures}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["_seed-portal"]:
        _seed_portal(int(argv[1]), date.fromisoformat(argv[2]), Path(argv[3]))
        return 0
    if argv[:1] == ["_enqueue"]:
        _enqueue()
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--companies", type=int, default=10_000)
    parser.add_argument("--workers", default="1,2", help="worker counts to run, each on fresh seeded state")
    parser.add_argument("--skip-seed", action="store_true", help="reuse the seeded template databases")
    parser.add_argument("--seed-only", action="store_true")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds per day's run, then stop")
    parser.add_argument(
        "--submit-timeout",
        type=float,
        default=900,
        help="close the bank's day after this even if batches are unsent",
    )
    parser.add_argument("--poll-interval", type=float, default=5, help="BANK_POLL_INTERVAL_SECONDS for beat")
    parser.add_argument("--keep-logs", action="store_true", help="copy the processes' logs under var/")
    parser.add_argument("--out", default="", help="JSON path (default var/fleet_day_<companies>.json)")
    args = parser.parse_args(argv)
    for name in ("DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL"):
        if not os.environ.get(name):
            parser.error(f"{name} is not set: run it as `make fleet-day` (or under bankint.embedded exec)")
    from bench import fleet_day_data as data

    day = data.business_day(date.today())
    portal_seed, bank_seed = f"fleet_seed_portal_{args.companies}", f"fleet_seed_bank_{args.companies}"
    tmp = Path(tempfile.mkdtemp(prefix="fleet-day-"))
    report: dict = {
        "companies": args.companies,
        "day": day.isoformat(),
        "started": datetime.now().isoformat(timespec="seconds"),
        "machine": f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.1f} at start",
        "poll_interval_s": args.poll_interval,
        "runs": [],
    }
    try:
        if not args.skip_seed:
            report["seed"] = seed(args.companies, day, portal_seed, bank_seed, tmp)
        if args.seed_only:
            return 0
        for workers in [int(w) for w in args.workers.split(",") if w.strip()]:
            _log(f"day with {workers} worker(s)")
            report["runs"].append(run_day(args, workers, day, portal_seed, bank_seed, tmp))
    finally:
        out = Path(args.out or ROOT / "var" / f"fleet_day_{args.companies}.json")
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(report, indent=2, default=str))
        if report["runs"]:
            print(_table(report))
        print(f"\nJSON: {out}")
        shutil.rmtree(tmp, ignore_errors=True)
    return 0 if report["runs"] and all(r.get("complete") for r in report["runs"]) else 1


if __name__ == "__main__":
    sys.exit(main())

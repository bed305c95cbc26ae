"""One poll round of the bank's change feed with many pending service orders.

A real simulated bank (its own process, and a throwaway database of its own on the portal's
PostgreSQL server, dropped at the end) holds the orders; the portal's test database holds
the pending orders. The round's cost must follow the changes (HTTP requests: one per page
plus one detail fetch per changed order) and stay constant in database queries per page,
whatever the number of pending orders.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bench.common import queries_per_page, test_database

ROOT = Path(__file__).resolve().parent.parent
KEY = "bench-key"


@contextlib.contextmanager
def _throwaway_database():
    """A database of its own for the simulated bank, on the portal's server; yields its URL
    and drops it afterwards (whatever the simulated bank left connected)."""
    from bankint.embedded import database_url

    name = f"bench_banksim_{os.getpid()}"
    quoted = connection.ops.quote_name(name)
    with connection._nodb_cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)")
        cursor.execute(f"CREATE DATABASE {quoted}")
    try:
        yield database_url(connection.settings_dict, name)
    finally:
        with connection._nodb_cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)")


def _start_banksim(tmp: Path, database_url: str):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {
        **os.environ,
        "BANKSIM_DATABASE_URL": database_url,
        "BANKSIM_PARTNER_API_KEYS": KEY,
        "BANKSIM_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "BANKSIM_ALLOW_RESET": "true",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    subprocess.run([sys.executable, "-m", "banksim", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    log = open(tmp / "banksim.log", "w")  # noqa: SIM115  (the server writes to it until it stops)
    server = subprocess.Popen(
        [sys.executable, "-m", "banksim", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if requests.get(f"{url}/sim/clock", timeout=1).status_code == 200:
                return server, url
        except requests.RequestException:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            server.kill()
            raise RuntimeError("banksim did not start")
        time.sleep(0.1)


class _Counting:
    """Counts every HTTP request sent while active (the feed's and the handlers' clients)."""

    def __init__(self):
        self.count = 0
        self._original = requests.Session.request

    def __enter__(self):
        original = self._original

        def request(session, *args, **kwargs):
            self.count += 1
            return original(session, *args, **kwargs)

        requests.Session.request = request
        return self

    def __exit__(self, *exc):
        requests.Session.request = self._original


def _round(url, client, sim, company, *, changes: int, pending: int, start: int, page_size: int):
    from agreements import feed
    from agreements.models import Bank, ServiceOrder

    ids = []
    for i in range(changes):  # sequential: the simulated bank's pages are not built for a crowd
        order = client.create_service_order(
            org_number=company.org_number,
            accounts=["15032080119"],
            services=["remittance", "incoming_reconciliation"],
            reference=f"bench-{start + i}",
        )
        sim.sim_confirm_order(order.wizard_url)
        ids.append(order.id)
    existing = ServiceOrder.objects.filter(company=company).count()
    ServiceOrder.objects.bulk_create(
        [
            ServiceOrder(
                company=company,
                bank=Bank.DNB,
                idempotency_key=f"k-{existing + n}",
                reference=f"p-{existing + n}",
                status=ServiceOrder.Status.PROCESSING,
                services=["remittance"],
                bank_order_id=ids[n] if n < len(ids) else None,
            )
            for n in range(pending)
        ],
        batch_size=2000,
    )
    from accounts.models import BankAccount
    from agreements.models import ServiceOrderAccount

    account = BankAccount.objects.get(company=company, account_number="15032080119")
    ours = list(ServiceOrder.objects.filter(company=company, bank_order_id__in=ids))
    ServiceOrderAccount.objects.bulk_create(
        [
            ServiceOrderAccount(order=o, company=company, bank_account=account, account_number="15032080119")
            for o in ours
        ],
        batch_size=2000,
    )
    while feed.bank_feed_poll(client=client, force=True, max_pages=500).events:  # not measured
        pass
    sim.sim_advance_clock(seconds=2 * 3600)
    marks: list[int] = []
    original_changes = client.changes

    def counted_changes(*args, **kwargs):
        marks.append(len(ctx.captured_queries))  # a page boundary: queries so far
        return original_changes(*args, **kwargs)

    client.changes = counted_changes
    started = time.perf_counter()
    with _Counting() as counter, CaptureQueriesContext(connection) as ctx:
        report = feed.bank_feed_poll(client=client, force=True, page_size=page_size)
    seconds = time.perf_counter() - started
    client.changes = original_changes
    marks.append(len(ctx.captured_queries))
    # queries spent on each page with events: its handlers plus moving the cursor
    per_page = [b - a for a, b in itertools.pairwise(marks)][: report.pages]
    done = ServiceOrder.objects.filter(
        pk__in=[o.pk for o in ours], status=ServiceOrder.Status.COMPLETED
    ).count()
    assert report.error == "" and done == changes, (report.summary(), done)
    full = per_page[: changes // page_size]
    return counter.count, len(ctx.captured_queries), report.pages, full, seconds


def run(Row):
    from django.conf import settings

    from accounts.services import bank_account_create
    from bankclient import BankClient
    from bankclient.sim import BankSim
    from companies.services import company_create

    tmp = Path(tempfile.mkdtemp(prefix="bench-agreements-"))
    with _throwaway_database() as database_url:
        server, url = _start_banksim(tmp, database_url)
        try:
            with test_database():
                settings.BANK_API_URL, settings.BANK_API_KEY = url, KEY
                client = BankClient(url, KEY, timeout=30)
                sim = BankSim(url, KEY, timeout=60)
                try:
                    sim.sim_reset()
                    sim.sim_upsert_customer(
                        {
                            "org_number": "123456785",
                            "name": "Bench AS",
                            "subscription": "integrated",
                            "accounts": [
                                {"number": "15032080119", "name": "Driftskonto", "balance": "1000.00"}
                            ],
                            "users": [
                                {
                                    "user_id": "TB12345",
                                    "name": "Godkjenner",
                                    "approval_accounts": ["15032080119"],
                                }
                            ],
                        }
                    )
                    company = company_create(name="Bench AS", org_number="123456785")
                    bank_account_create(
                        company, account_number="15032080119", name="Driftskonto", ledger_account="1920"
                    )
                    small = _round(
                        url, client, sim, company, changes=200, pending=1_000, start=0, page_size=100
                    )
                    large = _round(
                        url, client, sim, company, changes=1_000, pending=10_000, start=1_000, page_size=100
                    )
                finally:
                    client.close()
                    sim.close()
        finally:
            server.terminate()
            server.wait(timeout=10)
    req_s, _q_s, _pages_s, full_s, seconds_s = small
    req_l, q_l, pages_l, full_l, seconds = large
    return [
        Row(
            name="Agreements poll round: HTTP requests (10,000 pending, 1,000 changes)",
            figure=f"{req_l} requests ({pages_l} feed pages, one detail per changed order, one rights fetch per page)",
            baseline=f"{req_s} requests at 1,000 pending, 200 changes",
            ratio=f"{req_l / req_s:.2f}",
            target="∝ changes (≈5× for 5× changes), never ∝ pending",
            met=req_l <= 1.2 * 5 * req_s and req_l < 10_000,
        ),
        queries_per_page(
            "Agreements poll round: DB queries per page of 100 changes",
            f"{max(full_l)} queries/page (pages: {sorted(set(full_l))}; {q_l} in the round)",
            f"{max(full_s)} queries/page at 1,000 pending",
            max(full_l),
            max(full_s),
            target="constant per page, independent of pending",
        ),
        Row(
            name="Agreements poll round: wall time, 1,000 changes (10,000 pending)",
            figure=f"{seconds:.1f} s",
            baseline=f"{seconds_s:.1f} s for 200 changes",
            ratio=f"{seconds / seconds_s:.2f}",
        ),
    ]

"""A real banksim server for tests: its own process, port and PostgreSQL database.

Started once per session (``python -m banksim migrate`` then ``runserver --noreload``), so
the tests exercise the real HTTP stack: timeouts, dropped connections and 5xx are what
requests sees from a socket, not what a mock pretends. Each test starts from a reset bank
whose clock reads Monday 2 March 2026, 09:00 Oslo time, with the demo customer seeded.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import requests
from django.conf import settings

from bankclient.sim import BankSim
from tests import pgdb

ROOT = Path(__file__).resolve().parents[1]
KEY = "contract-test-key"
START = datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Europe/Oslo"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def banksim_url(tmp_path_factory):
    port = _free_port()
    db = tmp_path_factory.mktemp("banksim") / "banksim"
    name = f"{settings.DATABASES['default']['NAME']}_banksim_contract"[:63]
    env = {
        **os.environ,
        "BANKSIM_DATABASE_URL": pgdb.recreate(name),
        "BANKSIM_PARTNER_API_KEYS": KEY,
        "BANKSIM_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "BANKSIM_ALLOW_RESET": "true",
        # The portals the bank's pages may send users back to: the live test servers run on
        # loopback, whose any port the bank accepts (RFC 8252 7.3).
        "BANKSIM_RETURN_URL_ORIGINS": "http://127.0.0.1:8000,http://localhost:8000",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    subprocess.run([sys.executable, "-m", "banksim", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    log = open(db.with_suffix(".log"), "w")
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
                break
        except requests.RequestException:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            server.kill()
            raise RuntimeError(f"banksim did not start; see {log.name}")
        time.sleep(0.1)
    yield url
    server.terminate()
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()
    log.close()
    pgdb.drop(name)


@pytest.fixture
def sim(banksim_url):
    controls = BankSim(banksim_url, KEY, timeout=30)
    controls.sim_reset(START)
    _seed(controls)
    yield controls
    controls.sim_clear_faults()
    controls.close()


def _seed(controls: BankSim) -> None:
    """The demo customer, as ``seed_demo_customer`` creates it, through the controls API."""
    controls.sim_upsert_customer(
        {
            "org_number": "987654325",
            "name": "Demo Klient AS",
            "subscription": "basic",
            "accounts": [{"number": "15032080135", "name": "Driftskonto", "balance": "100000.00"}],
            "users": [
                {"user_id": "TB34567", "name": "Klient Godkjenner", "approval_accounts": ["15032080135"]}
            ],
        }
    )
    controls.sim_upsert_customer(
        {
            "org_number": "123456785",
            "name": "Demo Regnskap AS",
            "subscription": "basic",
            "accounts": [
                {
                    "number": "15032080119",
                    "name": "Driftskonto",
                    "balance": "250000.00",
                    "ocr": {"length": 9, "check": "MOD10"},
                },
                {"number": "15032080127", "name": "Skattetrekk"},
            ],
            "users": [
                {
                    "user_id": "TB12345",
                    "name": "Demo Godkjenner",
                    "approval_accounts": ["15032080119", "15032080127"],
                    "clients": ["987654325"],
                },
                {"user_id": "TB23456", "name": "Demo Leser"},
            ],
        }
    )
    controls.sim_add_kid_payee("86011117947", "Leverandør med KID-avtale")

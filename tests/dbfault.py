"""The database connection dies in the middle of an import (a failover, a restart).

``kill_after(n)`` terminates this connection's PostgreSQL backend from a second connection
just before the n-th statement the code under test sends, as a failover or an operator's
``pg_terminate_backend`` would. The statement then fails as it would in production.
"""

from __future__ import annotations

from contextlib import contextmanager

import psycopg
from django.db import connection, transaction


class _Rollback(Exception):
    pass


def _counts(sql) -> bool:
    # Savepoints exist only because the measuring run is wrapped in a transaction.
    return (
        not str(sql).lstrip().upper().startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT"))
    )


def count_statements(work) -> int:
    """How many statements ``work()`` sends, measured inside a transaction that is rolled back."""
    seen = {"n": 0}

    def counter(execute, sql, params, many, context):
        seen["n"] += _counts(sql)
        return execute(sql, params, many, context)

    try:
        with transaction.atomic(), connection.execute_wrapper(counter):
            work()
            raise _Rollback
    except _Rollback:
        pass
    return seen["n"]


def _terminate(pid: int) -> None:
    s = connection.settings_dict
    with psycopg.connect(
        dbname=s["NAME"],
        user=s["USER"] or None,
        password=s["PASSWORD"] or None,
        host=s["HOST"] or None,
        port=s["PORT"] or None,
        autocommit=True,
    ) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])


@contextmanager
def kill_after(n: int):
    """Terminate the backend before statement ``n``; yields a dict telling whether it did."""
    state = {"n": 0, "killed": False}

    def killer(execute, sql, params, many, context):
        state["n"] += _counts(sql)
        if state["n"] == n and not state["killed"]:
            state["killed"] = True
            _terminate(connection.connection.info.backend_pid)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(killer):
        yield state

"""Throwaway PostgreSQL databases beside the test database, for processes a test starts
(banksim, the e2e portal): created on the same server, dropped with FORCE."""

from __future__ import annotations

import psycopg
from django.conf import settings

from bankint.embedded import database_url


def _server() -> dict:
    return settings.DATABASES["default"]


def url(name: str) -> str:
    return database_url(_server(), name)


def drop(name: str, *, create: bool = False) -> None:
    s = _server()
    with psycopg.connect(
        host=s["HOST"] or "127.0.0.1",
        port=s["PORT"] or 5432,
        user=s["USER"] or "postgres",
        password=s.get("PASSWORD") or None,
        dbname="postgres",
        autocommit=True,
    ) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if create:
            conn.execute(f'CREATE DATABASE "{name}"')


def recreate(name: str) -> str:
    """An empty database called ``name``; returns its URL."""
    drop(name, create=True)
    return url(name)

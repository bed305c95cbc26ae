"""Fixtures shared by the portal's tests: companies, users in roles, API clients."""

from __future__ import annotations

import os
from datetime import datetime

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from companies.models import Company
from companies.roles import Role
from companies.services import company_create, membership_grant, user_create
from companies.tokens import api_token_create
from tests.banksim_server import banksim_url, sim  # noqa: F401  (fixtures: a real simulated bank)
from tests.clock import INSTANTS, OSLO, TEST_NOW_ENV, ShiftedClock, install

PASSWORD = "correct-horse-battery-9"


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _english_outside_requests():
    """Services called directly speak English in tests; requests choose their own language."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _clock_from_environment(monkeypatch):
    """``BANKINT_TEST_NOW=2026-12-24T00:30`` runs every test as if it were that Oslo time
    (the clock runs on from there): the suite on a day of one's choosing."""
    value = os.environ.get(TEST_NOW_ENV)
    if value:
        instant = datetime.fromisoformat(value)
        install(
            ShiftedClock.starting_at(instant if instant.tzinfo else instant.replace(tzinfo=OSLO)), monkeypatch
        )
    yield


@pytest.fixture
def clock(monkeypatch):
    """``clock(instant)`` sets the portal's clock to an aware datetime; time runs on from there."""

    def _set(instant):
        install(ShiftedClock.starting_at(instant), monkeypatch)
        return instant

    return _set


@pytest.fixture(params=[instant for _id, instant in INSTANTS], ids=[name for name, _i in INSTANTS])
def any_day(request, clock):
    """The test runs once per instant of ``tests.clock.INSTANTS`` (a Saturday, the year's end,
    Easter week, both DST switches; just after and just before midnight), the portal's clock
    set to it. Ask for it first, so fixtures that write dates run on that day too."""
    return clock(request.param)


@pytest.fixture
def broker_down(monkeypatch):
    """Celery pointed at a Redis port nobody listens on: publishing fails as in an outage."""
    from bankint.celery import app

    def reconnect(url):
        # Celery reads CELERY_BROKER_URL from the environment before its own setting, and
        # caches the connection and producer pools: change both, drop both.
        monkeypatch.setenv("CELERY_BROKER_URL", url)
        app.conf.broker_url = url
        app._pool = None
        if "amqp" in app.__dict__:
            app.amqp._producer_pool = None

    before = app.conf.broker_url
    reconnect("redis://127.0.0.1:1/0")
    yield app
    reconnect(before)
    app.conf.task_always_eager = False


@pytest.fixture
def make_company(db):
    counter = {"n": 0}
    # Valid organisation numbers (MOD11), enough for any test.
    numbers = ["123456785", "987654325", "912345675", "998877665", "974760673", "923609016"]

    def _make(name: str | None = None) -> Company:
        org = numbers[counter["n"]]
        counter["n"] += 1
        return company_create(name=name or f"Firma {counter['n']} AS", org_number=org)

    return _make


@pytest.fixture
def make_user(db):
    def _make(username: str, *, company: Company | None = None, roles=(), email: str | None = None, **extra):
        user = user_create(
            username=username, password=PASSWORD, email=email or f"{username}@example.test", **extra
        )
        for role in roles:
            membership_grant(company=company, user=user, role=role)
        return user

    return _make


@pytest.fixture
def company_a(make_company):
    return make_company("Alfa AS")


@pytest.fixture
def company_b(make_company):
    return make_company("Beta AS")


@pytest.fixture
def admin_a(make_user, company_a):
    return make_user("admin-a", company=company_a, roles=[Role.SYSADMIN])


@pytest.fixture
def admin_b(make_user, company_b):
    return make_user("admin-b", company=company_b, roles=[Role.SYSADMIN])


def api_client_for(user) -> APIClient:
    client = APIClient()
    _token, key = api_token_create(user=user, name="tests")
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


@pytest.fixture
def api_for():
    return api_client_for


def chromium_path() -> str | None:
    for candidate in (os.environ.get("CHROMIUM_PATH"), "/usr/lib/chromium/chromium", "/usr/bin/chromium"):
        if candidate and os.path.exists(candidate):
            return candidate
    return None

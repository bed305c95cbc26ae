"""API fuzzing (issue 9): schemathesis against ``/api/v1/schema/``, every operation.

The portal runs in-process (its WSGI application, on the test database) with the real
simulated bank behind it. A system administrator who is also an approver of the demo company
calls every operation the schema lists, authenticated with a token, while a second company
("Demo Klient AS") holds data of every kind too. For each generated request:

- no 5xx, ever;
- the response conforms to the schema: its status code is documented, its content type and
  body match (schemathesis' built-in checks);
- nothing of the other company comes back: its name, organisation number, the marker in its
  data, or the id of any of its rows (they are all numbered from ``OTHER_IDS`` upwards, so any
  such number under an ``id``-like key is a leak).

Path ids are drawn from both companies' real rows as well as at random, so each detail and
action operation is tried on an own object, on the other company's object (must be 404) and on
one that does not exist; the company id in the path is the caller's or, sometimes, the other
company's. Id fields in request bodies are drawn the same way.

Excluded check: ``positive_data_acceptance``. Schemathesis counts a 4xx on schema-valid input
as a failure, but most of ours are business rules the schema cannot express (an 11-digit
account number with a wrong MOD11 check digit, a due date before the issue date, a batch that
is not a draft). Those answers are still checked: documented status, and the one error shape
``{code, detail, fields}`` through ``response_schema_conformance``.

Deterministic: hypothesis is derandomised and runs a bounded number of examples.
"""

from __future__ import annotations

import json
import os

import pytest
import schemathesis
from django.apps import apps
from django.db import connection
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from schemathesis.specs.openapi.checks import positive_data_acceptance

from companies.models import Company
from companies.roles import Role
from companies.services import company_create, membership_grant, user_create
from companies.tokens import api_token_create
from tests import tenancy
from tests.banksim_server import KEY

pytestmark = [pytest.mark.django_db, pytest.mark.timeout(900)]

OTHER_IDS = 1_000_000  # every row of the other company has an id at or above this
OTHER_MARKER = "Hemmelig Klient"  # in the other company's names and texts
# Per operation (half of them schema-violating); ``API_FUZZ_EXAMPLES=500`` for a deeper run.
MAX_EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "25"))


def _autoincrement_tables():
    for model in apps.get_models():
        pk = model._meta.pk
        if pk.get_internal_type() in ("AutoField", "BigAutoField") and model._meta.managed:
            yield model._meta.db_table


def _set_sequences(value: int | None) -> None:
    """Point every table's id sequence at ``value``, or back just past its rows below OTHER_IDS."""
    with connection.cursor() as cursor:
        for table in _autoincrement_tables():
            if value is None:
                cursor.execute(f'SELECT MAX(id) FROM "{table}" WHERE id < %s', [OTHER_IDS])
                current = cursor.fetchone()[0] or 0
                cursor.execute(
                    "SELECT setval(pg_get_serial_sequence(%s, 'id'), %s, %s)",
                    [f'"{table}"', max(current, 1), current > 0],
                )
            else:
                cursor.execute(
                    "SELECT setval(pg_get_serial_sequence(%s, 'id'), %s, false)", [f'"{table}"', value]
                )


def _demo_like(company: Company, label: str) -> None:
    """One row of every company-owned kind (tests/tenancy.populate) and a demo's worth more."""
    import datetime

    from accounts.services import bank_account_create
    from ledger.services import (
        bill_create,
        customer_create,
        invoice_create,
        invoice_settings_update,
        supplier_create,
    )
    from notifications.services import notify

    tenancy.populate(company)
    bank_account_create(
        company, account_number="15032080127", name=f"{label} skattetrekk", ledger_account="1950"
    )
    invoice_settings_update(
        company, kid_enabled=True, kid_length=9, kid_algorithm="MOD10", kid_customer_digits=3
    )
    for i in range(3):
        customer = customer_create(company, name=f"{label} kunde {i} AS")
        for j in range(3):
            invoice_create(
                company, customer_id=customer.pk, amount=f"{1250 + 375 * j}.50", text=f"{label} {i}-{j}"
            )
    supplier = supplier_create(company, name=f"{label} leverandør AS", account_number="97101234561")
    for i in range(3):
        bill_create(
            company,
            supplier_id=supplier.pk,
            amount=f"{480 + 215 * i}.25",
            due_date=datetime.date(2030, 1, 10 + i),
            message=f"{label} regning {i}",
        )
    notify(company, title=f"{label} varsel", body=label, dedup_key=f"fuzz-{label}")


class World:
    """The two companies, the caller and the id pools the generated requests draw from."""

    def __init__(self):
        self.own = company_create(name="Demo Regnskap AS", org_number="123456785")
        _demo_like(self.own, "Demo")
        _set_sequences(OTHER_IDS)
        try:
            self.other = company_create(name=f"{OTHER_MARKER} AS", org_number="974760673")
            _demo_like(self.other, OTHER_MARKER)
        finally:
            _set_sequences(None)
        self.user = user_create(username="fuzzer", password="fuzz-password-123456")
        for role in (Role.SYSADMIN, Role.APPROVER):
            membership_grant(company=self.own, user=self.user, role=role)
        self.token = api_token_create(user=self.user, name="fuzz")[1]
        # One more caller per role, each with only that role (issue 21: approve was only ever a
        # 403 to the fuzzer, so its own paths were never tried).
        self.tokens = {"admin": self.token}
        for role in (Role.APPROVER, Role.ACCOUNTANT, Role.READ_ONLY):
            user = user_create(username=f"fuzz-{role.lower()}", password="fuzz-password-123456")
            membership_grant(company=self.own, user=user, role=role)
            self.tokens[role.lower()] = api_token_create(user=user, name="fuzz")[1]
        self.secrets = [self.other.org_number, OTHER_MARKER]

    def ids(self, model, company) -> list[int]:
        if not any(f.name == "company" for f in model._meta.fields):
            return []
        return list(model.objects.filter(company=company).order_by("pk").values_list("pk", flat=True)[:5])


def _model_for(path: str):
    """The model behind a schema path's ``{id}``, through the URL configuration."""
    from django.urls import resolve

    match = resolve(path.replace("{company_id}", "1").replace("{id}", "1"))
    cls = getattr(match.func, "cls", None)
    queryset = getattr(cls, "queryset", None)
    return queryset.model if queryset is not None else None


BODY_ID_MODELS = {
    "customer": "ledger.Customer",
    "supplier": "ledger.Supplier",
    "invoice": "ledger.Invoice",
    "bill": "ledger.Bill",
    "bank_account": "accounts.BankAccount",
    "payments": "remittance.Payment",
    "entries": "reconciliation.StatementEntry",
}


def _load_schema():
    from django.core.wsgi import get_wsgi_application

    # No database access: the schema view is public and reads no rows.
    return schemathesis.openapi.from_wsgi("/api/v1/schema/", get_wsgi_application())


schema = _load_schema()
CURRENT: dict[str, World] = {}  # the running test's world, for the hooks below


@pytest.fixture
def world(settings, banksim_url, sim):
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    settings.BANK_API_URL, settings.BANK_API_KEY = banksim_url, KEY
    # As django.test.Client does: a request must not close the test's connection (and with it
    # the transaction the test runs in).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        CURRENT["world"] = World()
        yield CURRENT["world"]
    finally:
        CURRENT.clear()
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


# The hooks run when hypothesis builds its strategies (some at collection time); the rows they
# point at are looked up when a value is drawn, in the running test's world.
def _company(which: str) -> int:
    return getattr(CURRENT["world"], which).pk


def _row(model, which: str, index: int, fallback):
    world = CURRENT["world"]
    if which == "random" or model is None:
        return fallback
    ids = world.ids(model, getattr(world, which))
    return ids[index % len(ids)] if ids else fallback


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    params = dict(path_parameters or {})
    if "company_id" not in params:
        return st.just(params)
    if isinstance(params["company_id"], int):
        companies = st.sampled_from(["own", "own", "own", "other"]).map(_company)
    else:  # a negative case: keep the invalid value
        companies = st.just(params["company_id"])
    if "id" not in params:
        return companies.map(lambda c: {**params, "company_id": c})
    if isinstance(params["id"], int):
        model = _model_for(context.operation.path)
        ids = st.tuples(st.sampled_from(["own", "own", "other", "random"]), st.integers(0, 4)).map(
            lambda t: _row(model, t[0], t[1], params["id"])
        )
    else:
        ids = st.just(params["id"])
    return st.tuples(companies, ids).map(lambda ci: {**params, "company_id": ci[0], "id": ci[1]})


@schema.hook
def flatmap_body(context, body):
    if not isinstance(body, dict):
        return st.just(body)
    strategies = {}
    for key, value in body.items():
        label = BODY_ID_MODELS.get(key)
        if label is None:
            continue
        model = apps.get_model(label)
        pick = st.tuples(st.sampled_from(["own", "own", "other", "random"]), st.integers(0, 4))
        if isinstance(value, int) and not isinstance(value, bool):
            strategies[key] = pick.map(lambda t, m=model, v=value: _row(m, t[0], t[1], v))
        elif isinstance(value, list) and all(isinstance(v, int) and not isinstance(v, bool) for v in value):
            fallback = value[0] if value else 0
            strategies[key] = st.lists(
                pick.map(lambda t, m=model, v=fallback: _row(m, t[0], t[1], v)), max_size=3
            )
    if not strategies:
        return st.just(body)
    return st.fixed_dictionaries(strategies).map(lambda drawn: {**body, **drawn})


def _leaked_ids(data, key: str = "") -> list:
    """Integers at or above OTHER_IDS under a key that names a row (``id``, ``invoice``, ...)."""
    found = []
    if isinstance(data, dict):
        for k, v in data.items():
            found += _leaked_ids(v, k)
    elif isinstance(data, list):
        for v in data:
            found += _leaked_ids(v, key)
    elif isinstance(data, int) and not isinstance(data, bool) and data >= OTHER_IDS and key not in ("count",):
        found.append((key, data))
    return found


def _check(case, world, token: str) -> None:
    # The caller's token, never one generated from the security schemes (schemathesis' own
    # ignored_auth check then probes the operation without and with a wrong token).
    if case.headers:
        case.headers.pop("Authorization", None)
    if case.cookies:
        case.cookies.pop("sessionid", None)
    auth = {"Authorization": f"Token {token}"}
    response = case.call(headers=auth)
    assert response.status_code < 500, (case.method, case.formatted_path, response.text[:500])
    case.validate_response(response, headers=auth, excluded_checks=[positive_data_acceptance])
    text = response.text
    for secret in world.secrets:
        assert secret not in text, (case.method, case.formatted_path, secret, text[:500])
    if "json" in response.headers.get("Content-Type", [""])[0]:
        body = json.loads(text) if text else None
        leaked = _leaked_ids(body)
        assert not leaked, (case.method, case.formatted_path, leaked, text[:500])


_SETTINGS = {
    "derandomize": True,
    # random generation only: schemathesis' explicit-example and coverage phases would draw
    # their cases at collection time, before a test's world exists
    "phases": [Phase.generate, Phase.shrink],
    "deadline": None,
    "database": None,
    "suppress_health_check": list(HealthCheck),
}


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, **_SETTINGS)
def test_api_conforms_to_its_schema(case, world):
    """A system administrator who is also an approver: every operation does its work."""
    _check(case, world, world.token)


@pytest.mark.parametrize("role", ["approver", "accountant", "read_only"])
@schema.parametrize()
@settings(max_examples=max(MAX_EXAMPLES // 3, 5), **_SETTINGS)
def test_api_conforms_to_its_schema_for_every_role(case, world, role):
    """The same checks for each other role alone: refusals are documented 403s, never a 5xx."""
    _check(case, world, world.tokens[role])

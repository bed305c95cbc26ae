"""What the benchmarks share: the table's row, the rows' usual forms (a figure under a limit,
a ratio to the same-run baseline, queries per page that do not grow), a database of their own,
a company with an API client and Django's queries counted around a call.

Not a benchmark itself (no ``run``), so ``bench/run.py`` adds no rows for it.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection
from django.test.utils import CaptureQueriesContext, setup_test_environment, teardown_test_environment


@dataclass
class Row:
    """One row of ``make bench``'s table (``bench/run.py`` hands this class to each ``run``)."""

    name: str
    figure: str
    baseline: str = "-"
    ratio: str = "-"
    target: str = "-"
    met: bool | None = None
    why: str = ""  # for a missed target: where the time or memory goes


def at_most(name: str, figure: str, value: float, limit: float, target: str, **more) -> Row:
    """A row met when ``value`` (what ``figure`` says) is at most ``limit`` (what ``target`` says)."""
    return Row(name, figure, target=target, met=value <= limit, **more)


def ratio_at_most(
    name: str,
    figure: str,
    baseline: str,
    ratio: float,
    limit: float,
    *,
    target: str = "",
    unit: str = "",
    why="",
) -> Row:
    """A row met when the figure is at most ``limit`` times the baseline measured in the same run."""
    return at_most(
        name,
        figure,
        ratio,
        limit,
        target or f"≤ {limit}{unit}",
        baseline=baseline,
        ratio=f"{ratio:.2f}{unit}",
        why=why,
    )


def queries_per_page(
    name: str, figure: str, baseline: str, large: int, small: int, target="= baseline (constant per page)"
) -> Row:
    """A row for the queries per page with much data (``large``) against little (``small``): met
    when they are the same, the number of queries not growing with the data."""
    return Row(name, figure, baseline, f"{large / small:.2f}", target, large == small)


def queries_and_seconds(call: Callable[[], object]) -> tuple[int, float]:
    """Django's queries during ``call()``, and its wall time."""
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as ctx:
        call()
    return len(ctx.captured_queries), time.perf_counter() - started


@contextlib.contextmanager
def test_database():
    """A fresh test database (migrated, as the tests have it) for one benchmark, dropped after."""
    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        yield
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()


def company_with_api_client(name: str = "Bench AS"):
    """A company, a system administrator of it and an API client signed in as them."""
    from rest_framework.test import APIClient

    from companies.roles import Role
    from companies.services import company_create, membership_grant, user_create

    company = company_create(name=name, org_number="123456785")
    user = user_create(username="bench", password="bench-password-123")
    membership_grant(company=company, user=user, role=Role.SYSADMIN)
    client = APIClient()
    client.force_authenticate(user)
    return company, client


def copy_open_invoices(rows) -> None:
    """Open NOK invoices with KID, streamed with COPY: ``rows`` gives (company id, customer id,
    day (issue and due date), invoice number, amount, KID) for each."""
    from decimal import Decimal

    from django.utils import timezone

    from bankint.db import copy_rows
    from ledger.models import Invoice

    now, zero = timezone.now(), Decimal("0.00")
    fields = ("company", "customer", "issue_date", "due_date", "currency", "text", "status")
    fields += ("paid_amount", "issued_at", "number", "amount", "kid")
    copy_rows(
        Invoice,
        fields,
        (
            (company, customer, day, day, "NOK", "", "OPEN", zero, now, number, amount, kid)
            for company, customer, day, number, amount, kid in rows
        ),
    )

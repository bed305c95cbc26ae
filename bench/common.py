"""What the benchmarks share: a database of their own and a company with an API client.

Not a benchmark itself (no ``run``), so ``bench/run.py`` adds no rows for it.
"""

from __future__ import annotations

import contextlib

from django.db import connection
from django.test.utils import setup_test_environment, teardown_test_environment


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

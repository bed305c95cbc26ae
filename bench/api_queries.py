"""Queries per API page stay constant as a company's data grows (notification list)."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext, setup_test_environment, teardown_test_environment


def run(Row):
    from rest_framework.test import APIClient

    from companies.models import Company
    from companies.roles import Role
    from companies.services import company_create, membership_grant, user_create
    from notifications.models import Notification

    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    test_db = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        company = company_create(name="Bench AS", org_number="123456785")
        user = user_create(username="bench", password="bench-password-123")
        membership_grant(company=company, user=user, role=Role.SYSADMIN)
        client = APIClient()
        client.force_authenticate(user)
        url = f"/api/v1/companies/{company.pk}/notifications/"

        def queries_for(total: int) -> int:
            existing = Notification.objects.filter(company=company).count()
            Notification.objects.bulk_create(
                [Notification(company=company, title=f"n{i}", body="b") for i in range(existing, total)],
                batch_size=2000,
            )
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(url).status_code == 200
            return len(ctx.captured_queries)

        small, large = queries_for(10), queries_for(10_000)
        assert Company.objects.count() == 1
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()
    del test_db
    return [
        Row(
            name="API notifications list: queries per page at 10,000 rows",
            figure=f"{large} queries",
            baseline=f"{small} queries at 10 rows",
            ratio=f"{large / small:.2f}",
            target="= baseline (constant per page)",
            met=large == small,
        )
    ]

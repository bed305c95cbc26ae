"""Queries per API page stay constant as a company's data grows (notification list)."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from bench.common import company_with_api_client, test_database


def run(Row):
    from companies.models import Company
    from notifications.models import Notification

    with test_database():
        company, client = company_with_api_client()
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

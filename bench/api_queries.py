"""Queries per API page stay constant as a company's data grows (notification list)."""

from __future__ import annotations

from bench.common import company_with_api_client, queries_and_seconds, queries_per_page, test_database


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

            def get():
                assert client.get(url).status_code == 200

            return queries_and_seconds(get)[0]

        small, large = queries_for(10), queries_for(10_000)
        assert Company.objects.count() == 1
    name = "API notifications list: queries per page at 10,000 rows"
    return [queries_per_page(name, f"{large} queries", f"{small} queries at 10 rows", large, small)]

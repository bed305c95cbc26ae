"""Queries per API page stay constant as a company's invoices grow (10 → 10,000 invoices)."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext, setup_test_environment, teardown_test_environment


def run(Row):
    import datetime
    import time
    from decimal import Decimal

    from rest_framework.test import APIClient

    from companies.roles import Role
    from companies.services import company_create, membership_grant, user_create
    from ledger.models import Customer, Invoice
    from ledger.services import customers_create_bulk

    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        company = company_create(name="Bench AS", org_number="123456785")
        user = user_create(username="bench", password="bench-password-123")
        membership_grant(company=company, user=user, role=Role.SYSADMIN)
        customers_create_bulk(company, [{"name": f"Kunde {i}"} for i in range(50)])
        customer_ids = list(Customer.objects.filter(company=company).values_list("pk", flat=True))
        client = APIClient()
        client.force_authenticate(user)
        url = f"/api/v1/companies/{company.pk}/invoices/"
        today = datetime.date(2026, 3, 2)

        def grow_to(total: int) -> None:
            # Rows straight in: this measures the list, not issuing (which has its own bulk path).
            existing = Invoice.objects.filter(company=company).count()
            Invoice.objects.bulk_create(
                [
                    Invoice(
                        company=company,
                        number=n + 1,
                        customer_id=customer_ids[n % len(customer_ids)],
                        issue_date=today,
                        due_date=today,
                        amount=Decimal("100.00") + n,
                        kid=f"{n + 1:08d}",
                        issued_at=company.created_at,
                    )
                    for n in range(existing, total)
                ],
                batch_size=2000,
            )

        def measure(total: int) -> tuple[int, float]:
            grow_to(total)
            started = time.perf_counter()
            with CaptureQueriesContext(connection) as ctx:
                response = client.get(url + "?status=open&page=2&page_size=5")
                assert response.status_code == 200 and len(response.json()["results"]) == 5
            return len(ctx.captured_queries), time.perf_counter() - started

        (small, _t_small), (large, t_large) = measure(10), measure(10_000)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()
    return [
        Row(
            name="API invoices list (?status=open, page 2): queries per page at 10,000 invoices",
            figure=f"{large} queries ({t_large * 1000:.0f} ms)",
            baseline=f"{small} queries at 10 invoices",
            ratio=f"{large / small:.2f}",
            target="= baseline (constant per page)",
            met=large == small,
        )
    ]

"""Queries per API page stay constant as a company's invoices grow (10 → 10,000 invoices)."""

from __future__ import annotations

from bench.common import company_with_api_client, queries_and_seconds, queries_per_page, test_database


def run(Row):
    import datetime
    from decimal import Decimal

    from ledger.models import Customer, Invoice
    from ledger.services import customers_create_bulk

    with test_database():
        company, client = company_with_api_client()
        customers_create_bulk(company, [{"name": f"Kunde {i}"} for i in range(50)])
        customer_ids = list(Customer.objects.filter(company=company).values_list("pk", flat=True))
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

            def get():
                response = client.get(url + "?status=open&page=2&page_size=5")
                assert response.status_code == 200 and len(response.json()["results"]) == 5

            return queries_and_seconds(get)

        (small, _t_small), (large, t_large) = measure(10), measure(10_000)
    name = "API invoices list (?status=open, page 2): queries per page at 10,000 invoices"
    figure = f"{large} queries ({t_large * 1000:.0f} ms)"
    return [queries_per_page(name, figure, f"{small} queries at 10 invoices", large, small)]

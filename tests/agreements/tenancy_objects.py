"""One object of each agreements model a route exposes by id, for the tenancy walkers."""

from __future__ import annotations

from agreements.models import OnlineBankApplication, RgbOrder, ServiceOrder, ServiceOrderAccount

UI_OBJECT_ROUTES = {
    "agreements/orders/<int:pk>/": ServiceOrder,
    "agreements/orders/<int:pk>/status/": ServiceOrder,
    "agreements/orders/<int:pk>/return/": ServiceOrder,
    "agreements/online-bank/<int:pk>/return/": OnlineBankApplication,
    "agreements/rgb/<int:pk>/return/": RgbOrder,
}


def populate(company) -> dict:
    from accounts.models import BankAccount

    account = BankAccount.objects.filter(company=company).first()
    order = ServiceOrder.objects.create(
        company=company,
        idempotency_key=f"probe-{company.pk}",
        reference=f"probe-{company.pk}",
        status=ServiceOrder.Status.PROCESSING,
        services=["remittance"],
    )
    ServiceOrderAccount.objects.create(
        order=order, company=company, bank_account=account, account_number=account.account_number
    )
    return {
        ServiceOrder: order,
        OnlineBankApplication: OnlineBankApplication.objects.create(
            company=company, reference=f"probe-app-{company.pk}"
        ),
        RgbOrder: RgbOrder.objects.create(
            company=company, reference=f"probe-rgb-{company.pk}", accounts=[account.account_number]
        ),
    }

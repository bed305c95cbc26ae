"""What the tenancy walkers need: every company-scoped route, and one object of each model.

``populate`` creates one object of every company-owned model for a company; each issue that
adds a company-scoped API route or UI page adds its model here, or the walker fails and says
which model it is missing.
"""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, get_resolver

from notifications.models import Notification
from notifications.services import notify


def _app_modules():
    """``tests/<app>/tenancy_objects.py`` of every app that has one."""
    import importlib
    from pathlib import Path

    for path in sorted(Path(__file__).parent.glob("*/tenancy_objects.py")):
        yield importlib.import_module(f"tests.{path.parent.name}.tenancy_objects")


def populate(company) -> dict[type, object]:
    objects = _populate_core(company)
    for module in _app_modules():
        objects.update(module.populate(company))
    return objects


def ui_object_route_models() -> dict[str, type]:
    routes = dict(UI_OBJECT_ROUTES)
    for module in _app_modules():
        routes.update(getattr(module, "UI_OBJECT_ROUTES", {}))
    return routes


def _populate_core(company) -> dict[type, object]:
    import datetime

    from accounts.models import ApprovalAuthorisation, BankAccount
    from accounts.services import authorisation_create, bank_account_create
    from companies.roles import Role
    from companies.services import membership_grant, user_create
    from ledger.models import Bill, Customer, Invoice, Supplier, Voucher
    from ledger.services import bill_create, customer_create, invoice_create, supplier_create

    account = bank_account_create(
        company,
        account_number="86011117947",
        name="Probe",
        ledger_account="1920",
        incoming_payment_methods=["NETS_OCR"],
    )
    approver = user_create(username=f"probe-approver-{company.pk}", password="probe-password-123")
    membership_grant(company=company, user=approver, role=Role.APPROVER)
    customer = customer_create(company, name="Probe Kunde AS")
    invoice = invoice_create(company, customer_id=customer.pk, amount="100.00")
    supplier = supplier_create(company, name="Probe Leverandør AS", account_number="15032080119")
    bill = bill_create(
        company, supplier_id=supplier.pk, amount="50.00", due_date=datetime.date(2030, 1, 1), message="Probe"
    )
    return {
        Notification: notify(company, title="Tenancy probe", body="Probe", dedup_key="tenancy-probe"),
        BankAccount: account,
        ApprovalAuthorisation: authorisation_create(company, bank_account_id=account.pk, user_id=approver.pk),
        Customer: customer,
        Invoice: invoice,
        Supplier: supplier,
        Bill: bill,
        Voucher: invoice.voucher,
    }


# Browser routes that take a company-owned object's id, and the model of that object. The UI
# walker fails on any such route missing here, so a new page cannot skip the tenancy check.
def _ui_object_routes() -> dict[str, type]:
    from accounts.models import ApprovalAuthorisation, BankAccount
    from ledger.models import Invoice, Voucher

    return {
        "notifications/<int:pk>/read/": Notification,
        "settings/bank-accounts/<int:pk>/edit/": BankAccount,
        "settings/bank-accounts/<int:pk>/deactivate/": BankAccount,
        "settings/bank-accounts/authorisations/<int:pk>/delete/": ApprovalAuthorisation,
        "ledger/invoices/<int:pk>/": Invoice,
        "ledger/vouchers/<int:pk>/": Voucher,
        "ledger/vouchers/<int:pk>/reverse/": Voucher,
    }


UI_OBJECT_ROUTES: dict[str, type] = _ui_object_routes()


def iter_routes(patterns=None, prefix: str = ""):
    """(route string with <converters>, callback) for every URL the project serves."""
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            yield from iter_routes(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry.callback


def ui_object_routes():
    for route, callback in iter_routes():
        if route.startswith(("api/", "admin/")) or "<" not in route:
            continue
        yield route, callback


def company_api_routes():
    for route, callback in iter_routes():
        if route.startswith("api/v1/companies/<int:company_id>/"):
            yield route, callback

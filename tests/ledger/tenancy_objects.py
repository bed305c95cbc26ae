"""The ledger's browser routes that take a company-owned object's id (the core objects of
tests/tenancy.populate cover them)."""

from ledger.models import Supplier

UI_OBJECT_ROUTES = {"ledger/suppliers/<int:pk>/": Supplier}


def populate(company) -> dict:
    return {}

"""What the tenancy walkers need: every company-scoped route, and one object of each model.

``populate`` creates one object of every company-owned model for a company; each issue that
adds a company-scoped API route or UI page adds its model here, or the walker fails and says
which model it is missing.
"""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, get_resolver

from notifications.models import Notification
from notifications.services import notify


def populate(company) -> dict[type, object]:
    return {
        Notification: notify(company, title="Tenancy probe", body="Probe", dedup_key="tenancy-probe"),
    }


# Browser routes that take a company-owned object's id, and the model of that object. The UI
# walker fails on any such route missing here, so a new page cannot skip the tenancy check.
UI_OBJECT_ROUTES: dict[str, type] = {
    "notifications/<int:pk>/read/": Notification,
}


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

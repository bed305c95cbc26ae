"""The security matrix over the whole URL configuration (RELIABILITY rows 23-26).

Generated from the routes the project serves, so a new page or API route is covered the
day it is added: unauthenticated access is refused, every browser POST needs a CSRF token,
and every log handler masks personal data.
"""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client
from rest_framework.test import APIClient

from tests import tenancy

pytestmark = pytest.mark.django_db

PUBLIC_API = {"api/v1/auth/token/", "api/v1/schema/", "api/v1/docs/"}
PUBLIC_UI = {"accounts/login/", "accounts/logout/", "i18n/setlang/", "jsi18n/", "healthz"}


def _path(route: str) -> str:
    path = re.sub(r"\(\?P<(\w+)>[^)]*\)", "1", route)
    path = re.sub(r"<(?:\w+:)?\w+>", "1", path)
    return "/" + path.replace("^", "").replace("$", "").replace("\\.", ".")


def _routes(api: bool):
    for route, callback in tenancy.iter_routes():
        if route.startswith(("admin/", "static/")) or "format" in route:
            continue
        if route.startswith("api/") != api:
            continue
        yield route, callback


API_ROUTES = sorted({r for r, _c in _routes(api=True)} - PUBLIC_API)
UI_ROUTES = sorted({r for r, _c in _routes(api=False)} - PUBLIC_UI)


@pytest.mark.parametrize("route", API_ROUTES)
@pytest.mark.parametrize("method", ["get", "post", "put", "patch", "delete"])
def test_api_refuses_the_unauthenticated(route, method):
    response = getattr(APIClient(), method)(_path(route), {}, format="json")
    # 405 only where the route has no such method at all; never data, never a 5xx
    assert response.status_code in (401, 405), (method, route, response.status_code)
    assert response["Content-Type"] == "application/json"


@pytest.mark.parametrize("route", UI_ROUTES)
def test_pages_send_the_unauthenticated_to_login(route):
    for method in ("get", "post"):
        response = getattr(Client(), method)(_path(route))
        assert response.status_code in (302, 405), (method, route, response.status_code)
        if response.status_code == 302:
            assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("route", [*UI_ROUTES, "accounts/logout/", "i18n/setlang/"])
def test_every_browser_post_needs_a_csrf_token(route, admin_a, company_a):
    objects = tenancy.populate(company_a)
    pk = next(iter(objects.values())).pk if objects else 1
    path = re.sub(r"<(?:\w+:)?\w+>", str(pk), route)
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_a)
    response = client.post("/" + path, {"x": "1"})
    assert response.status_code == 403, (route, response.status_code)


def test_every_log_handler_masks_personal_data():
    handlers = settings.LOGGING["handlers"]
    assert handlers
    for name, handler in handlers.items():
        assert "mask_personal" in handler.get("filters", []), name


def _company_write_cases():
    from companies.roles import Perm

    for route, callback in tenancy.company_api_routes():
        cls = getattr(callback, "cls", None)
        actions = getattr(callback, "actions", None) or {
            m: m for m in ("post", "put", "patch", "delete") if hasattr(cls, m)
        }
        for method, action in actions.items():
            if method == "get":
                continue
            needed = getattr(cls, "write_perm", Perm.MANAGE_BANK)
            if isinstance(needed, dict):
                needed = needed.get(action, needed.get("default", Perm.MANAGE_BANK))
            yield route, method, needed


WRITE_CASES = sorted(set(_company_write_cases()))


@pytest.mark.parametrize(("route", "method", "needed"), WRITE_CASES)
def test_read_only_members_change_nothing(route, method, needed, make_user, company_a, api_for):
    from companies.roles import Perm, Role

    reader = make_user("reader", company=company_a, roles=[Role.READ_ONLY])
    objects = tenancy.populate(company_a)
    pk = None
    if "pk>" in route:
        model = getattr(dict(tenancy.company_api_routes()).get(route), "cls").queryset.model
        pk = objects[model].pk
    path = "/" + re.sub(r"\(\?P<pk>[^)]*\)", str(pk), route).replace("<int:company_id>", str(company_a.pk))
    path = path.replace("^", "").replace("$", "")
    response = getattr(api_for(reader), method)(path, {}, format="json")
    if needed == Perm.VIEW:  # personal actions (marking one's own notifications read)
        assert response.status_code < 500
    else:
        assert response.status_code == 403, (method, path, response.status_code, response.content[:200])


def test_support_staff_see_no_company_data_through_the_api(make_user, company_a, api_for):
    support = make_user("support-staff", is_staff=True)
    assert api_for(support).get("/api/v1/companies/").json()["count"] == 0
    for route, _callback in tenancy.company_api_routes():
        if "pk>" in route or "format" in route:
            continue
        path = "/" + route.replace("<int:company_id>", str(company_a.pk)).replace("^", "").replace("$", "")
        assert api_for(support).get(path).status_code in (404, 405), path

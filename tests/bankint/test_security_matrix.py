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

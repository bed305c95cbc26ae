"""Every browser page that takes an object id answers 404 to a member of another company."""

from __future__ import annotations

import re

import pytest

from tests import tenancy

pytestmark = pytest.mark.django_db

ROUTES = sorted(route for route, _cb in tenancy.ui_object_routes())


def test_every_ui_object_route_is_known():
    unknown = [r for r in ROUTES if r not in tenancy.ui_object_route_models()]
    assert unknown == [], "add these routes and their model to tests/tenancy.ui_object_route_models()"


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("method", ["get", "post"])
def test_other_company_gets_404(route, method, client, company_a, admin_a, admin_b):
    objects = tenancy.populate(company_a)
    model = tenancy.ui_object_route_models()[route]
    path = "/" + re.sub(r"<(?:\w+:)?\w+>", str(objects[model].pk), route)
    client.force_login(admin_b)
    response = getattr(client, method)(path)
    # 405 for a method the page does not take is fine; anything that reveals the object is not
    assert response.status_code in (404, 405), (method, path, response.status_code)
    if response.status_code == 405:
        return
    client.force_login(admin_a)
    assert getattr(client, method)(path).status_code != 404


def test_unauthenticated_pages_redirect_to_login(client):
    for path in ("/", "/notifications/", "/settings/bank-accounts/"):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_member_without_company_sees_explanation(client, make_user):
    client.force_login(make_user("loner"))
    response = client.get("/")
    assert response.status_code == 403
    assert (
        "not a member of any company" in response.content.decode()
        or "ikke medlem" in response.content.decode()
    )

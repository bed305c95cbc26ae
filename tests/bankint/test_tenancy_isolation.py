"""Every company-scoped API route answers 404 to a member of another company."""

from __future__ import annotations

import re

import pytest

from tests import tenancy

pytestmark = pytest.mark.django_db


def _fill(route: str, company_id: int, pk) -> str:
    path = route.replace("<int:company_id>", str(company_id))
    path = re.sub(r"\(\?P<pk>[^)]*\)", str(pk), path)
    path = re.sub(r"<(?:\w+:)?pk>", str(pk), path)
    path = path.replace("^", "").replace("$", "").replace("\\.", ".")
    # DRF format-suffix routes are not served separately here
    return "/" + path


def _cases():
    for route, callback in tenancy.company_api_routes():
        if "format" in route:
            continue
        cls = getattr(callback, "cls", None)
        actions = getattr(callback, "actions", None) or {
            m: m for m in ("get", "post", "put", "patch", "delete") if hasattr(cls, m)
        }
        for method in actions:
            yield route, cls, method


CASES = list(_cases())


def test_there_are_company_routes_to_walk():
    assert len(CASES) >= 3


@pytest.mark.parametrize(("route", "cls", "method"), CASES, ids=[f"{m.upper()} {r}" for r, _c, m in CASES])
def test_other_company_gets_404(route, cls, method, company_a, admin_a, admin_b, api_for):
    objects = tenancy.populate(company_a)
    model = cls.queryset.model if getattr(cls, "queryset", None) is not None else None
    pk = None
    if "pk>" in route:
        assert model in objects, f"tests/tenancy.populate() makes no {model} for {route}"
        pk = objects[model].pk
    path = _fill(route, company_a.pk, pk)
    outsider = api_for(admin_b)
    response = getattr(outsider, method)(path, {}, format="json")
    assert response.status_code == 404, (method, path, response.status_code, response.content[:300])
    assert response.json()["code"] == "not_found"
    # and the owner does reach it (so the 404 above is about tenancy, not a broken route)
    if method == "get":
        assert api_for(admin_a).get(path).status_code == 200

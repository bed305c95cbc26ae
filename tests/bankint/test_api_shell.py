"""The API's contract: token auth, /me, /companies, the error shape, throttling, unknown fields."""

import re

import pytest
from rest_framework.test import APIClient

from companies.roles import Role
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def assert_error_shape(response, status, code=None):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"code", "detail", "fields"}
    assert isinstance(body["detail"], str) and body["detail"]
    if code:
        assert body["code"] == code
    return body


def test_token_then_me_and_companies(admin_a, company_a, company_b):
    client = APIClient()
    response = client.post(
        "/api/v1/auth/token/", {"username": "admin-a", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200
    token = response.json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    me = client.get("/api/v1/me/").json()
    assert me["username"] == "admin-a"
    assert me["companies"] == [{"id": company_a.pk, "name": "Alfa AS", "roles": [Role.SYSADMIN]}]
    companies = client.get("/api/v1/companies/").json()
    assert companies["count"] == 1
    assert [c["org_number"] for c in companies["results"]] == [company_a.org_number]


def test_accountant_sees_all_clients(make_user, company_a, company_b, api_for):
    accountant = make_user("acc", company=company_a, roles=[Role.ACCOUNTANT])
    from companies.services import membership_grant

    membership_grant(company=company_b, user=accountant, role=Role.ACCOUNTANT)
    names = [c["name"] for c in api_for(accountant).get("/api/v1/companies/").json()["results"]]
    assert names == ["Alfa AS", "Beta AS"]


def test_wrong_password_gives_json_error(admin_a):
    body = assert_error_shape(
        APIClient().post("/api/v1/auth/token/", {"username": "admin-a", "password": "nope"}, format="json"),
        400,
        "invalid_credentials",
    )
    assert "password" in body["detail"]


def test_unknown_and_missing_fields_are_field_errors(admin_a):
    response = APIClient().post("/api/v1/auth/token/", {"username": "admin-a", "pasword": "x"}, format="json")
    body = assert_error_shape(response, 400, "validation_error")
    assert set(body["fields"]) == {"pasword", "password"}


@pytest.mark.parametrize(
    ("payload", "content_type"),
    [
        ("{not json", "application/json"),
        ("[1, 2]", "application/json"),
        ("", "application/json"),
        ("x=1", "text/plain"),
    ],
)
def test_malformed_bodies_are_4xx(admin_a, payload, content_type):
    response = APIClient().post("/api/v1/auth/token/", payload, content_type=content_type)
    assert 400 <= response.status_code < 500
    assert_error_shape(response, response.status_code)


def test_bodies_are_json_only_outside_the_uploads(admin_a, company_a, api_for):
    """Form encodings cannot carry nested lines; the schema lists JSON, so the API takes JSON."""
    client = api_for(admin_a)
    url = f"/api/v1/companies/{company_a.pk}/customers/"
    assert_error_shape(
        client.post(url, "name=Kunde+AS", content_type="application/x-www-form-urlencoded"), 415
    )
    assert client.post(url, {"name": "Kunde AS"}, format="json").status_code == 201
    schema = client.get("/api/v1/schema/?format=json").json()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            media = set(operation.get("requestBody", {}).get("content", {}))
            expected = (
                {"multipart/form-data"}
                if path.endswith(("/ocr-files/", "/statements/"))
                else {"application/json"}
            )
            assert not media or media == expected, (method, path, media)


def test_unauthenticated_is_refused_in_json():
    assert_error_shape(APIClient().get("/api/v1/me/"), 401, "not_authenticated")


def test_method_not_allowed_is_json(admin_a, api_for):
    assert_error_shape(api_for(admin_a).delete("/api/v1/companies/"), 405, "method_not_allowed")


def test_unknown_company_is_404_json(admin_a, api_for):
    assert_error_shape(api_for(admin_a).get("/api/v1/companies/999999/notifications/"), 404, "not_found")


def test_token_endpoint_is_throttled(admin_a, monkeypatch):
    from rest_framework.throttling import ScopedRateThrottle

    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"auth": "3/min"})
    client = APIClient()
    codes = [
        client.post(
            "/api/v1/auth/token/", {"username": "admin-a", "password": "guess"}, format="json"
        ).status_code
        for _ in range(3)
    ]
    assert codes == [400, 400, 400]
    # The fourth attempt is refused before the password is even looked at.
    assert_error_shape(
        client.post("/api/v1/auth/token/", {"username": "admin-a", "password": PASSWORD}, format="json"),
        429,
        "throttled",
    )


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("nb", r"For mange forespørsler\. Prøv igjen om \d+ sekund(er)?\.$"),
        ("en", r"Too many requests\. Try again in \d+ seconds?\.$"),
    ],
)
def test_throttled_answer_is_in_one_language(admin_a, monkeypatch, language, expected):
    from rest_framework.throttling import ScopedRateThrottle

    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"auth": "1/min"})
    from django.conf import settings

    client = APIClient()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    client.post("/api/v1/auth/token/", {"username": "admin-a", "password": "guess"}, format="json")
    response = client.post("/api/v1/auth/token/", {"username": "admin-a", "password": "x"}, format="json")
    assert response.status_code == 429
    assert re.fullmatch(expected, response.json()["detail"]), response.json()["detail"]


def test_schema_and_docs_are_served(client):
    schema = client.get("/api/v1/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/companies/{company_id}/notifications/" in schema.content
    assert client.get("/api/v1/docs/").status_code == 200


@pytest.mark.parametrize(
    "query",
    [
        "page_size=0",
        "page_size=abc",
        "page_size=501",
        "page_size=1&page_size=2",
        "page_size=%C2%B2",
        "page_size=" + "9" * 5000,
    ],
)
def test_bad_page_size_is_a_400(admin_a, api_for, query):
    body = assert_error_shape(api_for(admin_a).get(f"/api/v1/companies/?{query}"), 400, "validation_error")
    assert "page_size" in body["fields"]


def test_unknown_api_path_answers_json_404(admin_a, api_for):
    for path in (
        "/api/v1/companies/abc/notifications/",
        "/api/v1/nothing-here/",
        "/api/v1/companies/1/notifications/0.5/",
    ):
        response = api_for(admin_a).get(path)
        assert response.status_code == 404 and response["Content-Type"] == "application/json", path
        assert response.json()["code"] == "not_found"


def test_bad_unread_filter_is_a_400(admin_a, company_a, api_for):
    body = assert_error_shape(
        api_for(admin_a).get(f"/api/v1/companies/{company_a.pk}/notifications/?unread=maybe"), 400
    )
    assert "unread" in body["fields"]

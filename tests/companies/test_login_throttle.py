import pytest
from django.test import override_settings

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


@override_settings(LOGIN_FAILURE_LIMIT=3)
def test_browser_login_locks_after_repeated_failures(client, admin_a):
    for _ in range(3):
        response = client.post("/accounts/login/", {"username": "admin-a", "password": "wrong"})
        assert response.status_code == 200
        assert not response.wsgi_request.user.is_authenticated
    # Even the right password is refused while the lock lasts.
    response = client.post("/accounts/login/", {"username": "admin-a", "password": PASSWORD})
    assert response.status_code == 200
    assert (
        "Too many failed login attempts" in response.content.decode()
        or "For mange" in response.content.decode()
    )
    assert "_auth_user_id" not in client.session


def test_login_then_logout(client, admin_a):
    response = client.post("/accounts/login/", {"username": "admin-a", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert client.get("/accounts/logout/").status_code == 405  # logging out is a POST (CSRF-protected)
    client.post("/accounts/logout/")
    assert client.get("/").status_code == 302


def test_csrf_is_enforced_on_forms(admin_a):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(admin_a)
    assert strict.post("/notifications/read-all/").status_code == 403
    assert strict.post("/companies/switch/", {"company_id": 1}).status_code == 403

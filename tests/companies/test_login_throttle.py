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


@override_settings(LOGIN_FAILURE_LIMIT=3)
def test_one_address_is_locked_after_failures_across_usernames(client, admin_a):
    # guessing many usernames from one address: the address limit (4x the per-user one)
    for i in range(12):
        client.post("/accounts/login/", {"username": f"guess-{i}", "password": "wrong"})
    response = client.post("/accounts/login/", {"username": "admin-a", "password": PASSWORD})
    assert response.status_code == 200 and "_auth_user_id" not in client.session


@override_settings(LOGIN_FAILURE_LIMIT=3)
def test_the_username_count_ignores_case_and_spaces(client, admin_a):
    for name in ("Admin-A", " admin-a", "ADMIN-A "):
        client.post("/accounts/login/", {"username": name, "password": "wrong"})
    response = client.post("/accounts/login/", {"username": "admin-a", "password": PASSWORD})
    assert "_auth_user_id" not in client.session
    assert "Too many" in response.content.decode() or "For mange" in response.content.decode()


@override_settings(LOGIN_FAILURE_LIMIT=3)
def test_a_username_locked_on_the_login_page_is_locked_for_tokens_too(client, admin_a):
    """Was a gap: the token endpoint had only its per-address rate, not the per-user lock."""
    from rest_framework.test import APIClient

    for _ in range(3):
        client.post("/accounts/login/", {"username": "admin-a", "password": "wrong"})
    api = APIClient(REMOTE_ADDR="10.9.8.7")  # another address: only the username is locked
    response = api.post("/api/v1/auth/token/", {"username": "admin-a", "password": PASSWORD}, format="json")
    assert response.status_code == 429 and response.json()["code"] == "throttled"
    assert "token" not in response.json()


@override_settings(LOGIN_FAILURE_LIMIT=3)
def test_token_guesses_lock_the_login_page(client, admin_a):
    from rest_framework.test import APIClient

    api = APIClient(REMOTE_ADDR="10.9.8.7")
    codes = [
        api.post("/api/v1/auth/token/", {"username": "admin-a", "password": "x"}, format="json").status_code
        for _ in range(3)
    ]
    assert codes == [400, 400, 400]
    client.post("/accounts/login/", {"username": "admin-a", "password": PASSWORD})
    assert "_auth_user_id" not in client.session


def test_a_successful_token_login_resets_the_username_count(admin_a):
    from rest_framework.test import APIClient

    api = APIClient()
    with override_settings(LOGIN_FAILURE_LIMIT=3):
        for _ in range(2):
            api.post("/api/v1/auth/token/", {"username": "admin-a", "password": "x"}, format="json")
        ok = api.post("/api/v1/auth/token/", {"username": "admin-a", "password": PASSWORD}, format="json")
        assert ok.status_code == 200
        for _ in range(2):
            api.post("/api/v1/auth/token/", {"username": "admin-a", "password": "x"}, format="json")
        ok = api.post("/api/v1/auth/token/", {"username": "admin-a", "password": PASSWORD}, format="json")
        assert ok.status_code == 200 and ok.json()["token"]


@override_settings(LOGIN_FAILURE_LIMIT=3)
def test_the_admin_login_is_locked_like_the_portal(client, make_user, company_a):
    """Was a gap: 12 wrong passwords on /admin/login/, then the right one logged a superuser in."""
    staff = make_user("support-1", company=company_a, roles=[])
    staff.is_staff = staff.is_superuser = True
    staff.save()
    for _ in range(3):
        response = client.post("/admin/login/", {"username": "support-1", "password": "wrong"})
        assert response.status_code == 200
    response = client.post("/admin/login/", {"username": "support-1", "password": PASSWORD})
    assert response.status_code == 200 and "_auth_user_id" not in client.session
    assert (
        "Too many failed login attempts" in response.content.decode()
        or "For mange" in response.content.decode()
    )


@override_settings(LOGIN_FAILURE_LIMIT=3)
def test_guesses_on_the_admin_count_on_the_portal(client, admin_a):
    for _ in range(3):
        client.post("/admin/login/", {"username": "admin-a", "password": "wrong"})
    client.post("/accounts/login/", {"username": "admin-a", "password": PASSWORD})
    assert "_auth_user_id" not in client.session

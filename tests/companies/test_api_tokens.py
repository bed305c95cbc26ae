"""API tokens die (issue 21, item 7): expiry, password changes, revocation, logout, audit.

Most tests go through the public contract (``POST /api/v1/auth/token/`` then
``Authorization: Token <key>``), so they say what an integration sees.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Nytt-passord-for-regnskap-2026"


def _login(username: str = "admin-a", password: str = PASSWORD, **extra) -> dict:
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": username, "password": password, **extra}, format="json"
    )
    assert response.status_code == 200, response.content
    return response.json()


def _api(key: str, *, ip: str = "127.0.0.1", language: str | None = None) -> APIClient:
    client = APIClient(REMOTE_ADDR=ip)
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    if language:
        client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = language
    return client


def _refused(response, *words: str) -> str:
    assert response.status_code == 401, (response.status_code, response.content[:300])
    body = response.json()
    assert body["code"] == "authentication_failed" and body["fields"] == {}
    assert response["WWW-Authenticate"] == "Token"
    for word in words:
        assert word in body["detail"], body["detail"]
    return body["detail"]


def _audit(action: str):
    from companies.models import AuditEvent

    return AuditEvent.objects.filter(action=action).order_by("id")


@pytest.fixture
def clock(monkeypatch):
    """``timezone.now`` moved forward on demand (services, audit rows and expiry all read it)."""
    real = timezone.now
    offset = {"delta": timedelta(0)}
    monkeypatch.setattr(timezone, "now", lambda: real() + offset["delta"])

    class Clock:
        def advance(self, **kwargs) -> None:
            offset["delta"] += timedelta(**kwargs)

    return Clock()


# --- the token endpoint keeps its contract and gains an expiry -------------------------------------


def test_token_answer_keeps_its_contract_and_says_when_it_expires(admin_a):
    before = timezone.now()
    body = _login()
    assert re.fullmatch(r"[0-9a-f]{40}", body["token"])  # the shape DRF's keys had
    expires = datetime.fromisoformat(body["expires_at"])
    assert timedelta(days=30) <= expires - before <= timedelta(days=30, minutes=1)
    assert body["name"] == "API" and body["prefix"] == body["token"][:8]
    assert _api(body["token"]).get("/api/v1/me/").json()["username"] == "admin-a"


def test_the_lifetime_comes_from_the_setting(admin_a, settings):
    settings.API_TOKEN_TTL_DAYS = 2
    expires = datetime.fromisoformat(_login()["expires_at"])
    assert timedelta(days=1, hours=23) < expires - timezone.now() <= timedelta(days=2)


def test_every_login_makes_a_new_named_token_and_no_key_is_stored(admin_a):
    from companies.models import ApiToken

    first = _login(name="Regnskapssystem")
    second = _login()
    assert first["token"] != second["token"]
    for body in (first, second):
        assert _api(body["token"]).get("/api/v1/me/").status_code == 200
    rows = {t.pk: t for t in ApiToken.objects.filter(user=admin_a)}
    assert {t.name for t in rows.values()} == {"Regnskapssystem", "API"}
    assert rows[first["id"]].key_hash == hashlib.sha256(first["token"].encode()).hexdigest()
    stored = repr(list(ApiToken.objects.values()))
    assert first["token"] not in stored and second["token"] not in stored


def test_an_unknown_or_malformed_token_is_refused(admin_a):
    _refused(_api("0" * 40, language="en").get("/api/v1/me/"), "not valid")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token two parts")
    _refused(client.get("/api/v1/me/"))


# --- expiry -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("language", "words"), [("nb", ["utløp", "ny nøkkel"]), ("en", ["expired"])])
def test_an_expired_token_is_refused_saying_so(admin_a, clock, language, words):
    key = _login()["token"]
    clock.advance(days=29, hours=23)
    assert _api(key).get("/api/v1/me/").status_code == 200
    clock.advance(hours=2)
    _refused(_api(key, language=language).get("/api/v1/me/"), *words)


# --- the password -------------------------------------------------------------------------------


def test_changing_the_password_in_the_portal_ends_every_token(admin_a, client):
    made = [_login(), _login(name="Lønn")]
    client.force_login(admin_a)
    response = client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302, response.content[:500]
    for body in made:
        _refused(_api(body["token"]).get("/api/v1/me/"), "passordet ble endret")
        _refused(_api(body["token"], language="en").get("/api/v1/me/"), "password was changed")
    fresh = _login(password=NEW_PASSWORD)
    assert _api(fresh["token"]).get("/api/v1/me/").status_code == 200
    # and the list says why the old ones stopped
    listed = _api(fresh["token"]).get("/api/v1/auth/tokens/").json()["results"]
    assert {t["id"]: t["status"] for t in listed} == {
        fresh["id"]: "ACTIVE",
        made[0]["id"]: "PASSWORD_CHANGED",
        made[1]["id"]: "PASSWORD_CHANGED",
    }


def test_set_password_anywhere_ends_every_token(admin_a):
    """The admin's password form, a management command, a script: they all call set_password."""
    key = _login()["token"]
    admin_a.set_password(NEW_PASSWORD)
    admin_a.save()
    _refused(_api(key).get("/api/v1/me/"), "passordet ble endret")


def test_a_login_that_only_rehashes_the_password_keeps_the_tokens(admin_a, client):
    """A Django upgrade re-hashes passwords at the next login; that is no password change."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    from companies.tokens import api_token_create

    # A salt shorter than the hasher wants today: the next check_password re-hashes.
    old_hash = make_password(PASSWORD, salt="kort", hasher="md5")
    get_user_model().objects.filter(pk=admin_a.pk).update(password=old_hash)
    admin_a.refresh_from_db()
    _token, key = api_token_create(user=admin_a, name="ERP")
    assert _api(key).get("/api/v1/me/").status_code == 200

    response = client.post("/accounts/login/", {"username": "admin-a", "password": PASSWORD})
    assert response.status_code == 302
    admin_a.refresh_from_db()
    assert admin_a.password != old_hash  # re-hashed
    assert _api(key).get("/api/v1/me/").status_code == 200
    # the same through the token endpoint: a token made under the old hash survives the login
    get_user_model().objects.filter(pk=admin_a.pk).update(password=old_hash)
    admin_a.refresh_from_db()
    _token, reports = api_token_create(user=admin_a, name="Rapporter")
    _login()
    admin_a.refresh_from_db()
    assert admin_a.password != old_hash
    assert _api(reports).get("/api/v1/me/").status_code == 200


def test_a_secret_key_rotation_keeps_the_tokens(admin_a, settings):
    key = _login()["token"]
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-secret-key-" + "x" * 40
    assert _api(key).get("/api/v1/me/").status_code == 200


def test_a_deactivated_user_is_refused(admin_a):
    key = _login()["token"]
    admin_a.is_active = False
    admin_a.save(update_fields=["is_active"])
    _refused(_api(key, language="en").get("/api/v1/me/"), "deactivated")


# --- listing and revoking through the API -------------------------------------------------------


def test_the_list_shows_only_ones_own_tokens_and_never_a_key(admin_a, admin_b):
    mine = [_login(name="ERP"), _login(name="Rapporter")]
    theirs = _login("admin-b", name="Beta")
    response = _api(mine[1]["token"]).get("/api/v1/auth/tokens/")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert [t["name"] for t in body["results"]] == ["Rapporter", "ERP"]  # newest first
    assert {t["id"] for t in body["results"]} == {m["id"] for m in mine}
    assert [t["current"] for t in body["results"]] == [True, False]
    first = body["results"][0]
    assert first["status"] == "ACTIVE" and first["prefix"] == mine[1]["token"][:8]
    assert first["last_used_ip"] == "127.0.0.1" and first["last_used_at"]
    text = response.content.decode()
    for secret in (mine[0]["token"], mine[1]["token"], theirs["token"], "key_hash", "fingerprint"):
        assert secret not in text


def test_revoking_through_the_api(admin_a, admin_b):
    integration, script = _login(name="ERP"), _login(name="Skript")
    theirs = _login("admin-b")
    api = _api(script["token"])
    assert api.delete(f"/api/v1/auth/tokens/{integration['id']}/").status_code == 204
    _refused(_api(integration["token"]).get("/api/v1/me/"), "tilbakekalt")
    _refused(_api(integration["token"], language="en").get("/api/v1/me/"), "revoked")
    assert api.get("/api/v1/me/").status_code == 200  # the others live on
    # a second revocation changes nothing and writes nothing
    assert api.delete(f"/api/v1/auth/tokens/{integration['id']}/").status_code == 204
    assert _audit("api_token.revoke").count() == 1
    # another user's token does not exist for this caller
    response = api.delete(f"/api/v1/auth/tokens/{theirs['id']}/")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert _api(theirs["token"]).get("/api/v1/me/").status_code == 200
    listed = {t["id"]: t["status"] for t in api.get("/api/v1/auth/tokens/").json()["results"]}
    assert listed == {integration["id"]: "REVOKED", script["id"]: "ACTIVE"}


def test_api_logout_revokes_the_token_it_is_called_with(admin_a):
    session, integration = _login(name="Økt"), _login(name="ERP")
    api = _api(session["token"])
    assert api.post("/api/v1/auth/logout/").status_code == 204
    _refused(api.get("/api/v1/me/"), "tilbakekalt")
    assert _api(integration["token"]).get("/api/v1/me/").status_code == 200
    event = _audit("api_token.revoke").get()
    assert event.changes["reason"] == "logout" and event.object_id == str(session["id"])


def test_api_logout_with_a_browser_session_ends_the_session(admin_a):
    key = _login()["token"]
    client = APIClient()
    client.force_login(admin_a)
    assert client.post("/api/v1/auth/logout/").status_code == 204
    assert client.get("/api/v1/me/").status_code == 401
    assert _api(key).get("/api/v1/me/").status_code == 200


def test_browser_logout_leaves_integration_tokens_alone(admin_a, client):
    """Integrations run on tokens made for them: leaving the browser must not stop them."""
    key = _login(name="ERP")["token"]
    client.force_login(admin_a)
    assert client.post("/accounts/logout/").status_code == 302
    assert _api(key).get("/api/v1/me/").status_code == 200


def test_a_user_keeps_a_bounded_number_of_working_tokens(admin_a, settings, clock):
    from companies.models import ApiToken

    settings.API_TOKEN_MAX_ACTIVE = 3
    old = _login(name="gammel")
    clock.advance(minutes=5)
    used = _login(name="brukt")
    clock.advance(minutes=5)
    idle = _login(name="ubrukt")
    clock.advance(minutes=5)
    assert _api(used["token"]).get("/api/v1/me/").status_code == 200
    assert _api(old["token"]).get("/api/v1/me/").status_code == 200
    clock.advance(minutes=5)
    _login(name="ny")  # one too many: the least recently used goes (idle: made, never used)
    assert ApiToken.objects.get(pk=idle["id"]).revoked_at is not None
    assert _audit("api_token.revoke").get().changes["reason"] == "limit"
    for body in (old, used):
        assert _api(body["token"]).get("/api/v1/me/").status_code == 200


# --- the audit trail ----------------------------------------------------------------------------


def test_create_revoke_and_use_are_audited_with_bounded_writes(admin_a, clock):
    from companies.models import ApiToken

    body = _login(name="ERP")
    created = _audit("api_token.create").get()
    assert (created.actor_id, created.object_id) == (admin_a.pk, str(body["id"]))
    assert created.changes["after"]["name"] == "ERP" and body["token"] not in repr(created.changes)

    api = _api(body["token"], ip="10.0.0.1")
    for _ in range(5):
        assert api.get("/api/v1/me/").status_code == 200
    used = _audit("api_token.used")
    assert used.count() == 1
    assert (used.get().actor_id, used.get().ip, used.get().source) == (admin_a.pk, "10.0.0.1", "api")
    token = ApiToken.objects.get(pk=body["id"])
    assert token.last_used_ip == "10.0.0.1"
    first_use = token.last_used_at

    # within the minute: no write at all on the hot path
    clock.advance(seconds=30)
    with CaptureQueriesContext(connection) as queries:
        assert api.get("/api/v1/me/").status_code == 200
    writes = [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT"))]
    assert not [w for w in writes if "apitoken" in w or "auditevent" in w], writes
    assert ApiToken.objects.get(pk=body["id"]).last_used_at == first_use

    # a minute later: last_used_at moves, no new audit row within the hour
    clock.advance(minutes=1)
    assert api.get("/api/v1/me/").status_code == 200
    assert ApiToken.objects.get(pk=body["id"]).last_used_at > first_use
    assert used.count() == 1

    # a new address: recorded and audited at once
    other = _api(body["token"], ip="10.0.0.2")
    assert other.get("/api/v1/me/").status_code == 200
    assert ApiToken.objects.get(pk=body["id"]).last_used_ip == "10.0.0.2"
    assert list(used.values_list("ip", flat=True)) == ["10.0.0.1", "10.0.0.2"]
    # back and forth between the two known addresses: no more rows
    for _ in range(3):
        api.get("/api/v1/me/")
        other.get("/api/v1/me/")
    assert used.count() == 2

    # an hour on: one row per address again
    clock.advance(hours=1, minutes=1)
    for _ in range(3):
        api.get("/api/v1/me/")
        other.get("/api/v1/me/")
    assert used.count() == 4

    assert api.post("/api/v1/auth/logout/").status_code == 204
    revoked = _audit("api_token.revoke").get()
    assert (revoked.actor_id, revoked.changes["reason"]) == (admin_a.pk, "logout")


def test_requests_with_a_token_stamp_their_audit_rows_with_its_user(admin_a, company_a):
    from companies.models import AuditEvent

    key = _login()["token"]
    response = _api(key).post(
        f"/api/v1/companies/{company_a.pk}/customers/", {"name": "Kunde AS"}, format="json"
    )
    assert response.status_code == 201
    event = AuditEvent.objects.filter(company=company_a, source="api").exclude(action="api_token.used").last()
    assert event is not None and event.actor_id == admin_a.pk


# --- the browser page ---------------------------------------------------------------------------


def test_the_page_lists_creates_shows_the_key_once_and_revokes(admin_a, admin_b, client):
    from companies.models import ApiToken

    theirs = _login("admin-b", name="Beta-integrasjon")
    client.force_login(admin_a)
    page = client.get("/accounts/tokens/")
    assert page.status_code == 200
    assert "Du har ingen API-nøkler." in page.content.decode()
    assert 'href="/accounts/tokens/"' in client.get("/notifications/").content.decode()  # user menu

    # the password again, or nothing is made
    assert client.post("/accounts/tokens/", {}).status_code == 400
    response = client.post("/accounts/tokens/", {"name": "Lønnssystem", "password": "feil-passord"})
    assert response.status_code == 400 and "Passordet er feil." in response.content.decode()
    assert not ApiToken.objects.filter(user=admin_a).exists()

    response = client.post("/accounts/tokens/", {"name": "Lønnssystem", "password": PASSWORD})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    key = re.search(r'data-testid="new-token-key">([0-9a-f]{40})<', html).group(1)
    assert "Kopier nøkkelen nå" in html
    assert _api(key).get("/api/v1/me/").json()["username"] == "admin-a"

    html = client.get("/accounts/tokens/").content.decode()
    assert key not in html and key[:8] in html and "Lønnssystem" in html
    assert "Beta-integrasjon" not in html and theirs["prefix"] not in html
    token = ApiToken.objects.get(user=admin_a)

    response = client.post(f"/accounts/tokens/{theirs['id']}/revoke/")
    assert response.status_code == 404
    assert _api(theirs["token"]).get("/api/v1/me/").status_code == 200

    response = client.post(f"/accounts/tokens/{token.pk}/revoke/")
    assert response.status_code == 302 and response["Location"] == "/accounts/tokens/"
    _refused(_api(key).get("/api/v1/me/"), "tilbakekalt")
    assert "Tilbakekalt" in client.get("/accounts/tokens/").content.decode()
    event = _audit("api_token.revoke").get()
    assert (event.actor_id, event.changes["reason"], event.source) == (admin_a.pk, "user", "web")


def test_the_page_revokes_all_of_ones_tokens(admin_a, admin_b, client):
    keys = [_login(name=f"Integrasjon {i}")["token"] for i in range(3)]
    theirs = _login("admin-b")["token"]
    client.force_login(admin_a)
    response = client.post("/accounts/tokens/revoke-all/", follow=True)
    assert "3 API-nøkler ble tilbakekalt." in response.content.decode()
    for key in keys:
        _refused(_api(key).get("/api/v1/me/"))
    assert _api(theirs).get("/api/v1/me/").status_code == 200
    assert _audit("api_token.revoke").count() == 3


def test_wrong_passwords_on_the_page_count_towards_the_login_lockout(admin_a, client, settings):
    settings.LOGIN_FAILURE_LIMIT = 2
    client.force_login(admin_a)
    for _ in range(2):
        client.post("/accounts/tokens/", {"name": "x", "password": "gjett"})
    response = client.post("/accounts/tokens/", {"name": "x", "password": PASSWORD})
    assert response.status_code == 400 and "For mange" in response.content.decode()


def test_the_password_changed_page_says_tokens_stopped(admin_a, client):
    client.force_login(admin_a)
    html = client.get("/accounts/password/done/").content.decode()
    assert "virker ikke lenger" in html and 'href="/accounts/tokens/"' in html


# --- support ------------------------------------------------------------------------------------


def test_support_revokes_a_leaked_token_in_the_admin(admin_a, make_user, client):
    from companies.models import ApiToken

    key = _login(name="Lekket")["token"]
    support = make_user("support-super", is_staff=True)
    support.is_superuser = True
    support.save(update_fields=["is_superuser"])
    client.force_login(support)
    token = ApiToken.objects.get(user=admin_a)
    changelist = client.get("/admin/companies/apitoken/")
    assert changelist.status_code == 200 and "Lekket" in changelist.content.decode()
    assert key not in changelist.content.decode()
    response = client.post(
        "/admin/companies/apitoken/", {"action": "revoke", "_selected_action": [token.pk]}, follow=True
    )
    assert response.status_code == 200
    _refused(_api(key).get("/api/v1/me/"), "tilbakekalt")
    event = _audit("api_token.revoke").get()
    assert (event.actor_id, event.changes["reason"]) == (support.pk, "support")
    assert client.get(f"/admin/companies/apitoken/{token.pk}/delete/").status_code == 403


# --- the schema ---------------------------------------------------------------------------------


def test_the_schema_tells_the_truth_about_tokens(client):
    schema = client.get("/api/v1/schema/?format=json").json()
    token = schema["components"]["schemas"]["Token"]
    assert {"token", "expires_at"} <= set(token["required"])
    assert "name" in schema["components"]["schemas"]["TokenRequestRequest"]["properties"]
    paths = schema["paths"]
    assert {m for m in paths["/api/v1/auth/tokens/{id}/"] if m != "parameters"} == {"delete"}
    assert "204" in paths["/api/v1/auth/tokens/{id}/"]["delete"]["responses"]
    assert "204" in paths["/api/v1/auth/logout/"]["post"]["responses"]
    listed = schema["components"]["schemas"]["ApiToken"]["properties"]
    assert "token" not in listed and "key_hash" not in listed
    assert schema["components"]["schemas"]["ApiTokenStatusEnum"]["enum"] == [
        "ACTIVE",
        "EXPIRED",
        "REVOKED",
        "PASSWORD_CHANGED",
    ]


# --- DRF's authtoken keys move in -----------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_keys_of_drf_authtoken_keep_working_until_they_expire(make_user, settings, clock):
    """A database that ran rest_framework.authtoken: its keys move in as expiring tokens."""
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType
    from django.db.migrations.executor import MigrationExecutor
    from django.db.migrations.recorder import MigrationRecorder

    from companies.models import ApiToken

    user = make_user("legacy-user")
    executor = MigrationExecutor(connection)
    executor.migrate([("companies", "0001_initial_squashed_0002_audit_append_only")])
    legacy_key = "401f7ac837da42b97f613d789819ff93537bee6a"
    with connection.cursor() as cursor:
        cursor.execute(
            'CREATE TABLE authtoken_token ("key" varchar(40) NOT NULL PRIMARY KEY, '
            '"created" timestamp with time zone NOT NULL, "user_id" integer NOT NULL UNIQUE)'
        )
        cursor.execute(
            'INSERT INTO authtoken_token ("key", "created", "user_id") VALUES (%s, %s, %s)',
            [legacy_key, "2024-03-01 08:30:00+00:00", user.pk],
        )
    content_type = ContentType.objects.create(app_label="authtoken", model="token")
    permission = Permission.objects.create(
        codename="add_token", name="Can add Token", content_type=content_type
    )
    user.user_permissions.add(permission)
    MigrationRecorder(connection).record_applied("authtoken", "0001_initial")

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    ContentType.objects.clear_cache()

    with connection.cursor() as cursor:
        assert "authtoken_token" not in connection.introspection.table_names(cursor)
    assert not ContentType.objects.filter(app_label="authtoken").exists()
    assert not Permission.objects.filter(codename="add_token").exists()
    assert not MigrationRecorder(connection).migration_qs.filter(app="authtoken").exists()
    token = ApiToken.objects.get(user=user)
    assert token.key_hash == hashlib.sha256(legacy_key.encode()).hexdigest()
    assert token.prefix == legacy_key[:8] and token.name == "API (before expiry)"
    assert token.created_at == datetime(2024, 3, 1, 8, 30, tzinfo=UTC)
    assert timedelta(days=29, hours=23) < token.expires_at - timezone.now() <= timedelta(days=30)

    assert _api(legacy_key).get("/api/v1/me/").json()["username"] == "legacy-user"
    clock.advance(days=30, minutes=1)
    _refused(_api(legacy_key).get("/api/v1/me/"), "utløp")

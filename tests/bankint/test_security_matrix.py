"""The security matrix over the whole URL configuration: tenancy, CSRF, deployment settings, personal data.

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

from companies.roles import ADMIN_ROLES, ROLE_PERMS, Perm, Role
from companies.services import membership_grant
from tests import tenancy
from tests.conftest import api_client_for

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


# --- the role matrix ---------------------------------------------------------------------------
#
# The policy, route by route and method by method, written from companies/roles.py (what each
# permission covers), not read from the views: a view that checks the wrong permission, or
# none, fails here. A route the URL configuration serves but this table does not classify
# fails ``test_every_route_is_classified``: a new page or API route must be given its policy.

PUBLIC, LOGIN = "public", "login"  # no login at all / any logged-in user, no company needed
V, BANK, LEDGER = Perm.VIEW, Perm.MANAGE_BANK, Perm.MANAGE_LEDGER
PREP, APPROVE = Perm.PREPARE_PAYMENTS, Perm.APPROVE_PAYMENTS
SEND = frozenset({PREP, APPROVE})  # sending a batch: whoever prepared or approved it may
# A notification addressed to the company's administrators (ADMIN_ROLES) exists for them
# alone: any other member gets 404, as for another company's object.
ADMINS_NOTE = "admins-notification"
# A company's own rules (the four-eyes setting) are set by its system administrators alone:
# a role, not a permission (an accountant holds the same permissions).
SYSADMIN_ONLY = "sysadmin-role"
C = "api/v1/companies/<company>/"

API_POLICY: dict[str, dict] = {
    "api/v1/auth/token/": {"POST": PUBLIC},
    # one's own API tokens: another user's token id is 404 (tests/companies/test_api_tokens.py)
    "api/v1/auth/tokens/": {"GET": LOGIN},
    "api/v1/auth/tokens/<pk>/": {"DELETE": LOGIN},
    "api/v1/auth/logout/": {"POST": LOGIN},
    "api/v1/schema/": {"GET": PUBLIC},
    "api/v1/docs/": {"GET": PUBLIC},
    "api/v1/me/": {"GET": LOGIN},
    "api/v1/companies/": {"GET": LOGIN},
    # notifications: reading and marking read is every member's own business
    C + "notifications/": {"GET": V},
    C + "notifications/read-all/": {"POST": V},
    C + "notifications/<pk>/": {"GET": ADMINS_NOTE},
    C + "notifications/<pk>/read/": {"POST": ADMINS_NOTE},
    # bank accounts, authorisations, service orders: managing the bank
    C + "bank-accounts/": {"GET": V, "POST": BANK},
    C + "bank-accounts/<pk>/": {"GET": V, "PUT": BANK, "PATCH": BANK, "DELETE": BANK},
    C + "bank-accounts/<pk>/deactivate/": {"POST": BANK},
    C + "authorisations/": {"GET": V, "POST": BANK},
    C + "authorisations/<pk>/": {"GET": V, "DELETE": BANK},
    C + "service-orders/": {"GET": V, "POST": BANK},
    C + "service-orders/<pk>/": {"GET": V},
    # the ledger: customers, invoices, suppliers, bills, vouchers, invoice settings, and the
    # bank files that post to it (OCR, statements, matching)
    C + "customers/": {"GET": V, "POST": LEDGER},
    C + "customers/<pk>/": {"GET": V},
    C + "invoices/": {"GET": V, "POST": LEDGER},
    C + "invoices/<pk>/": {"GET": V},
    C + "suppliers/": {"GET": V, "POST": LEDGER},
    C + "suppliers/<pk>/": {"GET": V, "PATCH": LEDGER},
    C + "bills/": {"GET": V, "POST": LEDGER},
    C + "bills/<pk>/": {"GET": V},
    C + "vouchers/": {"GET": V, "POST": LEDGER},
    C + "vouchers/<pk>/": {"GET": V},
    C + "vouchers/<pk>/reverse/": {"POST": LEDGER},
    C + "invoice-settings/": {"GET": V, "PUT": LEDGER, "PATCH": LEDGER},
    C + "ocr-files/": {"GET": V, "POST": LEDGER},
    C + "ocr-files/<pk>/": {"GET": V},
    C + "ocr-files/<pk>/transactions/": {"GET": V},
    C + "ocr-transactions/": {"GET": V},
    C + "ocr-transactions/<pk>/": {"GET": V},
    C + "ocr-transactions/<pk>/allocate/": {"POST": LEDGER},
    C + "statements/": {"GET": V, "POST": LEDGER},
    C + "statements/<pk>/": {"GET": V},
    C + "statement-entries/": {"GET": V},
    C + "statement-entries/<pk>/": {"GET": V},
    C + "statement-entries/<pk>/match/": {"POST": LEDGER},
    C + "statement-entries/<pk>/post/": {"POST": LEDGER},
    C + "statement-entries/<pk>/unmatch/": {"POST": LEDGER},
    # payments: preparing, approving (RgB with BankID), sending
    C + "payments/": {"GET": V, "POST": PREP},
    C + "payments/<pk>/": {"GET": V},
    C + "payment-batches/": {"GET": V, "POST": PREP},
    C + "payment-batches/<pk>/": {"GET": V},
    C + "payment-batches/<pk>/approve/": {"POST": APPROVE},
    C + "payment-batches/<pk>/send/": {"POST": SEND},
    C + "payment-batches/<pk>/pain001/": {"GET": V},
    C + "payment-settings/": {"GET": V, "PUT": SYSADMIN_ONLY, "PATCH": SYSADMIN_ONLY},
}

UI_POLICY: dict[str, dict] = {
    "accounts/login/": {"GET": PUBLIC, "POST": PUBLIC},
    "accounts/logout/": {"POST": PUBLIC},
    "i18n/setlang/": {"POST": PUBLIC},
    "jsi18n/": {"GET": PUBLIC},
    "healthz": {"GET": PUBLIC},
    "accounts/password/": {"GET": LOGIN, "POST": LOGIN},
    "accounts/password/done/": {"GET": LOGIN},
    "accounts/tokens/": {"GET": LOGIN, "POST": LOGIN},
    "accounts/tokens/revoke-all/": {"POST": LOGIN},
    "accounts/tokens/<pk>/revoke/": {"POST": LOGIN},
    "companies/switch/": {"POST": LOGIN},
    "": {"GET": V},
    "notifications/": {"GET": V},
    "notifications/bell/": {"GET": V},
    "notifications/read-all/": {"POST": V},
    "notifications/<pk>/read/": {"POST": ADMINS_NOTE},
    "settings/bank-accounts/": {"GET": V},
    "settings/bank-accounts/add/": {"POST": BANK},
    "settings/bank-accounts/<pk>/edit/": {"GET": V, "POST": BANK},
    "settings/bank-accounts/<pk>/deactivate/": {"POST": BANK},
    "settings/bank-accounts/authorisations/add/": {"POST": BANK},
    "settings/bank-accounts/authorisations/<pk>/delete/": {"POST": BANK},
    "agreements/connect/": {"GET": BANK, "POST": BANK},
    "agreements/connect/setup/": {"GET": BANK},
    "agreements/orders/<pk>/return/": {"GET": V},
    "agreements/online-bank/<pk>/return/": {"GET": V},
    "agreements/rgb/<pk>/return/": {"GET": V},
    "agreements/orders/": {"GET": V},
    "agreements/orders/<pk>/": {"GET": V},
    "agreements/orders/<pk>/status/": {"GET": V},
    "agreements/online-bank/": {"POST": BANK},
    "agreements/rgb/": {"POST": BANK},
    "ledger/invoice-settings/": {"GET": V, "POST": LEDGER},
    "ledger/customers/": {"GET": V, "POST": LEDGER},
    "ledger/invoices/": {"GET": V, "POST": LEDGER},
    "ledger/invoices/<pk>/": {"GET": V},
    "ledger/suppliers/": {"GET": V, "POST": LEDGER},
    "ledger/suppliers/<pk>/": {"GET": V, "POST": LEDGER},
    "ledger/bills/": {"GET": V, "POST": LEDGER},
    "ledger/vouchers/": {"GET": V, "POST": LEDGER},
    "ledger/vouchers/<pk>/": {"GET": V},
    "ledger/vouchers/<pk>/reverse/": {"POST": LEDGER},
    "ocr/": {"GET": V, "POST": LEDGER},
    "ocr/unmatched/": {"GET": V},
    "ocr/<pk>/": {"GET": V},
    "ocr/<pk>/raw/": {"GET": V},
    "ocr/transactions/<pk>/allocate/": {"POST": LEDGER},
    "reconciliation/": {"GET": V},
    "reconciliation/upload/": {"POST": LEDGER},
    "reconciliation/files/": {"GET": V},
    "reconciliation/files/<pk>/": {"GET": V},
    "reconciliation/matching/": {"GET": V},
    "reconciliation/matching/match/": {"POST": LEDGER},
    "reconciliation/matching/post/": {"POST": LEDGER},
    "reconciliation/matches/<pk>/unmatch/": {"POST": LEDGER},
    "reconciliation/entries/<pk>/open-items/": {"GET": V},
    "reconciliation/entries/<pk>/settle/": {"POST": LEDGER},
    "payments/": {"GET": V, "POST": PREP},
    "payments/from-bill/": {"POST": PREP},
    "payments/bills/": {"GET": V, "POST": PREP},
    "payments/build/": {"POST": PREP},
    "payments/rejected/": {"GET": V},
    "payments/<pk>/correct/": {"GET": PREP, "POST": PREP},
    "payments/<pk>/cancel/": {"POST": PREP},
    "payments/batches/": {"GET": V},
    "payments/batches/<pk>/": {"GET": V},
    "payments/batches/<pk>/approve/": {"POST": APPROVE},
    "payments/batches/<pk>/approve/complete/": {"POST": APPROVE},
    "payments/batches/<pk>/send/": {"POST": SEND},
    "payments/batches/<pk>/pain001/": {"GET": V},
    "payments/settings/": {"GET": V, "POST": SYSADMIN_ONLY},
}


def _key(route: str) -> str:
    """A route as the URL configuration spells it, in the tables' shorter spelling."""
    key = route.replace("api/v1/companies/<int:company_id>/", C).replace("^", "").replace("$", "")
    return re.sub(r"\(\?P<pk>[^)]*\)|<int:pk>", "<pk>", key)


def _served():
    """Every (route, callback) but the admin site (staff only, checked below) and static files."""
    for route, callback in tenancy.iter_routes():
        if route.startswith(("admin/", "static/")) or "(?P<format>" in route:
            continue
        yield route, callback


def _api_methods(callback) -> set[str]:
    actions = getattr(callback, "actions", None)
    if actions:  # the router answers HEAD wherever it answers GET
        return {m.upper() for m in actions} - {"HEAD"}
    cls = getattr(callback, "cls", None)
    return {m.upper() for m in ("get", "post", "put", "patch", "delete") if cls and hasattr(cls, m)}


def test_every_route_is_classified():
    served = {_key(r): c for r, c in _served()}
    policy = {**API_POLICY, **UI_POLICY}
    assert sorted(set(served) - set(policy)) == [], "classify these routes in API_POLICY / UI_POLICY"
    assert sorted(set(policy) - set(served)) == [], "these classified routes are no longer served"
    for key, callback in served.items():
        if key.startswith("api/"):
            assert _api_methods(callback) == set(API_POLICY[key]), key


ROLES = {
    "read_only": [Role.READ_ONLY],
    "approver": [Role.APPROVER],
    "sysadmin": [Role.SYSADMIN],
    "accountant": [Role.ACCOUNTANT],
}


def _allowed(role: str, needed) -> bool:
    if needed in (PUBLIC, LOGIN):
        return True
    if needed == ADMINS_NOTE:
        return ROLES[role][0] in ADMIN_ROLES
    if needed == SYSADMIN_ONLY:
        return ROLES[role][0] == Role.SYSADMIN
    held = ROLE_PERMS[ROLES[role][0]]
    return bool(held & needed) if isinstance(needed, frozenset) else needed in held


MATRIX = sorted(
    (key, method, needed)
    for key, methods in {**API_POLICY, **UI_POLICY}.items()
    for method, needed in methods.items()
    if needed not in (PUBLIC, LOGIN)
)


@pytest.fixture
def people(make_user, company_a, company_b, settings):
    from companies.middleware import SESSION_KEY
    from companies.services import company_create

    # Nothing here may reach a real bank: a closed port answers at once.
    settings.BANK_API_URL = "http://127.0.0.1:9"
    # sorts first among the accountant's clients: the session must choose company A
    other_client = company_create(name="AAA Annen klient AS", org_number="974760673")
    users = {}
    for name, roles in ROLES.items():
        users[name] = make_user(f"matrix-{name}", company=company_a, roles=roles)
    membership_grant(company=other_client, user=users["accountant"], role=Role.ACCOUNTANT)
    users["support"] = make_user("matrix-support", is_staff=True)
    users["outsider"] = make_user("matrix-outsider", company=company_b, roles=[Role.SYSADMIN])
    clients = {}
    for name, user in users.items():
        client = Client()
        client.force_login(user)
        if name == "accountant":  # working for the client company A, among several clients
            session = client.session
            session[SESSION_KEY] = company_a.pk
            session.save()
        clients[name] = (client, api_client_for(user))
    return clients


def _fill(key: str, company, objects) -> str:
    path = key.replace(C, f"api/v1/companies/{company.pk}/")
    if "<pk>" in path:
        model = _model_of(key)
        assert model in objects, f"tests/tenancy.populate() makes no {model} for {key}"
        path = path.replace("<pk>", str(objects[model].pk))
    return "/" + path


def _model_of(key: str):
    if key.startswith("api/"):
        callback = next(c for r, c in _served() if _key(r) == key)
        return callback.cls.queryset.model
    models = {_key(r): m for r, m in tenancy.ui_object_route_models().items()}
    return models[key]


def _call(pair, key: str, method: str, path: str):
    from django.db import transaction

    client, api = pair
    with transaction.atomic():  # every caller starts from the same data
        if key.startswith("api/"):
            response = getattr(api, method.lower())(path, {}, format="json")
        else:
            response = getattr(client, method.lower())(path, {})
        transaction.set_rollback(True)
    return response


def _refused_login(response) -> bool:
    return response.status_code in (401, 302) and (
        response.status_code == 401 or response["Location"].startswith("/accounts/login/")
    )


@pytest.mark.parametrize(("key", "method", "needed"), MATRIX, ids=[f"{m} {k}" for k, m, _n in MATRIX])
def test_each_role_gets_exactly_its_actions(key, method, needed, company_a, people):
    objects = tenancy.populate(company_a)
    path = _fill(key, company_a, objects)
    api = key.startswith("api/")
    outcome = {}
    for role in ROLES:
        response = _call(people[role], key, method, path)
        outcome[role] = response.status_code
        assert response.status_code < 500, (role, method, path)
        if _allowed(role, needed):
            assert response.status_code not in (401, 403, 404, 405), (
                role,
                method,
                path,
                response.status_code,
            )
            assert not _refused_login(response), (role, method, path)
        else:
            refused = 404 if needed == ADMINS_NOTE else 403
            assert response.status_code == refused, (role, method, path, response.status_code)
    # support staff hold no membership: company data does not exist for them
    response = _call(people["support"], key, method, path)
    assert response.status_code == (404 if api else 403), ("support", method, path, response.status_code)
    # a member of another company: that company's object ids (and its API) are 404
    if api or "<pk>" in key:
        response = _call(people["outsider"], key, method, path)
        assert response.status_code == 404, ("outsider", method, path, response.status_code)
    # and nobody without logging in
    anonymous = (APIClient(), APIClient()) if api else (Client(), Client())
    response = _call(anonymous, key, method, path)
    assert _refused_login(response), ("anonymous", method, path, response.status_code)


def test_login_pages_need_only_a_login(make_user, company_a):
    support = make_user("matrix-support", is_staff=True)
    for user in (support, make_user("matrix-member", company=company_a, roles=[Role.READ_ONLY])):
        client = Client()
        client.force_login(user)
        assert client.get("/accounts/password/").status_code == 200
        assert client.get("/accounts/password/done/").status_code == 200
        assert api_client_for(user).get("/api/v1/me/").status_code == 200
        assert api_client_for(user).get("/api/v1/companies/").status_code == 200
    for path in ("/accounts/password/", "/accounts/password/done/"):
        assert _refused_login(Client().get(path)), path


def test_the_admin_site_is_for_staff_only(make_user, company_a):
    member = make_user("matrix-admin-member", company=company_a, roles=[Role.SYSADMIN])
    support = make_user("matrix-admin-support", is_staff=True)
    client = Client()
    client.force_login(member)
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    client.force_login(support)
    assert client.get("/admin/").status_code == 200


# --- CSRF beyond the pages above -----------------------------------------------------------------


def test_the_login_form_needs_a_csrf_token(admin_a):
    from tests.conftest import PASSWORD

    response = Client(enforce_csrf_checks=True).post(
        "/accounts/login/", {"username": "admin-a", "password": PASSWORD}
    )
    assert response.status_code == 403


def test_the_api_with_a_browser_session_needs_a_csrf_token(admin_a, company_a):
    """Token calls need no CSRF token; a logged-in browser's cookie alone must not write."""
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(admin_a)
    url = f"/api/v1/companies/{company_a.pk}/customers/"
    assert client.get(url).status_code == 200
    response = client.post(url, {"name": "Kunde AS"}, format="json")
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    assert api_client_for(admin_a).post(url, {"name": "Kunde AS"}, format="json").status_code == 201


# --- fødselsnummer -----------------------------------------------------------------------------

FNR = "15108695088"  # a valid test fødselsnummer (both check digits right)


@pytest.fixture
def person(company_a, make_user):
    from companies.services import user_profile_update

    user = make_user("matrix-person", company=company_a, roles=[Role.APPROVER, Role.SYSADMIN])
    user_profile_update(user=user, national_id=FNR, bank_user_id="TB12345", mobile="+4791234567")
    return user


def test_fodselsnummer_is_encrypted_at_rest(person):
    from django.db import connection

    from companies.models import UserProfile

    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT national_id FROM {UserProfile._meta.db_table} WHERE user_id = %s", [person.pk]
        )
        (raw,) = cursor.fetchone()
    assert raw and FNR not in raw and FNR[-5:] not in raw  # ciphertext, not the number
    assert UserProfile.objects.get(user=person).national_id == FNR  # and the model reads it back


def test_fodselsnummer_never_leaves_through_the_api(person, company_a):
    api = api_client_for(person)
    me = api.get("/api/v1/me/")
    assert me.status_code == 200
    assert me.json()["national_id"] == "151086 *****"  # masked
    for route, _callback in _served():
        if not route.startswith("api/") or "<" in route or "(?P" in route:
            continue
        response = api.get("/" + route)
        assert FNR not in response.content.decode(), route
    for route, _callback in tenancy.company_api_routes():
        if "pk>" in route or "format" in route:
            continue
        path = "/" + route.replace("<int:company_id>", str(company_a.pk)).replace("^", "").replace("$", "")
        assert FNR not in api.get(path).content.decode(), path


def test_fodselsnummer_is_in_no_admin_list_and_masked_on_the_profile(person, company_a, make_user):
    from django.contrib import admin

    tenancy.populate(company_a)
    superuser = make_user("matrix-superuser", is_staff=True)
    superuser.is_superuser = True
    superuser.save(update_fields=["is_superuser"])
    client = Client()
    client.force_login(superuser)
    for model in admin.site._registry:
        url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        response = client.get(url)
        assert response.status_code == 200, url
        assert FNR not in response.content.decode(), url
    profile = person.profile
    page = client.get(f"/admin/companies/userprofile/{profile.pk}/change/").content.decode()
    assert FNR not in page and "151086 *****" in page
    listing = client.get("/admin/companies/userprofile/").content.decode()
    assert "151086 *****" in listing


def test_fodselsnummer_is_in_no_audit_row(person):
    from companies.models import AuditEvent

    rows = list(AuditEvent.objects.values_list("changes", "object_repr"))
    assert rows and FNR not in str(rows)

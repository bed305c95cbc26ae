"""A bank portal's response headers and sessions: CSP, no-store, idle logout, only safe links."""

from __future__ import annotations

import time

import pytest
from django.test import Client, override_settings

from notifications.models import Notification, is_safe_link
from notifications.services import notify

pytestmark = pytest.mark.django_db


@pytest.fixture
def web(admin_a):
    client = Client()
    client.force_login(admin_a)
    return client


def test_pages_send_a_strict_csp_and_no_store(web):
    response = web.get("/notifications/")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self';" in policy and "'unsafe-inline'" not in policy and "unsafe-eval" not in policy
    assert "object-src 'none'" in policy and "frame-ancestors 'none'" in policy
    assert "no-store" in response.headers["Cache-Control"]


def test_the_api_is_never_cached(admin_a, api_for):
    response = api_for(admin_a).get("/api/v1/me/")
    assert response.status_code == 200 and "no-store" in response.headers["Cache-Control"]


def test_no_template_has_inline_script_or_handlers():
    from pathlib import Path

    from django.conf import settings

    root = Path(settings.BASE_DIR)
    offenders = []
    for path in [*root.glob("templates/**/*.html"), *root.glob("*/templates/**/*.html")]:
        text = path.read_text(encoding="utf-8")
        for needle in (" onchange=", " onclick=", " onsubmit=", " onload=", "javascript:", ' style="'):
            if needle in text:
                offenders.append(f"{path.relative_to(root)}: {needle.strip()}")
        for chunk in text.split("<script")[1:]:
            if "src=" not in chunk.split(">", 1)[0]:
                offenders.append(f"{path.relative_to(root)}: inline <script>")
    assert offenders == []


@override_settings(SESSION_IDLE_SECONDS=600)
def test_an_idle_session_is_logged_out(web, monkeypatch):
    assert web.get("/notifications/").status_code == 200
    later = time.time() + 601
    monkeypatch.setattr(time, "time", lambda: later)
    response = web.get("/notifications/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert "_auth_user_id" not in web.session


@override_settings(SESSION_IDLE_SECONDS=600)
def test_the_bell_polling_does_not_keep_a_session_alive(web, monkeypatch):
    web.get("/notifications/")
    start = time.time()
    for minutes in (5, 9):
        monkeypatch.setattr(time, "time", lambda m=minutes: start + m * 60)
        assert web.get("/notifications/bell/").status_code == 200
    monkeypatch.setattr(time, "time", lambda: start + 11 * 60)
    assert web.get("/notifications/").status_code == 302


@pytest.mark.parametrize(
    ("link", "safe"),
    [
        ("/payments/batches/7/", True),
        ("https://nettbank.dnb.no/order/1", True),
        ("", True),
        ("javascript:alert(document.cookie)", False),
        ("JaVaScRiPt:alert(1)", False),
        (" javascript:alert(1)", False),
        ("java\tscript:alert(1)", False),
        ("data:text/html;base64,PHNjcmlwdD4=", False),
        ("//evil.example/x", False),
        ("/\\evil.example", False),
        ("vbscript:x", False),
    ],
)
def test_only_relative_and_http_links_are_safe(link, safe):
    assert is_safe_link(link) is safe


def test_support_cannot_plant_a_javascript_link_in_the_admin(company_a, admin_a):
    from django.contrib.auth import get_user_model

    support = get_user_model().objects.create_superuser("support-x", "s@example.test", "pw-Xy12345678")
    admin = Client()
    admin.force_login(support)
    response = admin.post(
        "/admin/notifications/notification/add/",
        {
            "company": company_a.pk,
            "audience": "ADMINS",
            "level": "INFO",
            "title": "Klikk her",
            "body": "Viktig",
            "link": "javascript:fetch('/api/v1/me/')",
        },
    )
    assert response.status_code == 200  # the form again, with the error
    assert not Notification.objects.filter(title="Klikk her").exists()


def test_an_old_unsafe_link_is_never_rendered(company_a, admin_a, web, api_for):
    note = notify(company_a, title="Gammel", body="Fra før")
    Notification.objects.filter(pk=note.pk).update(link="javascript:alert(1)")
    assert "javascript:" not in web.get("/notifications/").content.decode()
    listing = api_for(admin_a).get(f"/api/v1/companies/{company_a.pk}/notifications/").json()
    assert [row["link"] for row in listing["results"]] == [""]


def test_a_bank_supplied_unsafe_link_is_dropped(company_a):
    note = notify(company_a, title="Fra banken", body="Ordre", link="javascript:alert(1)")
    assert note.link == ""


@override_settings(SESSION_IDLE_SECONDS=600, SESSION_COOKIE_AGE=3600)
def test_a_busy_session_still_ends_after_a_working_day(web, monkeypatch):
    start = time.time()
    for minutes in range(0, 61, 9):  # a request every nine minutes: never idle
        monkeypatch.setattr(time, "time", lambda m=minutes: start + m * 60)
        assert web.get("/notifications/").status_code == 200
    monkeypatch.setattr(time, "time", lambda: start + 61 * 60 + 5)
    assert web.get("/notifications/").status_code == 302

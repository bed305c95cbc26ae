import re

import pytest
from playwright.sync_api import expect

from companies.roles import Role
from notifications.services import notify
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def login(page, base_url: str, username: str):
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("[data-testid=login-submit]")


def test_login_notification_centre_and_language(page, live_server, make_user, make_company, screenshot):
    company = make_company("Fjordkraft Regnskap AS")
    make_user("siri", company=company, roles=[Role.SYSADMIN], first_name="Siri", last_name="Admin")
    notify(company, title="Avtalen er registrert", body="Konto 1503.20.80119 har fått AvtaleID.")

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "siri")
    page.fill("#id_password", "wrong-password")
    page.click("[data-testid=login-submit]")
    expect(page.get_by_test_id("login-error")).to_be_visible()

    login(page, live_server.url, "siri")
    expect(page.get_by_test_id("unread-count")).to_have_text("1")
    expect(page.locator("h1")).to_have_text("Fjordkraft Regnskap AS")

    page.get_by_test_id("notification-bell").click()
    expect(page.locator("h1")).to_have_text("Varslingssenter")
    expect(page.get_by_test_id("notification")).to_contain_text("Avtalen er registrert")
    screenshot("notification-centre")

    # Marking read swaps the row in place (HTMX) and the bell follows without a reload.
    page.get_by_test_id("mark-read").click()
    expect(page.get_by_test_id("mark-read")).to_have_count(0)
    expect(page.get_by_test_id("unread-count")).to_have_text("0")

    page.get_by_test_id("lang-en").click()
    expect(page.locator("h1")).to_have_text("Notification centre")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_test_id("lang-nb").click()
    expect(page.locator("h1")).to_have_text("Varslingssenter")


def test_accountant_switches_between_clients(page, live_server, make_user, make_company):
    first, second = make_company("Klient En AS"), make_company("Klient To AS")
    make_user("rune", company=first, roles=[Role.ACCOUNTANT])
    from django.contrib.auth import get_user_model

    from companies.services import membership_grant

    membership_grant(company=second, user=get_user_model().objects.get(username="rune"), role=Role.ACCOUNTANT)
    notify(second, title="Bare for klient to", body="...")

    login(page, live_server.url, "rune")
    expect(page.locator("h1")).to_have_text("Klient En AS")
    expect(page.get_by_test_id("unread-count")).to_have_text("0")
    page.select_option("#company-select", label="Klient To AS")
    expect(page.locator("h1")).to_have_text("Klient To AS")
    expect(page.get_by_test_id("unread-count")).to_have_text("1")
    expect(page).to_have_url(re.compile(r"/$"))


def test_api_docs_render_from_our_own_files(page, live_server, screenshot):
    """Swagger UI comes from drf-spectacular-sidecar: the docs work behind a firewall, nothing
    is fetched from another host and the page's CSP refuses nothing."""
    requested, refused = [], []
    page.on("request", lambda request: requested.append(request.url))
    page.on(
        "console", lambda msg: refused.append(msg.text) if "Content Security Policy" in msg.text else None
    )

    page.goto(f"{live_server.url}/api/v1/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("bankint API")
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible()
    screenshot("api-docs")

    assert requested, "the page made no request"
    assert [url for url in requested if not url.startswith(live_server.url)] == []
    assert refused == []

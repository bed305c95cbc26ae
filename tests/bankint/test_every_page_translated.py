"""Every page of the portal, in Norwegian and in English, with no untranslated text.

The pages are walked from the URL configuration (as the security matrix walks them), so a new
page is checked the day it is added. Each page is rendered with a company that has one row of
every kind (tests/tenancy.populate) and a notification stored as a message id and values. Two
checks: every msgid the page translates has a Norwegian msgstr in the compiled catalogues, and
the Norwegian page shows none of the raw codes or English words that once leaked through.
"""

from __future__ import annotations

import re
from decimal import Decimal
from html import unescape

import pytest
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext_noop as N_
from django.utils.translation import trans_real

from bankint.stored_text import Account, stored
from companies.roles import Role
from notifications.services import notify
from tests import tenancy
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

SKIP = ("api/", "admin/", "static/", "i18n/", "jsi18n/", "healthz", "accounts/logout/")
# Raw codes and English words that must never reach a Norwegian page's text.
NOT_ON_NB_PAGES = [
    "PROCESSING",
    "RECEIVED",
    "READY_FOR_SIGNING",
    "COMPLETE",
    "CONFIRMED",
    "incoming_reconciliation",
    "nets_ocr",
    "§i18n",
    "Amount",
    "Account number",
    "Bank accounts",
    "Notifications",
    "Payments",
    "Save",
    "Cancel",
    "Search",
    "Filter",
    "The bank",
    "None",
    "True",
    "False",
]
ISO_DATE = re.compile(r"\b20\d\d-\d\d-\d\d\b")
DOT_AMOUNT = re.compile(r"(?<![\d.])\d{1,3}(?:\d{3})*\.\d\d(?![\d.])")


def _text(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r"<code>.*?</code>", " ", html, flags=re.S)  # identifiers, shown as they are
    return unescape(re.sub(r"<[^>]+>", " ", html))


def _path(route: str, objects: dict, models: dict) -> str | None:
    if "<" in route:
        model = models.get(route)
        if model is None or model not in objects or route.count("<") > 1:
            return None
        route = re.sub(r"<(?:\w+:)?\w+>", str(objects[model].pk), route)
    return "/" + route


def _pages(objects) -> list[str]:
    models = tenancy.ui_object_route_models()
    paths = set()
    for route, _callback in tenancy.iter_routes():
        if route.startswith(SKIP) or "(?P" in route or "format" in route:
            continue
        path = _path(route, objects, models)
        if path is not None:
            paths.add(path)
    return sorted(paths)


@pytest.fixture
def portal(company_a, make_user):
    user = make_user("every-page", company=company_a, roles=list(Role))
    objects = tenancy.populate(company_a)
    notify(
        company_a,
        title=stored(N_("Bank statement %(id)s does not add up"), id="S1"),
        body=stored(
            N_("DNB confirmed accounting-approved payments (RgB) for %(accounts)s."),
            accounts=[Account("15032080119")],
        ),
    )
    notify(company_a, title=stored(N_("RgB is active")), body=str(Decimal("1")))
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    session = client.session
    session["active_company_id"] = company_a.pk
    session.save()
    return client, objects


def _render(client, path: str, language: str, monkeypatch) -> tuple[int, str, set[str]]:
    used: set[str] = set()
    real_gettext, real_ngettext = trans_real.gettext, trans_real.ngettext

    def gettext(message):
        used.add(str(message))
        return real_gettext(message)

    def ngettext(singular, plural, number):
        used.add(str(singular))
        return real_ngettext(singular, plural, number)

    monkeypatch.setattr(trans_real, "gettext", gettext)
    monkeypatch.setattr(trans_real, "ngettext", ngettext)
    client.cookies["django_language"] = language
    response = client.get(path)
    monkeypatch.setattr(trans_real, "gettext", real_gettext)
    monkeypatch.setattr(trans_real, "ngettext", real_ngettext)
    body = response.content.decode() if response.get("Content-Type", "").startswith("text/html") else ""
    return response.status_code, body, used


def test_every_page_reads_in_norwegian_and_english(portal, monkeypatch):
    client, objects = portal
    catalogue = trans_real.translation("nb")._catalog
    pages = _pages(objects)
    assert len(pages) > 20
    problems = []
    for path in pages:
        status, html, used = _render(client, path, "nb", monkeypatch)
        assert status < 500, (path, status)
        if status != 200 or not html:
            continue
        text = _text(html)
        for msgid in sorted(used):
            if re.search(r"[A-Za-z]{3}", msgid) and not (catalogue.get(msgid) or catalogue.get((msgid, 0))):
                problems.append(f"{path}: no Norwegian for {msgid!r}")
        for word in NOT_ON_NB_PAGES:
            if re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", text):
                problems.append(f"{path}: {word!r} on the Norwegian page")
        for pattern in (ISO_DATE, DOT_AMOUNT):
            found = pattern.search(text)
            if found:
                problems.append(f"{path}: {found.group()!r} is not how Norwegian writes it")
        en_status, en_html, _used = _render(client, path, "en", monkeypatch)
        assert en_status == status and "§i18n" not in _text(en_html), path
    assert not problems, "\n".join(problems)


def test_a_stored_notification_reads_in_the_readers_language(portal, monkeypatch):
    client, _objects = portal
    _status, nb_page, _used = _render(client, "/notifications/", "nb", monkeypatch)
    _status, en_page, _used = _render(client, "/notifications/", "en", monkeypatch)
    assert "1503.20.80119" in nb_page and "1503.20.80119" in en_page
    assert "RgB is active" in en_page and "RgB is active" not in nb_page
    with translation.override("nb"):
        assert translation.gettext("RgB is active") in nb_page

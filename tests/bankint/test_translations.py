"""Norwegian is the default language: every UI string is translated and every catalogue compiled.

Each app keeps its own catalogue (``<app>/locale``) next to the project's (``locale/``).
"""

import gettext
from pathlib import Path

import polib
import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
CATALOGUES = sorted(
    p
    for p in ROOT.glob("**/locale/nb/LC_MESSAGES/django.po")
    if ".venv" not in p.parts and "var" not in p.parts
)


def test_there_is_a_norwegian_catalogue():
    assert ROOT / "locale" / "nb" / "LC_MESSAGES" / "django.po" in CATALOGUES


@pytest.mark.parametrize("po_path", CATALOGUES, ids=[str(p.relative_to(ROOT)) for p in CATALOGUES])
def test_every_string_has_a_norwegian_translation(po_path):
    po = polib.pofile(str(po_path))
    untranslated = [
        e.msgid for e in po if not e.obsolete and (not e.msgstr and not any(e.msgstr_plural.values()))
    ]
    fuzzy = [e.msgid for e in po if "fuzzy" in e.flags]
    assert untranslated == [] and fuzzy == []


@pytest.mark.parametrize("po_path", CATALOGUES, ids=[str(p.relative_to(ROOT)) for p in CATALOGUES])
def test_compiled_catalogue_matches_the_source(po_path):
    po = polib.pofile(str(po_path))
    with open(po_path.with_suffix(".mo"), "rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = [
        e.msgid
        for e in po
        if e.msgid
        and not e.msgid_plural
        and (compiled.pgettext(e.msgctxt, e.msgid) if e.msgctxt else compiled.gettext(e.msgid)) != e.msgstr
    ]
    assert stale == [], "recompile: manage.py compilemessages"


def test_language_switch(client, admin_a):
    client.force_login(admin_a)
    assert "Varslingssenter" in client.get("/notifications/").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/notifications/"})
    assert "Notification centre" in client.get("/notifications/").content.decode()

"""Norwegian is the default language: every UI string is translated and the catalogue compiled."""

import gettext
from pathlib import Path

import polib
from django.conf import settings

PO = Path(settings.BASE_DIR) / "locale" / "nb" / "LC_MESSAGES" / "django.po"


def test_every_string_has_a_norwegian_translation():
    po = polib.pofile(str(PO))
    untranslated = [e.msgid for e in po if not e.obsolete and (not e.msgstr and not e.msgstr_plural)]
    fuzzy = [e.msgid for e in po if "fuzzy" in e.flags]
    assert untranslated == [] and fuzzy == []


def test_compiled_catalogue_matches_the_source():
    po = polib.pofile(str(PO))
    compiled = gettext.GNUTranslations(open(PO.with_suffix(".mo"), "rb"))
    stale = [e.msgid for e in po if e.msgid and not e.msgid_plural and compiled.gettext(e.msgid) != e.msgstr]
    assert stale == [], "run `make messages` to recompile"


def test_language_switch(client, admin_a):
    client.force_login(admin_a)
    assert "Varslingssenter" in client.get("/notifications/").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/notifications/"})
    assert "Notification centre" in client.get("/notifications/").content.decode()

"""Norwegian is the default language: every UI string is translated and every catalogue compiled.

Each app keeps its own catalogue (``<app>/locale``) next to the project's (``locale/``).
"""

import ast
import gettext
import re
from pathlib import Path

import polib
import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
CATALOGUES = sorted(
    p
    for p in ROOT.glob("**/locale/nb/LC_MESSAGES/django.po")
    if not any(part.startswith(".venv") for part in p.parts) and "var" not in p.parts
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


# Literal msgids in code and templates: a string added without running makemessages would
# otherwise show in English on a Norwegian screen while the catalogue checks above pass.
_PY_MSGID = re.compile(r"""(?<![\w.])(?:_|gettext|gettext_lazy)\(\s*"((?:[^"\\\n]|\\.)+)"\s*[,)%]""")
_TEMPLATE_MSGID = re.compile(r"""{%\s*(?:translate|trans)\s+"([^"]+)"(?:\s+as\s+\w+)?\s*%}""")
_SOURCE_DIRS = ["bankint", "companies", "notifications", "ledger", "accounts", "agreements"]
_SOURCE_DIRS += ["remittance", "reconciliation", "ocr", "iso20022", "templates"]


def _source_msgids() -> dict[str, str]:
    found = {}
    for folder in _SOURCE_DIRS:
        for path in (ROOT / folder).rglob("*"):
            if "migrations" in path.parts or path.suffix not in {".py", ".html"}:
                continue
            text = path.read_text(encoding="utf-8")
            pattern = _PY_MSGID if path.suffix == ".py" else _TEMPLATE_MSGID
            for match in pattern.finditer(text):
                msgid = ast.literal_eval(f'"{match.group(1)}"') if path.suffix == ".py" else match.group(1)
                found.setdefault(msgid, str(path.relative_to(ROOT)))
    return found


def test_every_literal_msgid_in_the_code_is_in_a_catalogue():
    known = {e.msgid for po_path in CATALOGUES for e in polib.pofile(str(po_path)) if not e.obsolete}
    source = _source_msgids()
    assert len(source) > 200  # the scan itself works
    missing = sorted(f"{where}: {msgid}" for msgid, where in source.items() if msgid not in known)
    assert missing == [], "run makemessages for the app and translate"

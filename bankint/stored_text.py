"""Text kept in the database and read later, worded in the reader's language when it is read.

A notification, a matcher's explanation or an OCR note is written once (by a worker, in
whatever language it runs) and read many times, by people who chose Norwegian or English.
So what is stored is the message id (the English msgid, or a short key registered by the app
for columns that are narrow) and its values; :func:`render` words it in the active language
at read time, with amounts, dates and account numbers written the way that language writes
them (:mod:`bankint.formatting`). Text stored before this (plain words) reads as it is.

    note = stored(gettext_noop("Invoice %(number)d is already paid."), number=43)
    render(note)  # "Faktura 43 er allerede betalt." for a Norwegian reader

Values: ``Decimal`` → an amount, ``date`` → a day, ``datetime`` → a moment,
``Account("15032080119")`` → an account number, ``Code("pain002_reason", "AC01")`` → the
code's words, another stored text → rendered in turn; strings and numbers as they are.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from decimal import Decimal

from django.utils.translation import gettext, ngettext

from bankint import formatting
from iso20022.pain002 import reason_text, status_text

MARK = "§i18n"
_KEYS: dict[str, str] = {}
_CODES: dict[str, Callable[[str, str], str]] = {"pain002_reason": reason_text, "pain002_status": status_text}


class Account(str):
    """An account number among a message's values (written ``1503.20.80119``)."""


class Code(tuple):
    """A code among a message's values, worded by the function registered for its kind."""

    def __new__(cls, kind: str, value: str):
        return super().__new__(cls, (kind, value))


def register_keys(templates: dict[str, str]) -> None:
    """Short keys for long msgids (narrow columns keep the key, not the text)."""
    _KEYS.update(templates)


def register_code(kind: str, words: Callable[[str, str], str]) -> None:
    """``words(code, lang)`` gives a code of this kind in words (``lang`` is ``nb`` or ``en``)."""
    _CODES[kind] = words


def _encode(value):
    if isinstance(value, Code):
        return {"code": list(value)}
    if isinstance(value, Account):
        return {"account": str(value)}
    if isinstance(value, Decimal):
        return {"amount": str(value)}
    if isinstance(value, dt.datetime):
        return {"moment": value.isoformat()}
    if isinstance(value, dt.date):
        return {"day": value.isoformat()}
    if isinstance(value, (list, tuple)):
        return {"list": [_encode(v) for v in value]}
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    return str(value)


def stored(template: str, /, *, plural: str = "", plural_by: str = "", key: str = "", **params) -> str:
    """``template`` (an English msgid marked with ``gettext_noop``) and its values, for storing.

    ``plural`` and ``plural_by``: the plural msgid and the name of the value that picks between
    them (Norwegian and English both use the singular for 1 only). ``key``:
    store this registered short key instead of the msgid (for narrow columns).
    """
    data: dict = {"m": key} if key else {"m": str(template)}
    if key:
        data["k"] = 1
    if plural:
        data["pl"], data["n"] = str(plural), plural_by
    if params:
        data["p"] = {name: _encode(value) for name, value in params.items()}
    return MARK + json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def is_stored(text) -> bool:
    return isinstance(text, str) and text.startswith(MARK + "{")


def _lang() -> str:
    from django.utils.translation import get_language

    return "en" if (get_language() or "nb").startswith("en") else "nb"


def _decode(value):
    if isinstance(value, dict):
        if "amount" in value:
            return formatting.amount(Decimal(value["amount"]))
        if "day" in value:
            return formatting.day(dt.date.fromisoformat(value["day"]))
        if "moment" in value:
            return formatting.moment(dt.datetime.fromisoformat(value["moment"]))
        if "account" in value:
            return formatting.account(value["account"])
        if "code" in value:
            kind, code = value["code"]
            words = _CODES.get(kind)
            return words(code, _lang()) if words else code
        if "list" in value:
            items = value["list"]
            sep = "; " if any(is_stored(v) for v in items) else ", "
            return sep.join(str(_decode(v)) for v in items)
    if isinstance(value, str) and is_stored(value):
        return render(value)
    return value


def render(text) -> str:
    """Stored text in the active language; plain (older) text as it is."""
    if not is_stored(text):
        return "" if text is None else str(text)
    try:
        data = json.loads(text[len(MARK) :])
    except ValueError:
        return text
    template = _KEYS.get(data["m"], data["m"]) if data.get("k") else data["m"]
    params = {name: _decode(value) for name, value in (data.get("p") or {}).items()}
    if data.get("pl"):
        count = params.get(data.get("n"))
        words = ngettext(template, data["pl"], count if isinstance(count, int) else 2)
    else:
        words = gettext(template)
    try:
        return words % params if params else words
    except (KeyError, TypeError, ValueError):
        return words

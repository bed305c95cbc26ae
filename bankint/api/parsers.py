"""The API's JSON parser: refuses what PostgreSQL or Python cannot hold, as a 400."""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

MAX_DEPTH = 32  # no request body of the API nests deeper than a few levels


class SafeJSONParser(JSONParser):
    """DRF's JSON parser, with a depth limit and no NUL characters.

    JSON nested 5,000 levels deep made the decoder raise ``RecursionError`` (a 500), and a
    ``\\u0000`` in a string reached PostgreSQL, which refuses NUL in text (another 500).
    """

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(_("The JSON nests too deeply.")) from None
        _check(data, 0)
        return data


def _check(value, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise ParseError(_("The JSON nests too deeply."))
    if isinstance(value, str):
        if "\x00" in value:
            raise ParseError(_("The request contains a NUL character, which no field accepts."))
    elif isinstance(value, dict):
        for key, item in value.items():
            _check(key, depth + 1)
            _check(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _check(item, depth + 1)

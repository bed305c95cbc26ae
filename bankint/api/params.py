"""Query parameters the list endpoints share."""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import serializers

MAX_ID = 2**63 - 1  # the largest key a bigint id holds


def id_param(request, name: str) -> int | None:
    """The id a list is filtered by (``?supplier=12``), or None when the parameter is absent.

    Not digits: a 400 naming the parameter. Past the largest key any row can have: -1, which
    matches no row, as an unknown id does (SQLite refuses to bind such a number at all, and
    that must not become a 500).
    """
    value = (request.query_params.get(name) or "").strip()
    if not value:
        return None
    if not value.isdigit():
        raise serializers.ValidationError({name: [_("A number is required.")]})
    number = int(value)
    return number if number <= MAX_ID else -1

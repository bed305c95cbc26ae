"""Query parameters the list endpoints and screens share."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers

MAX_ID = 2**63 - 1  # the largest key a bigint id holds


def is_number(text: str) -> bool:
    """ASCII digits only: ``str.isdigit`` also says yes to "²" or "①", which ``int`` refuses."""
    return text.isascii() and text.isdigit()


def as_id(value) -> int | None:
    """``value`` (a form or query value) as a row id, or None when it cannot be one."""
    text = str(value).strip()
    # Length first: int() refuses more than 4,300 digits outright (ValueError, not a number).
    if not is_number(text) or len(text.lstrip("0")) > len(str(MAX_ID)):
        return None
    number = int(text)
    return number if number <= MAX_ID else None


def id_param(request, name: str) -> int | None:
    """The id a list is filtered by (``?supplier=12``), or None when the parameter is absent.

    Not digits: a 400 naming the parameter. Past the largest key any row can have: -1, which
    matches no row, as an unknown id does (a larger number does not fit the bigint key, and
    whatever the database driver makes of it must not become a 500).
    """
    value = (request.query_params.get(name) or "").strip()
    if not value:
        return None
    if not is_number(value):
        raise serializers.ValidationError({name: [_("A number is required.")]})
    number = as_id(value)
    return -1 if number is None else number


def id_parameter(name: str, **kwargs) -> OpenApiParameter:
    """The schema of an :func:`id_param` filter."""
    return OpenApiParameter(name, {"type": "integer", "minimum": 0}, **kwargs)


def status_parameter(choices) -> OpenApiParameter:
    """The schema of a :func:`status_param` filter: the values as the API spells them."""
    return OpenApiParameter("status", OpenApiTypes.STR, enum=[v.lower() for v in choices.values])


def status_param(request, choices) -> str | None:
    """The status a list is filtered by (``?status=open``, any case) as the stored value, or
    None when the parameter is absent; a status ``choices`` does not know is a 400 naming them."""
    value = (request.query_params.get("status") or "").strip().upper()
    if not value:
        return None
    if value not in choices.values:
        message = _("Unknown status “%(value)s”: use one of %(choices)s.") % {
            "value": value.lower(),
            "choices": ", ".join(v.lower() for v in choices.values),
        }
        raise serializers.ValidationError({"status": [message]})
    return value


def screen_status(request, choices) -> str:
    """A screen's ``?status=`` (any case) as a value of ``choices``, or "" for the whole list.

    Screens are forgiving where the API is strict: an unknown status (an old link) shows all.
    """
    value = (request.GET.get("status") or "").upper()
    return value if value in choices.values else ""

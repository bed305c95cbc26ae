"""One error shape for the whole API: ``{"code", "detail", "fields"}`` with a 4xx status."""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.utils.translation import gettext, ngettext
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from bankint.errors import DomainError

logger = logging.getLogger("bankint.api")

_CODES = {
    exceptions.ValidationError: "validation_error",
    exceptions.ParseError: "parse_error",
    exceptions.AuthenticationFailed: "authentication_failed",
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.PermissionDenied: "permission_denied",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.Throttled: "throttled",
}


def _flatten(detail) -> list[str]:
    if isinstance(detail, dict):
        return [m for v in detail.values() for m in _flatten(v)]
    if isinstance(detail, list):
        return [m for v in detail for m in _flatten(v)]
    return [str(detail)]


def _fields(detail) -> dict[str, list[str]]:
    if not isinstance(detail, dict):
        return {}
    out: dict[str, list[str]] = {}
    for key, value in detail.items():
        if key == "non_field_errors":
            continue
        if isinstance(value, dict):
            for sub, msgs in _fields(value).items():
                out[f"{key}.{sub}"] = msgs
        else:
            out[str(key)] = _flatten(value)
    return out


def _throttled(wait: float | None) -> str:
    # DRF's own text is translated in parts ("Forespørselen ble strupet. Expected available in
    # 24 seconds."): the whole sentence is ours, in one language.
    if wait is None:
        return gettext("Too many requests. Try again later.")
    seconds = max(1, int(-(-wait // 1)))
    return ngettext(
        "Too many requests. Try again in %(seconds)d second.",
        "Too many requests. Try again in %(seconds)d seconds.",
        seconds,
    ) % {"seconds": seconds}


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        return Response(
            {"code": exc.code, "detail": exc.message, "fields": exc.fields},
            status=exc.status_code,
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a real bug: let Django's 500 handling and logging see it

    if isinstance(exc, exceptions.ValidationError):
        fields = _fields(exc.detail)
        messages = _flatten(exc.detail)
        non_field = exc.detail.get("non_field_errors") if isinstance(exc.detail, dict) else None
        detail = (
            str(non_field[0])
            if non_field
            else (f"{messages[0]}" if len(messages) == 1 else gettext("The request has invalid fields."))
        )
        if not fields and not non_field and messages:
            detail = messages[0]
        code = "validation_error"
    elif isinstance(exc, exceptions.Throttled):
        detail = _throttled(exc.wait)
        fields = {}
        code = "throttled"
    else:
        detail = (
            str(exc.detail) if not isinstance(exc.detail, list | dict) else "; ".join(_flatten(exc.detail))
        )
        fields = {}
        code = _CODES.get(type(exc)) or getattr(exc, "default_code", "error")
    if response.status_code == status.HTTP_404_NOT_FOUND:
        request = context.get("request")
        logger.info(
            "not found or not permitted: %s %s",
            getattr(request, "method", "?"),
            getattr(request, "path", "?"),
        )
    response.data = {"code": code, "detail": detail, "fields": fields}
    return response

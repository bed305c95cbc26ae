"""Binds a request id, the client address and the user to the actor context."""

from __future__ import annotations

import ipaddress
import uuid

from django.core.exceptions import SuspiciousOperation

from . import context


def client_ip(request) -> str | None:
    """The client's address: ``REMOTE_ADDR``, or behind a trusted proxy the hop before it.

    ``X-Forwarded-For`` is written by whoever sends the request, so it is read only when the
    request comes from a proxy listed in ``TRUSTED_PROXIES``, and then from the right: the
    first address that is not one of our proxies is the client (anything left of it is what
    the client claimed). Rotating the header from outside changes nothing: not the login
    lockout per address, not DRF's throttle, not the audit log.
    """
    remote = request.META.get("REMOTE_ADDR")
    if not _trusted(remote):
        return remote
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    for hop in reversed(hops):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            return remote  # a hop our proxy did not write: trust nothing of the header
        if not _trusted(hop):
            return hop
    return remote


def _trusted(address: str | None) -> bool:
    from django.conf import settings

    networks = getattr(settings, "TRUSTED_PROXIES", ())
    if not address or not networks:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(network, strict=False) for network in networks)


class NulCharacter(SuspiciousOperation):
    """A NUL in a query or form value: PostgreSQL refuses it in text, so no view may see it."""


def refuse_nul(request) -> None:
    """Raise :class:`NulCharacter` (a 400) for ``%00`` in the query string or an urlencoded form.

    ``?q=%00`` on a search reached PostgreSQL and came back as a 500. Uploaded files may hold
    any byte and are not looked at; JSON bodies are checked by the API's parser.
    """
    if any("\x00" in value for values in request.GET.lists() for value in values[1]):
        raise NulCharacter("NUL character in the query string")
    form = request.method == "POST" and request.content_type == "application/x-www-form-urlencoded"
    if form and any("\x00" in value for values in request.POST.lists() for value in values[1]):
        raise NulCharacter("NUL character in a form field")


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        request_id = incoming if incoming.isalnum() and len(incoming) <= 64 else uuid.uuid4().hex
        request.request_id = request_id
        source = (
            "api"
            if request.path.startswith("/api/")
            else "admin"
            if request.path.startswith("/admin/")
            else "web"
        )
        token = context.bind(
            request_id=request_id, ip=client_ip(request), source=source, user_id=None, username=""
        )
        try:
            refuse_nul(request)
            response = self.get_response(request)
        finally:
            context.reset(token)
        response["X-Request-ID"] = request_id
        return response


def bind_user(user) -> None:
    """Called once authentication is known (session middleware or DRF authentication)."""
    if user is not None and user.is_authenticated:
        context.bind(user_id=user.pk, username=user.get_username())


class DefaultLanguageMiddleware:
    """Norwegian Bokmål unless the user chose another language (the language cookie).

    The browser's Accept-Language is deliberately ignored: the product is Norwegian and an
    English-language browser should not turn an accountant's screens English by surprise.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings
        from django.utils import translation

        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        supported = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response

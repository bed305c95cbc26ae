"""Binds a request id, the client address and the user to the actor context."""

from __future__ import annotations

import uuid

from . import context


def client_ip(request) -> str | None:
    # Behind the production proxy the first X-Forwarded-For hop is the client; trust it only
    # when the proxy header is configured (the same switch as SECURE_PROXY_SSL_HEADER).
    from django.conf import settings

    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    if forwarded and getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        return forwarded.split(",")[0].strip()
    return request.META.get("REMOTE_ADDR")


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

"""Operational endpoints, and what the apps' pages share."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache

from .errors import DomainError
from .health import run_registered
from .tasks import HEARTBEAT_KEY


@contextmanager
def errors_as_messages(request):
    """A page's action: a domain error ends the block and is shown as an error message.

    What follows the service call in the block (the success message) runs only when it
    succeeded; the page then redirects either way.
    """
    try:
        yield
    except DomainError as exc:
        messages.error(request, exc.message)


def _check_database() -> tuple[bool, str]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True, "ok"
    except Exception as exc:
        return False, type(exc).__name__


def _check_broker() -> tuple[bool, str]:
    from bankint.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return True, "ok"
    except Exception as exc:
        return False, type(exc).__name__


def _check_bank() -> tuple[bool, str]:
    from bankclient import BankClient, BankError

    try:
        client = BankClient(settings.BANK_API_URL, settings.BANK_API_KEY, timeout=2)
        return client.health(), "ok"
    except BankError as exc:
        return False, str(exc)[:200]


def _api_error(request, status: int, code: str, detail: str):
    return JsonResponse({"code": code, "detail": detail, "fields": {}}, status=status)


def handler404(request, exception=None):
    if request.path.startswith("/api/"):
        return _api_error(request, 404, "not_found", gettext("Not found."))
    from django.views.defaults import page_not_found

    return page_not_found(request, exception)


def handler400(request, exception=None):
    if request.path.startswith("/api/"):
        return _api_error(request, 400, "bad_request", gettext("Bad request."))
    from django.views.defaults import bad_request

    return bad_request(request, exception)


def handler500(request):
    if request.path.startswith("/api/"):
        return _api_error(request, 500, "server_error", gettext("Something went wrong; it has been logged."))
    from django.views.defaults import server_error

    return server_error(request)


@never_cache
def healthz(request):
    checks = {"database": _check_database(), "broker": _check_broker(), "bank": _check_bank()}
    body = {name: {"ok": ok, "detail": detail} for name, (ok, detail) in checks.items()}
    seen = cache.get(HEARTBEAT_KEY)
    age = (timezone.now() - datetime.fromisoformat(seen)).total_seconds() if seen else None
    body["worker"] = {"last_heartbeat_seconds_ago": None if age is None else round(age, 1)}
    healthy = all(ok for ok, _detail in checks.values())
    extra = run_registered()
    body.update({name: {"ok": ok, "detail": detail} for name, (ok, detail) in extra.items()})
    fine = all(ok for ok, _detail in extra.values())
    body["status"] = "unavailable" if not healthy else "ok" if fine else "degraded"
    return JsonResponse(body, status=200 if healthy else 503)

"""Response headers and session rules of a bank portal: CSP, no caching of what is private, idle logout.

- **Content-Security-Policy.** Scripts only from this origin, as files (``static/js/app.js``,
  htmx from ``static/vendor``): no inline script, no ``eval``, no plugins, no framing. A link or
  text that slipped past validation cannot run. The Swagger UI page loads its assets from
  drf-spectacular's CDN and starts with an inline script, so that one page gets a policy that
  names them (it shows no company data).
- **Cache-Control: no-store** on every answer to a signed-in user and on the API: a shared or
  back-button cache must not keep bank data.
- **Idle timeout.** A session unused for ``SESSION_IDLE_SECONDS`` is logged out, and any
  session after ``SESSION_COOKIE_AGE`` (a working day) from its first request, however busy
  (the session is saved as it is used, which would otherwise make that age sliding).
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ]
)
# The API docs (drf-spectacular's split Swagger view): its bundle from our own static files
# (drf-spectacular-sidecar), its start script a separate request; Swagger UI sets inline styles.
CSP_API_DOCS = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ]
)
_LAST_SEEN = "bankint:last_seen"
_SINCE = "bankint:since"


class SecurityHeadersMiddleware:
    """CSP, no-store and the idle timeout; placed after the authentication and message middleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        signed_in = bool(user is not None and user.is_authenticated)
        if signed_in and hasattr(request, "session") and _idle_too_long(request):
            logout(request)
            messages.info(request, _("You were logged out after a period without activity."))
            if not request.path.startswith("/api/"):
                return redirect_to_login(request.get_full_path())
        response = self.get_response(request)
        docs = request.path.startswith("/api/v1/docs/")
        response.headers.setdefault("Content-Security-Policy", CSP_API_DOCS if docs else CSP)
        if (signed_in or request.path.startswith("/api/")) and not docs:
            patch_cache_control(response, no_store=True, private=True)
        return response


# Requests a page makes by itself (the notification bell polls every minute): they are not the
# user's activity and must not keep an unattended session alive.
_BACKGROUND = ("/notifications/bell/",)


def _idle_too_long(request) -> bool:
    # Wall-clock seconds (not timezone.now, which tests move): how long since the last request.
    now = int(time.time())
    last = request.session.get(_LAST_SEEN)
    if isinstance(last, int) and now - last > settings.SESSION_IDLE_SECONDS:
        return True
    since = request.session.setdefault(_SINCE, now)
    if isinstance(since, int) and now - since > settings.SESSION_COOKIE_AGE:
        return True
    if request.path in _BACKGROUND and isinstance(last, int):
        return False
    if not isinstance(last, int) or now - last >= 60:  # one session write a minute at most
        request.session[_LAST_SEEN] = now
    return False

"""DRF throttles keyed on the client address as the portal knows it (trusted proxies only)."""

from __future__ import annotations

from rest_framework.throttling import ScopedRateThrottle

from bankint.middleware import client_ip


class ClientScopedRateThrottle(ScopedRateThrottle):
    """DRF's scoped rate, but per :func:`bankint.middleware.client_ip`.

    DRF's own ``get_ident`` takes ``X-Forwarded-For`` as it comes when ``NUM_PROXIES`` is unset,
    so a client rotating the header had a fresh budget on every request.
    """

    def get_ident(self, request):
        return client_ip(request) or "unknown"

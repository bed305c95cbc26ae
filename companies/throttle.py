"""Throttling of the browser login against password guessing.

Failures are counted per username and per client address in the shared cache; after
``LOGIN_FAILURE_LIMIT`` failures in the window, further attempts are refused until it ends,
whatever the password. The API token endpoint uses DRF's scoped throttle (rate ``auth``).
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache


def _keys(username: str, ip: str | None) -> list[str]:
    name = hashlib.sha256((username or "").strip().lower().encode()).hexdigest()[:32]
    return [f"login-fail:user:{name}", f"login-fail:ip:{ip or '-'}"]


def login_blocked(username: str, ip: str | None) -> bool:
    limit = settings.LOGIN_FAILURE_LIMIT
    # The address limit is wider: an office behind one NAT has many honest users.
    user_key, ip_key = _keys(username, ip)
    return (cache.get(user_key, 0) >= limit) or (cache.get(ip_key, 0) >= limit * 4)


def login_failed(username: str, ip: str | None) -> None:
    window = settings.LOGIN_FAILURE_WINDOW_SECONDS
    for key in _keys(username, ip):
        if cache.add(key, 1, window):
            continue
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, 1, window)


def login_succeeded(username: str, ip: str | None) -> None:
    cache.delete(_keys(username, ip)[0])

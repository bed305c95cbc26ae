"""Checks that apps add to ``/healthz`` without the kernel importing them.

A check returns ``(ok, detail)``. A failing one makes the status ``degraded`` (HTTP 200: the
portal works, something needs an operator), unlike the database or the broker being down
(``unavailable``, 503).
"""

from __future__ import annotations

from collections.abc import Callable

Check = Callable[[], tuple[bool, str]]
_CHECKS: dict[str, Check] = {}


def register(name: str, check: Check) -> None:
    _CHECKS[name] = check


def run_registered() -> dict[str, tuple[bool, str]]:
    results = {}
    for name, check in _CHECKS.items():
        try:
            results[name] = check()
        except Exception as exc:  # a broken check is itself a finding, not a 500
            results[name] = (False, type(exc).__name__)
    return results

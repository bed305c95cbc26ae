"""X-Forwarded-For is believed only from a configured proxy (TRUSTED_PROXIES), read from the right."""

from __future__ import annotations

import pytest
from django.test import RequestFactory, override_settings
from rest_framework.test import APIClient

from bankint.middleware import client_ip
from tests.conftest import PASSWORD

PRODUCTION_PROXY_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")  # as bankint.settings.production


def _ip(remote: str, forwarded: str | None = None) -> str | None:
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return client_ip(RequestFactory().get("/", REMOTE_ADDR=remote, **extra))


@override_settings(SECURE_PROXY_SSL_HEADER=PRODUCTION_PROXY_HEADER, TRUSTED_PROXIES=[])
def test_without_a_trusted_proxy_the_header_is_ignored():
    assert _ip("198.51.100.7", "1.2.3.4") == "198.51.100.7"


@override_settings(TRUSTED_PROXIES=["10.0.0.5", "172.28.0.0/24"])
@pytest.mark.parametrize(
    ("remote", "forwarded", "expected"),
    [
        ("10.0.0.5", "203.0.113.9", "203.0.113.9"),  # one proxy
        ("10.0.0.5", "1.2.3.4, 203.0.113.9", "203.0.113.9"),  # a claimed hop left of the real one
        ("10.0.0.5", "203.0.113.9, 172.28.0.3", "203.0.113.9"),  # two of our proxies
        ("10.0.0.5", "not-an-ip", "10.0.0.5"),  # a header our proxy did not write
        ("10.0.0.5", None, "10.0.0.5"),
        ("198.51.100.7", "203.0.113.9", "198.51.100.7"),  # not from our proxy: header ignored
    ],
)
def test_behind_a_trusted_proxy_the_first_untrusted_hop_from_the_right(remote, forwarded, expected):
    assert _ip(remote, forwarded) == expected


@pytest.mark.django_db
@override_settings(SECURE_PROXY_SSL_HEADER=PRODUCTION_PROXY_HEADER, TRUSTED_PROXIES=[], LOGIN_FAILURE_LIMIT=3)
def test_rotating_the_header_does_not_bypass_the_address_lockout(client, admin_a):
    """Was a gap: a new first hop per request gave a new address budget (and a spoofed audit address)."""
    for i in range(12):  # the address limit is 4 x the per-user one
        client.post(
            "/accounts/login/",
            {"username": f"guess-{i}", "password": "wrong"},
            HTTP_X_FORWARDED_FOR=f"203.0.113.{i}",
        )
    client.post(
        "/accounts/login/",
        {"username": "admin-a", "password": PASSWORD},
        HTTP_X_FORWARDED_FOR="203.0.113.200",
    )
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
@override_settings(SECURE_PROXY_SSL_HEADER=PRODUCTION_PROXY_HEADER, TRUSTED_PROXIES=[])
def test_rotating_the_header_does_not_reset_the_token_throttle(admin_a, monkeypatch):
    from rest_framework.throttling import ScopedRateThrottle

    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"auth": "3/min"})
    client = APIClient()
    codes = [
        client.post(
            "/api/v1/auth/token/",
            {"username": "admin-a", "password": "guess"},
            format="json",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{i}",
        ).status_code
        for i in range(4)
    ]
    assert codes == [400, 400, 400, 429]

"""Fixtures for banksim's own tests (run with ``--ds=banksim.settings``; no portal imports).

Every test starts from an empty bank whose clock reads Monday 2 March 2026, 09:00 Oslo
time, so that "today", banking days and execution dates are the same on every run.
"""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.test import Client

from banksim import services
from banksim.models import Account, ServiceOrder

OSLO = ZoneInfo("Europe/Oslo")
START = datetime(2026, 3, 2, 9, 0, tzinfo=OSLO)
KEY = "sim-partner-key-dev"
DRIFT = "15032080119"
SKATT = "15032080127"
CLIENT_ACCOUNT = "15032080135"
KID_PAYEE = "86011117947"
SUPPLIER = "86011117955"  # a plain supplier account (MOD11 valid, no KID agreement)


class Api:
    """The partner API through Django's test client, with the API key and JSON handled."""

    def __init__(self):
        self.client = Client()

    def get(self, path, **params):
        return self.client.get(path, params, HTTP_X_API_KEY=KEY)

    def post(self, path, data=None, **headers):
        return self.client.post(
            path, json.dumps(data or {}), content_type="application/json", HTTP_X_API_KEY=KEY, **headers
        )

    def post_raw(self, path, body: bytes, content_type="application/xml", **headers):
        return self.client.generic(
            "POST", path, body, content_type=content_type, HTTP_X_API_KEY=KEY, **headers
        )

    def sim(self, path, data=None, method="post"):
        if method == "get":
            return self.client.get(path)
        return self.client.generic(
            method.upper(), path, json.dumps(data or {}), content_type="application/json"
        )

    def submit(self, xml: bytes, msg_id: str, mode: str = "post_approval", approved_by: str = ""):
        headers = {"HTTP_IDEMPOTENCY_KEY": msg_id, "HTTP_X_APPROVAL_MODE": mode}
        if approved_by:
            headers["HTTP_X_APPROVED_BY"] = approved_by
        return self.post_raw("/api/v1/payment-files", xml, **headers)

    def advance(self, **kw):
        response = self.sim("/sim/clock/advance", kw)
        assert response.status_code == 200, response.content
        return response.json()

    def events(self, cursor=0, **params):
        return self.get("/api/v1/changes", cursor=cursor, limit=1000, **params).json()["events"]


@pytest.fixture
def bank(request, db):
    """A reset bank; its clock at START, or at 09:00 Oslo time on the day a test parametrizes
    it with (``@pytest.mark.parametrize("bank", [date(...)], indirect=True)``)."""
    day = getattr(request, "param", None)
    services.sim_reset(datetime.combine(day, START.timetz()) if day else START)
    return Api()


@pytest.fixture
def demo(bank):
    call_command("seed_demo_customer", stdout=open("/dev/null", "w"))  # noqa: SIM115
    return bank


@pytest.fixture
def integrated(demo):
    """The demo customer after a completed order: remittance, reconciliation and RgB on both accounts."""
    response = demo.post(
        "/api/v1/service-orders",
        {
            "org_number": "123456785",
            "accounts": [DRIFT, SKATT],
            "services": ["remittance", "incoming_reconciliation", "rgb"],
        },
    )
    order = response.json()
    services.service_order_confirm(ServiceOrder.objects.get(pk=order["id"]))
    demo.advance(seconds=3600)
    assert demo.get(f"/api/v1/service-orders/{order['id']}").json()["status"] == "COMPLETED"
    return demo


@pytest.fixture
def integrated_2009(integrated):
    """The same customer with remittance agreements from before the 2019 messages: they take
    pain.001.001.03 and get pain.002.001.03 and camt.053/054.001.02 back."""
    Account.objects.filter(number__in=[DRIFT, SKATT]).update(payment_file_version="pain.001.001.03")
    return integrated

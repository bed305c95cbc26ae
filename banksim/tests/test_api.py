"""The partner API's edges and the /sim/ controls: garbage in never gives a 500, the key
is required, the feed pages, faults behave as documented, reset and state work.

A 5xx tells the portal "try again", so a request that can never succeed must get a 4xx
with a code instead; the garbage test throws every kind of body at every endpoint.
"""

import json

import pytest

from banksim import services
from banksim.models import Fault, PaymentFile
from banksim.tests.conftest import DRIFT, START

API_POSTS = [
    "/api/v1/service-orders",
    "/api/v1/online-bank-applications",
    "/api/v1/rgb-orders",
    "/api/v1/signing-sessions",
    "/api/v1/payment-files",
    "/api/v1/payment-files/NOPE/approve",
]
API_GETS = [
    "/api/v1/changes",
    "/api/v1/fx/rates",
    "/api/v1/fx/rates?date=x",
    "/api/v1/customers/123456785",
    "/api/v1/customers/xyz",
    "/api/v1/service-orders/1",
    "/api/v1/online-bank-applications/1",
    "/api/v1/rgb-orders/1",
    "/api/v1/signing-sessions/1",
    "/api/v1/payment-files/NOPE",
    "/api/v1/payment-files/NOPE/pain002",
    "/api/v1/debit-notifications/1",
    "/api/v1/statements/1",
    "/api/v1/ocr-files/1",
    "/api/v1/changes?cursor=abc",
    "/api/v1/changes?limit=0",
    "/api/v1/changes?limit=99999",
    "/api/v1/changes?cursor=-1",
    "/api/v1/changes?org_number=1",
]
OPTIONAL_BODY = {"/api/v1/online-bank-applications", "/api/v1/rgb-orders"}
SIM_POSTS = [
    "/sim/clock/advance",
    "/sim/faults",
    "/sim/reset",
    "/sim/customers",
    "/sim/kid-payees",
    "/sim/transactions",
]
GARBAGE = [
    b"",
    b"not json",
    b"[]",
    b"null",
    b"123",
    b'"text"',
    b"{",
    b"\xff\xfe\x00garbage",
    json.dumps(
        {
            "org_number": None,
            "accounts": "x",
            "services": {},
            "kid": [],
            "name": 5,
            "text": [],
            "seconds": "x",
            "days": -1,
            "endpoint": 1,
            "mode": "nope",
            "rate": 5,
            "account": [],
            "amount": {},
            "now": "yesterday",
            "user_id": {},
            "subscription": "gold",
            "users": [{"user_id": None}],
            "national_id": "abc",
        }
    ).encode(),
    json.dumps({"org_number": "123456785", "accounts": [None, 5], "services": ["remittance"]}).encode(),
    json.dumps(
        {
            "org_number": "123456785",
            "accounts": [DRIFT],
            "services": ["nets_ocr"],
            "kid": {"length": "x", "check": None},
        }
    ).encode(),
    json.dumps({"account": DRIFT, "amount": "NaN"}).encode(),
    json.dumps({"account": DRIFT, "amount": "Infinity"}).encode(),
    json.dumps({"seconds": 1e308}).encode(),
    json.dumps({"endpoint": "*", "mode": "timeout", "delay_seconds": 10**9}).encode(),
    b"<?xml version='1.0'?><a/>",
]


@pytest.mark.parametrize("body", GARBAGE)
def test_garbage_never_gives_a_500(demo, body):
    for path in API_POSTS:
        for content_type in ("application/json", "application/xml", "text/plain"):
            response = demo.post_raw(path, body, content_type=content_type)
            # Applications and RgB orders may legitimately start empty (the user fills in the pages).
            assert response.status_code < 500, (path, body, response.content)
            if response.status_code >= 400 or path not in OPTIONAL_BODY:
                assert 400 <= response.status_code < 500, (path, body, response.content)
                assert set(response.json()) == {"code", "detail"}
    for path in SIM_POSTS:
        if path == "/sim/reset" and body in (b"", b"{}"):
            continue
        response = demo.client.generic("POST", path, body, content_type="application/json")
        assert 200 <= response.status_code < 500, (path, body, response.content)
        if response.status_code >= 400:
            assert set(response.json()) == {"code", "detail"}
    assert not Fault.objects.exists()


def test_gets_answer_json_errors(demo):
    for path in API_GETS:
        response = demo.get(path)
        assert response.status_code in (200, 400, 404), path
        if response.status_code != 200:
            assert set(response.json()) == {"code", "detail"}
    wrong = demo.client.delete("/api/v1/service-orders", HTTP_X_API_KEY="sim-partner-key-dev")
    assert (wrong.status_code, wrong.json()["code"]) == (405, "method_not_allowed")
    assert demo.client.get("/no/such/page").json()["code"] == "not_found"


def test_api_key_required(demo):
    for path in API_GETS[:3]:
        response = demo.client.get(path)
        assert (response.status_code, response.json()["code"]) == (401, "unauthorized")
        assert demo.client.get(path, HTTP_X_API_KEY="wrong").status_code == 401


def test_feed_cursor_limit_and_filter(demo):
    for n in range(7):
        demo.post("/api/v1/signing-sessions", {"name": f"P{n}", "text": "x"})
    demo.post(
        "/api/v1/service-orders", {"org_number": "123456785", "accounts": [DRIFT], "services": ["remittance"]}
    )
    page = demo.get("/api/v1/changes", cursor=0, limit=3).json()
    assert len(page["events"]) == 3 and page["has_more"] and page["next_cursor"] == page["events"][-1]["id"]
    seen, cursor, requests = [], 0, 0
    while True:
        page = demo.get("/api/v1/changes", cursor=cursor, limit=3).json()
        requests += 1
        seen += page["events"]
        cursor = page["next_cursor"]
        if not page["has_more"]:
            break
    assert len(seen) == 8 and requests == 3
    assert len({e["id"] for e in seen}) == 8
    only = demo.get("/api/v1/changes", org_number="123456785").json()["events"]
    assert [e["type"] for e in only] == ["service_order.updated"]


def test_faults_by_endpoint_and_rate(demo):
    demo.post("/api/v1/signing-sessions", {"name": "P", "text": "x"})
    assert demo.sim("/sim/faults", {"endpoint": "changes", "mode": "error_503"}).status_code == 201
    response = demo.get("/api/v1/changes")
    assert (response.status_code, response["Retry-After"]) == (503, "1")
    assert demo.get("/api/v1/signing-sessions/1").status_code in (200, 404)  # other endpoints unaffected
    assert demo.sim("/sim/state", method="get").status_code == 200  # /sim/ never faulted
    demo.sim("/sim/faults", {"endpoint": "changes", "mode": "duplicate"})
    events = demo.get("/api/v1/changes").json()["events"]
    assert len(events) == 2 and events[0] == events[1]
    demo.sim("/sim/faults", {"endpoint": "changes", "mode": "malformed"})
    with pytest.raises(ValueError):
        json.loads(demo.get("/api/v1/changes").content)
    demo.sim("/sim/faults", {"endpoint": "changes", "mode": "error_500", "rate": 0.0})
    assert demo.get("/api/v1/changes").status_code == 200
    demo.sim("/sim/faults", method="delete")
    demo.sim("/sim/faults", {"endpoint": "*", "mode": "drop"})
    with pytest.raises(ConnectionAbortedError):
        demo.get("/api/v1/changes")
    assert demo.sim("/sim/faults", method="delete").json()["deleted"] == 1
    assert demo.get("/api/v1/changes").status_code == 200


def test_seeded_fault_sequence_repeats(demo):
    def run():
        demo.sim("/sim/faults", {"endpoint": "changes", "mode": "error_500", "rate": 0.3, "seed": 99})
        return [demo.get("/api/v1/changes").status_code for _ in range(30)]

    first, second = run(), run()
    assert first == second and 500 in first and 200 in first
    assert 4 <= first.count(500) <= 16


def test_fault_limit_and_tally_count_what_was_injected(demo):
    demo.sim("/sim/faults", {"endpoint": "changes", "mode": "error_500", "limit": 2})
    codes = [demo.get("/api/v1/changes").status_code for _ in range(4)]
    assert codes == [500, 500, 200, 200]
    demo.sim("/sim/faults", {"endpoint": "changes", "mode": "duplicate", "rate": 1.0})
    demo.get("/api/v1/changes")
    state = demo.sim("/sim/state", method="get").json()
    assert state["faults"][0] | {"seed": None} == {
        "endpoint": "changes",
        "mode": "duplicate",
        "rate": 1.0,
        "seed": None,
        "limit": None,
        "hits": 1,
        "injected": 1,
    }
    # The tally outlives the faults themselves: replaced or cleared, what struck is counted.
    assert state["fault_tally"] == {"changes:error_500": 2, "changes:duplicate": 1}
    assert demo.sim("/sim/faults", {"endpoint": "x", "mode": "drop", "limit": 0}).status_code == 400


def test_timeout_fault_executes_then_waits(integrated):
    from banksim.tests.builders import Batch, Tx, pain001
    from banksim.tests.test_payments import MONDAY, SUPPLIER

    integrated.sim(
        "/sim/faults", {"endpoint": "payment_file_submit", "mode": "timeout", "delay_seconds": 0.2}
    )
    response = integrated.submit(
        pain001("T1", [Batch("B1", DRIFT, MONDAY, [Tx("E1", "1.00", SUPPLIER)])]), "T1", "rgb", "TB12345"
    )
    assert response.status_code == 201 and response["X-Banksim-Fault"] == "timeout"
    assert PaymentFile.objects.filter(msg_id="T1").exists()


def test_malformed_ocr_breaks_the_total_only(integrated):
    integrated.sim("/sim/transactions", {"account": DRIFT, "amount": "10.00", "kid": "000001230"})
    integrated.advance(days=1)
    ocr_id = next(e for e in integrated.events() if e["type"] == "ocr_file.created")["resource_id"]
    good = integrated.get(f"/api/v1/ocr-files/{ocr_id}").content.decode("latin-1").split("\n")
    integrated.sim("/sim/faults", {"endpoint": "ocr_file_download", "mode": "malformed"})
    bad = integrated.get(f"/api/v1/ocr-files/{ocr_id}").content.decode("latin-1").split("\n")
    changed = [(g, b) for g, b in zip(good, bad, strict=True) if g != b]
    assert len(changed) == 1 and changed[0][1].startswith("NY000089")


def test_clock_and_controls(bank):
    assert bank.sim("/sim/clock", method="get").json()["now"].startswith("2026-03-02T09:00")
    moved = bank.advance(days=1, seconds=3600)
    assert moved["now"].startswith("2026-03-03T10:00") and moved["banking_day"] is True
    for body in ({"seconds": -1}, {"days": "x"}, {"days": 10**6}, {"seconds": True}):
        assert bank.sim("/sim/clock/advance", body).status_code == 400
    state = bank.sim("/sim/state", method="get").json()
    assert state["clock"]["today"] == "2026-03-03" and state["customers"] == []
    bank.sim("/sim/faults", {"endpoint": "changes", "mode": "error_500"})
    assert bank.sim("/sim/reset", {"now": START.isoformat()}).status_code == 200
    assert bank.sim("/sim/state", method="get").json()["faults"] == []
    assert bank.sim("/sim/reset", {"now": "2026-03-02T09:00:00"}).json()["code"] == "invalid_parameter"


def test_reset_can_be_refused(bank, settings):
    settings.BANKSIM_ALLOW_RESET = False
    response = bank.sim("/sim/reset", {})
    assert (response.status_code, response.json()["code"]) == (403, "reset_disabled")


def test_seed_is_idempotent_and_uses_valid_numbers(demo):
    from django.core.management import call_command
    from stdnum.no import kontonr, orgnr

    call_command("seed_demo_customer", stdout=open("/dev/null", "w"))  # noqa: SIM115
    state = services.sim_state()
    assert [c["org_number"] for c in state["customers"]] == ["123456785", "987654325"]
    demo_customer = state["customers"][0]
    assert demo_customer["subscription"] == "basic" and demo_customer["dual_approval"] is False
    drift, skatt = demo_customer["accounts"]
    assert (drift["number"], drift["name"], drift["balance"]) == ("15032080119", "Driftskonto", "250000.00")
    assert drift["ocr"]["kid_length"] == 9 and drift["ocr"]["kid_check"] == "MOD10"
    assert (skatt["number"], skatt["name"]) == ("15032080127", "Skattetrekk")
    assert {u["user_id"]: u["approval_accounts"] for u in demo_customer["users"]} == {
        "TB12345": ["15032080119", "15032080127"],
        "TB23456": [],
    }
    assert all(kontonr.is_valid(a["number"]) for c in state["customers"] for a in c["accounts"])
    assert all(orgnr.is_valid(c["org_number"]) for c in state["customers"])

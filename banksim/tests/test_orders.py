"""Service orders: the wizard, kontofullmakt, and the rules DNB applies when it processes.

The portal learns an order's outcome only by polling, so each rule is pinned on what the
API and the change feed report after the simulated processing delay.
"""

import re

from stdnum.no import kontonr

from banksim.models import Account, Customer, ServiceOrder
from banksim.tests.conftest import DRIFT, SKATT


def create(bank, **overrides):
    body = {
        "org_number": "123456785",
        "accounts": [DRIFT],
        "services": ["remittance", "incoming_reconciliation"],
        "fee_account": "7770",
    } | overrides
    response = bank.post("/api/v1/service-orders", body)
    assert response.status_code in (200, 201), response.content
    return response.json()


def confirm_in_wizard(bank, order):
    path = order["wizard_url"].replace("http://127.0.0.1:8001", "")
    page = bank.client.get(path)
    assert page.status_code == 200
    assert "Bekreft bestilling" in page.content.decode()
    response = bank.client.post(path, {"action": "confirm"})
    assert response.status_code == 302


def test_order_completes_after_the_delay_with_agreement_data_and_upgrade(demo):
    order = create(demo, accounts=[DRIFT, SKATT])
    assert order["status"] == "AWAITING_CONFIRMATION"
    assert re.fullmatch(r"http://127\.0\.0\.1:8001/bestilling/[\w-]+/", order["wizard_url"])
    confirm_in_wizard(demo, order)
    assert demo.get(f"/api/v1/service-orders/{order['id']}").json()["status"] == "PROCESSING"
    demo.advance(seconds=3599)
    assert demo.get(f"/api/v1/service-orders/{order['id']}").json()["status"] == "PROCESSING"
    demo.advance(seconds=1)
    done = demo.get(f"/api/v1/service-orders/{order['id']}").json()
    assert done["status"] == "COMPLETED"
    assert done["subscription_upgraded"] is True
    assert Customer.objects.get(org_number="123456785").subscription == "integrated"
    assert [r["account"] for r in done["results"]] == [DRIFT, SKATT]
    for result in done["results"]:
        assert result["agreement_id"] and result["division_name"] and result["division_number"]
        assert {s["status"] for s in result["services"]} == {"ok"}
    assert Account.objects.get(number=DRIFT).remittance is True
    statuses = [e["data"]["status"] for e in demo.events() if e["type"] == "service_order.updated"]
    assert statuses == ["AWAITING_CONFIRMATION", "PROCESSING", "COMPLETED"]


def test_no_subscription_is_rejected_with_a_code(demo):
    Customer.objects.filter(org_number="123456785").update(subscription="none")
    order = create(demo)
    confirm_in_wizard(demo, order)
    demo.advance(seconds=3600)
    done = demo.get(f"/api/v1/service-orders/{order['id']}").json()
    assert (done["status"], done["code"]) == ("REJECTED", "no_online_bank")
    assert "nettbankavtale" in done["message"]


def test_an_account_not_owned_fails_alone_and_the_others_are_ordered(demo):
    order = create(demo, accounts=[DRIFT, "15032080135"])  # the second belongs to Demo Klient AS
    confirm_in_wizard(demo, order)
    demo.advance(seconds=3600)
    done = demo.get(f"/api/v1/service-orders/{order['id']}").json()
    assert (done["status"], done["code"]) == ("PARTIALLY_COMPLETED", "account_not_owned")
    assert done["message"] == "Kontoen 1503.20.80135 tilhører ikke Demo Regnskap AS (123456785)."
    by_account = {r["account"]: r for r in done["results"]}
    assert by_account[DRIFT]["agreement_id"] and {s["status"] for s in by_account[DRIFT]["services"]} == {
        "ok"
    }
    wrong = by_account["15032080135"]
    assert wrong["agreement_id"] is None
    assert {(s["status"], s["code"]) for s in wrong["services"]} == {("failed", "account_not_owned")}
    assert Account.objects.get(number=DRIFT).agreement_id != ""
    assert Account.objects.get(number="15032080135").agreement_id == ""
    receipt = demo.client.get(done["wizard_url"].replace("http://127.0.0.1:8001", "")).content.decode()
    assert "Delvis fullført" in receipt and "PARTIALLY_COMPLETED" not in receipt
    assert "Ikke satt opp: Kontoen 1503.20.80135 tilhører ikke" in receipt and "Satt opp" in receipt


def test_no_account_owned_rejects_the_order(demo):
    order = create(demo, accounts=["15032080135"])
    confirm_in_wizard(demo, order)
    demo.advance(seconds=3600)
    done = demo.get(f"/api/v1/service-orders/{order['id']}").json()
    assert (done["status"], done["code"]) == ("REJECTED", "account_not_owned")
    assert "1503.20.80135" in done["message"]
    assert Account.objects.get(number=DRIFT).agreement_id == ""


def test_wizard_url_follows_the_step_the_order_is_at(demo):
    order = create(demo)
    assert order["wizard_url"].endswith(f"/bestilling/{order['wizard_url'].split('/')[-2]}/")
    confirm_in_wizard(demo, order)
    after = demo.get(f"/api/v1/service-orders/{order['id']}").json()
    assert after["wizard_url"] == order["wizard_url"] + "kvittering/"


def test_unknown_organisation_is_rejected(demo):
    order = create(demo, org_number="974760673", accounts=[DRIFT])
    confirm_in_wizard(demo, order)
    demo.advance(seconds=3600)
    assert demo.get(f"/api/v1/service-orders/{order['id']}").json()["code"] == "unknown_customer"


def test_ocr_kid_mismatch_fails_that_part_and_names_both_structures(demo):
    order = create(
        demo, accounts=[DRIFT], services=["remittance", "nets_ocr"], kid={"length": 10, "check": "MOD11"}
    )
    confirm_in_wizard(demo, order)
    demo.advance(seconds=3600)
    done = demo.get(f"/api/v1/service-orders/{order['id']}").json()
    assert (done["status"], done["code"]) == ("PARTIALLY_COMPLETED", "kid_mismatch")
    [result] = done["results"]
    by_service = {s["service"]: s for s in result["services"]}
    assert by_service["remittance"]["status"] == "ok"
    assert by_service["nets_ocr"]["code"] == "kid_mismatch"
    message = by_service["nets_ocr"]["message"]
    assert "lengde 10, MOD11" in message and "lengde 9, MOD10" in message


def test_ocr_only_gives_no_agreement_id_and_creates_the_nets_agreement(demo):
    order = create(demo, accounts=[SKATT], services=["nets_ocr"], kid={"length": 7, "check": "MOD11"})
    confirm_in_wizard(demo, order)
    demo.advance(seconds=3600)
    done = demo.get(f"/api/v1/service-orders/{order['id']}").json()
    assert done["status"] == "COMPLETED"
    assert done["results"][0]["agreement_id"] is None
    account = Account.objects.get(number=SKATT)
    assert (account.kid_length, account.kid_check) == (7, "MOD11") and account.has_ocr


def test_matching_ocr_order_succeeds(demo):
    order = create(
        demo, accounts=[DRIFT], services=["nets_ocr", "remittance"], kid={"length": 9, "check": "MOD10"}
    )
    confirm_in_wizard(demo, order)
    demo.advance(seconds=3600)
    assert demo.get(f"/api/v1/service-orders/{order['id']}").json()["status"] == "COMPLETED"


def test_rgb_service_refused_under_dual_approval(demo):
    Customer.objects.filter(org_number="123456785").update(dual_approval=True)
    order = create(demo, services=["remittance", "rgb"])
    confirm_in_wizard(demo, order)
    demo.advance(seconds=3600)
    done = demo.get(f"/api/v1/service-orders/{order['id']}").json()
    assert done["code"] == "dual_approval_required"
    assert Account.objects.get(number=DRIFT).rgb_enabled is False


def test_reference_makes_create_idempotent(demo):
    first = demo.post(
        "/api/v1/service-orders",
        {"org_number": "123456785", "accounts": [DRIFT], "services": ["remittance"], "reference": "erp-1"},
    )
    again = demo.post(
        "/api/v1/service-orders",
        {"org_number": "123456785", "accounts": [DRIFT], "services": ["remittance"], "reference": "erp-1"},
    )
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert ServiceOrder.objects.count() == 1


def test_cancel_in_wizard(demo):
    order = create(demo)
    path = order["wizard_url"].replace("http://127.0.0.1:8001", "")
    demo.client.post(path, {"action": "cancel"})
    assert demo.get(f"/api/v1/service-orders/{order['id']}").json()["status"] == "CANCELLED"
    assert demo.client.post(path, {"action": "confirm"}).status_code == 200  # shown again with the error


def test_create_validations(demo):
    cases = [
        ({"org_number": "123456784"}, "invalid_org_number"),
        ({"accounts": []}, "accounts_required"),
        ({"accounts": ["15032080118"]}, "invalid_account"),
        ({"services": ["loans"]}, "invalid_services"),
        ({"services": ["nets_ocr"]}, "kid_structure_required"),
        ({"services": ["nets_ocr"], "kid": {"length": 30, "check": "MOD10"}}, "invalid_kid_structure"),
        ({"fee_account": "abc"}, "invalid_fee_account"),
    ]
    for overrides, code in cases:
        body = {"org_number": "123456785", "accounts": [DRIFT], "services": ["remittance"]} | overrides
        response = demo.post("/api/v1/service-orders", body)
        assert response.status_code == 400, overrides
        assert response.json()["code"] == code


def test_kontofullmakt_at_most_six_accounts(demo):
    order = create(demo)
    path = order["wizard_url"].replace("http://127.0.0.1:8001", "") + "kontofullmakt/"
    valid = [a for a in (f"150320801{n:02d}" for n in range(100)) if kontonr.is_valid(a)][:7]
    response = demo.client.post(path, {"accounts": "\n".join(valid), "requested_by": "Regnskapsfører Rita"})
    assert response.status_code == 400
    assert "høyst 6 kontoer om gangen" in response.content.decode()
    response = demo.client.post(path, {"accounts": "\n".join(valid[:6]), "requested_by": "Rita"})
    assert response.status_code == 200
    assert demo.get(f"/api/v1/service-orders/{order['id']}").json()["kontofullmakt_accounts"] == sorted(
        valid[:6]
    )
    assert "Oppgi navnet ditt." in demo.client.post(path, {"accounts": DRIFT}).content.decode()

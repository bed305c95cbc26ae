"""S'banken bedrift: API-based activation with a consent step, reported like a service order."""

from banksim.models import SbankenActivation

SB_ACCOUNT = "97100000001"  # a MOD11-valid Sbanken account (registry 9710)


def create(bank, **overrides):
    body = {"org_number": "123456785", "accounts": [SB_ACCOUNT], "services": ["remittance"]} | overrides
    response = bank.post("/api/v1/sbanken/activations", body)
    assert response.status_code in (200, 201), response.content
    return response.json()


def consent(bank, activation, action="consent"):
    path = activation["wizard_url"].replace("http://127.0.0.1:8001", "")
    page = bank.client.get(path)
    assert page.status_code == 200 and "Gi samtykke" in page.content.decode()
    return bank.client.post(path, {"action": action})


def test_consent_activates_at_once_with_agreement_data_and_an_event(bank):
    activation = create(bank, reference="sb-1")
    assert activation["status"] == "AWAITING_CONSENT" and "/sbanken/samtykke/" in activation["wizard_url"]
    assert create(bank, reference="sb-1")["id"] == activation["id"]  # the reference deduplicates
    consent(bank, activation)
    detail = bank.get(f"/api/v1/sbanken/activations/{activation['id']}").json()
    assert detail["status"] == "COMPLETED"
    [result] = detail["results"]
    assert result["account"] == SB_ACCOUNT and result["agreement_id"].startswith("SB")
    assert result["division_name"] == "Sbanken API" and result["services"][0]["status"] == "ok"
    statuses = [e["data"]["status"] for e in bank.events() if e["type"] == "sbanken_activation.updated"]
    assert statuses == ["AWAITING_CONSENT", "COMPLETED"]


def test_accounts_in_another_bank_are_rejected_in_plain_words(bank):
    activation = create(bank, accounts=["15032080119"])
    consent(bank, activation)
    detail = bank.get(f"/api/v1/sbanken/activations/{activation['id']}").json()
    assert detail["status"] == "REJECTED" and detail["code"] == "account_not_in_bank"
    assert "1503.20.80119" in detail["message"] and "Sbanken" in detail["message"]


def test_declined_consent_cancels_and_cannot_be_given_twice(bank):
    activation = create(bank)
    consent(bank, activation, action="cancel")
    assert SbankenActivation.objects.get(pk=activation["id"]).status == "CANCELLED"
    path = activation["wizard_url"].replace("http://127.0.0.1:8001", "")
    again = bank.client.post(path, {"action": "consent"})
    assert "allerede" in again.content.decode()


def test_invalid_services_are_refused(bank):
    response = bank.post(
        "/api/v1/sbanken/activations",
        {"org_number": "123456785", "accounts": [SB_ACCOUNT], "services": ["nets_ocr"]},
    )
    assert response.status_code == 400 and response.json()["code"] == "invalid_services"

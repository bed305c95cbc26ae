"""/healthz reports the database, the broker and the bank, and answers 503 when one is down."""

import pytest

from tests.banksim_server import KEY

pytestmark = pytest.mark.django_db


def test_healthy_when_everything_answers(client, settings, banksim_url):
    settings.BANK_API_URL, settings.BANK_API_KEY = banksim_url, KEY
    response = client.get("/healthz")
    body = response.json()
    assert response.status_code == 200, body
    assert body["database"]["ok"] and body["broker"]["ok"] and body["bank"]["ok"]
    assert body["status"] == "ok"


def test_503_when_the_bank_refuses_our_key(client, settings, banksim_url):
    settings.BANK_API_URL, settings.BANK_API_KEY = banksim_url, "not-our-key"
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["bank"]["ok"] is False


def test_503_when_the_bank_is_down(client, settings):
    settings.BANK_API_URL = "http://127.0.0.1:9"  # discard port: nothing listens
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["bank"]["ok"] is False and body["database"]["ok"] is True and body["status"] == "unavailable"

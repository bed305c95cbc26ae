"""/healthz reports the database, the broker and the bank, and answers 503 when one is down."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

pytestmark = pytest.mark.django_db


class _Bank(BaseHTTPRequestHandler):
    def do_GET(self):  # the bank is not what is tested here: any 200 on /health will do
        self.send_response(200 if self.path == "/health" else 404)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def bank_up(settings):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Bank)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.BANK_API_URL = f"http://127.0.0.1:{server.server_address[1]}"
    yield
    server.shutdown()


def test_healthy_when_everything_answers(client, bank_up):
    response = client.get("/healthz")
    body = response.json()
    assert response.status_code == 200, body
    assert body["database"]["ok"] and body["broker"]["ok"] and body["bank"]["ok"]
    assert body["status"] == "ok"


def test_503_when_the_bank_is_down(client, settings):
    settings.BANK_API_URL = "http://127.0.0.1:9"  # discard port: nothing listens
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["bank"]["ok"] is False and body["database"]["ok"] is True and body["status"] == "unavailable"

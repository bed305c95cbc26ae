"""The ocr-files/ and ocr-transactions/ API: upload, list, retrieve, allocate; bad input is 4xx."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from companies.roles import Role
from ledger.models import Invoice
from ocr.models import OcrFile, OcrTransaction
from tests.ocr.conftest import OCR_ACCOUNT, ocr_file, tx

pytestmark = pytest.mark.django_db


def _url(company, rest=""):
    return f"/api/v1/companies/{company.pk}/{rest}"


def _upload(client, company, data: bytes, name="ocr.txt"):
    return client.post(
        _url(company, "ocr-files/"),
        {"file": SimpleUploadedFile(name, data, "text/plain")},
        format="multipart",
    )


def test_upload_list_retrieve(api_for, admin_a, ocr_company, make_invoices):
    a, b = make_invoices("100.00", "50.00")
    client = api_for(admin_a)
    data = ocr_file((OCR_ACCOUNT, [tx(1, 10000, a.kid), tx(2, 2500, "1234567890", payer="12345678903")]))
    response = _upload(client, ocr_company, data)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "IMPORTED" and body["total_amount"] == "125.00" and body["settled_count"] == 1
    assert body["assignments"][0]["reference"].startswith("OCR0000001")
    settled = {t["number"]: t for t in body["transactions"]}
    assert settled[1]["invoice_number"] == a.number and settled[1]["status"] == "SETTLED"
    assert settled[2]["status"] == "UNMATCHED" and settled[2]["payer_account"] == "12345678903"
    listing = client.get(_url(ocr_company, "ocr-files/?status=imported")).json()
    assert listing["count"] == 1 and "raw" not in listing["results"][0]
    page = client.get(_url(ocr_company, f"ocr-files/{body['id']}/transactions/")).json()
    assert page["count"] == 2
    # the same file again: 200, a duplicate naming the original
    again = _upload(client, ocr_company, data)
    assert again.status_code == 200 and again.json()["status"] == "DUPLICATE"
    assert again.json()["duplicate_of"] == body["id"] and again.json()["reason"].endswith(f"#{body['id']}.")
    # allocate the unmatched payment to invoice b
    unmatched = client.get(_url(ocr_company, "ocr-transactions/?status=unmatched")).json()
    assert unmatched["count"] == 1
    tx_id = unmatched["results"][0]["id"]
    done = client.post(
        _url(ocr_company, f"ocr-transactions/{tx_id}/allocate/"), {"invoice": b.pk}, format="json"
    )
    assert done.status_code == 200, done.json()
    assert done.json()["status"] == "SETTLED" and done.json()["invoice_number"] == b.number
    b.refresh_from_db()
    assert (b.status, b.paid_amount) == (Invoice.Status.PARTLY_PAID, Decimal("25.00"))
    twice = client.post(
        _url(ocr_company, f"ocr-transactions/{tx_id}/allocate/"), {"invoice": b.pk}, format="json"
    )
    assert twice.status_code == 409 and twice.json()["code"] == "not_unmatched"


@pytest.mark.parametrize(
    "data, code",
    [
        (b"", "invalid_bank_file"),
        (b"\x00\xff\xfe garbage \x89PNG", "invalid_bank_file"),
        (b"NY000010" + b"x" * 72, "invalid_bank_file"),
    ],
)
def test_bad_upload_is_400_with_the_reason(api_for, admin_a, ocr_company, data, code):
    response = _upload(api_for(admin_a), ocr_company, data)
    assert response.status_code == 400
    body = response.json()
    # Norwegian by default: "OCR-filen ble avvist (#1): …"
    assert body["code"] == code and body["detail"].startswith("OCR-filen ble avvist (#")
    assert body["fields"]["file"]
    assert OcrFile.objects.get().status == OcrFile.Status.REJECTED


def test_missing_file_field_and_unknown_fields(api_for, admin_a, ocr_company):
    client = api_for(admin_a)
    missing = client.post(_url(ocr_company, "ocr-files/"), {}, format="multipart")
    assert missing.status_code == 400 and "file" in missing.json()["fields"]
    as_json = client.post(_url(ocr_company, "ocr-files/"), {"file": "x"}, format="json")
    assert as_json.status_code == 415
    bad_filter = client.get(_url(ocr_company, "ocr-files/?status=nope"))
    assert bad_filter.status_code == 400 and "status" in bad_filter.json()["fields"]
    bad_file = client.get(_url(ocr_company, "ocr-transactions/?file=abc"))
    assert bad_file.status_code == 400


def test_allocate_bad_invoice(api_for, admin_a, admin_b, company_b, ocr_company, make_invoices):
    from ocr.services import ocr_file_import

    ocr_file_import(ocr_company, ocr_file((OCR_ACCOUNT, [tx(1, 1000, "1234567890")])))
    row = OcrTransaction.objects.get()
    client = api_for(admin_a)
    url = _url(ocr_company, f"ocr-transactions/{row.pk}/allocate/")
    assert client.post(url, {"invoice": 999999}, format="json").status_code == 400
    assert client.post(url, {"invoice": "x"}, format="json").status_code == 400
    assert client.post(url, {"invoice": 1, "extra": 1}, format="json").status_code == 400
    # another tenant sees nothing
    other = api_for(admin_b)
    assert other.get(_url(ocr_company, f"ocr-transactions/{row.pk}/")).status_code == 404
    assert other.get(_url(company_b, f"ocr-transactions/{row.pk}/")).status_code == 404
    assert other.get(_url(company_b, f"ocr-files/{row.file_id}/")).status_code == 404


def test_read_only_user_cannot_upload(api_for, make_user, ocr_company):
    reader = make_user("reader", company=ocr_company, roles=[Role.READ_ONLY])
    response = _upload(api_for(reader), ocr_company, b"")
    assert response.status_code == 403 and OcrFile.objects.count() == 0

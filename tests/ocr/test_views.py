"""OCR pages: upload (form and XHR), list, a file's page, the unmatched queue with allocation."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from companies.roles import Role
from ledger.models import Invoice
from ocr.models import OcrFile, OcrTransaction
from tests.ocr.conftest import OCR_ACCOUNT, ocr_file, tx

pytestmark = pytest.mark.django_db


def test_upload_form_list_and_detail(client, admin_a, ocr_company, make_invoices):
    (inv,) = make_invoices("100.00")
    client.force_login(admin_a)
    data = ocr_file((OCR_ACCOUNT, [tx(1, 10000, inv.kid), tx(2, 500, "1234567890", text=None)]))
    response = client.post("/ocr/", {"file": SimpleUploadedFile("ocr.txt", data)})
    file = OcrFile.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/ocr/{file.pk}/"
    page = client.get(f"/ocr/{file.pk}/").content.decode()
    assert str(inv.number) in page and "1234567890" in page and file.sha256 in page
    listing = client.get("/ocr/").content.decode()
    assert 'data-testid="ocr-file-row"' in listing
    raw = client.get(f"/ocr/{file.pk}/raw/")
    assert raw.status_code == 200 and raw.content == data


def test_xhr_upload_answers_json_and_rejects_bad_files(client, admin_a, ocr_company):
    client.force_login(admin_a)
    response = client.post(
        "/ocr/", {"file": SimpleUploadedFile("bad.txt", b"garbage")}, HTTP_X_REQUESTED_WITH="XMLHttpRequest"
    )
    body = response.json()
    assert response.status_code == 200 and body["status"] == "REJECTED"
    assert "ingenting ble importert" in body["message"] and body["url"].startswith("/ocr/")
    missing = client.post("/ocr/", {}, HTTP_X_REQUESTED_WITH="XMLHttpRequest")
    assert missing.status_code == 400 and missing.json()["status"] == "INVALID"


def test_unmatched_queue_and_allocation(client, admin_a, ocr_company, make_invoices):
    from ocr.services import ocr_file_import

    (inv,) = make_invoices("42.00")
    ocr_file_import(ocr_company, ocr_file((OCR_ACCOUNT, [tx(1, 4200, "1234567890", payer="12345678903")])))
    row = OcrTransaction.objects.get()
    client.force_login(admin_a)
    page = client.get("/ocr/unmatched/").content.decode()
    # The payer's account as Norwegians write it; the note in the reader's language (nb), not the
    # importer's (en).
    assert "1234.56.78903" in page and "No invoice has this KID" not in page
    with translation.override("nb"):
        assert translation.gettext("No invoice has this KID.") in page
    bad = client.post(f"/ocr/transactions/{row.pk}/allocate/", {"invoice_number": "999999"}, follow=True)
    assert "ingen faktura med nummer 999999" in bad.content.decode()
    done = client.post(f"/ocr/transactions/{row.pk}/allocate/", {"invoice_number": inv.number}, follow=True)
    assert "fordelt til faktura" in done.content.decode()
    inv.refresh_from_db()
    assert (inv.status, inv.paid_amount) == (Invoice.Status.PAID, Decimal("42.00"))
    assert client.get(f"/ocr/transactions/{row.pk}/allocate/").status_code == 405


def test_read_only_member_sees_but_cannot_upload_or_allocate(client, make_user, ocr_company):
    reader = make_user("reader", company=ocr_company, roles=[Role.READ_ONLY])
    client.force_login(reader)
    assert client.get("/ocr/").status_code == 200
    assert 'data-testid="ocr-upload-form"' not in client.get("/ocr/").content.decode()
    assert client.post("/ocr/", {"file": SimpleUploadedFile("x.txt", b"x")}).status_code == 403
    assert client.post("/ocr/transactions/1/allocate/", {"invoice_number": 1}).status_code == 403
    assert OcrFile.objects.count() == 0


def _upload(client, data: bytes):
    response = client.post(
        "/ocr/", {"file": SimpleUploadedFile("ocr.txt", data)}, HTTP_X_REQUESTED_WITH="XMLHttpRequest"
    )
    assert response.status_code == 200
    return response.json()


def test_uploading_a_conflicting_file_by_hand_imports_it_and_says_so(
    client, admin_a, ocr_company, make_invoices
):
    """Issue 20, item 4: the bank's file, uploaded by hand, said "Duplikat" again."""
    from ocr.services import ocr_file_import

    a, b = make_invoices("100.00", "21345.67")
    first = ocr_file_import(
        ocr_company, ocr_file((OCR_ACCOUNT, [tx(1, 10000, a.kid)]))
    )  # transmission 0000001
    client.force_login(admin_a)
    body = _upload(client, ocr_file((OCR_ACCOUNT, [tx(1, 2134567, b.kid)])))  # 0000001 as well
    assert body["status"] == "IMPORTED", body
    assert "Duplikat" not in body["message"]
    assert body["message"].startswith(
        "Importert: 1 nye transaksjoner (1 avregnet, 0 å fordele, 0 uten konto)"
    )
    assert (
        f"Konflikt: forsendelse 0000001 fra dataavsender 00008080 er allerede importert som #{first.pk}"
        in (body["message"])
    )
    page = client.get(body["url"]).content.decode()
    assert 'data-testid="ocr-detail-conflict"' in page and f"#{first.pk}" in page
    b.refresh_from_db()
    assert b.status == Invoice.Status.PAID


def _letters_in_an_amount(kid: str) -> bytes:
    lines = ocr_file((OCR_ACCOUNT, [tx(1, 10000, kid)])).split(b"\r\n")
    lines[2] = lines[2][:40] + b"AB" + lines[2][42:]
    return b"\r\n".join(lines)


@pytest.mark.parametrize(
    ("language", "reason"),
    [
        ("nb", "Linje 3: beløpet (posisjon 33-49) må være 17 siffer, men er '00000000AB0010000'"),
        ("en", "Line 3: the amount (positions 33-49) must be 17 digits, got '00000000AB0010000'"),
    ],
)
def test_a_refused_upload_reads_in_the_users_language(
    client, admin_a, ocr_company, make_invoices, language, reason
):
    """Issue 20, item 12: the parser's refusals were English f-strings under a Norwegian UI."""
    (inv,) = make_invoices("100.00")
    client.force_login(admin_a)
    client.post("/i18n/setlang/", {"language": language, "next": "/ocr/"})
    body = _upload(client, _letters_in_an_amount(inv.kid))
    assert body["status"] == "REJECTED"
    file = OcrFile.objects.get()
    assert file.reason == reason
    assert reason in body["message"]
    other = {"nb": ("Line ", "positions", "must be"), "en": ("Linje", "posisjon", "siffer")}[language]
    assert not any(word in body["message"] for word in other), body["message"]

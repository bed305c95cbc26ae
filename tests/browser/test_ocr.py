"""OCR files in a real browser: upload with a progress bar, the file's page, allocation."""

import pytest
from playwright.sync_api import expect

from companies.roles import Role
from ledger.models import Invoice
from ocr.models import OcrFile
from tests.browser.test_shell import login
from tests.ocr.conftest import OCR_ACCOUNT, invoice_maker, ocr_file, setup_ocr_company, tx

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def ocr_company(company_a):
    return setup_ocr_company(company_a)


@pytest.fixture
def make_invoices(ocr_company):
    return invoice_maker(ocr_company)


def test_upload_an_ocr_file_and_allocate_the_unmatched_payment(
    page,
    live_server,
    make_user,
    ocr_company,
    make_invoices,
    tmp_path,
    screenshot,
):
    paid, other = make_invoices("1250.50", "300.00")
    make_user("kari", company=ocr_company, roles=[Role.ACCOUNTANT], first_name="Kari", last_name="Regnskap")
    path = tmp_path / "OCR.D240301.txt"
    path.write_bytes(
        ocr_file(
            (
                OCR_ACCOUNT,
                [
                    tx(1, 125050, paid.kid),
                    tx(2, 30000, type=21, text="Faktura 2, hilsen Åse Ørsta", payer="12345678903"),
                ],
            )
        )
    )
    login(page, live_server.url, "kari")
    page.goto(f"{live_server.url}/ocr/")
    expect(page.get_by_test_id("menu-ocr-files")).to_be_attached()  # in the main menu
    page.get_by_test_id("ocr-file-input").set_input_files(str(path))
    page.get_by_test_id("ocr-upload").click()
    # the script uploads with a progress bar, then opens the file's page
    page.wait_for_url(f"{live_server.url}/ocr/*/")
    expect(page.get_by_test_id("ocr-detail-status")).to_have_text("Importert")
    expect(page.get_by_test_id("ocr-transaction-row")).to_have_count(2)
    expect(page.get_by_test_id("ocr-transactions")).to_contain_text(str(paid.number))
    expect(page.get_by_test_id("ocr-transactions")).to_contain_text("Åse Ørsta")
    screenshot("ocr-file-detail")

    page.goto(f"{live_server.url}/ocr/unmatched/")
    row = page.get_by_test_id("ocr-unmatched-row")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("1234.56.78903")  # the payer's account, as Norwegians write it
    row.get_by_test_id("ocr-allocate-invoice").fill(str(other.number))
    row.get_by_test_id("ocr-allocate").click()
    expect(page.get_by_test_id("ocr-unmatched-row")).to_have_count(0)
    screenshot("ocr-unmatched-allocated")
    other.refresh_from_db()
    paid.refresh_from_db()
    assert (paid.status, other.status) == (Invoice.Status.PAID, Invoice.Status.PAID)


def test_a_rejected_upload_says_why(page, live_server, make_user, ocr_company, tmp_path, screenshot):
    make_user("kari", company=ocr_company, roles=[Role.SYSADMIN])
    path = tmp_path / "broken.txt"
    path.write_bytes(b"NY000010" + b"0" * 20 + b"\r\n")
    login(page, live_server.url, "kari")
    page.goto(f"{live_server.url}/ocr/")
    page.get_by_test_id("ocr-file-input").set_input_files(str(path))
    page.get_by_test_id("ocr-upload").click()
    page.wait_for_url(f"{live_server.url}/ocr/*/")
    expect(page.get_by_test_id("ocr-detail-status")).to_have_text("Avvist")
    expect(page.get_by_test_id("ocr-detail-reason")).to_contain_text("Linje 1: ")  # in the UI's language
    screenshot("ocr-file-rejected")
    assert OcrFile.objects.get().status == OcrFile.Status.REJECTED

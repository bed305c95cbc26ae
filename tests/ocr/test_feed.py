"""The bank's change feed: ``ocr_file.created`` downloads the vendor-level transmission and
imports each company's part of it, once."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bankclient import BankClient
from bankint import bankfeed
from ledger.models import Invoice
from ocr.models import OcrFile, OcrTransaction, OcrTransmission
from ocr.services import ocr_files_fetch
from tests.banksim_server import KEY
from tests.feedfetch import poll_and_fetch

pytestmark = pytest.mark.django_db


@pytest.fixture
def bank(banksim_url, sim, settings):
    settings.BANK_API_URL, settings.BANK_API_KEY = banksim_url, KEY
    client = BankClient(banksim_url, KEY, timeout=5)
    yield client
    client.close()


def test_handler_is_registered():
    assert ocr_files_fetch in bankfeed.handlers_for("ocr_file.created")


def test_feed_imports_the_nights_ocr_file_once(bank, sim, ocr_company, make_invoices):
    a, b = make_invoices("1500.00", "99.90")
    sim.sim_inject_transaction(
        account="15032080119", amount="1500.00", kid=a.kid, payer_account="86011117947"
    )
    sim.sim_inject_transaction(account="15032080119", amount="50.00", kid=b.kid, payer_account="86011117947")
    sim.sim_advance_clock(days=1)
    report = poll_and_fetch(bank)
    assert report.by_type.get("ocr_file.created") == 1, report.summary()
    transmission = OcrTransmission.objects.get()
    assert transmission.status == OcrTransmission.Status.IMPORTED and transmission.recipient == "00105625"
    assert transmission.bank_file_id is not None and transmission.company_count == 1
    file = OcrFile.objects.get()  # the company's part
    assert (file.status, file.source, file.settled_count) == (OcrFile.Status.IMPORTED, OcrFile.Source.BANK, 2)
    assert file.transmission == transmission and file.recipient == "00105625"
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.status, b.status, b.paid_amount) == (
        Invoice.Status.PAID,
        Invoice.Status.PARTLY_PAID,
        Decimal("50.00"),
    )
    # the same events delivered again (a redelivered page): nothing new
    from django.utils import timezone

    from bankclient.dto import ChangeEvent

    again = ChangeEvent(1, "ocr_file.created", None, str(transmission.bank_file_id), {}, timezone.now())
    assert ocr_files_fetch([again, again]) == []
    assert OcrTransmission.objects.count() == 1
    assert OcrFile.objects.count() == 1 and OcrTransaction.objects.count() == 2


def test_tampered_file_from_the_bank_is_rejected_and_alerted(bank, sim, ocr_company, make_invoices):
    (a,) = make_invoices("10.00")
    sim.sim_inject_transaction(account="15032080119", amount="10.00", kid=a.kid, payer_account="86011117947")
    sim.sim_advance_clock(days=1)
    sim.sim_set_fault(endpoint="ocr_file_download", mode="malformed", rate=1.0)
    poll_and_fetch(bank)
    transmission = OcrTransmission.objects.get()
    assert transmission.status == OcrTransmission.Status.REJECTED and "89" in transmission.reason
    assert not OcrFile.objects.exists()
    a.refresh_from_db()
    assert a.status == Invoice.Status.OPEN


def test_accounts_of_no_company_are_kept_aside(bank, sim, ocr_company):
    """An account the bank knows but no company registered with Nets OCR: kept aside."""
    sim.sim_inject_transaction(
        account="15032080119", amount="10.00", kid="000001230", payer_account="86011117947"
    )
    sim.sim_advance_clock(days=1)
    from accounts.models import BankAccount

    BankAccount.objects.filter(company=ocr_company).update(incoming_payment_methods=[])
    poll_and_fetch(bank)
    transmission = OcrTransmission.objects.get()
    assert (transmission.company_count, transmission.kept_aside_count) == (0, 1)
    assert not OcrFile.objects.exists()

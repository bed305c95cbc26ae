"""The demo OCR file imports cleanly and leaves payments to allocate; seeding twice adds nothing."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.utils import timezone

from ledger.models import Invoice
from ocr import demo
from ocr.models import OcrFile, OcrTransaction
from ocr.services import ocr_file_import
from tests.ocr.conftest import OCR_ACCOUNT

pytestmark = pytest.mark.django_db


def test_demo_seed(ocr_company, make_invoices):
    make_invoices("100.00", "200.00", "300.00", "400.00")
    out = io.StringIO()
    demo.seed({"main": ocr_company}, out)
    file = OcrFile.objects.get()
    assert file.status == OcrFile.Status.IMPORTED, file.reason
    assert (file.settled_count, file.unmatched_count) == (4, 2)
    assert OcrTransaction.objects.get(number=6).text == "Kontingent 2026, hilsen Åse Ørstavik"
    demo.seed({"main": ocr_company}, out)
    assert OcrFile.objects.count() == 1


def test_the_banks_first_ocr_file_is_not_taken_for_the_demo_file(ocr_company, make_invoices):
    """Issue 20, item 4: the demo file and the simulated bank's first file were both
    transmission 0000001 from 00008080, and the bank's (NOK 21 345.67) was stored as a
    duplicate of the demo's. Their numbers are now disjoint."""
    from banksim import formats

    *_demo, invoice = make_invoices("100.00", "200.00", "300.00", "400.00", "21345.67")
    demo.seed({"main": ocr_company}, io.StringIO())
    demo_file = OcrFile.objects.get()
    # what banksim writes for its first transmission (banksim.services.incoming._ocr_file)
    content = formats.write_ocr(
        transmission_number="0000001",
        file_date=timezone.localdate(),
        assignments=[
            formats.OcrAssignment(
                number="0000001",
                account=OCR_ACCOUNT,
                agreement_id="100000001",
                transactions=[formats.OcrTx(Decimal("21345.67"), invoice.kid, "12345678903")],
            )
        ],
    )
    file = ocr_file_import(ocr_company, content.encode("latin-1"), source=OcrFile.Source.BANK)
    assert (demo_file.transmitter, file.transmitter) == (formats.NETS_TRANSMITTER, formats.NETS_TRANSMITTER)
    assert demo_file.transmission_number != file.transmission_number
    assert {a.number for a in demo_file.assignments.all()}.isdisjoint(
        {a.number for a in file.assignments.all()}
    )
    assert file.status == OcrFile.Status.IMPORTED and file.conflict_with is None, file.reason
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID

"""The demo OCR file imports cleanly and leaves payments to allocate; seeding twice adds nothing."""

from __future__ import annotations

import io

import pytest

from ocr import demo
from ocr.models import OcrFile, OcrTransaction

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

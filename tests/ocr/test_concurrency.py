"""Two workers importing the same file at the same time produce one import."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection

from ledger.models import Invoice, InvoiceSettlement
from ocr import services
from ocr.models import OcrFile, OcrTransaction
from ocr.services import importing
from tests.ocr.conftest import OCR_ACCOUNT, ocr_file, tx


@pytest.mark.django_db(transaction=True)
def test_two_threads_import_the_same_file_once(ocr_company, make_invoices):
    invoices = make_invoices(*["10.00"] * 50)
    data = ocr_file((OCR_ACCOUNT, [tx(n, 1000, inv.kid) for n, inv in enumerate(invoices, start=1)]))
    barrier = threading.Barrier(2)
    results, errors = [], []

    def work():
        try:
            barrier.wait()
            results.append(services.ocr_file_import(ocr_company, data).status)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(results) == [OcrFile.Status.DUPLICATE, OcrFile.Status.IMPORTED]
    assert OcrTransaction.objects.count() == 50 and InvoiceSettlement.objects.count() == 50
    assert set(Invoice.objects.values_list("paid_amount", flat=True)) == {Decimal("10.00")}


@pytest.mark.django_db
def test_losing_the_race_on_the_unique_constraint_reports_a_duplicate(
    ocr_company, make_invoices, monkeypatch
):
    """The worker that checked before the other committed hits the constraint and says so."""
    (inv,) = make_invoices("10.00")
    data = ocr_file((OCR_ACCOUNT, [tx(1, 1000, inv.kid)]))
    first = services.ocr_file_import(ocr_company, data)
    real = importing._find_original
    calls = {"n": 0}

    def blind_first_two(*args, **kwargs):
        calls["n"] += 1
        return None if calls["n"] <= 2 else real(*args, **kwargs)

    monkeypatch.setattr(importing, "_find_original", blind_first_two)
    second = services.ocr_file_import(ocr_company, data)
    assert second.status == OcrFile.Status.DUPLICATE and second.duplicate_of == first
    assert OcrTransaction.objects.count() == 1
    inv.refresh_from_db()
    assert inv.paid_amount == Decimal("10.00")

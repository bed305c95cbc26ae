"""The database dies in the middle of an OCR import: nothing half-written, and the retry imports
the file once."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import DatabaseError, InterfaceError, connection

from ledger.models import Invoice, InvoiceSettlement, Voucher
from ocr import services
from ocr.models import OcrFile, OcrTransaction
from tests.dbfault import count_statements, kill_after
from tests.ocr.conftest import OCR_ACCOUNT, ocr_file, tx


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("point", [0.0, 0.3, 0.6, 0.95])
def test_killed_mid_import_leaves_nothing_and_the_retry_imports_once(ocr_company, make_invoices, point):
    invoices = make_invoices(*["10.00"] * 30)
    data = ocr_file((OCR_ACCOUNT, [tx(n, 1000, inv.kid) for n, inv in enumerate(invoices, start=1)]))
    total = count_statements(lambda: services.ocr_file_import(ocr_company, data))
    assert OcrFile.objects.count() == 0  # the measuring run was rolled back
    at = max(1, int(total * point))
    vouchers = Voucher.objects.filter(company=ocr_company).count()  # the invoices' own

    with pytest.raises((DatabaseError, InterfaceError)), kill_after(at) as state:
        services.ocr_file_import(ocr_company, data)
    assert state["killed"]
    connection.close()

    assert OcrFile.objects.count() == 0
    assert OcrTransaction.objects.count() == 0 and InvoiceSettlement.objects.count() == 0
    assert Voucher.objects.filter(company=ocr_company).count() == vouchers
    assert set(Invoice.objects.values_list("paid_amount", flat=True)) == {Decimal("0.00")}

    again = services.ocr_file_import(ocr_company, data)
    assert again.status == OcrFile.Status.IMPORTED
    assert OcrTransaction.objects.count() == 30 and InvoiceSettlement.objects.count() == 30
    assert Voucher.objects.filter(company=ocr_company).count() > vouchers
    assert services.ocr_file_import(ocr_company, data).status == OcrFile.Status.DUPLICATE
    assert set(Invoice.objects.values_list("paid_amount", flat=True)) == {Decimal("10.00")}

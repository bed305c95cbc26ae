"""OCR settlement dates on the days the calendar is hard (tests/clock.py): a Saturday, the
year's end, Easter week and both DST days, just after and just before midnight.

Nets settles on a banking day and the file arrives after it: the payments are booked on
the settlement date the file states (the voucher matches the bank's credit that day), not
on the day the file is read; a payment a person allocates later is booked the day she does
it, in Oslo (just after midnight the UTC date is still the day before).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from ledger.models import Invoice, VoucherLine
from ocr.models import OcrAssignment, OcrFile, OcrTransaction
from ocr.services import ocr_file_import, ocr_transaction_allocate
from tests.clock import PREVIOUS_BANKING_DAY
from tests.ocr.conftest import OCR_ACCOUNT
from tests.ocr.ocrgen import AssignmentSpec, TransmissionSpec, TxSpec, fast_ocr

pytestmark = pytest.mark.django_db


def _file(settled: date, transactions: list[TxSpec]) -> bytes:
    spec = TransmissionSpec(number="0000001", date=settled)
    spec.assignments.append(
        AssignmentSpec(number="0000001", account=OCR_ACCOUNT, date=settled, transactions=transactions)
    )
    return (fast_ocr(spec).replace("\n", "\r\n") + "\r\n").encode("latin-1")


def _tx(number: int, settled: date, amount_ore: int, *, kid: str = "", text: str | None = None) -> TxSpec:
    return TxSpec(
        type=21 if text else 10,
        number=number,
        nets_date=settled,
        amount_ore=amount_ore,
        kid=kid,
        bank_date=settled,
        debit_account="86011117947",
        text=text,
        reference="000000001",
    )


def test_payments_are_booked_on_the_settlement_date_and_allocations_today(
    any_day, ocr_company, make_invoices
):
    today = any_day.date()
    settled = PREVIOUS_BANKING_DAY[today]
    by_kid, by_hand = make_invoices("1000.00", "70.00")
    data = _file(settled, [_tx(1, settled, 100000, kid=by_kid.kid), _tx(2, settled, 7000, text="Faktura 2")])
    file = ocr_file_import(ocr_company, data, filename="ocr.txt")
    assert file.status == OcrFile.Status.IMPORTED, file.reason
    assignment = OcrAssignment.objects.get(file=file)
    assert assignment.voucher.date == settled
    bank_line = VoucherLine.objects.get(voucher=assignment.voucher, ledger_account="1920")
    assert bank_line.amount == Decimal("1070.00")
    by_kid.refresh_from_db()
    assert by_kid.status == Invoice.Status.PAID

    row = OcrTransaction.objects.get(file=file, status=OcrTransaction.Status.UNMATCHED)
    ocr_transaction_allocate(row, by_hand)
    row.refresh_from_db()
    assert row.voucher.date == today

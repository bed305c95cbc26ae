"""ocr_file_import: validation, idempotency, settlement by KID, reversals, unassigned accounts."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest

from bankint.errors import ValidationFailed
from bankint.stored_text import render
from companies.models import AuditEvent
from ledger.models import Invoice, InvoiceSettlement, ReferenceKind, VoucherLine
from notifications.models import Notification
from ocr.models import OcrAssignment, OcrFile, OcrTransaction
from ocr.services import ocr_file_import, ocr_transaction_allocate
from tests.ocr.conftest import DAY, OCR_ACCOUNT, OTHER_ACCOUNT, ocr_file, tx

pytestmark = pytest.mark.django_db


def _counts():
    return (
        OcrFile.objects.count(),
        OcrAssignment.objects.count(),
        OcrTransaction.objects.count(),
        InvoiceSettlement.objects.count(),
    )


def test_settles_paid_partly_paid_and_overpaid(ocr_company, make_invoices):
    a, b, c = make_invoices("1000.00", "500.00", "200.00")
    data = ocr_file(
        (
            OCR_ACCOUNT,
            [tx(1, 100000, a.kid), tx(2, 20000, b.kid), tx(3, 25050, c.kid), tx(4, 999, "1234567890")],
        )
    )
    file = ocr_file_import(ocr_company, data, filename="ocr.txt")
    assert file.status == OcrFile.Status.IMPORTED and file.reason == ""
    assert (file.transaction_count, file.settled_count, file.unmatched_count) == (4, 3, 1)
    assert file.total_amount == Decimal("1460.49")
    statuses = {i.pk: (i.status, i.paid_amount) for i in Invoice.objects.filter(pk__in=[a.pk, b.pk, c.pk])}
    assert statuses[a.pk] == (Invoice.Status.PAID, Decimal("1000.00"))
    assert statuses[b.pk] == (Invoice.Status.PARTLY_PAID, Decimal("200.00"))
    assert statuses[c.pk] == (Invoice.Status.OVERPAID, Decimal("250.50"))
    unmatched = OcrTransaction.objects.get(status=OcrTransaction.Status.UNMATCHED)
    assert unmatched.payer_account == "86011117947" and unmatched.kid == "1234567890"
    assert "No invoice has this KID" in render(unmatched.note)
    # the voucher: the bank debited with the whole assignment, carrying the reconciliation reference
    assignment = OcrAssignment.objects.get()
    bank_line = VoucherLine.objects.get(voucher=assignment.voucher, ledger_account="1920")
    assert bank_line.amount == Decimal("1460.49")
    assert (
        bank_line.reference_kind == ReferenceKind.OCR_ASSIGNMENT
        and bank_line.reference == assignment.reference
    )
    assert sum(VoucherLine.objects.filter(voucher=assignment.voucher).values_list("amount", flat=True)) == 0
    assert AuditEvent.objects.filter(action="ocr_file.import", object_id=str(file.pk)).count() == 1
    assert Notification.objects.filter(title__contains="allocate").count() == 1


def test_same_bytes_twice_is_a_duplicate_with_no_new_rows(ocr_company, make_invoices):
    (inv,) = make_invoices("100.00")
    data = ocr_file((OCR_ACCOUNT, [tx(1, 10000, inv.kid)]))
    first = ocr_file_import(ocr_company, data)
    before = _counts()
    second = ocr_file_import(ocr_company, data)
    assert second.status == OcrFile.Status.DUPLICATE and second.duplicate_of == first
    assert second.reason == f"Already imported as #{first.pk}."
    after = _counts()
    assert after[1:] == before[1:] and after[0] == before[0] + 1  # only the duplicate's own record
    inv.refresh_from_db()
    assert inv.paid_amount == Decimal("100.00")


def test_same_transmission_with_other_bytes_is_a_duplicate(ocr_company, make_invoices):
    (inv,) = make_invoices("100.00")
    data = ocr_file((OCR_ACCOUNT, [tx(1, 10000, inv.kid)]))
    first = ocr_file_import(ocr_company, data)
    resent = data.replace(b"\r\n", b"\n")  # regenerated with LF: other bytes, same transmission
    second = ocr_file_import(ocr_company, resent)
    assert second.status == OcrFile.Status.DUPLICATE and second.duplicate_of == first
    assert OcrTransaction.objects.count() == 1


def test_a_reused_transmission_number_with_other_content_is_a_conflict_not_a_duplicate(
    ocr_company, make_invoices
):
    """Issue 20, item 4: the bank's first file (transmission 0000001) was stored as "Already
    imported as #1" because the demo's different file had the same transmitter and number;
    its invoices stayed open and nobody was told."""
    a, b, c = make_invoices("100.00", "213.45", "1000.00")
    first = ocr_file_import(ocr_company, ocr_file((OCR_ACCOUNT, [tx(1, 10000, a.kid)])), filename="demo.txt")
    # the same transmitter 00008080 and transmission 0000001; the same assignment and
    # transaction numbers, but other payments
    data = ocr_file((OCR_ACCOUNT, [tx(1, 21345, b.kid), tx(2, 100000, c.kid)]))
    second = ocr_file_import(ocr_company, data, filename="bank.txt")
    assert second.status == OcrFile.Status.IMPORTED and second.duplicate_of is None
    assert second.conflict_with == first
    assert (second.settled_count, second.unmatched_count, second.skipped_count) == (2, 0, 0)
    assert second.reason == (
        f"Conflict: transmission 0000001 from data transmitter 00008080 was already imported as #{first.pk} "
        "with other content. Its transactions were checked one by one: 2 new imported, 0 already imported."
    )
    for inv in (a, b, c):
        inv.refresh_from_db()
        assert inv.status == Invoice.Status.PAID
    note = Notification.objects.get(level=Notification.Level.ERROR)
    assert note.link == f"/ocr/{second.pk}/" and f"as OCR file #{first.pk}" in note.body_text
    assert (
        "it is not a duplicate" in note.body_text
        and "2 were new and are imported, 0 were already" in note.body_text
    )
    # reconciliation tells the two assignments apart, though their numbers are the same
    assert OcrAssignment.objects.values("reference").distinct().count() == 2
    assert (
        AuditEvent.objects.get(action="ocr_file.import", object_id=str(second.pk)).changes["conflict_with"]
        == first.pk
    )


def test_a_conflicting_file_imports_only_what_is_new(ocr_company, make_invoices):
    a, b = make_invoices("100.00", "300.00")
    first = ocr_file_import(ocr_company, ocr_file((OCR_ACCOUNT, [tx(1, 10000, a.kid)])))
    second = ocr_file_import(ocr_company, ocr_file((OCR_ACCOUNT, [tx(1, 10000, a.kid), tx(2, 30000, b.kid)])))
    assert second.status == OcrFile.Status.IMPORTED and second.conflict_with == first
    assert (second.transaction_count, second.skipped_count, second.settled_count) == (2, 1, 1)
    assert "1 new imported, 1 already imported" in second.reason
    assert OcrTransaction.objects.count() == 2
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.paid_amount, b.status) == (Decimal("100.00"), Invoice.Status.PAID)


def test_the_same_content_under_a_reused_number_stays_a_plain_duplicate(ocr_company, make_invoices):
    (inv,) = make_invoices("100.00")
    data = ocr_file((OCR_ACCOUNT, [tx(1, 10000, inv.kid)]))
    first = ocr_file_import(ocr_company, data)
    ocr_file_import(ocr_company, ocr_file((OCR_ACCOUNT, [tx(2, 500, "1234567890")])))  # a conflict
    again = ocr_file_import(ocr_company, data)
    assert again.status == OcrFile.Status.DUPLICATE and again.duplicate_of == first
    assert again.reason == f"Already imported as #{first.pk}."
    # re-sent with other line endings: the same records, so the first file's duplicate too
    resent = ocr_file_import(ocr_company, data.replace(b"\r\n", b"\n"))
    assert resent.status == OcrFile.Status.DUPLICATE and resent.duplicate_of == first
    assert OcrTransaction.objects.count() == 2


@pytest.mark.parametrize(
    "change",
    [
        {"amount_ore": 10001},
        {"kid": "1234567890"},
        {"nets_date": DAY + timedelta(days=1)},
        {"reference": "000000002"},  # the bank's archive reference
    ],
    ids=["amount", "kid", "nets date", "archive reference"],
)
def test_the_same_transaction_number_with_other_content_is_another_payment(
    ocr_company, make_invoices, change
):
    """What makes two transactions the same is what Nets says about them, not the number."""
    (inv,) = make_invoices("200.00")
    ocr_file_import(ocr_company, ocr_file((OCR_ACCOUNT, [tx(1, 10000, inv.kid)]), number="0000001"))
    other = replace(tx(1, 10000, inv.kid), **change)
    file = ocr_file_import(ocr_company, ocr_file((OCR_ACCOUNT, [other]), number="0000002"))
    assert file.status == OcrFile.Status.IMPORTED and file.conflict_with is None
    assert (file.skipped_count, file.reason) == (0, "")
    assert OcrTransaction.objects.filter(file=file).count() == 1


def test_a_payment_is_never_imported_twice_even_from_another_file(ocr_company, make_invoices):
    a, b = make_invoices("100.00", "300.00")
    ocr_file_import(ocr_company, ocr_file((OCR_ACCOUNT, [tx(1, 10000, a.kid)]), number="0000001"))
    second = ocr_file_import(
        ocr_company, ocr_file((OCR_ACCOUNT, [tx(1, 10000, a.kid), tx(2, 30000, b.kid)]), number="0000002")
    )
    assert second.status == OcrFile.Status.IMPORTED and second.skipped_count == 1
    assert "1 already imported" in second.reason
    assert OcrTransaction.objects.count() == 2
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.paid_amount, b.status) == (Decimal("100.00"), Invoice.Status.PAID)


def test_unknown_account_is_kept_aside_and_the_rest_imports(ocr_company, make_invoices):
    (inv,) = make_invoices("100.00")
    data = ocr_file((OCR_ACCOUNT, [tx(1, 10000, inv.kid)]), (OTHER_ACCOUNT, [tx(1, 5000, "1234567890")]))
    file = ocr_file_import(ocr_company, data)
    assert file.status == OcrFile.Status.PARTLY_UNASSIGNED
    assert (file.settled_count, file.unassigned_count) == (1, 1)
    kept = OcrAssignment.objects.get(account=OTHER_ACCOUNT)
    assert kept.unassigned and kept.voucher is None
    assert kept.transactions.get().status == OcrTransaction.Status.UNASSIGNED
    note = Notification.objects.get(level=Notification.Level.WARNING)
    assert OTHER_ACCOUNT in note.body_text and "Nets OCR" in note.body_text


def test_reversal_with_kid_undoes_the_payment(ocr_company, make_invoices):
    (inv,) = make_invoices("100.00")
    ocr_file_import(ocr_company, ocr_file((OCR_ACCOUNT, [tx(1, 10000, inv.kid)]), number="0000001"))
    inv.refresh_from_db()
    assert inv.status == Invoice.Status.PAID
    file = ocr_file_import(
        ocr_company, ocr_file((OCR_ACCOUNT, [tx(2, 10000, inv.kid, type=18)]), number="0000002")
    )
    inv.refresh_from_db()
    assert (inv.status, inv.paid_amount) == (Invoice.Status.OPEN, Decimal("0.00"))
    reversal = OcrTransaction.objects.get(file=file)
    assert reversal.status == OcrTransaction.Status.REVERSAL and reversal.amount == Decimal("-100.00")
    original = OcrTransaction.objects.get(pk=reversal.reverses_id)
    assert original.status == OcrTransaction.Status.REVERSED
    bank_line = VoucherLine.objects.get(voucher=file.assignments.get().voucher, ledger_account="1920")
    assert bank_line.amount == Decimal("-100.00")


def test_reversal_with_text_undoes_a_text_payment_in_the_same_file(ocr_company):
    data = ocr_file(
        (
            OCR_ACCOUNT,
            [
                tx(1, 7000, type=21, text="Betaling for kurs, Ærlige Øyvind Ås"),
                tx(2, 7000, type=20, text="Tilbakeført"),
            ],
        )
    )
    file = ocr_file_import(ocr_company, data)
    rows = {t.number: t for t in OcrTransaction.objects.filter(file=file)}
    assert (
        rows[1].status == OcrTransaction.Status.REVERSED
        and rows[1].text == "Betaling for kurs, Ærlige Øyvind Ås"
    )
    assert rows[2].status == OcrTransaction.Status.REVERSAL
    assert file.assignments.get().voucher is None  # nothing moved on the account


def test_texts_are_stored_as_written(ocr_company):
    """PostgreSQL gets the rows as COPY text: a backslash in a payer's text must not be read as
    an escape."""
    texts = ["C:\\Faktura\\N 12\\t", "\\N", "Ærlig \\\\ ærlig"]
    file = ocr_file_import(
        ocr_company,
        ocr_file((OCR_ACCOUNT, [tx(n, 7000, type=21, text=t) for n, t in enumerate(texts, start=1)])),
    )
    assert file.status == OcrFile.Status.IMPORTED
    stored = OcrTransaction.objects.filter(file=file).order_by("number").values_list("text", flat=True)
    assert list(stored) == texts


def test_type_21_with_norwegian_text_is_listed_for_allocation(ocr_company, make_invoices):
    (inv,) = make_invoices("70.00")
    file = ocr_file_import(
        ocr_company, ocr_file((OCR_ACCOUNT, [tx(1, 7000, type=21, text="Faktura for blåbær og æøå")]))
    )
    row = OcrTransaction.objects.get(file=file)
    assert row.status == OcrTransaction.Status.UNMATCHED and row.text == "Faktura for blåbær og æøå"
    ocr_transaction_allocate(row, inv)
    inv.refresh_from_db()
    row.refresh_from_db()
    assert inv.status == Invoice.Status.PAID and row.status == OcrTransaction.Status.SETTLED
    assert InvoiceSettlement.objects.filter(invoice=inv).count() == 1
    from bankint.errors import Conflict

    with pytest.raises(Conflict):
        ocr_transaction_allocate(row, inv)
    inv.refresh_from_db()
    assert inv.paid_amount == Decimal("70.00")


@pytest.mark.parametrize("kid", ["18", "1234567890123456789012343"])
def test_kids_of_2_and_25_digits_settle(ocr_company, make_invoices, kid):
    (inv,) = make_invoices("10.00")
    Invoice.objects.filter(pk=inv.pk).update(kid=kid)
    file = ocr_file_import(ocr_company, ocr_file((OCR_ACCOUNT, [tx(1, 1000, kid)])))
    assert file.settled_count == 1
    inv.refresh_from_db()
    assert inv.status == Invoice.Status.PAID
    assert OcrTransaction.objects.get().kid == kid


def test_zero_transactions_imports_nothing_to_settle(ocr_company):
    file = ocr_file_import(ocr_company, ocr_file((OCR_ACCOUNT, [])))
    assert file.status == OcrFile.Status.IMPORTED and file.transaction_count == 0
    assert OcrTransaction.objects.count() == 0 and file.assignments.get().voucher is None


def test_paid_invoice_kid_is_unmatched_with_reason(ocr_company, make_invoices):
    (inv,) = make_invoices("10.00")
    ocr_file_import(ocr_company, ocr_file((OCR_ACCOUNT, [tx(1, 1000, inv.kid)]), number="0000001"))
    file = ocr_file_import(ocr_company, ocr_file((OCR_ACCOUNT, [tx(2, 1000, inv.kid)]), number="0000002"))
    row = OcrTransaction.objects.get(file=file)
    assert row.status == OcrTransaction.Status.UNMATCHED and "already paid" in render(row.note)


def _mutate(data: bytes, line: int, start: int, new: bytes) -> bytes:
    lines = data.split(b"\r\n")
    lines[line] = lines[line][:start] + new + lines[line][start + len(new) :]
    return b"\r\n".join(lines)


def _bad_inputs(kid):
    good = ocr_file((OCR_ACCOUNT, [tx(1, 10000, kid), tx(2, 5000, kid)]))
    lines = good.split(b"\r\n")
    return {
        "empty": (b"", "empty"),
        "binary garbage": (bytes(range(256)) * 4, "line 1"),
        "truncated (no 88/89)": (b"\r\n".join(lines[:4]) + b"\r\n", "truncated"),
        "line too long": (_mutate(good, 2, 0, lines[2] + b"0"), "line 3"),
        "line too short beyond blanks": (b"\r\n".join([*lines[:2], lines[2][:40], *lines[3:]]), "line 3"),
        "letters in amount": (_mutate(good, 2, 40, b"AB"), "amount"),
        "wrong total in 88": (_mutate(good, 6, 40, b"9"), "88"),
        "wrong count in 89": (_mutate(good, 7, 15, b"9"), "89"),
        "wrong data receiver": (ocr_file((OCR_ACCOUNT, [tx(1, 100, kid)]), recipient="00999999"), "00999999"),
    }


@pytest.mark.parametrize(
    "case",
    [
        "empty",
        "binary garbage",
        "truncated (no 88/89)",
        "line too long",
        "line too short beyond blanks",
        "letters in amount",
        "wrong total in 88",
        "wrong count in 89",
        "wrong data receiver",
    ],
)
def test_bad_file_is_rejected_whole_with_a_reason(ocr_company, make_invoices, case):
    (inv,) = make_invoices("150.00")
    data, expected = _bad_inputs(inv.kid)[case]
    file = ocr_file_import(ocr_company, data, filename="bad.txt")
    assert file.status == OcrFile.Status.REJECTED
    assert expected.lower() in file.reason.lower(), file.reason
    assert file.data == data
    assert (OcrAssignment.objects.count(), OcrTransaction.objects.count()) == (0, 0)
    inv.refresh_from_db()
    assert inv.status == Invoice.Status.OPEN
    note = Notification.objects.get(level=Notification.Level.ERROR)
    assert file.reason in note.body_text and "Ask the bank" in note.body_text
    assert AuditEvent.objects.filter(action="ocr_file.reject").count() == 1


def test_avtale_id_is_not_required(ocr_company, make_invoices):
    (inv,) = make_invoices("10.00")
    data = ocr_file((OCR_ACCOUNT, [tx(1, 1000, inv.kid)]))
    file = ocr_file_import(ocr_company, data)
    assert file.status == OcrFile.Status.IMPORTED
    assert OcrAssignment.objects.get().agreement_id == ""


def test_a_credit_note_reduces_the_credit_and_waits_for_a_person(ocr_company, make_invoices):
    """Issue 20, item 5: a '-' in position 32 is a credit note, never a payment of an invoice."""
    a, b = make_invoices("100.00", "50.00")
    data = ocr_file((OCR_ACCOUNT, [tx(1, 10000, a.kid), replace(tx(2, 5000, b.kid, type=13), sign="-")]))
    file = ocr_file_import(ocr_company, data)
    assert file.status == OcrFile.Status.IMPORTED and file.total_amount == Decimal("50.00")
    assert (file.settled_count, file.unmatched_count) == (1, 1)
    credit = OcrTransaction.objects.get(file=file, number=2)
    assert (credit.status, credit.amount, credit.invoice_id) == (
        OcrTransaction.Status.UNMATCHED,
        Decimal("-50.00"),
        None,
    )
    assert render(credit.note) == (
        "A credit note (sign '-' in the file): it reduces the amount credited and settles no invoice. "
        f"Book it by hand. The KID is that of invoice {b.number}."
    )
    b.refresh_from_db()
    assert (b.status, b.paid_amount) == (Invoice.Status.OPEN, Decimal("0.00"))
    assert InvoiceSettlement.objects.filter(invoice=b).count() == 0
    assignment = file.assignments.get()
    assert assignment.net_amount == Decimal("50.00")
    bank_line = VoucherLine.objects.get(voucher=assignment.voucher, ledger_account="1920")
    assert bank_line.amount == Decimal("50.00")  # what the bank credits: 100.00 less 50.00
    assert Notification.objects.filter(title__contains="allocate").count() == 1


def test_a_credit_note_only_reduces_what_was_paid(ocr_company, make_invoices):
    paid, unpaid = make_invoices("80.00", "30.00")
    data = ocr_file((OCR_ACCOUNT, [tx(1, 8000, paid.kid), replace(tx(2, 3000, "1234567890"), sign="-")]))
    ocr_file_import(ocr_company, data)
    credit = OcrTransaction.objects.get(number=2)
    with pytest.raises(ValidationFailed, match=f"invoice {unpaid.number} has NOK 0.00 paid"):
        ocr_transaction_allocate(credit, unpaid)
    ocr_transaction_allocate(credit, paid)
    paid.refresh_from_db()
    assert (paid.status, paid.paid_amount) == (Invoice.Status.PARTLY_PAID, Decimal("50.00"))


def test_reversal_of_an_unknown_payment_waits_for_a_person(ocr_company):
    file = ocr_file_import(ocr_company, ocr_file((OCR_ACCOUNT, [tx(1, 500, "1234567890", type=18)])))
    row = OcrTransaction.objects.get(file=file)
    assert row.status == OcrTransaction.Status.UNMATCHED and row.amount == Decimal("-5.00")
    assert "refers to no payment" in render(row.note)
    bank_line = VoucherLine.objects.get(voucher=file.assignments.get().voucher, ledger_account="1920")
    assert bank_line.amount == Decimal("-5.00")  # the money left the account all the same


def test_text_reversal_in_a_later_file_reverses_the_unmatched_payment(ocr_company):
    ocr_file_import(
        ocr_company,
        ocr_file((OCR_ACCOUNT, [tx(1, 7000, type=21, text="Gave", payer="12345678903")]), number="0000001"),
    )
    file = ocr_file_import(
        ocr_company,
        ocr_file((OCR_ACCOUNT, [tx(2, 7000, type=20, text="Retur", payer="12345678903")]), number="0000002"),
    )
    reversal = OcrTransaction.objects.get(file=file)
    original = OcrTransaction.objects.get(number=1)
    assert reversal.status == OcrTransaction.Status.REVERSAL and reversal.reverses_id == original.pk
    assert original.status == OcrTransaction.Status.REVERSED
    assert not OcrTransaction.objects.filter(status=OcrTransaction.Status.UNMATCHED).exists()


def test_a_refusal_with_a_note_reads_in_norwegian_whole(ocr_company, make_invoices):
    """A refusal on a short line carries a note about the line's length: both parts are shown
    in the user's language (ocr.services.parse_error_reason)."""
    from django.utils import translation

    (inv,) = make_invoices("100.00")
    lines = ocr_file((OCR_ACCOUNT, [tx(1, 10000, inv.kid)])).split(b"\r\n")
    lines[2] = lines[2][:20] + lines[2][21:]  # a character lost inside the line, not a trailing blank
    with translation.override("nb"):
        file = ocr_file_import(ocr_company, b"\r\n".join(lines))
    assert file.status == OcrFile.Status.REJECTED
    assert file.reason.startswith("Linje 3: beløpet (posisjon 33-49) må være 17 siffer, men er ")
    assert file.reason.endswith("(linjen har bare 79 tegn: bare blanke på slutten kan mangle)")


def test_a_big_rejected_file_keeps_its_head_size_and_hash_not_all_of_it(ocr_company):
    """Was a gap: a rejected upload was stored whole, however big."""
    import hashlib
    import zlib

    from bankint.intake import REJECTED_KEEP_BYTES

    garbage = b"NY" + b"7" * (3 * 1024 * 1024)
    result = ocr_file_import(ocr_company, garbage, source=OcrFile.Source.UPLOAD, filename="junk.txt")
    file = OcrFile.objects.get(pk=result.pk)
    assert file.status == OcrFile.Status.REJECTED
    assert file.size == len(garbage) and file.sha256 == hashlib.sha256(garbage).hexdigest()
    assert zlib.decompress(bytes(file.raw)) == garbage[:REJECTED_KEEP_BYTES]

"""The Nets OCR corpus: every file of ``nets-ocr/`` (``conftest.py``) and the sample next to it,
through the product's reader (``ocr.parsing``) and its importer (``ocr.services``).

Each file's outcome is in ``nets_ocr.toml`` (see its header). netsgiro, the reference reading
of the layout, must agree with ours on every file we read: the same transactions, numbers,
KIDs and amounts (ours signed: netsgiro reads the sign of a credit note but does not apply it).
"""

from __future__ import annotations

import tomllib
from decimal import Decimal

import netsgiro
import pytest
from django.utils import translation

from accounts.models import PaymentMethod
from accounts.services import bank_account_create
from bankint.stored_text import render
from ledger.models import Invoice
from ocr.models import OcrAssignment, OcrFile, OcrTransaction, OcrTransmission
from ocr.parsing import OcrParseError, parse_ocr
from ocr.parsing import OcrTransaction as ParsedTransaction
from ocr.services import ocr_file_import, ocr_transmission_import
from tests.corpus.conftest import HERE, assert_manifest_covers, corpus_cases, corpus_file, require_samples
from tests.ocr.conftest import invoice_maker, setup_ocr_company

KIND = "nets_ocr"
FOLDER = "nets-ocr"
OUR_RECIPIENT = "00105625"


def _samples() -> dict[str, dict]:
    """The files next to the folder (``[samples]`` in the manifest)."""
    with open(HERE / f"{KIND}.toml", "rb") as handle:
        return tomllib.load(handle)["samples"]


CASES = [pytest.param(FOLDER, *case.values, id=case.id) for case in corpus_cases(KIND)] + [
    pytest.param(".", name, spec, id=name) for name, spec in sorted(_samples().items())
]


def test_the_manifest_covers_the_corpus():
    assert_manifest_covers(FOLDER, KIND)
    for name in _samples():
        assert (require_samples() / name).is_file(), name


def _signed(t) -> Decimal:
    return -t.amount if t.sign == "-" else t.amount


def _netsgiro_agrees(data: bytes, ours) -> None:
    reference = netsgiro.parse(data.decode("latin-1"))
    theirs = [t for a in reference.assignments for t in a.transactions]
    mine = [t for a in ours.assignments for t in a.transactions]
    assert len(mine) == len(theirs) == reference.get_num_transactions()
    for o, n in zip(mine, theirs, strict=True):
        assert (o.type, o.number, o.kid, o.sign, o.amount) == (
            int(n.type),
            n.number,
            n.kid,
            n.sign,
            _signed(n),
        )
    assert ours.total_amount == sum((_signed(t) for t in theirs), Decimal(0))


def _netsgiro_reads(data: bytes) -> bool:
    try:
        netsgiro.parse(data.decode("latin-1"))
    except Exception:  # AssertionError, ValueError, AttributeError: the reference has no one error
        return False
    return True


@pytest.mark.parametrize(("folder", "name", "spec"), CASES)
def test_the_reader(folder, name, spec):
    data = corpus_file(folder, name, spec)
    assert _netsgiro_reads(data) == (spec["netsgiro"] == "reads")
    if spec["outcome"] == "refused":
        with pytest.raises(OcrParseError) as caught:
            parse_ocr(data)
        error = caught.value
        assert (error.line_no, error.field) == (spec["line"], spec["field"])
        assert error.message == spec["message"]
        return
    assert spec["outcome"] == "imported"
    result = parse_ocr(data)
    transactions: list[ParsedTransaction] = [t for a in result.assignments for t in a.transactions]
    credits = [t for t in transactions if t.sign == "-"]
    assert (result.transaction_count, len(transactions)) == (spec["transactions"], spec["transactions"])
    assert result.total_amount == sum((t.amount for t in transactions), Decimal(0)) == Decimal(spec["total"])
    assert len(credits) == spec.get("credit_notes", 0)
    assert -sum((t.amount for t in credits), Decimal(0)) == Decimal(spec.get("credit_total", "0"))
    assert all(t.amount < 0 for t in credits) and all(t.amount >= 0 for t in transactions if t.sign == "0")
    _netsgiro_agrees(data, result)


def _readdressed(data: bytes) -> bytes:
    """The file as if Nets had sent it to us: data recipient (record 10, positions 24-31) ours."""
    return data[:23] + OUR_RECIPIENT.encode() + data[31:]


def _company_for(company, data: bytes):
    """The company with the file's assignment accounts registered for Nets OCR and, for every
    KID in it, an open invoice for the amount paid (a credit note's KID too: it must not
    settle it)."""
    setup_ocr_company(company)
    result = parse_ocr(data)
    for index, account in enumerate(sorted({a.account for a in result.assignments})):
        bank_account_create(
            company,
            account_number=account,
            name=f"OCR {index + 1}",
            ledger_account=f"{1921 + index}",
            incoming_payment_methods=[PaymentMethod.NETS_OCR],
        )
    transactions = [t for a in result.assignments for t in a.transactions if t.kid]
    invoices = invoice_maker(company)(*(f"{abs(t.amount)}" for t in transactions))
    for invoice, t in zip(invoices, transactions, strict=True):
        Invoice.objects.filter(pk=invoice.pk).update(kid=t.kid)
    return {t.kid: (invoice.pk, t) for invoice, t in zip(invoices, transactions, strict=True)}


@pytest.mark.django_db
@pytest.mark.parametrize(("folder", "name", "spec"), CASES)
def test_the_importer(company_a, folder, name, spec):
    data = corpus_file(folder, name, spec)
    if spec["outcome"] == "refused":
        with translation.override("nb"):
            file = ocr_file_import(company_a, data, filename=name)
        assert file.status == OcrFile.Status.REJECTED
        assert file.reason.startswith(f"Linje {spec['line']}: ")  # shown in the user's language
        assert (OcrAssignment.objects.count(), OcrTransaction.objects.count()) == (0, 0)
        file = ocr_file_import(company_a, data + b"\n", filename=name)  # other bytes, in English
        assert (file.status, file.reason) == (OcrFile.Status.REJECTED, spec["message"])
        return

    by_kid = _company_for(company_a, data)
    as_is = ocr_file_import(company_a, data, filename=name)
    assert (as_is.status, as_is.reason) == (OcrFile.Status.REJECTED, spec["refused_as_is"])
    assert OcrTransaction.objects.count() == 0

    file = ocr_file_import(company_a, _readdressed(data), filename=name)
    assert file.status == OcrFile.Status.IMPORTED, file.reason
    assert (file.transaction_count, file.total_amount) == (spec["transactions"], Decimal(spec["total"]))
    assert (file.settled_count, file.unmatched_count, file.skipped_count) == (
        spec["settled"],
        spec["unmatched"],
        0,
    )
    assert sum(OcrTransaction.objects.filter(file=file).values_list("amount", flat=True)) == Decimal(
        spec["total"]
    )
    assert sum(file.assignments.values_list("net_amount", flat=True)) == Decimal(spec["total"])
    for pk, t in by_kid.values():
        invoice = Invoice.objects.get(pk=pk)
        row = OcrTransaction.objects.get(file=file, kid=t.kid)
        if t.sign == "-":
            # a credit note reduces the credit and waits for a person; its KID's invoice stays open
            assert (row.status, row.amount, row.invoice_id) == (
                OcrTransaction.Status.UNMATCHED,
                t.amount,
                None,
            )
            assert "credit note" in render(row.note)
            assert (invoice.status, invoice.paid_amount) == (Invoice.Status.OPEN, Decimal("0.00"))
        else:
            assert (row.status, row.invoice_id) == (OcrTransaction.Status.SETTLED, pk)
            assert (invoice.status, invoice.paid_amount) == (Invoice.Status.PAID, t.amount)
    # and the same file again is a duplicate: nothing twice
    again = ocr_file_import(company_a, _readdressed(data), filename=name)
    assert again.status == OcrFile.Status.DUPLICATE and again.duplicate_of == file


@pytest.mark.django_db
@pytest.mark.parametrize(("folder", "name", "spec"), CASES)
def test_the_vendor_level_importer(company_a, folder, name, spec):
    """The same real files as Nets delivers them to the data recipient (the vendor, for every
    customer): received once and the company's part imported, settling the same invoices."""
    data = corpus_file(folder, name, spec)
    if spec["outcome"] == "refused":
        row = ocr_transmission_import(data, filename=name)
        assert (row.status, row.reason) == (OcrTransmission.Status.REJECTED, spec["message"])
        assert not OcrFile.objects.exists()
        return
    by_kid = _company_for(company_a, data)
    row = ocr_transmission_import(_readdressed(data), filename=name)
    assert row.status == OcrTransmission.Status.IMPORTED, (row.reason, row.failed)
    assert (row.transaction_count, row.total_amount, row.company_count) == (
        spec["transactions"],
        Decimal(spec["total"]),
        1,
    )
    file = OcrFile.objects.get(transmission=row)
    assert (file.company, file.transaction_count, file.total_amount) == (
        company_a,
        spec["transactions"],
        Decimal(spec["total"]),
    )
    assert (file.settled_count, file.unmatched_count) == (spec["settled"], spec["unmatched"])
    for pk, t in by_kid.values():
        invoice = Invoice.objects.get(pk=pk)
        if t.sign == "-":
            assert (invoice.status, invoice.paid_amount) == (Invoice.Status.OPEN, Decimal("0.00"))
        else:
            assert (invoice.status, invoice.paid_amount) == (Invoice.Status.PAID, t.amount)
    again = ocr_transmission_import(_readdressed(data), filename=name)
    assert again.status == OcrTransmission.Status.DUPLICATE and again.duplicate_of == row

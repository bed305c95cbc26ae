"""The vendor-level transmission's bulk pass (``ocr.services.bulk``) writes for each company exactly
what the company import (one company, one transaction at a time) writes: the same transmission
imported both ways, each rolled back after its snapshot, must leave every company seeing the same
file, assignments, payments, vouchers and their lines, settlements, invoices, notifications and
audit rows."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from django.db import connection, transaction

from accounts.models import PaymentMethod
from accounts.services import bank_account_create
from companies.models import AuditEvent
from ledger.models import Invoice, InvoiceSettlement, NumberSeries, Voucher, VoucherLine
from ledger.services import invoice_settings_update
from notifications.models import Notification
from ocr.models import OcrAssignment, OcrFile, OcrKeptAside, OcrTransaction, OcrTransmission
from ocr.services import bulk, ocr_file_import, ocr_transmission_import, transmissions
from tests.ocr.conftest import invoice_maker, ocr_file, tx
from tests.ocr.ocrgen import account_number

pytestmark = pytest.mark.django_db

ACCOUNTS = [account_number(9710_05_10000 + 10 * i) for i in range(8)]
UNREGISTERED = account_number(9710_05_99999)


@pytest.fixture
def six(db):
    """Six companies with a Nets OCR account each (the third has two), KID on invoices, invoices."""
    companies = []
    for i in range(6):
        company = make_company_numbered(100 + i)
        for account in [ACCOUNTS[i], ACCOUNTS[6]] if i == 2 else [ACCOUNTS[i]]:
            bank_account_create(
                company,
                account_number=account,
                name=f"Konto {account}",
                ledger_account="1920" if account == ACCOUNTS[i] else "1921",
                incoming_payment_methods=[PaymentMethod.NETS_OCR],
            )
        invoice_settings_update(company, kid_enabled=True, kid_length=9, kid_algorithm="MOD10")
        companies.append((company, invoice_maker(company)("100.00", "50.00", "75.00")))
    return companies


def _transmission(six) -> bytes:
    """Every case the import knows, across the six companies and an unregistered account."""
    (_c0, i0), (_c1, i1), (_c2, i2), (_c3, i3), (_c4, i4), (_c5, i5) = six
    paid = i1[2]
    paid.status = Invoice.Status.PAID
    Invoice.objects.filter(pk=paid.pk).update(status=Invoice.Status.PAID, paid_amount=paid.amount)
    return ocr_file(
        # a payment imported before (assignment 1 of the company's own file): the company import
        # skips it
        (ACCOUNTS[4], [tx(1, 10000, i4[0].kid), tx(2, 5000, i4[1].kid)]),
        # settled, settled, partly paid
        (ACCOUNTS[0], [tx(1, 10000, i0[0].kid), tx(2, 5000, i0[1].kid), tx(3, 2500, i0[2].kid)]),
        # an unknown KID, no KID, an invoice already paid, an overpayment
        (
            ACCOUNTS[1],
            [
                tx(1, 1234, "000000000"),
                tx(2, 999, "", type=21, text="Gave"),
                tx(3, 7500, paid.kid),
                tx(4, 20000, i1[0].kid),
            ],
        ),
        # two accounts of one company; a credit note
        (ACCOUNTS[2], [tx(1, 10000, i2[0].kid), replace(tx(2, 5000, i2[1].kid, type=13), sign="-")]),
        (ACCOUNTS[6], [tx(1, 7500, i2[2].kid)]),
        # a reversal: the company import's to decide
        (ACCOUNTS[3], [tx(1, 10000, i3[0].kid), tx(2, 10000, i3[0].kid, type=18)]),
        # nothing but a credit note: no ordinary voucher
        (ACCOUNTS[5], [replace(tx(1, 5000, i5[0].kid, type=13), sign="-"), tx(2, 5000, "000000000")]),
        (UNREGISTERED, [tx(1, 4200, "000000001")]),
        number="0000042",
    )


def _imported_before(six) -> None:
    company, invoices = six[4]
    ocr_file_import(company, ocr_file((ACCOUNTS[4], [tx(1, 10000, invoices[0].kid)]), number="0000042"))


def _snapshot(companies) -> dict:
    """What each company sees, ids of rows the import made replaced by what they stand for."""
    seen = {}
    for company in companies:
        files = list(OcrFile.objects.filter(company=company, transmission__isnull=False).order_by("id"))
        names = {
            str(pk): "<file>" for pk in OcrFile.objects.filter(company=company).values_list("pk", flat=True)
        }
        vouchers = {v.pk: v.number for v in Voucher.objects.filter(company=company)}

        def plain(text, names=names):
            # a file's id as texts name it: "#12", "ocr/12/", "ocr-unmatched:12"
            return re.sub(
                r"(#|/|:)(\d+)", lambda m: m.group(1) + names.get(m.group(2), m.group(2)), str(text)
            )

        seen[company.pk] = {
            "files": [
                (
                    f.status,
                    f.source,
                    f.filename,
                    f.transmitter,
                    f.transmission_number,
                    f.recipient,
                    f.transaction_count,
                    f.total_amount,
                    f.settled_count,
                    f.unmatched_count,
                    f.unassigned_count,
                    f.skipped_count,
                    plain(f.reason),
                    f.sha256,
                    f.size,
                    f.data,
                    f.conflict_with_id,
                    f.created_by_id,
                    f.bank_file_id,
                )
                for f in files
            ],
            "assignments": sorted(
                (
                    a.number,
                    a.account,
                    a.agreement_id,
                    a.bank_account_id,
                    a.unassigned,
                    a.transaction_count,
                    a.total_amount,
                    a.net_amount,
                    a.nets_date,
                    a.settled_count,
                    a.unmatched_count,
                    a.skipped_count,
                    vouchers.get(a.voucher_id),
                    a.reference,
                )
                for a in OcrAssignment.objects.filter(company=company, file__in=files)
            ),
            "transactions": sorted(
                (
                    t.account,
                    t.assignment_number,
                    t.number,
                    t.type,
                    t.status,
                    t.amount,
                    t.kid,
                    t.nets_date,
                    t.bank_date,
                    t.payer_account,
                    t.text,
                    t.archive_reference,
                    t.form_number,
                    t.invoice_id,
                    t.reverses_id is not None,
                    t.note,
                    vouchers.get(t.voucher_id),
                )
                for t in OcrTransaction.objects.filter(company=company)
            ),
            "vouchers": sorted(
                (v.number, v.date, v.text, v.kind, v.reverses_id, v.posted_by_id)
                for v in Voucher.objects.filter(company=company)
            ),
            "lines": sorted(
                (
                    vouchers[x.voucher_id],
                    x.ledger_account,
                    x.amount,
                    x.text,
                    x.bank_account_id,
                    x.reference_kind,
                    x.reference,
                    x.invoice_id,
                    x.bill_id,
                )
                for x in VoucherLine.objects.filter(company=company)
            ),
            "settlements": sorted(
                (s.invoice_id, s.amount, s.source, s.reference, vouchers[s.voucher_id])
                for s in InvoiceSettlement.objects.filter(company=company)
            ),
            "invoices": sorted(
                (i.pk, i.status, i.paid_amount, i.paid_at is not None)
                for i in Invoice.objects.filter(company=company)
            ),
            "series": sorted(NumberSeries.objects.filter(company=company).values_list("kind", "next_value")),
            "notifications": sorted(
                (n.level, n.audience, n.user_id, n.title, plain(n.body), plain(n.link), plain(n.dedup_key))
                for n in Notification.objects.filter(company=company)
            ),
            "audit": sorted(
                (
                    e.action,
                    e.object_type,
                    plain(e.object_repr) if e.object_type == "ocr.ocrfile" else "",
                    sorted(e.changes.items()) if isinstance(e.changes, dict) else e.changes,
                )
                for e in AuditEvent.objects.filter(company=company)
                if e.action.startswith(("ocr_file.", "invoice.settle", "voucher."))
            ),
        }
    transmission = OcrTransmission.objects.filter(status=OcrTransmission.Status.IMPORTED).get()
    seen["transmission"] = (
        transmission.status,
        transmission.failed,
        transmission.company_count,
        transmission.kept_aside_count,
        sorted(OcrKeptAside.objects.values_list("account", "transaction_count", "total_amount")),
    )
    return seen


def _import_and_look(data: bytes, companies, *, before=None) -> dict:
    with transaction.atomic():
        if before is not None:
            before()
        ocr_transmission_import(data, filename="nets.txt")
        seen = _snapshot(companies)
        transaction.set_rollback(True)
    return seen


def test_the_bulk_pass_writes_what_the_company_import_writes(six, monkeypatch):
    companies = [c for c, _i in six]
    data = _transmission(six)
    # a batch of two companies: three batches, and a company in each path
    monkeypatch.setattr(transmissions, "BATCH_COMPANIES", 2)
    calls = []
    real = bulk.parts_import_bulk

    def counted(row, parts):
        later = real(row, parts)
        calls.append(({p.company.pk for p in parts}, {p.company.pk for p in later}))
        return later

    monkeypatch.setattr(transmissions, "parts_import_bulk", counted)
    in_bulk = _import_and_look(data, companies, before=lambda: _imported_before(six))
    # the bulk pass took the ordinary companies and left the others to the company import
    left = set().union(*(later for _all, later in calls))
    assert set().union(*(batch for batch, _later in calls)) == {c.pk for c in companies}
    assert left == {companies[3].pk, companies[4].pk, companies[5].pk}

    monkeypatch.setattr(transmissions, "parts_import_bulk", lambda row, parts: parts)  # all one by one
    one_by_one = _import_and_look(data, companies, before=lambda: _imported_before(six))

    assert in_bulk["transmission"][:2] == (OcrTransmission.Status.IMPORTED, {})
    for company in companies:
        ours, theirs = in_bulk[company.pk], one_by_one[company.pk]
        assert ours["files"], company
        for key in theirs:
            assert ours[key] == theirs[key], (company.name, key)
    assert in_bulk == one_by_one


def test_the_bulk_pass_runs_in_a_constant_number_of_queries(db, django_assert_max_num_queries):
    """Ten companies or forty: the same queries (one batch), where the company import takes ~23 each."""

    def companies_with_payments(count, first):
        parts = []
        for i in range(count):
            company = make_company_numbered(first + i)
            account = account_number(9720_05_10000 + 10 * (first + i))
            bank_account_create(
                company,
                account_number=account,
                name="Drift",
                ledger_account="1920",
                incoming_payment_methods=[PaymentMethod.NETS_OCR],
            )
            invoice_settings_update(company, kid_enabled=True, kid_length=9, kid_algorithm="MOD10")
            a, b = invoice_maker(company)("100.00", "50.00")
            parts.append((account, [tx(1, 10000, a.kid), tx(2, 5000, b.kid), tx(3, 100, "000000000")]))
        return parts

    counts = []
    for count, first, number in ((10, 0, "0000101"), (40, 10, "0000102")):
        data = ocr_file(*companies_with_payments(count, first), number=number)
        with django_assert_max_num_queries(10_000) as captured:
            row = ocr_transmission_import(data)
        assert (row.status, row.company_count) == (OcrTransmission.Status.IMPORTED, count)
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1] and counts[0] <= 30, counts


def make_company_numbered(n: int):
    from stdnum.no import orgnr

    from companies.services import company_create

    for candidate in range(80_000_000 + 20 * n, 80_000_000 + 20 * n + 20):
        number = f"{candidate:08d}" + str(candidate % 10)
        for check in "0123456789":
            if orgnr.is_valid(number[:8] + check):
                return company_create(name=f"Masse {n} AS", org_number=number[:8] + check)
    raise AssertionError("no organisation number")


def test_connection_left_clean_after_a_failed_batch(six, monkeypatch):
    """A batch the database refused leaves no aborted transaction behind: its companies import."""
    data = _transmission(six)

    def failing(row, ready):
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 / 0")

    monkeypatch.setattr(bulk, "_write", failing)
    row = ocr_transmission_import(data)
    assert (row.status, row.failed) == (OcrTransmission.Status.IMPORTED, {})
    assert OcrFile.objects.filter(transmission=row).count() == 6


@pytest.mark.django_db(transaction=True)
def test_batches_written_on_the_writer_thread_while_the_next_is_checked(six, monkeypatch):
    """Outside a transaction the batches are written on threads of their own (each with its own
    connection, closed when the import ends), with the caller's actor context and language; a
    batch the database refuses there goes the company import's way."""
    import threading

    from django.utils import translation

    from bankint import context

    companies = [c for c, _i in six]
    data = _transmission(six)
    monkeypatch.setattr(transmissions, "BATCH_COMPANIES", 2)
    threads = []
    real = bulk._write

    def watched(row, ready):
        threads.append(threading.current_thread().name)
        real(row, ready)
        if any(r.part.company.pk == companies[0].pk for r in ready):
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1 / 0")

    monkeypatch.setattr(bulk, "_write", watched)

    def backends() -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()")
            return cursor.fetchone()[0]

    before = backends()
    token = context.bind(source="nets-test")
    try:
        with translation.override("nb"):
            row = ocr_transmission_import(data, filename="nets.txt")
            expected_title = translation.gettext("OCR payments to allocate")
    finally:
        context.reset(token)
    assert threads and all(name.startswith("ocr-bulk-writer") for name in threads)
    # the batches on up to two writers, each with its own connection, all closed at the end
    assert len(threads) >= 2 and len(set(threads)) <= bulk.WRITERS
    assert backends() == before
    assert (row.status, row.failed) == (OcrTransmission.Status.IMPORTED, {})
    assert OcrFile.objects.filter(transmission=row).count() == 6
    # companies 1 and 2 written in bulk on the writer's thread: with the caller's context and
    # in the caller's language
    sources = set(
        AuditEvent.objects.filter(company__in=companies[1:3], action="ocr_file.import").values_list(
            "source", flat=True
        )
    )
    assert sources == {"nets-test"}
    assert expected_title != "OCR payments to allocate"
    assert Notification.objects.filter(company=companies[1], title=expected_title).count() == 1
    # company 0's batch was refused on the writer's thread and imported by the company import
    paid = Invoice.objects.filter(company=companies[0], status=Invoice.Status.PAID).count()
    assert paid == 2
    assert OcrFile.objects.filter(company=companies[0]).count() == 1

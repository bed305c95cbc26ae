"""Nets delivers to the data recipient, not to the company: one transmission for every customer's
accounts, received once at vendor level and split by assignment account into each company's part,
each imported in its own transaction; assignments for unregistered accounts are kept aside."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from accounts.models import PaymentMethod
from accounts.services import bank_account_create
from ledger.models import Invoice
from notifications.models import Notification
from ocr.models import OcrAssignment, OcrFile, OcrKeptAside, OcrTransaction, OcrTransmission
from ocr.parsing import parse_ocr
from ocr.services import bulk, importing, ocr_transmission_import
from tests.ocr.conftest import OCR_ACCOUNT, invoice_maker, ocr_file, setup_ocr_company, tx
from tests.ocr.ocrgen import account_number

pytestmark = pytest.mark.django_db

B_ACCOUNT = account_number(9710_05_12345)
LATE_ACCOUNT = account_number(9710_05_54321)


@pytest.fixture
def two(company_a, company_b):
    """Two companies, each with a Nets OCR account and an open invoice, the same KID in both
    (each company numbers its own invoices): which one is settled says whose part was whose."""
    setup_ocr_company(company_a)
    bank_account_create(
        company_b,
        account_number=B_ACCOUNT,
        name="Drift",
        ledger_account="1920",
        incoming_payment_methods=[PaymentMethod.NETS_OCR],
    )
    from ledger.services import invoice_settings_update

    invoice_settings_update(company_b, kid_enabled=True, kid_length=9, kid_algorithm="MOD10")
    (a,) = invoice_maker(company_a)("100.00")
    (b,) = invoice_maker(company_b)("200.00")
    return company_a, company_b, a, b


def _file(a: Invoice, b: Invoice, *, number="0000001", extra=()) -> bytes:
    return ocr_file(
        (OCR_ACCOUNT, [tx(1, 10000, a.kid)]),
        (B_ACCOUNT, [tx(1, 20000, b.kid)]),
        *extra,
        number=number,
    )


def test_one_transmission_split_to_each_company(two):
    company_a, company_b, a, b = two
    row = ocr_transmission_import(_file(a, b), filename="nets.txt")
    assert (row.status, row.company_count, row.kept_aside_count, row.transaction_count) == (
        OcrTransmission.Status.IMPORTED,
        2,
        0,
        2,
    )
    part_a = OcrFile.objects.get(company=company_a)
    part_b = OcrFile.objects.get(company=company_b)
    assert part_a.transmission == part_b.transmission == row
    # each company's part is a transmission of its own: its assignment only, its own totals
    assert [x.account for x in parse_ocr(part_a.data).assignments] == [OCR_ACCOUNT]
    assert parse_ocr(part_b.data).total_amount == part_b.total_amount == b.amount
    assert list(OcrAssignment.objects.filter(company=company_a).values_list("account", flat=True)) == [
        OCR_ACCOUNT
    ]
    for invoice in (a, b):
        invoice.refresh_from_db()
        assert invoice.status == Invoice.Status.PAID
    assert {t.company_id for t in OcrTransaction.objects.all()} == {company_a.pk, company_b.pk}
    # the same bytes again: a duplicate at vendor level, nothing new for anyone
    again = ocr_transmission_import(_file(a, b))
    assert again.status == OcrTransmission.Status.DUPLICATE and again.duplicate_of == row
    assert OcrFile.objects.count() == 2 and OcrTransaction.objects.count() == 2


def _bulk_fails_for(monkeypatch, company):
    """The bulk pass fails in the database after writing a batch that holds ``company``."""
    real = bulk._write

    def faulty(row, ready):
        real(row, ready)
        if any(r.part.company.pk == company.pk for r in ready):  # after the rows were written
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1 / 0")

    monkeypatch.setattr(bulk, "_write", faulty)
    return real


def test_one_companys_database_error_holds_back_no_other(two, monkeypatch):
    company_a, company_b, a, b = two
    real = importing.store

    def faulty(company, *args, **kwargs):
        file = real(company, *args, **kwargs)
        if company.pk == company_b.pk:  # after B's rows were written: all of them must go
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1 / 0")
        return file

    # B's batch fails in bulk (rolled back whole), then B's part fails on its own too
    real_bulk = _bulk_fails_for(monkeypatch, company_b)
    monkeypatch.setattr(importing, "store", faulty)
    row = ocr_transmission_import(_file(a, b))
    assert row.status == OcrTransmission.Status.PARTLY_FAILED and list(row.failed) == [str(company_b.pk)]
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.status, b.status) == (Invoice.Status.PAID, Invoice.Status.OPEN)
    assert not OcrFile.objects.filter(company=company_b).exists()
    assert not OcrTransaction.objects.filter(company=company_b).exists()
    assert Notification.objects.filter(company=company_b, title="OCR payments not imported").exists()
    assert not Notification.objects.filter(company=company_a, title="OCR payments not imported").exists()
    # the bank delivers the file again: a duplicate, and B's part is imported now
    monkeypatch.setattr(importing, "store", real)
    monkeypatch.setattr(bulk, "_write", real_bulk)
    again = ocr_transmission_import(_file(a, b))
    assert again.status == OcrTransmission.Status.DUPLICATE
    row.refresh_from_db()
    assert row.status == OcrTransmission.Status.IMPORTED and row.failed == {}
    b.refresh_from_db()
    assert b.status == Invoice.Status.PAID
    assert OcrFile.objects.filter(company=company_a).count() == 1  # A's part not imported twice


def test_a_failed_bulk_batch_is_imported_company_by_company(two, monkeypatch):
    company_a, company_b, a, b = two
    _bulk_fails_for(monkeypatch, company_b)
    row = ocr_transmission_import(_file(a, b))
    assert (row.status, row.failed) == (OcrTransmission.Status.IMPORTED, {})
    for invoice in (a, b):
        invoice.refresh_from_db()
        assert invoice.status == Invoice.Status.PAID
    # nothing of the rolled-back batch is left beside what the company import wrote
    assert OcrFile.objects.filter(company=company_a).count() == 1
    assert OcrFile.objects.filter(company=company_b).count() == 1
    assert OcrTransaction.objects.count() == 2


def test_each_company_hears_only_of_its_own_part(two):
    company_a, company_b, a, _b = two
    unknown_kid = "000000000"  # no invoice has it
    ocr_transmission_import(
        ocr_file((OCR_ACCOUNT, [tx(1, 10000, a.kid)]), (B_ACCOUNT, [tx(1, 500, unknown_kid)]))
    )
    titles = {
        company: set(Notification.objects.filter(company=company).values_list("title", flat=True))
        for company in (company_a, company_b)
    }
    assert "OCR payments to allocate" in titles[company_b]
    assert "OCR payments to allocate" not in titles[company_a]
    assert not any("unknown account" in t for t in titles[company_a] | titles[company_b])


def test_unregistered_account_kept_aside_then_imported_when_registered(
    two, django_capture_on_commit_callbacks
):
    _company_a, company_b, a, b = two
    (late,) = invoice_maker(company_b)("75.00")
    row = ocr_transmission_import(_file(a, b, extra=[(LATE_ACCOUNT, [tx(1, 7500, late.kid)])]))
    assert (row.company_count, row.kept_aside_count) == (2, 1)
    kept = OcrKeptAside.objects.get()
    assert (kept.account, kept.transaction_count, kept.imported_at) == (LATE_ACCOUNT, 1, None)
    assert kept.records.startswith("NY090020") and kept.records.split("\n")[-1].startswith("NY090088")
    late.refresh_from_db()
    assert late.status == Invoice.Status.OPEN
    # nobody was told of another's account
    assert not Notification.objects.filter(title__icontains="unknown account").exists()
    with django_capture_on_commit_callbacks(execute=True):
        bank_account_create(
            company_b,
            account_number=LATE_ACCOUNT,
            name="Innbetalinger",
            ledger_account="1921",
            incoming_payment_methods=[PaymentMethod.NETS_OCR],
        )
    kept.refresh_from_db()
    assert kept.imported_at is not None and kept.imported_file.company == company_b
    assert kept.imported_file.transmission == row
    late.refresh_from_db()
    assert late.status == Invoice.Status.PAID
    row.refresh_from_db()
    assert row.kept_aside_count == 0
    assert OcrFile.objects.filter(company=company_b).count() == 2


def test_reused_transmission_number_with_other_content_is_a_conflict(two):
    company_a, company_b, a, b = two
    first = ocr_transmission_import(_file(a, b))
    (a2,) = invoice_maker(company_a)("30.00")
    other = ocr_file((OCR_ACCOUNT, [tx(1, 10000, a.kid), tx(2, 3000, a2.kid)]), number="0000001")
    second = ocr_transmission_import(other)
    assert second.status == OcrTransmission.Status.IMPORTED and second.conflict_with == first
    assert "Conflict" in second.reason
    part = OcrFile.objects.get(transmission=second)
    assert part.company == company_a and part.conflict_with.transmission == first
    assert (part.skipped_count, part.settled_count) == (1, 1)  # payment 1 was imported already
    assert Notification.objects.filter(company=company_a, title__icontains="conflicts").exists()
    assert not Notification.objects.filter(company=company_b, title__icontains="conflicts").exists()


def test_wrong_recipient_is_rejected(two):
    _company_a, _company_b, a, _b = two
    row = ocr_transmission_import(ocr_file((OCR_ACCOUNT, [tx(1, 10000, a.kid)]), recipient="00999999"))
    assert row.status == OcrTransmission.Status.REJECTED and "00999999" in row.reason
    assert not OcrFile.objects.exists()


def test_command_without_company_imports_at_vendor_level(two, tmp_path):
    _company_a, _company_b, a, b = two
    path = tmp_path / "nets.txt"
    path.write_bytes(_file(a, b))
    out, err = StringIO(), StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("import_ocr", str(path), stdout=out, stderr=err)
    assert exit_.value.code == 0, err.getvalue()
    assert "for 2 companies" in out.getvalue()
    assert set(OcrFile.objects.values_list("source", flat=True)) == {OcrFile.Source.COMMAND}


def test_operator_uploads_a_transmission_in_the_admin(two, client, make_user):
    _company_a, _company_b, a, b = two
    support = make_user("support", is_staff=True)
    client.force_login(support)
    url = reverse("admin:ocr_ocrtransmission_upload")
    assert client.get(url).status_code == 403  # viewing is not uploading
    from django.contrib.auth.models import Permission

    support.user_permissions.add(
        *Permission.objects.filter(codename__in=["upload_ocrtransmission", "view_ocrtransmission"])
    )
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(url, {"file": SimpleUploadedFile("nets.txt", _file(a, b))})
    row = OcrTransmission.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/{row.pk}/change/")
    assert (row.source, row.created_by, row.company_count) == (OcrFile.Source.UPLOAD, support, 2)
    assert client.get(reverse("admin:ocr_ocrtransmission_change", args=[row.pk])).status_code == 200
    assert client.get(reverse("admin:ocr_ocrtransmission_changelist")).status_code == 200


def test_parts_a_dead_worker_left_are_imported_on_the_next_delivery(two, monkeypatch):
    from ocr.services import transmissions

    _company_a, _company_b, a, b = two
    real = transmissions._import_parts
    monkeypatch.setattr(transmissions, "_import_parts", lambda *args, **kwargs: None)  # died here
    row = ocr_transmission_import(_file(a, b))
    assert row.status == OcrTransmission.Status.RECEIVED and not OcrFile.objects.exists()
    monkeypatch.setattr(transmissions, "_import_parts", real)
    ocr_transmission_import(_file(a, b))  # the bank delivers it again
    row.refresh_from_db()
    assert row.status == OcrTransmission.Status.IMPORTED and OcrFile.objects.count() == 2
    for invoice in (a, b):
        invoice.refresh_from_db()
        assert invoice.status == Invoice.Status.PAID

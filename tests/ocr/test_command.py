"""manage.py import_ocr: exit 0 imported, 1 rejected (message on stderr), 3 duplicate."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from ocr.models import OcrFile
from tests.ocr.conftest import OCR_ACCOUNT, ocr_file, tx

pytestmark = pytest.mark.django_db


def _run(path, company):
    out, err = StringIO(), StringIO()
    try:
        call_command("import_ocr", str(path), "--company", str(company.pk), stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue(), err.getvalue()


def test_exit_codes(tmp_path, ocr_company, make_invoices):
    (inv,) = make_invoices("10.00")
    good = tmp_path / "ocr.txt"
    good.write_bytes(ocr_file((OCR_ACCOUNT, [tx(1, 1000, inv.kid)])))
    code, out, _err = _run(good, ocr_company)
    assert code == 0 and "1 settled" in out
    code, out, _err = _run(good, ocr_company)
    assert code == 3 and "Already imported as #" in out
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"NY000010garbage\n")
    code, _out, err = _run(bad, ocr_company)
    assert code == 1 and "Rejected" in err and "line 1" in err.lower()
    assert list(OcrFile.objects.order_by("id").values_list("status", "source")) == [
        ("IMPORTED", "COMMAND"),
        ("DUPLICATE", "COMMAND"),
        ("REJECTED", "COMMAND"),
    ]


def test_unknown_company_or_path(tmp_path, ocr_company):
    with pytest.raises(CommandError, match="No company"):
        call_command("import_ocr", str(tmp_path / "x"), "--company", "999999")
    with pytest.raises(CommandError, match="no such file"):
        call_command("import_ocr", str(tmp_path / "x"), "--company", str(ocr_company.pk))


def test_a_conflicting_file_is_imported_and_the_conflict_said(tmp_path, ocr_company, make_invoices):
    a, b = make_invoices("10.00", "20.00")
    first, second = tmp_path / "first.txt", tmp_path / "second.txt"
    first.write_bytes(ocr_file((OCR_ACCOUNT, [tx(1, 1000, a.kid)])))
    second.write_bytes(ocr_file((OCR_ACCOUNT, [tx(1, 2000, b.kid)])))  # the same transmission number
    assert _run(first, ocr_company)[0] == 0
    code, out, err = _run(second, ocr_company)
    assert code == 0 and "1 settled" in out and err.startswith("Conflict: transmission 0000001")

"""The reconciliation API and the import command: upload, list, match, unmatch, post-and-match."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from accounts.services import bank_account_create
from companies.models import AuditEvent
from companies.roles import Role
from ledger.models import VoucherLine
from ledger.services import LineSpec, voucher_post
from reconciliation.models import StatementEntry, StatementFile
from tests.reconciliation.camtgen import simple_statement
from tests.reconciliation.test_import import ACCOUNT, DAY, credit, debit

pytestmark = pytest.mark.django_db


@pytest.fixture
def account(company_a):
    return bank_account_create(company_a, account_number=ACCOUNT, name="Drift", ledger_account="1920")


def url(company, path=""):
    return f"/api/v1/companies/{company.pk}/{path}"


def upload(client, company, data, name="s.xml"):
    return client.post(
        url(company, "statements/"), {"file": SimpleUploadedFile(name, data)}, format="multipart"
    )


def ledger_line(company, account, amount, text="Linje"):
    voucher = voucher_post(
        company,
        date=DAY,
        text=text,
        lines=[LineSpec("1920", Decimal(amount), bank_account=account), LineSpec("3000", -Decimal(amount))],
    )
    return VoucherLine.objects.get(voucher=voucher, ledger_account="1920")


def test_upload_list_retrieve_and_duplicate(api_for, admin_a, company_a, account):
    client = api_for(admin_a)
    data = simple_statement([credit("100.00", "R1"), credit("5.00", "R2")])
    response = upload(client, company_a, data)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["outcome"] == "imported" and body["entries_new"] == 2
    assert body["statements"][0]["closing_balance"] == "10105.00"
    again = upload(client, company_a, data)
    assert again.status_code == 409 and again.json()["code"] == "duplicate_file"
    assert f"#{body['id']}" in again.json()["detail"]
    listed = client.get(url(company_a, "statements/")).json()
    assert listed["count"] == 1
    detail = client.get(url(company_a, f"statements/{body['id']}/")).json()
    assert detail["sha256"] == body["sha256"] and len(detail["statements"]) == 1


@pytest.mark.parametrize(
    "data",
    [b"not xml", b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a 'b'>]><x>&a;</x>", b"\x00\xff" * 10],
)
def test_bad_uploads_are_400_never_500(api_for, admin_a, company_a, account, data):
    response = api_for(admin_a).post(
        url(company_a, "statements/"), {"file": SimpleUploadedFile("x.xml", data)}, format="multipart"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_bank_file" and response.json()["detail"]


def test_upload_without_file_is_a_validation_error(api_for, admin_a, company_a):
    response = api_for(admin_a).post(url(company_a, "statements/"), {}, format="multipart")
    assert response.status_code == 400 and "file" in response.json()["fields"]


def test_unknown_account_upload_names_the_account(api_for, admin_a, company_a, account):
    response = upload(
        api_for(admin_a), company_a, simple_statement([credit("1.00", "R")], account="15032080119")
    )
    assert response.status_code == 400 and "15032080119" in response.json()["detail"]


def test_read_only_member_cannot_upload(api_for, make_user, company_a, account):
    reader = make_user("reader", company=company_a, roles=[Role.READ_ONLY])
    response = upload(api_for(reader), company_a, simple_statement([credit("1.00", "R")]))
    assert response.status_code == 403
    assert StatementFile.objects.count() == 0


def test_entries_filter_match_unmatch(api_for, admin_a, company_a, account):
    client = api_for(admin_a)
    upload(client, company_a, simple_statement([credit("100.00", "R1"), credit("5.00", "R2")]))
    a = ledger_line(company_a, account, "60.00")
    b = ledger_line(company_a, account, "40.00")
    unmatched = client.get(url(company_a, "statement-entries/?status=unmatched")).json()
    assert unmatched["count"] == 2
    entry = StatementEntry.objects.get(acct_svcr_ref="R1")
    bad = client.post(
        url(company_a, f"statement-entries/{entry.pk}/match/"), {"voucher_lines": [a.pk]}, format="json"
    )
    assert bad.status_code == 400 and "Summene stemmer ikke" in bad.json()["detail"]
    ok = client.post(
        url(company_a, f"statement-entries/{entry.pk}/match/"), {"voucher_lines": [a.pk, b.pk]}, format="json"
    )
    assert ok.status_code == 201, ok.json()
    assert ok.json()["rule"] == "MANUAL" and ok.json()["voucher_lines"] == sorted([a.pk, b.pk])
    assert client.get(url(company_a, "statement-entries/?status=unmatched")).json()["count"] == 1
    assert VoucherLine.objects.filter(pk__in=[a.pk, b.pk], open_entry__isnull=True).count() == 2
    twice = client.post(
        url(company_a, f"statement-entries/{entry.pk}/match/"), {"voucher_lines": [a.pk]}, format="json"
    )
    assert twice.status_code in (400, 409)
    undone = client.post(url(company_a, f"statement-entries/{entry.pk}/unmatch/"))
    assert undone.status_code == 200 and undone.json()["status"] == "UNMATCHED"
    assert VoucherLine.objects.filter(pk__in=[a.pk, b.pk], open_entry__isnull=True).count() == 0
    assert (
        AuditEvent.objects.filter(action__in=["reconciliation.match", "reconciliation.unmatch"]).count() == 2
    )


def test_many_entries_to_one_line(api_for, admin_a, company_a, account):
    client = api_for(admin_a)
    upload(client, company_a, simple_statement([credit("60.00", "R1"), credit("40.00", "R2")]))
    line = ledger_line(company_a, account, "100.00")
    one, two = StatementEntry.objects.order_by("acct_svcr_ref")
    response = client.post(
        url(company_a, f"statement-entries/{one.pk}/match/"),
        {"voucher_lines": [line.pk], "entries": [two.pk]},
        format="json",
    )
    assert response.status_code == 201
    assert set(StatementEntry.objects.values_list("status", flat=True)) == {"MATCHED"}


def test_post_and_match(api_for, admin_a, company_a, account):
    client = api_for(admin_a)
    upload(client, company_a, simple_statement([credit("12.34", "INT")]))
    entry = StatementEntry.objects.get()
    response = client.post(
        url(company_a, f"statement-entries/{entry.pk}/post/"),
        {"ledger_account": "8040", "text": "Renter"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["rule"] == "POSTED"
    lines = dict(
        VoucherLine.objects.filter(voucher_id=response.json()["voucher"]).values_list(
            "ledger_account", "amount"
        )
    )
    assert lines == {"1920": Decimal("12.34"), "8040": Decimal("-12.34")}
    bad = client.post(
        url(company_a, f"statement-entries/{entry.pk}/post/"), {"ledger_account": "9999"}, format="json"
    )
    assert bad.status_code in (400, 409)


def test_other_tenant_gets_404(api_for, admin_b, company_a, account, admin_a):
    upload(api_for(admin_a), company_a, simple_statement([credit("1.00", "R")]))
    entry = StatementEntry.objects.get()
    client = api_for(admin_b)
    assert client.get(url(company_a, f"statement-entries/{entry.pk}/")).status_code == 404
    assert client.get(url(company_a, "statements/")).status_code == 404


def test_bad_filters_are_400(api_for, admin_a, company_a):
    client = api_for(admin_a)
    assert client.get(url(company_a, "statement-entries/?status=nope")).status_code == 400
    assert client.get(url(company_a, "statement-entries/?date_from=2025-13-01")).status_code == 400
    assert client.get(url(company_a, "statement-entries/?bank_account=x")).status_code == 400


def _command(path, company):
    with pytest.raises(SystemExit) as exit_info:
        call_command("import_camt053", str(path), "--company", str(company.pk))
    return exit_info.value.code


def test_import_command_exit_codes(tmp_path, company_a, account, capsys):
    good = tmp_path / "good.xml"
    good.write_bytes(simple_statement([credit("1.00", "R1"), debit("2.00", "R2")]))
    bad = tmp_path / "bad.xml"
    bad.write_bytes(simple_statement([credit("1.00", "R1")], account="15032080119"))
    assert _command(good, company_a) == 0
    assert "Imported 2 new entries" in capsys.readouterr().out
    assert _command(good, company_a) == 3
    assert "already imported" in capsys.readouterr().err
    assert _command(bad, company_a) == 1
    assert "15032080119" in capsys.readouterr().err
    with pytest.raises(CommandError, match="no such file"):
        call_command("import_camt053", str(tmp_path / "missing.xml"), "--company", str(company_a.pk))


def test_statement_files_filter_by_account_and_closing_date(api_for, admin_a, company_a, account):
    from datetime import date

    other = bank_account_create(company_a, account_number="15032080119", name="Skatt", ledger_account="1950")
    client = api_for(admin_a)
    march4 = simple_statement([credit("1.00", "A1")], statement_id="S-A1")
    march5 = simple_statement(
        [credit("2.00", "A2", day=date(2025, 3, 5))],
        statement_id="S-A2",
        from_date=date(2025, 3, 5),
        to_date=date(2025, 3, 5),
    )
    other_file = simple_statement([credit("3.00", "B1")], statement_id="S-B1", account="15032080119")
    ids = [
        upload(client, company_a, data, f"{n}.xml").json()["id"]
        for n, data in enumerate([march4, march5, other_file])
    ]

    def listed(query):
        response = client.get(url(company_a, f"statements/?{query}"))
        assert response.status_code == 200, response.content
        return sorted(f["id"] for f in response.json()["results"])

    assert listed("") == sorted(ids)
    assert listed(f"bank_account={account.pk}") == sorted(ids[:2])
    assert listed(f"bank_account={other.pk}") == [ids[2]]
    assert listed(f"bank_account={account.pk}&date_from=2025-03-05") == [ids[1]]
    assert listed("date_to=2025-03-04") == sorted([ids[0], ids[2]])
    bad_date = client.get(url(company_a, "statements/?date_from=4.3.2025"))
    assert bad_date.status_code == 400 and list(bad_date.json()["fields"]) == ["date_from"]
    assert client.get(url(company_a, "statements/?bank_account=x")).status_code == 400

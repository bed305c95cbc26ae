"""An entry in another currency than its account refuses the whole file (never imported as kroner)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from lxml import etree

from accounts.services import bank_account_create
from bankint.account_numbers import format_account_number
from reconciliation import services
from reconciliation.models import Statement, StatementEntry, StatementFile
from reconciliation.services import staging
from tests.reconciliation.camtgen import EntrySpec, FileSpec, StatementSpec, camt053_bytes
from tests.reconciliation.test_api import _command, upload
from tests.reconciliation.test_import import ACCOUNT, DAY, credit

pytestmark = pytest.mark.django_db
UPLOAD = StatementFile.Source.UPLOAD


@pytest.fixture
def account(company_a):
    return bank_account_create(company_a, account_number=ACCOUNT, name="Drift", ledger_account="1920")


def eur_file() -> tuple[bytes, int]:
    """Two NOK statements, the second with a EUR entry; one element per line, as banks send them.

    Returns the file and the line of the EUR entry's ``Ntry``.
    """
    eur = credit("25.00", "E1")
    eur.currency = "EUR"
    data = camt053_bytes(
        FileSpec(
            [
                StatementSpec("S1", DAY, DAY, entries=[credit("100.00", "R1"), credit("5.00", "R2")]),
                StatementSpec("S2", DAY, DAY, entries=[credit("7.00", "R3"), eur]),
            ]
        )
    )
    data = etree.tostring(etree.fromstring(data), pretty_print=True, xml_declaration=True, encoding="UTF-8")
    lines = data.decode().splitlines()
    eur_line = next(i for i, text in enumerate(lines, 1) if 'Ccy="EUR"' in text)
    ntry_line = max(i for i, text in enumerate(lines[:eur_line], 1) if "<Ntry" in text)
    assert ntry_line > 10  # a line number that says something
    return data, ntry_line


def test_a_eur_entry_in_a_nok_statement_rejects_the_file_and_keeps_nothing(company_a, account, monkeypatch):
    monkeypatch.setattr(staging, "BATCH", 1)  # the entries before it are already written when it comes
    data, line = eur_file()
    result = services.statement_file_import(company_a, data, source=UPLOAD)
    assert result.outcome == "rejected"
    assert result.message == (
        f"The entry on line {line} is 25.00 EUR, but account {format_account_number(ACCOUNT)} is kept in NOK. "
        "The file was not imported; ask the bank for a statement in NOK."
    )
    file = StatementFile.objects.get()
    assert file.status == StatementFile.Status.REJECTED and file.reason == result.message
    assert StatementEntry.objects.count() == 0 and Statement.objects.count() == 0


def test_entries_in_the_account_currency_import(company_a, account):
    entry = EntrySpec(amount=Decimal("25.00"), booking_date=DAY, acct_svcr_ref="N1", currency="NOK")
    data = camt053_bytes(FileSpec([StatementSpec("S1", DAY, DAY, entries=[entry])]))
    result = services.statement_file_import(company_a, data, source=UPLOAD)
    assert result.outcome == "imported" and result.new == 1


def test_the_api_answers_400_in_norwegian(api_for, admin_a, company_a, account):
    data, line = eur_file()
    response = upload(api_for(admin_a), company_a, data)
    assert response.status_code == 400
    assert response.json()["detail"].startswith(
        f"Posteringen på linje {line} er 25,00 EUR, men konto {format_account_number(ACCOUNT)} føres i NOK."
    )
    assert StatementFile.objects.get().status == StatementFile.Status.REJECTED
    assert StatementEntry.objects.count() == 0


def test_the_command_exits_1_naming_the_entry(tmp_path, company_a, account, capsys):
    data, line = eur_file()
    path = tmp_path / "eur.xml"
    path.write_bytes(data)
    assert _command(path, company_a) == 1
    assert f"line {line} is 25.00 EUR" in capsys.readouterr().err
    assert StatementEntry.objects.count() == 0

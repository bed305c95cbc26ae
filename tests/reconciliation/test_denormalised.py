"""The copies that carry no database constraint agree with the rows they copy.

``StatementEntry.company``/``bank_account``/``file`` and ``Match.company`` have no foreign-key
constraint (a check per row at commit costs seconds on 100,000 entries); they are copies of
the statement's (entry) and the bank account's (match) own values, which only the importer
and the matching services write. These tests show that they write them right: two
companies, two accounts, two statements in one file, an overlapping second file (whose
repeated entries stay with the first file), a fee voucher, and a manual match.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from accounts.services import bank_account_create
from ledger.models import ReferenceKind, VoucherLine
from ledger.services import LineSpec, voucher_post
from reconciliation.models import Match, StatementEntry, StatementFile
from reconciliation.services import entries_match, statement_file_import
from tests.reconciliation.camtgen import EntrySpec, FileSpec, StatementSpec, TxSpec, camt053_bytes

pytestmark = pytest.mark.django_db
DAY = date(2025, 3, 4)
UPLOAD = StatementFile.Source.UPLOAD


def _credit(amount: str, ref: str, kid: str | None = None) -> EntrySpec:
    return EntrySpec(
        amount=Decimal(amount),
        booking_date=DAY,
        value_date=DAY,
        acct_svcr_ref=ref,
        txs=[TxSpec(amount=Decimal(amount), kid=kid)],
    )


def _fee(amount: str, ref: str) -> EntrySpec:
    return EntrySpec(
        amount=Decimal(amount),
        credit_debit="DBIT",
        booking_date=DAY,
        acct_svcr_ref=ref,
        domain=("ACMT", "MDOP", "CHRG"),
        txs=[],
        additional_info="Gebyr",
    )


def _file(statements: list[tuple[str, str, list[EntrySpec]]], message_id: str) -> bytes:
    return camt053_bytes(
        FileSpec(
            [
                StatementSpec(statement_id=sid, from_date=DAY, to_date=DAY, account=number, entries=entries)
                for sid, number, entries in statements
            ],
            message_id=message_id,
        )
    )


def _open_line(company, account, amount: str, kid: str) -> None:
    voucher_post(
        company,
        date=DAY,
        text="Innbetaling",
        lines=[
            LineSpec(
                account.ledger_account,
                Decimal(amount),
                bank_account=account,
                reference_kind=ReferenceKind.KID,
                reference=kid,
            ),
            LineSpec("1500", -Decimal(amount)),
        ],
    )


def _assert_copies_agree() -> None:
    entries = list(StatementEntry.objects.select_related("statement"))
    assert entries
    for entry in entries:
        s = entry.statement
        assert (entry.company_id, entry.bank_account_id, entry.file_id) == (
            s.company_id,
            s.bank_account_id,
            s.file_id,
        )
    matches = list(Match.objects.select_related("bank_account"))
    assert matches
    for match in matches:
        assert match.company_id == match.bank_account.company_id
        linked = StatementEntry.objects.filter(match=match)
        assert {e.bank_account_id for e in linked} == {match.bank_account_id}


def test_importer_writes_the_copies_from_the_statement(company_a, company_b):
    a1 = bank_account_create(company_a, account_number="86011117947", name="Drift", ledger_account="1920")
    a2 = bank_account_create(company_a, account_number="12345678903", name="Skatt", ledger_account="1950")
    b1 = bank_account_create(company_b, account_number="86011117947", name="Drift B", ledger_account="1920")
    _open_line(company_a, a1, "100.00", "0000000018")
    _open_line(company_a, a2, "250.00", "0000000026")
    _open_line(company_b, b1, "100.00", "0000000018")

    first = _file(
        [
            ("S-A1", a1.account_number, [_credit("100.00", "R1", "0000000018"), _fee("45.00", "F1")]),
            ("S-A2", a2.account_number, [_credit("250.00", "R2", "0000000026"), _credit("9.00", "R3")]),
        ],
        "MSG-1",
    )
    result = statement_file_import(company_a, first, source=UPLOAD)
    assert result.ok and result.new == 4 and result.matched == 3, result.message
    # The other company's file for an account with the same number.
    other = statement_file_import(
        company_b,
        _file([("S-B1", b1.account_number, [_credit("100.00", "R1", "0000000018")])], "MSG-B"),
        source=UPLOAD,
    )
    assert other.ok and other.matched == 1, other.message
    # An overlapping export: R3 again (stays with the first file) and a new R4.
    second = statement_file_import(
        company_a,
        _file([("S-A2", a2.account_number, [_credit("9.00", "R3"), _credit("11.00", "R4")])], "MSG-2"),
        source=UPLOAD,
    )
    assert second.ok and (second.new, second.existing) == (1, 1), second.message
    assert StatementEntry.objects.get(bank_account=a2, acct_svcr_ref="R3").file_id == result.file.pk
    assert StatementEntry.objects.get(bank_account=a2, acct_svcr_ref="R4").file_id == second.file.pk

    # A manual match of the two leftovers against one posted line.
    _open_line(company_a, a2, "20.00", "0000000034")
    leftovers = StatementEntry.objects.filter(bank_account=a2, status=StatementEntry.Status.UNMATCHED)
    line = VoucherLine.objects.get(company=company_a, reference="0000000034").pk
    match = entries_match(company_a, [e.pk for e in leftovers], [line])
    assert match.company_id == company_a.pk and StatementEntry.objects.filter(match=match).count() == 2

    assert StatementEntry.objects.filter(company=company_b).count() == 1
    _assert_copies_agree()

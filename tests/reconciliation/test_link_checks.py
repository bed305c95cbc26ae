"""The database refuses what the foreign keys refused, now checked once per statement (0004).

Entries, matches and their links have no per-row foreign-key constraints (700,000 deferred
checks at commit for a 100,000-entry file); statement triggers check each INSERT or UPDATE
over its new rows, and row triggers keep what is referred to in place. These tests write
bad rows past the services, as a bug or a hand-made SQL fix would, and expect the database
to refuse them, and show that the service paths (import, manual match, unmatch) still work.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, InternalError, connection, transaction

from accounts.services import bank_account_create
from ledger.models import ReferenceKind, VoucherLine
from ledger.services import LineSpec, voucher_post
from reconciliation.models import Match, MatchLine, Statement, StatementEntry, StatementFile
from reconciliation.services import entries_match, match_undo, statement_file_import
from tests.reconciliation.camtgen import EntrySpec, FileSpec, StatementSpec, TxSpec, camt053_bytes

pytestmark = pytest.mark.django_db
DAY = date(2025, 3, 4)
REFUSED = (IntegrityError, InternalError)


def _import(company, account, refs: list[str], message_id: str) -> StatementFile:
    entries = [
        EntrySpec(
            amount=Decimal("10.00"),
            booking_date=DAY,
            value_date=DAY,
            acct_svcr_ref=ref,
            txs=[TxSpec(amount=Decimal("10.00"))],
        )
        for ref in refs
    ]
    data = camt053_bytes(
        FileSpec(
            [
                StatementSpec(
                    statement_id=message_id,
                    from_date=DAY,
                    to_date=DAY,
                    account=account.account_number,
                    entries=entries,
                )
            ],
            message_id=message_id,
        )
    )
    result = statement_file_import(company, data, source=StatementFile.Source.UPLOAD)
    assert result.ok, result.message
    return result.file


def _line(company, account, amount: str = "10.00") -> int:
    voucher = voucher_post(
        company,
        date=DAY,
        text="Innbetaling",
        lines=[
            LineSpec(
                account.ledger_account,
                Decimal(amount),
                bank_account=account,
                reference_kind=ReferenceKind.NONE,
            ),
            LineSpec("1500", -Decimal(amount)),
        ],
    )
    return VoucherLine.objects.get(voucher=voucher, ledger_account=account.ledger_account).pk


@pytest.fixture
def two(company_a, company_b):
    a = bank_account_create(company_a, account_number="86011117947", name="Drift", ledger_account="1920")
    a2 = bank_account_create(company_a, account_number="12345678903", name="Skatt", ledger_account="1950")
    b = bank_account_create(company_b, account_number="86011117947", name="Drift B", ledger_account="1920")
    _import(company_a, a, ["A1", "A2"], "MSG-A")
    _import(company_a, a2, ["S1"], "MSG-S")
    _import(company_b, b, ["B1"], "MSG-B")
    return a, a2, b


def _refused(fn) -> None:
    with pytest.raises(REFUSED), transaction.atomic():
        fn()


def test_an_entry_must_agree_with_its_statement(two):
    a, a2, b = two
    entry = StatementEntry.objects.filter(bank_account=a).first()
    other = Statement.objects.get(bank_account=b)

    def copy_with(**changes):
        values = {
            f.attname: getattr(entry, f.attname)
            for f in StatementEntry._meta.concrete_fields
            if f.attname != "id"
        }
        values.update(dedup_key="ref:NEW", **changes)
        StatementEntry.objects.create(**values)

    _refused(lambda: copy_with(statement_id=other.pk))  # another company's statement
    _refused(lambda: copy_with(statement_id=10**9))  # no statement at all
    _refused(lambda: copy_with(bank_account_id=a2.pk))  # a copy that disagrees
    _refused(lambda: StatementEntry.objects.filter(pk=entry.pk).update(file_id=other.file_id))
    copy_with()  # the entry's own statement, file and account: accepted
    assert StatementEntry.objects.filter(dedup_key="ref:NEW").count() == 1


def test_links_must_name_existing_rows_of_the_same_account_or_company(two, company_a, company_b):
    a, a2, b = two
    own_line = _line(company_a, a)
    other_line = _line(company_b, b)
    entry = StatementEntry.objects.filter(bank_account=a, status=StatementEntry.Status.UNMATCHED).first()
    entry_of_a2 = StatementEntry.objects.get(bank_account=a2)
    match = Match.objects.create(
        company=company_a, bank_account=a, rule=Match.Rule.MANUAL, amount=Decimal("10.00")
    )

    def name_match(entry_id, match_id):
        StatementEntry.objects.filter(pk=entry_id).update(match_id=match_id)

    _refused(lambda: name_match(entry.pk, 10**9))  # no such match
    _refused(lambda: name_match(entry_of_a2.pk, match.pk))  # a match of another account
    _refused(lambda: MatchLine.objects.create(match=match, voucher_line_id=10**9))
    _refused(
        lambda: MatchLine.objects.create(match=match, voucher_line_id=other_line)
    )  # another company's line
    _refused(lambda: MatchLine.objects.create(match_id=10**9, voucher_line_id=own_line))
    name_match(entry.pk, match.pk)
    MatchLine.objects.create(match=match, voucher_line_id=own_line)
    assert list(match.entries.all()) == [entry]
    _refused(lambda: MatchLine.objects.filter(match=match).update(voucher_line_id=other_line))


def test_a_match_names_its_companys_voucher_and_a_real_user(two, company_a, company_b):
    a, _a2, b = two
    other_voucher = VoucherLine.objects.get(pk=_line(company_b, b)).voucher_id
    own_voucher = VoucherLine.objects.get(pk=_line(company_a, a)).voucher_id
    make = {"company": company_a, "bank_account": a, "rule": Match.Rule.POSTED, "amount": Decimal("1.00")}
    _refused(lambda: Match.objects.create(voucher_id=other_voucher, **make))
    _refused(lambda: Match.objects.create(created_by_id=10**9, **make))
    assert Match.objects.create(voucher_id=own_voucher, **make).pk


def test_what_is_referred_to_cannot_be_deleted(two, company_a):
    a, _a2, _b = two
    line = _line(company_a, a)
    entry = StatementEntry.objects.filter(bank_account=a).first()
    match = entries_match(company_a, [entry.pk], [line])
    _refused(lambda: Statement.objects.filter(pk=entry.statement_id).delete())
    _refused(lambda: StatementEntry.objects.filter(pk=entry.pk)._raw_delete(StatementEntry.objects.db))
    _refused(lambda: Match.objects.filter(pk=match.pk)._raw_delete(Match.objects.db))
    match_undo(company_a, match)  # the service deletes the links first: allowed
    assert not Match.objects.filter(pk=match.pk).exists()
    assert StatementEntry.objects.get(pk=entry.pk).status == StatementEntry.Status.UNMATCHED
    assert not VoucherLine.objects.get(pk=line).reconciled


def test_deleting_a_user_clears_their_matches(two, company_a):
    a, _a2, _b = two
    user = get_user_model().objects.create_user(username="tmp-matcher", password="x" * 12)
    match = Match.objects.create(
        company=company_a, bank_account=a, rule=Match.Rule.MANUAL, amount=Decimal("1.00"), created_by=user
    )
    with connection.cursor() as cursor:  # past the ORM, which would set NULL itself
        cursor.execute("DELETE FROM auth_user WHERE id = %s", [user.pk])
    match.refresh_from_db()
    assert match.created_by_id is None

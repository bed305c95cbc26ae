"""What reconciliation/sql/referenced_guard.sql refuses past the services: re-keying what is
referred to (a statement with entries, a matched entry, a match that entries name), which the
foreign keys refused before there were none. Deleting them: tests/reconciliation/test_link_checks.py."""

import pytest
from django.db import IntegrityError, connection, transaction

from accounts.services import bank_account_create
from reconciliation.models import Match, Statement, StatementEntry
from reconciliation.services import entries_match
from tests.reconciliation.test_link_checks import _import, _line

pytestmark = pytest.mark.django_db


@pytest.fixture
def matched(company_a):
    """A statement with two entries, the first one matched with a ledger line."""
    account = bank_account_create(
        company_a, account_number="86011117947", name="Drift", ledger_account="1920"
    )
    other = bank_account_create(company_a, account_number="12345678903", name="Skatt", ledger_account="1950")
    _import(company_a, account, ["A1", "A2"], "MSG-A")
    entry = StatementEntry.objects.filter(bank_account=account).order_by("id").first()
    match = entries_match(company_a, [entry.pk], [_line(company_a, account)])
    return entry, match, other


def _refused(sql: str, params: list) -> None:
    with (
        pytest.raises(IntegrityError, match="is referred to"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, params)


def test_a_statement_with_entries_keeps_its_key_account_and_file(matched):
    entry, _match, other = matched
    statement = entry.statement_id
    _refused("UPDATE reconciliation_statement SET id = -id WHERE id = %s", [statement])
    _refused("UPDATE reconciliation_statement SET bank_account_id = %s WHERE id = %s", [other.pk, statement])
    assert Statement.objects.filter(pk=statement, bank_account_id=entry.bank_account_id).exists()


def test_a_matched_entry_and_its_match_keep_their_key_and_account(matched):
    entry, match, other = matched
    _refused("UPDATE reconciliation_statemententry SET id = -id WHERE id = %s", [entry.pk])
    _refused("UPDATE reconciliation_match SET id = -id WHERE id = %s", [match.pk])
    _refused("UPDATE reconciliation_match SET bank_account_id = %s WHERE id = %s", [other.pk, match.pk])
    entry.refresh_from_db()
    assert (
        entry.match_id == match.pk and Match.objects.get(pk=match.pk).bank_account_id == entry.bank_account_id
    )

"""Races: two workers importing one file, two people matching one entry."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection

from accounts.services import bank_account_create
from bankint.errors import Conflict, ValidationFailed
from reconciliation.models import Match, MatchLine, StatementEntry, StatementFile
from reconciliation.services import entries_match, statement_file_import
from tests.reconciliation.camtgen import simple_statement
from tests.reconciliation.test_api import ledger_line
from tests.reconciliation.test_import import ACCOUNT, credit

pytestmark = pytest.mark.django_db(transaction=True)


def _together(n, work):
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def run(i):
        try:
            barrier.wait()
            results[i] = work(i)
        except Exception as exc:  # the outcome is what the test checks
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_two_workers_importing_one_file_produce_one_import(company_a):
    bank_account_create(company_a, account_number=ACCOUNT, name="Drift", ledger_account="1920")
    data = simple_statement([credit("10.00", f"R{i}") for i in range(200)])
    results = _together(2, lambda i: statement_file_import(company_a, data, source=StatementFile.Source.API))
    outcomes = sorted(r.outcome if not isinstance(r, Exception) else repr(r) for r in results)
    assert outcomes == ["duplicate", "imported"]
    assert StatementFile.objects.count() == 1
    assert StatementEntry.objects.count() == 200


def test_two_people_matching_one_entry_make_one_match(company_a):
    account = bank_account_create(company_a, account_number=ACCOUNT, name="Drift", ledger_account="1920")
    statement_file_import(
        company_a,
        simple_statement([credit("100.00", "R1")]),
        source=StatementFile.Source.API,
        auto_match=False,
    )
    entry = StatementEntry.objects.get()
    lines = [ledger_line(company_a, account, "100.00"), ledger_line(company_a, account, "100.00")]
    results = _together(2, lambda i: entries_match(company_a, [entry.pk], [lines[i].pk]))
    wins = [r for r in results if isinstance(r, Match)]
    # The loser waits for the winner's lock and then refuses with a domain error.
    losses = [r for r in results if isinstance(r, Conflict | ValidationFailed)]
    assert len(wins) == 1 and len(losses) == 1, results
    assert Match.objects.count() == 1 and MatchLine.objects.count() == 1
    assert StatementEntry.objects.get().status == "MATCHED"
    assert Decimal(Match.objects.get().amount) == Decimal("100.00")

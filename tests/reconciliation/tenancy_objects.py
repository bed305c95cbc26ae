"""One object of each reconciliation model a route exposes by id, for the tenancy walkers."""

from __future__ import annotations

from decimal import Decimal

from reconciliation.models import Match, StatementEntry, StatementFile
from reconciliation.services import entry_post_and_match, statement_file_import
from tests.reconciliation.camtgen import EntrySpec, TxSpec, simple_statement

UI_OBJECT_ROUTES = {
    "reconciliation/files/<int:pk>/": StatementFile,
    "reconciliation/matches/<int:pk>/unmatch/": Match,
    "reconciliation/entries/<int:pk>/open-items/": StatementEntry,
    "reconciliation/entries/<int:pk>/settle/": StatementEntry,
}


def populate(company) -> dict:
    # The core probes registered account 86011117947 on ledger account 1920 for this company.
    entries = [
        EntrySpec(
            amount=Decimal(amount),
            booking_date=simple_day(),
            acct_svcr_ref=f"PROBE-{company.pk}-{i}",
            txs=[TxSpec(amount=Decimal(amount), ustrd="Probe")],
        )
        for i, amount in enumerate(("12.00", "13.00"))
    ]
    result = statement_file_import(company, simple_statement(entries), source=StatementFile.Source.API)
    assert result.ok, result.message
    first, second = StatementEntry.objects.filter(file=result.file).order_by("id")
    match = entry_post_and_match(company, second, ledger_account="8040", text="Probe")
    return {StatementFile: result.file, StatementEntry: first, Match: match}


def simple_day():
    from datetime import date

    return date(2025, 3, 4)

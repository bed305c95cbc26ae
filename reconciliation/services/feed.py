"""The bank feed's ``statement.created`` events: each new statement recorded for a task on the
``imports`` queue to download and import (agreements/fetches.py)."""

from __future__ import annotations

from collections import defaultdict

from accounts.models import BankAccount
from agreements.fetches import FetchDeferred, FetchSpec, bank_file_fetches_record, earlier_pending
from agreements.models import BankFileFetch

from ..models import StatementFile
from .importing import ImportResult, statement_file_import


def statements_fetch(events) -> list[BankFileFetch]:
    """Feed handler for ``statement.created``: record each new statement to fetch, and queue
    one ``reconciliation.statement_import`` task per statement once the record commits.

    Nothing is downloaded here: the poll stays short, and the imports run on as many workers
    as the ``imports`` queue has. A statement already imported for every company that
    registered its account, or for an account nobody registered, is not recorded. Returns the
    fetches queued.
    """
    wanted = [(e, str(e.resource_id), str((e.data or {}).get("account") or "")) for e in events]
    numbers = {number for _e, _id, number in wanted if number}
    accounts: dict[str, list[BankAccount]] = defaultdict(list)
    for account in BankAccount.objects.filter(account_number__in=numbers).select_related("company"):
        accounts[account.account_number].append(account)
    done = set(
        StatementFile.objects.filter(
            bank_statement_id__in=[i for _e, i, _n in wanted], status=StatementFile.Status.IMPORTED
        ).values_list("company_id", "bank_statement_id")
    )
    specs = [
        FetchSpec.of(event, account=number)
        for event, statement_id, number in wanted
        if any(
            (a.company_id, statement_id) not in done
            for a in _owners(accounts.get(number, ()), event.org_number)
        )
    ]
    return bank_file_fetches_record(BankFileFetch.Kind.STATEMENT, specs)


def _owners(accounts, org_number: str | None) -> list[BankAccount]:
    return [a for a in accounts if not org_number or a.company.org_number == org_number]


def statement_fetch_import(fetch: BankFileFetch, *, client=None) -> list[ImportResult]:
    """The task's work: download one statement and import it for each company that registered
    its account and has not imported it yet.

    Idempotent: a company that has it already is skipped, and the file's SHA-256 and the entry
    keys catch a repeat that slips through (a worker that died after the import committed).
    The download happens outside any transaction (a slow bank must not hold database locks);
    ``BankUnavailable`` propagates and the fetch is tried again later. One company's failing
    import does not hold back another's: the others are imported, then the error is raised
    and the fetch retried (for the one left).
    """
    from bankclient import get_client

    if earlier_pending(fetch):
        # An account's statements are imported in the bank's order, as the feed did: the
        # balance chain is checked from one to the next (a gap would be reported).
        raise FetchDeferred(f"an earlier statement of {fetch.account} is still to import")
    statement_id = fetch.bank_resource_id
    owners = _owners(
        BankAccount.objects.filter(account_number=fetch.account).select_related("company").order_by("id"),
        fetch.org_number,
    )
    done = set(
        StatementFile.objects.filter(
            bank_statement_id=statement_id,
            status=StatementFile.Status.IMPORTED,
            company_id__in=[a.company_id for a in owners],
        ).values_list("company_id", flat=True)
    )
    todo = [a for a in owners if a.company_id not in done]
    if not todo:
        return []
    data = (client or get_client()).download_statement(int(statement_id))
    results: list[ImportResult] = []
    error: Exception | None = None
    for account in todo:
        if account.company_id in done:
            continue  # two accounts of one company with the same number: imported once
        try:
            results.append(
                statement_file_import(
                    account.company,
                    data,
                    source=StatementFile.Source.BANK,
                    filename=f"camt053-{statement_id}.xml",
                    bank_statement_id=statement_id,
                )
            )
        except Exception as exc:
            error = error or exc
            continue
        done.add(account.company_id)
    if error is not None:
        raise error
    return results

"""The bank feed's ``statement.created`` events: each new statement downloaded and imported."""

from __future__ import annotations

from collections import defaultdict

from accounts.models import BankAccount

from ..models import StatementFile
from .importing import ImportResult, statement_file_import


def statements_fetch(events) -> list[ImportResult]:
    """Feed handler for ``statement.created``: download each new statement and import it.

    Idempotent: a statement already stored (by the bank's id) is not downloaded again, and the
    file's SHA-256 and the entry keys catch a redelivery that slips through. The download
    happens outside any transaction (a slow bank must not hold database locks); ``BankUnavailable`` propagates so the
    poller leaves the page for the next round.
    """
    from bankclient import get_client

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
    client = None
    results = []
    for event, statement_id, number in wanted:
        owners = [
            a
            for a in accounts.get(number, ())
            if not event.org_number or a.company.org_number == event.org_number
        ]
        todo = [a for a in owners if (a.company_id, statement_id) not in done]
        if not todo:
            continue
        client = client or get_client()
        data = client.download_statement(int(statement_id))
        for account in todo:
            result = statement_file_import(
                account.company,
                data,
                source=StatementFile.Source.BANK,
                filename=f"camt053-{statement_id}.xml",
                bank_statement_id=statement_id,
            )
            done.add((account.company_id, statement_id))
            results.append(result)
    return results

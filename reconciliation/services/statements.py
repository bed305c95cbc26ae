"""The statements of a camt.053 file: each checked against the company's accounts, its entries
handed to the staging, its balance and its continuity with the account's previous statement
checked, and the company told when they do not add up."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_

from accounts.models import BankAccount
from bankint.errors import BankFileRejected
from bankint.formatting import account as fmt_account
from bankint.formatting import amount as fmt_amount
from bankint.intake import Received
from bankint.stored_text import Account, stored
from iso20022 import camt053
from notifications.models import Notification
from notifications.services import notify

from ..models import Statement, StatementFile
from .staging import ZERO

MAX_BYTES = camt053.DEFAULT_MAX_BYTES


def locked_accounts(company) -> list[BankAccount]:
    """The company's bank accounts, locked until the import commits, in id order (no deadlock).

    FOR NO KEY UPDATE: other imports, automatic and manual matching of these accounts wait
    (they take the same or a stronger lock), while postings that merely refer to an account
    (foreign-key checks take KEY SHARE) do not.
    """
    return list(BankAccount.objects.select_for_update(no_key=True).filter(company=company).order_by("pk"))


def load(company, file: StatementFile, raw: Received, validate: bool, sink, *, child=None):
    """Stream the file into statements and entries; raises BankFileRejected/CamtParseError."""
    registered = {a.account_number: a for a in locked_accounts(company)}
    touched: dict[int, BankAccount] = {}
    flagged: list[Statement] = []
    state: dict = {"statement": None, "header": None, "booked": ZERO, "count": 0, "seen": {}, "total": 0}

    def finish():
        statement, header = state["statement"], state["header"]
        if statement is None:
            return
        expected = header.opening_balance + state["booked"]
        difference = header.closing_balance - expected
        statement.entries_count = state["count"]
        statement.balance_ok = difference == 0
        statement.balance_difference = difference
        Statement.objects.filter(pk=statement.pk).update(
            entries_count=statement.entries_count,
            balance_ok=statement.balance_ok,
            balance_difference=difference,
        )
        if difference:
            flagged.append(statement)

    # A big file is parsed and checked in a process of its own (``child``, a ParseProcess),
    # beside this one's work per entry. Should that process fail, ParseProcessFailed goes to
    # the caller, which undoes this call and makes it again without the child.
    if child is None:
        items = camt053.iter_camt053(raw.parse_source(), max_bytes=MAX_BYTES, validate=validate)
    else:
        items = child.items()
    _load_items(company, file, items, sink, registered, touched, state, finish)
    return list(touched.values()), flagged, state["total"]


def _load_items(company, file, items, sink, registered, touched, state, finish) -> None:
    """The parse loop of :func:`_load`: statements created, entries handed to ``sink``."""
    total = 0
    for item in items:
        if isinstance(item, camt053.Camt053Statement):
            sink.flush()
            finish()
            account = registered.get(item.account)
            if account is None:
                raise BankFileRejected(
                    _(
                        "Statement %(id)s is for account %(number)s, which is not a registered account of "
                        "%(company)s. Register the account under Settings › Bank accounts, then import the "
                        "file again."
                    )
                    % {"id": item.statement_id, "number": item.iban or item.account, "company": company.name},
                    code="unknown_account",
                )
            if item.currency and item.currency != account.currency:
                raise BankFileRejected(
                    _("Statement %(id)s is in %(ccy)s, but account %(number)s is kept in %(acct_ccy)s.")
                    % {
                        "id": item.statement_id,
                        "ccy": item.currency,
                        "number": account.account_number,
                        "acct_ccy": account.currency,
                    },
                    code="wrong_currency",
                )
            touched[account.pk] = account
            closing_date = item.closing_balance_date or item.to_date or item.from_date or timezone.localdate()
            statement = Statement.objects.create(
                company=company,
                file=file,
                bank_account=account,
                statement_id=item.statement_id[:35],
                electronic_seq_nb=item.electronic_seq_nb,
                message_id=(item.message_id or "")[:35],
                from_date=item.from_date,
                to_date=item.to_date,
                closing_date=closing_date,
                currency=item.currency or account.currency,
                opening_balance=item.opening_balance,
                closing_balance=item.closing_balance,
                balance_types="/".join(item.balance_types_used)[:9],
            )
            state.update(statement=statement, header=item, booked=ZERO, count=0, seen={}, account=account)
            continue
        header, statement = state["header"], state["statement"]
        if item.currency != state["account"].currency:
            _check_entry_currency(item, state["account"])
        if item.acct_svcr_ref:
            key = camt053.entry_key(header.account, item)
        else:
            # Identical entries within one statement stay distinct by their occurrence number.
            base = camt053._base_hash(header.account, item)
            occurrence = state["seen"].get(base, 0)
            state["seen"][base] = occurrence + 1
            key = f"sha256:{base}:{occurrence}"
        if item.status == "BOOK":
            state["booked"] += item.signed_amount
        state["count"] += 1
        total += 1
        sink.add(statement, item, key)
    sink.flush()
    finish()
    state["total"] = total


def _check_entry_currency(entry: camt053.Camt053Entry, account: BankAccount) -> None:
    """Refuse the file when an entry is in another currency than its account.

    The importer stores amounts in the account's currency, so a EUR entry in a NOK
    statement would otherwise be booked as that many kroner.
    """
    if entry.currency != account.currency:
        raise BankFileRejected(
            _(
                "The entry on line %(line)s is %(amount)s %(ccy)s, but account %(number)s is kept in "
                "%(acct_ccy)s. The file was not imported; ask the bank for a statement in %(acct_ccy)s."
            )
            % {
                "line": entry.line,
                "amount": fmt_amount(entry.amount),
                "ccy": entry.currency,
                "number": fmt_account(account.account_number),
                "acct_ccy": account.currency,
            },
            code="wrong_currency",
        )


def notify_mismatch(company, statement: Statement) -> None:
    notify(
        company,
        title=stored(N_("Bank statement %(id)s does not add up"), id=statement.statement_id),
        body=stored(
            N_(
                "On account %(number)s the statement for %(date)s has an opening balance of %(opening)s and a "
                "closing balance of %(closing)s, but its entries add up to a difference of %(difference)s. "
                "The entries were imported and are not matched automatically. Ask the bank for a corrected "
                "statement, or check for missing entries before reconciling this account by hand."
            ),
            number=Account(statement.bank_account.account_number),
            date=statement.closing_date,
            opening=statement.opening_balance,
            closing=statement.closing_balance,
            difference=statement.balance_difference,
        ),
        level=Notification.Level.ERROR,
        dedup_key=f"camt053-balance:{statement.pk}",
    )


def continuity_gaps(file: StatementFile) -> list[tuple[Statement, Statement]]:
    """Statements of ``file`` that do not open where the account's previous statement closed.

    Each statement adding up on its own is not enough: a statement the bank never sent (or that
    was refused) leaves its entries missing between two that each balance. One query per
    statement of the file (a file holds one per account and day).
    """
    gaps = []
    for statement in (
        Statement.objects.filter(file=file).select_related("bank_account").order_by("closing_date")
    ):
        previous = (
            Statement.objects.filter(
                bank_account=statement.bank_account, closing_date__lt=statement.closing_date
            )
            .order_by("-closing_date", "-electronic_seq_nb", "-pk")
            .first()
        )
        if previous is not None and previous.closing_balance != statement.opening_balance:
            gaps.append((previous, statement))
    return gaps


def notify_gap(company, previous: Statement, statement: Statement) -> None:
    notify(
        company,
        title=stored(
            N_("Bank statements for account %(number)s do not follow on"),
            number=Account(statement.bank_account.account_number),
        ),
        body=stored(
            N_(
                "The statement for %(date)s opens with %(opening)s, but the previous statement (%(previous)s) "
                "closed with %(closing)s: %(difference)s is unaccounted for. A statement between them is "
                "probably missing or was refused. Ask the bank for the statements from %(previous)s to "
                "%(date)s (or upload them under Reconciliation › Files), and check this period by hand "
                "before you reconcile it."
            ),
            date=statement.closing_date,
            opening=statement.opening_balance,
            previous=previous.closing_date,
            closing=previous.closing_balance,
            difference=statement.opening_balance - previous.closing_balance,
        ),
        level=Notification.Level.ERROR,
        dedup_key=f"camt053-gap:{statement.pk}",
    )

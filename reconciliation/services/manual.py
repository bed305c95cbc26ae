"""Matching by hand: bank entries with ledger lines when the sums agree, "post and match",
and undoing a match. Each holds the bank account's row lock, as automatic matching does."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.models import BankAccount
from bankint import context
from bankint.errors import Conflict, ValidationFailed
from bankint.formatting import amount as fmt_amount
from bankint.formatting import day as fmt_day
from companies.services import audit_record
from ledger.models import Voucher, VoucherLine
from ledger.services import LineSpec, VoucherSpec, voucher_lines_mark_reconciled, vouchers_post_bulk

from ..models import Match, MatchLine, StatementEntry
from .automatch import ZERO, claim_entries, open_ledger_lines


def _lock_account(account_id: int) -> BankAccount:
    return BankAccount.objects.select_for_update(no_key=True).get(pk=account_id)


def _selected(company, entry_ids, line_ids):
    entry_ids = sorted({int(i) for i in entry_ids})
    line_ids = sorted({int(i) for i in line_ids})
    if not entry_ids:
        message = _("Select at least one bank entry.")
        raise ValidationFailed(message, fields={"entries": [message]})
    entries = list(
        StatementEntry.objects.filter(company=company, pk__in=entry_ids).select_related("bank_account")
    )
    if len(entries) != len(entry_ids):
        message = _("Some of the selected bank entries do not exist.")
        raise ValidationFailed(message, fields={"entries": [message]})
    accounts = {e.bank_account_id for e in entries}
    if len(accounts) != 1:
        message = _("Select bank entries of one bank account at a time.")
        raise ValidationFailed(message, fields={"entries": [message]})
    # The account's lock: automatic matching (an import) holds it while it decides, so a
    # person's match waits for it instead of taking a line from under it.
    account = _lock_account(entries[0].bank_account_id)
    lines = list(open_ledger_lines(account).filter(pk__in=line_ids)) if line_ids else []
    if len(lines) != len(line_ids):
        message = _(
            "Some of the selected ledger lines are not open lines on ledger account %(number)s of this bank account."
        ) % {"number": account.ledger_account}
        raise ValidationFailed(message, fields={"lines": [message]})
    already = [e for e in entries if e.status != StatementEntry.Status.UNMATCHED]
    if already:
        raise Conflict(
            _("The bank entry of %(date)s for %(amount)s is already matched.")
            % {"date": fmt_day(already[0].booking_date), "amount": fmt_amount(already[0].amount)}
        )
    return account, entries, lines


@transaction.atomic
def entries_match(company, entry_ids: Iterable[int], line_ids: Iterable[int]) -> Match:
    """Match bank entries with ledger lines by hand (1:N or N:1) when the sums agree to the øre."""
    account, entries, lines = _selected(company, entry_ids, line_ids)
    if not lines:
        message = _("Select at least one ledger line.")
        raise ValidationFailed(message, fields={"lines": [message]})
    if len(entries) > 1 and len(lines) > 1:
        message = _(
            "Match one bank entry with several ledger lines, or several bank entries with one ledger line."
        )
        raise ValidationFailed(message, fields={"entries": [message]})
    bank_sum = sum((e.amount for e in entries), ZERO)
    ledger_sum = sum((line.amount for line in lines), ZERO)
    if bank_sum != ledger_sum:
        message = _(
            "The sums do not agree: the bank entries add up to %(bank)s, the ledger lines to %(ledger)s "
            "(difference %(diff)s)."
        ) % {
            "bank": fmt_amount(bank_sum),
            "ledger": fmt_amount(ledger_sum),
            "diff": fmt_amount(bank_sum - ledger_sum),
        }
        raise ValidationFailed(message, fields={"lines": [message]})
    return _match_one(account, Match.Rule.MANUAL, entries, [line.pk for line in lines], bank_sum, None)


def _match_one(account, rule, entries, line_ids, amount, voucher) -> Match:
    match = Match.objects.create(
        company_id=account.company_id,
        bank_account=account,
        rule=rule,
        amount=amount,
        voucher=voucher,
        created_by_id=context.current().user_id,
    )
    claim_entries([(e.pk, rule, match.pk) for e in entries])
    try:
        with transaction.atomic():
            MatchLine.objects.bulk_create([MatchLine(match=match, voucher_line_id=i) for i in line_ids])
    except IntegrityError:
        raise Conflict(
            _(
                "One of these bank entries or ledger lines was matched by someone else in the meantime; reload and try again."
            )
        ) from None
    voucher_lines_mark_reconciled(account.company, line_ids)
    audit_record(
        "reconciliation.match",
        obj=match,
        company=account.company,
        changes={
            "rule": rule,
            "entries": [e.pk for e in entries],
            "lines": list(line_ids),
            "amount": f"{amount:.2f}",
        },
    )
    return match


@transaction.atomic
def entry_post_and_match(company, entry: StatementEntry, *, ledger_account: str, text: str = "") -> Match:
    """ "Poster og match": post the entry to a ledger account (interest, fees) and match it in one step."""
    from ledger.services import clean_ledger_account

    entry = StatementEntry.objects.get(pk=entry.pk, company=company)
    account = _lock_account(entry.bank_account_id)
    entry.refresh_from_db()
    if entry.status != StatementEntry.Status.UNMATCHED:
        raise Conflict(_("This bank entry is already matched."))
    counter = clean_ledger_account(ledger_account, company=company)
    if counter == account.ledger_account:
        message = _("Choose another ledger account than the bank's own (%(number)s).") % {
            "number": account.ledger_account
        }
        raise ValidationFailed(message, fields={"ledger_account": [message]})
    text = (
        (text or "").strip()
        or entry.text[:200]
        or _("Bank entry %(date)s") % {"date": fmt_day(entry.booking_date)}
    )
    voucher = vouchers_post_bulk(
        company,
        [
            VoucherSpec(
                date=entry.booking_date,
                text=text[:200],
                kind=Voucher.Kind.BANK,
                lines=[
                    LineSpec(account.ledger_account, entry.amount, text=text[:200], bank_account=account),
                    LineSpec(counter, -entry.amount, text=text[:200]),
                ],
            )
        ],
    )[0]
    line_id = VoucherLine.objects.filter(voucher=voucher, ledger_account=account.ledger_account).values_list(
        "id", flat=True
    )[0]
    return _match_one(account, Match.Rule.POSTED, [entry], [line_id], entry.amount, voucher)


@transaction.atomic
def match_undo(company, match: Match) -> None:
    """Unmatch: the entries are open again and the ledger lines unreconciled.

    A voucher posted for the match (a fee, "Poster og match") stays: a posted voucher is never
    deleted, and the person decides whether to reverse it or match it elsewhere. The payment
    voucher of a match to invoices or bills is reversed (``settling.settlement_undo``): it
    settled them, and they are open again.
    """
    _lock_account(Match.objects.values_list("bank_account_id", flat=True).get(pk=match.pk, company=company))
    match = Match.objects.select_for_update().get(pk=match.pk, company=company)
    entry_ids = list(match.entries.values_list("id", flat=True))
    line_ids = list(match.line_links.values_list("voucher_line_id", flat=True))
    StatementEntry.objects.filter(pk__in=entry_ids, status=StatementEntry.Status.MATCHED).update(
        status=StatementEntry.Status.UNMATCHED, matched_rule="", match=None
    )
    voucher_lines_mark_reconciled(company, line_ids, reconciled=False)
    reversal = None
    if match.rule == Match.Rule.INVOICES:  # the invoices or bills it settled are open again
        from .settling import settlement_undo

        reversal = settlement_undo(company, match, line_ids)
    audit_record(
        "reconciliation.unmatch",
        obj=match,
        company=company,
        changes={
            "rule": match.rule,
            "entries": entry_ids,
            "lines": line_ids,
            "amount": f"{match.amount:.2f}",
            **({"reversal": reversal.number} if reversal is not None else {}),
        },
    )
    match.delete()


def entry_unmatch(company, entry: StatementEntry) -> None:
    match = Match.objects.filter(company=company, entries__id=entry.pk).first()
    if match is None:
        raise Conflict(_("This bank entry is not matched."))
    match_undo(company, match)

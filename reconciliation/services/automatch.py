"""Automatic matching: the matcher (``matching``) run over a bank account's unmatched entries and
its open ledger lines, and what it decided written in bulk.

Matches and ledger-line links are COPYed with ids taken from the sequence, fee vouchers'
lines posted in bulk, the matched ledger lines taken out of the open bank lines by one
DELETE; entries already in their table are claimed by one conditional UPDATE, an import's
new ones (``sink``, see ``staging``) get their status when they are written. Automatic and
manual matching hold the bank account's row lock, so no entry and no ledger line is matched
twice.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import BankAccount
from bankint import context, payment_ids, phases
from bankint.db import copy_rows, id_sequence, next_ids
from bankint.errors import Conflict
from companies.services import audit_record
from ledger.models import OpenBankLine, ReferenceKind, Voucher, VoucherLine
from ledger.selectors import ledger_account_numbers
from ledger.services import LineSpec, VoucherSpec, voucher_lines_mark_reconciled, vouchers_post_bulk

from .. import matching
from ..models import Match, MatchLine, StatementEntry
from .reasons import CHUNK, chunks, store_unmatched_reasons

logger = logging.getLogger(__name__)

FEES_PER_VOUCHER = 50
ZERO = Decimal("0.00")


@dataclass
class ReconcileReport:
    matched_entries: int = 0
    matches: int = 0
    fee_vouchers: int = 0
    unmatched_entries: int = 0
    by_rule: dict[str, int] = field(default_factory=dict)


_REF_KINDS = {
    ReferenceKind.E2E: matching.RefKind.E2E,
    ReferenceKind.OCR_ASSIGNMENT: matching.RefKind.OCR_ASSIGNMENT,
    ReferenceKind.KID: matching.RefKind.KID,
    ReferenceKind.INVOICE: matching.RefKind.INVOICE,
}


def open_ledger_lines(account: BankAccount):
    """Unreconciled lines on the account's ledger account (its own, or not tied to any account)."""
    return VoucherLine.objects.filter(pk__in=_open_bank_lines(account).values("line_id"))


def _open_bank_lines(account: BankAccount):
    """The account's open lines as the queue holds them (what the matcher reads)."""
    return OpenBankLine.objects.filter(
        company_id=account.company_id, ledger_account=account.ledger_account
    ).filter(Q(bank_account=account) | Q(bank_account__isnull=True))


def bank_account_reconcile(account: BankAccount) -> ReconcileReport:
    """Run the automatic matcher over the account's unmatched entries and open ledger lines.

    Holds the account's row lock for the run, so two workers cannot both match one entry;
    entries of statements that do not add up are left for a person (their entries may be
    missing or wrong).
    """
    with transaction.atomic():
        account = BankAccount.objects.select_for_update().get(pk=account.pk)
        return reconcile(account)


def reconcile(account: BankAccount, sink=None) -> ReconcileReport:
    """Match the account's unmatched entries (and ``sink``'s new ones) against its open lines.

    The caller holds the account's row lock and the transaction.
    """
    report = ReconcileReport()
    entries = _stored_entries(account)
    stored = {e.id for e in entries}
    if sink is not None:
        entries.extend(sink.pending(account.pk))
    if not entries:
        return report
    lines = _open_lines(account, entries)
    phases.mark("load open lines")
    result = matching.match_entries(entries, lines, uetr_end_to_end=_uetr_end_to_end(account, entries))
    phases.mark("match")
    total_entries = len(entries)
    del entries, lines  # the matcher's result is all that is needed from here
    postings = [p for p in result.fee_postings if p.amount]
    if postings and account.fee_account not in ledger_account_numbers(account.company):
        logger.warning("fee account %s missing for account %s", account.fee_account, account.pk)
        postings = []
    # Fees first, so their ledger lines can join the matches.
    fees = _post_fees(account, postings, report) if postings else {}
    phases.mark("post fees")
    unmatched = result.unmatched_entries
    groups = _groups(result, postings, fees)
    del result
    if groups:
        _write_matches(account, groups, context.current().user_id, report, sink, stored)
    phases.mark("write matches, close lines")
    store_unmatched_reasons(unmatched, sink, stored)
    report.unmatched_entries = total_entries - report.matched_entries
    audit_record(
        "reconciliation.auto_match",
        obj=account,
        company=account.company,
        changes={
            "matched_entries": report.matched_entries,
            "matches": report.matches,
            "fee_vouchers": report.fee_vouchers,
            "unmatched_entries": report.unmatched_entries,
            "by_rule": report.by_rule,
        },
    )
    return report


def _stored_entries(account: BankAccount) -> list[matching.BankEntry]:
    """The account's unmatched booked entries already in the table, of statements that add up:
    usually few (the new ones of an import are in its ``sink``)."""
    key = str(account.pk)
    return [
        matching.BankEntry(
            id=row[0],
            account=key,
            booking_date=row[1],
            amount=row[2],
            end_to_end_ids=tuple(row[3] or ()),
            kids=tuple(row[4] or ()),
            references=tuple(row[5] or ()),
            is_charge=row[6],
            reversal=row[7],
            charges=row[8],
            uetrs=tuple(row[9] or ()),
        )
        for row in StatementEntry.objects.filter(
            bank_account=account,
            status=StatementEntry.Status.UNMATCHED,
            booking_status="BOOK",
            statement__balance_ok=True,
        )
        .values_list(
            "id",
            "booking_date",
            "amount",
            "end_to_end_ids",
            "kids",
            "references",
            "is_charge",
            "reversal",
            "charges",
            "uetrs",
        )
        .order_by()
        .iterator(chunk_size=CHUNK)
    ]


def _uetr_end_to_end(account: BankAccount, entries: list[matching.BankEntry]) -> dict[str, str]:
    """UETR → EndToEndId for the payments abroad the entries name by UETR: one look-up for all
    of them, none when no entry does (an import's new entries carry only the UETRs of
    transactions without an EndToEndId, ``staging``)."""
    uetrs = {u for e in entries if e.uetrs for u in e.uetrs}
    return payment_ids.end_to_end_ids_by_uetr(account.company_id, uetrs) if uetrs else {}


def _open_lines(account: BankAccount, entries: list[matching.BankEntry]) -> list[matching.LedgerLine]:
    """The account's open ledger lines for the matcher.

    A line that matches an entry shares its amount and reference objects with it instead of
    holding equal copies (100,000 Decimals and strings fewer while the matcher runs).
    """
    key = entries[0].account if entries else str(account.pk)
    days: dict = {}
    shared: dict = {}
    for e in entries:
        shared[e.amount] = e.amount
        for ref in (*e.end_to_end_ids, *e.kids):
            shared[ref] = ref
    make_line = matching.LedgerLine  # by position: a frozen dataclass's keywords cost twice as much
    return [
        make_line(
            row[0],
            key,
            days.setdefault(row[1], row[1]),
            shared.get(row[2], row[2]),
            _REF_KINDS.get(row[3]),
            shared.get(row[4], row[4]) or None,
        )
        for row in _open_bank_lines(account)
        .values_list("line_id", "date", "amount", "reference_kind", "reference")
        .order_by()
        .iterator(chunk_size=CHUNK)
    ]


def _post_fees(account: BankAccount, postings: list, report: ReconcileReport) -> dict[int, tuple[int, int]]:
    """Post the matcher's fees; entry id → (the fee voucher's bank line, the voucher).

    One voucher per booking day and ``FEES_PER_VOUCHER`` fees (a daily fee voucher, as a
    bookkeeper would post it): each fee keeps its own bank line to match its entry, and the
    fee account gets the day's sum. Vouchers stay small because the ledger's balance check
    runs per line over its voucher.
    """
    by_day: dict = defaultdict(list)
    for p in postings:
        by_day[p.booking_date].append(p)
    batches = [
        (day, items[i : i + FEES_PER_VOUCHER])
        for day, items in sorted(by_day.items())
        for i in range(0, len(items), FEES_PER_VOUCHER)
    ]
    specs = [
        VoucherSpec(
            date=day,
            text=_("Bank fees %(date)s") % {"date": day.isoformat()},
            kind=Voucher.Kind.BANK,
            lines=[
                *(
                    LineSpec(account.ledger_account, p.amount, text=p.reason[:200], bank_account=account)
                    for p in items
                ),
                LineSpec(account.fee_account, -sum((p.amount for p in items), ZERO)),
            ],
        )
        for day, items in batches
    ]
    vouchers = vouchers_post_bulk(account.company, specs)
    by_voucher: dict[int, list[int]] = defaultdict(list)
    for chunk in chunks([v.pk for v in vouchers]):
        for voucher_id, line_id in (
            VoucherLine.objects.filter(voucher_id__in=chunk, ledger_account=account.ledger_account)
            .order_by("id")
            .values_list("voucher_id", "id")
        ):
            by_voucher[voucher_id].append(line_id)
    fees: dict[int, tuple[int, int]] = {}
    for (_day, items), voucher in zip(batches, vouchers, strict=True):
        # Lines are inserted in list order, so ids follow the postings.
        for posting, line_id in zip(items, by_voucher[voucher.pk], strict=True):
            fees[posting.entry_id] = (line_id, voucher.pk)
    report.fee_vouchers = len(vouchers)
    return fees


def _groups(result, postings: list, fees: dict[int, tuple[int, int]]) -> list:
    """(rule, entry ids, line ids, amount, voucher id) per match, fees joined to their matches.

    Each match becomes its row in place, so the matcher's objects and the rows are never
    both held for 100,000 matches (the matcher's id tuples are reused, not copied).
    """
    posting_amounts = {p.entry_id: p.amount for p in postings}
    groups: list = list(result.matches)
    for i, m in enumerate(groups):
        entry_id = m.entry_ids[0]
        fee = fees.pop(entry_id, None)
        if fee is not None:  # the charges inside a batch booking
            groups[i] = (
                m.rule.value,
                m.entry_ids,
                (*m.line_ids, fee[0]),
                m.amount + posting_amounts[entry_id],
                fee[1],
            )
        else:
            groups[i] = (m.rule.value, m.entry_ids, m.line_ids, m.amount, None)
    for posting in postings:
        fee = fees.get(posting.entry_id)
        if fee is not None:
            groups.append((matching.Rule.FEE.value, (posting.entry_id,), (fee[0],), posting.amount, fee[1]))
    return groups


def _write_matches(account, groups, user_id, report: ReconcileReport, sink=None, stored=frozenset()) -> None:
    """Store the matches, then the entries' status, and take the ledger lines out of the open ones.

    Entries still in ``sink`` (an import's new ones) get their status and their match when
    they are written; entries in the table (``stored``) are claimed, with their match, by one
    conditional UPDATE here.
    """
    # Ids from the sequence, then COPY: no model instance and no RETURNING per match, which
    # is what an ORM bulk insert of 100,000 matches and their links mostly costs. The
    # one-to-one constraints on the links still refuse a double match (IntegrityError).
    ids = next_ids(id_sequence(Match._meta.db_table), len(groups))
    now = timezone.now()
    copy_rows(
        Match._meta.db_table,
        [
            "id",
            "company_id",
            "bank_account_id",
            "rule",
            "amount",
            "voucher_id",
            "created_at",
            "created_by_id",
        ],
        (
            (match_id, account.company_id, account.pk, rule, amount, voucher_id, now, user_id)
            for match_id, (rule, _entries, _lines, amount, voucher_id) in zip(ids, groups, strict=True)
        ),
        types=["int8", "int8", "int8", "varchar", "numeric", "int8", "timestamptz", "int4"],
    )
    report.matches = len(ids)
    # Counted here; the new entries' (entry, rule, match) rows and the (match, line) links
    # stream from the groups into their COPY instead of lists of 100,000 tuples each (8.5 MB
    # of a 100,000-entry import's peak).
    claimed: list[tuple[int, str, int]] = []  # stored entries: claimed and linked here
    new = 0  # the import's new entries: the sink writes them with their status and match
    all_lines: list[int] = []
    for match_id, (rule, entry_ids, line_ids, _amount, _voucher) in zip(ids, groups, strict=True):
        for entry_id in entry_ids:
            if sink is not None and entry_id not in stored:
                new += 1
            else:
                claimed.append((entry_id, rule, match_id))
        report.by_rule[rule] = report.by_rule.get(rule, 0) + len(entry_ids)
        report.matched_entries += len(entry_ids)
        all_lines.extend(line_ids)
    links = ((match_id, line_id) for match_id, group in zip(ids, groups, strict=True) for line_id in group[2])
    copy_rows(MatchLine._meta.db_table, ["match_id", "voucher_line_id"], links, types=["int8", "int8"])
    if new:
        sink.set_statuses(
            (entry_id, rule, match_id)
            for match_id, (rule, entry_ids, *_rest) in zip(ids, groups, strict=True)
            for entry_id in entry_ids
            if entry_id not in stored
        )
    del ids
    if claimed:
        claim_entries(claimed)
    voucher_lines_mark_reconciled(account.company, all_lines)


def claim_entries(triples: Sequence[tuple[int, str, int]]) -> None:
    """UNMATCHED → MATCHED with each entry's rule and match, only for entries still unmatched;
    all or nothing."""
    table = connection.ops.quote_name(StatementEntry._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} AS e SET status = %s, matched_rule = v.rule, match_id = v.match_id, "  # noqa: S608
            "unmatched_reason = '' FROM unnest(%s::bigint[], %s::varchar[], %s::bigint[]) AS v(id, rule, match_id) "
            "WHERE e.id = v.id AND e.status = %s",
            [
                StatementEntry.Status.MATCHED,
                "{" + ",".join(str(entry_id) for entry_id, _rule, _match in triples) + "}",
                "{"
                + ",".join(rule for _entry_id, rule, _match in triples)
                + "}",  # rule names need no quoting
                "{" + ",".join(str(match_id) for _entry_id, _rule, match_id in triples) + "}",
                StatementEntry.Status.UNMATCHED,
            ],
        )
        changed = cursor.rowcount
    if changed != len({entry_id for entry_id, _rule, _match in triples}):
        raise Conflict(
            _(
                "Some of these bank entries were matched by someone else in the meantime; reload and try again."
            )
        )

"""Every write of bank reconciliation: importing camt.053 files, matching, unmatching, posting.

The import (``statement_file_import``) streams the file (``camt053.iter_camt053``) in
batches and writes each batch with one bulk insert: constant queries per batch whatever the
file's size (STYLE rule 12). The whole file is one transaction: a file that turns out bad
half-way leaves nothing behind but its rejection record (RELIABILITY row 3).

On PostgreSQL the bulk writes go through COPY (entries via a temporary table and one
``INSERT … ON CONFLICT DO NOTHING`` per batch; matches and their links with ids taken from
the sequence), and the raw file is written in 4 MB binary chunks; SQLite uses
``bulk_create``. Automatic matching runs after the import's transaction, per account, and
skips entries of statements that do not add up (RELIABILITY row 6).

Idempotency, from the outside in:

* the file: ``(company, sha256)`` is unique. The same bytes twice answer "duplicate" with
  0 new rows; two workers importing the same file at once collide on that index, and the
  loser reports the duplicate (RELIABILITY row 1);
* the entry: ``(bank_account, dedup_key)`` is unique and rows go in with
  ``ON CONFLICT DO NOTHING``; the file then counts what it added, so overlapping exports
  import each booking once and say how many were already there (rows 2, 3, 18);
* the match: ``MatchEntry``/``MatchLine`` are one-to-one with their entry / ledger line, the
  entry's status moves with a conditional UPDATE, and automatic matching holds the bank
  account's row lock, so no entry and no ledger line is matched twice (row 11).
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import BankAccount
from bankint import context
from bankint.errors import BankFileRejected, Conflict, ValidationFailed
from companies.services import audit_record
from ledger.models import ReferenceKind, Voucher, VoucherLine
from ledger.selectors import ledger_account_numbers
from ledger.services import LineSpec, VoucherSpec, voucher_lines_mark_reconciled, vouchers_post_bulk
from notifications.models import Notification
from notifications.services import notify

from . import camt053, matching
from .models import Match, MatchEntry, MatchLine, Statement, StatementEntry, StatementFile

logger = logging.getLogger(__name__)

BATCH = 2000
FEES_PER_VOUCHER = 50
ZERO = Decimal("0.00")
# XSD validation during the streaming pass: it costs about 1.1 s per 100,000 entries and turns
# "the bank sent something odd" into a message naming the element (RELIABILITY row 8).
VALIDATE_XSD = True
MAX_BYTES = camt053.DEFAULT_MAX_BYTES

# Tokens a payer or the bank wrote in free text that may be an invoice number or an OCR
# assignment reference: 3–35 characters with at least one digit.
_TOKEN_RE = re.compile(r"\b(?=[A-Za-z0-9-]*[0-9])[A-Za-z0-9-]{3,35}\b")


@dataclass
class ImportResult:
    file: StatementFile
    outcome: str  # "imported" | "duplicate" | "rejected"
    message: str
    new: int = 0
    existing: int = 0
    matched: int = 0
    flagged_statements: list[Statement] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.outcome == "imported"


class _AlreadyThere(Exception):
    pass


# --- import ----------------------------------------------------------------------------------


def statement_file_import(
    company,
    data: bytes,
    *,
    source: str,
    filename: str = "",
    bank_statement_id: str = "",
    auto_match: bool = True,
    validate: bool | None = None,
) -> ImportResult:
    """Import one camt.053 file for ``company``: store it, its statements and new entries, then match.

    Returns the outcome instead of raising for a bad file, because every caller (upload, API,
    command, feed) must record and show the rejection, not just fail.
    """
    data = bytes(data)
    digest = hashlib.sha256(data).hexdigest()
    known = StatementFile.objects.filter(company=company, sha256=digest).first()
    if known is not None and known.status != StatementFile.Status.REJECTED:
        result = _duplicate(known)
        if auto_match:
            result.matched = _match_left_over(known)
        return result
    validate = VALIDATE_XSD if validate is None else validate
    try:
        with transaction.atomic():
            file = _claim(company, known, digest, data, source, filename, bank_statement_id)
            accounts, flagged, total = _load(company, file, data, validate)
            new = StatementEntry.objects.filter(file=file).count()
            file.status = StatementFile.Status.IMPORTED
            file.imported_at = timezone.now()
            file.reason = ""
            file.entries_count = total
            file.entries_new = new
            file.entries_existing = total - new
            file.statements_count = Statement.objects.filter(file=file).count()
            file.save(
                update_fields=[
                    "status",
                    "imported_at",
                    "reason",
                    "entries_count",
                    "entries_new",
                    "entries_existing",
                    "statements_count",
                ]
            )
            audit_record(
                "statement_file.import",
                obj=file,
                company=company,
                changes={
                    "sha256": digest,
                    "source": source,
                    "statements": file.statements_count,
                    "new": new,
                    "already_there": total - new,
                    "balance_mismatches": len(flagged),
                },
            )
            for statement in flagged:
                _notify_mismatch(company, statement)
    except _AlreadyThere:
        return _duplicate(StatementFile.objects.get(company=company, sha256=digest))
    except (camt053.CamtParseError, BankFileRejected) as exc:
        reason = str(exc) if isinstance(exc, camt053.CamtParseError) else exc.message
        file = _reject(company, digest, data, source, filename, bank_statement_id, reason)
        return ImportResult(file, "rejected", reason)

    matched = 0
    if auto_match:
        skip = {s.bank_account_id for s in flagged}
        for account in accounts:
            # RELIABILITY row 6: a statement that does not add up is not auto-reconciled.
            if account.pk not in skip:
                matched += bank_account_reconcile(account).matched_entries
        if matched:
            StatementFile.objects.filter(pk=file.pk).update(matched_count=matched)
            file.matched_count = matched
    message = _("Imported %(new)d new entries (%(existing)d were already imported); %(matched)d matched.") % {
        "new": file.entries_new,
        "existing": file.entries_existing,
        "matched": matched,
    }
    if flagged:
        message += " " + _(
            "%(count)d statement(s) do not add up (opening balance + entries ≠ closing balance)."
        ) % {"count": len(flagged)}
    return ImportResult(file, "imported", message, file.entries_new, file.entries_existing, matched, flagged)


def _match_left_over(file: StatementFile) -> int:
    """Finish the matching of an import that was cut off after its entries were committed.

    Import and matching are two transactions; a worker killed between them leaves the file
    IMPORTED and its entries unmatched. The same file delivered again (the feed's cursor did
    not move) finishes the job. The matcher only takes unmatched entries, so this is a no-op
    for a file that was matched in full.
    """
    flagged = Statement.objects.filter(file=file, balance_ok=False).values("bank_account_id")
    account_ids = (
        StatementEntry.objects.filter(file=file, status=StatementEntry.Status.UNMATCHED)
        .exclude(bank_account_id__in=flagged)
        .values_list("bank_account_id", flat=True)
        .distinct()
    )
    matched = sum(
        bank_account_reconcile(a).matched_entries for a in BankAccount.objects.filter(pk__in=account_ids)
    )
    if matched:
        StatementFile.objects.filter(pk=file.pk).update(matched_count=F("matched_count") + matched)
    return matched


def _duplicate(file: StatementFile) -> ImportResult:
    return ImportResult(
        file,
        "duplicate",
        _("This file was already imported as #%(id)s; nothing new was added.") % {"id": file.pk},
    )


def _claim(company, known, digest, data, source, filename, bank_statement_id) -> StatementFile:
    user_id = context.current().user_id
    if known is not None:
        # A rejected file tried again (say, after its account was registered): claim it with a
        # conditional update, so two retries at once do not both import it.
        claimed = StatementFile.objects.filter(pk=known.pk, status=StatementFile.Status.REJECTED).update(
            status=StatementFile.Status.RECEIVED, source=source
        )
        if not claimed:
            raise _AlreadyThere
        known.refresh_from_db()
        return known
    postgres = connection.vendor == "postgresql"
    try:
        with transaction.atomic():
            file = StatementFile.objects.create(
                company=company,
                source=source,
                filename=(filename or "")[:255],
                data=b"" if postgres else data,
                sha256=digest,
                size=len(data),
                bank_statement_id=str(bank_statement_id or "")[:40],
                created_by_id=user_id,
            )
    except IntegrityError:
        raise _AlreadyThere from None
    if postgres:
        _store_raw(file.pk, data)
        file.data = data
    return file


RAW_CHUNK = 4 * 2**20


def _store_raw(pk: int, data: bytes) -> None:
    """Write the raw bytes in 4 MB binary parameters (``%b``), in the same transaction.

    Django's psycopg cursor binds parameters client-side, which spells a bytea out as hex
    inside the SQL text, and libpq keeps its output buffer at the size of the largest message:
    one 70 MB parameter costs several times that in memory for the rest of the connection's
    life. Appending in chunks keeps the client's share at a few MB.
    """
    connection.ensure_connection()
    table = connection.ops.quote_name(StatementFile._meta.db_table)
    view = memoryview(data)
    with connection.connection.cursor() as raw:
        for start in range(0, len(data), RAW_CHUNK):
            raw.execute(
                f"UPDATE {table} SET data = data || %b WHERE id = %s",  # noqa: S608
                [view[start : start + RAW_CHUNK], pk],
            )


def _reject(company, digest, data, source, filename, bank_statement_id, reason) -> StatementFile:
    """Keep the refused file with its reason (quarantine), in its own transaction."""
    with transaction.atomic():
        file = StatementFile.objects.select_for_update().filter(company=company, sha256=digest).first()
        if file is None:
            try:
                with transaction.atomic():
                    file = StatementFile.objects.create(
                        company=company,
                        source=source,
                        filename=(filename or "")[:255],
                        data=data,
                        sha256=digest,
                        size=len(data),
                        bank_statement_id=str(bank_statement_id or "")[:40],
                        status=StatementFile.Status.REJECTED,
                        reason=reason,
                        rejected_at=timezone.now(),
                        created_by_id=context.current().user_id,
                    )
            except IntegrityError:  # another worker recorded the same rejection
                return StatementFile.objects.get(company=company, sha256=digest)
        elif file.status != StatementFile.Status.IMPORTED:
            StatementFile.objects.filter(pk=file.pk).update(
                status=StatementFile.Status.REJECTED, reason=reason, rejected_at=timezone.now()
            )
            file.refresh_from_db()
        audit_record("statement_file.reject", obj=file, company=company, changes={"reason": reason[:500]})
        if source == StatementFile.Source.BANK:
            notify(
                company,
                title=_("A bank statement from the bank could not be imported"),
                body=_(
                    "Statement file #%(id)s was rejected: %(reason)s. Check the bank account "
                    "registration, then import the file again from the statement list."
                )
                % {"id": file.pk, "reason": reason},
                level=Notification.Level.ERROR,
                dedup_key=f"camt053-reject:{file.pk}",
            )
    return file


def _references(texts: Iterable[str | None]) -> list[str]:
    found: list[str] = []
    for text in texts:
        for token in _TOKEN_RE.findall(text or ""):
            if token not in found:
                found.append(token)
                if len(found) >= 10:
                    return found
    return found


ENTRY_FIELDS = (
    "company_id",
    "bank_account_id",
    "statement_id",
    "file_id",
    "dedup_key",
    "booking_date",
    "value_date",
    "amount",
    "currency",
    "reversal",
    "booking_status",
    "acct_svcr_ref",
    "bank_tx_code",
    "end_to_end_ids",
    "kids",
    "references",
    "text",
    "counterparty_name",
    "counterparty_account",
    "is_charge",
    "charges",
    "status",
    "matched_rule",
    "created_at",
)
_JSON_FIELDS = frozenset({"end_to_end_ids", "kids", "references"})


def _entry_row(
    company_id, file_id, statement_id, account_id, entry: camt053.Camt053Entry, key: str, now
) -> tuple:
    """One entry as a row in ``ENTRY_FIELDS`` order (plain values: no model instance per row)."""
    e2e = [ref for ref in entry.end_to_end_ids if ref != "NOTPROVIDED"]
    texts = [*entry.unstructured, entry.additional_info]
    name = next((tx.counterparty_name for tx in entry.transactions if tx.counterparty_name), "") or ""
    other = next((tx.counterparty_account for tx in entry.transactions if tx.counterparty_account), "") or ""
    return (
        company_id,
        account_id,
        statement_id,
        file_id,
        key,
        entry.booking_date,
        entry.value_date,
        entry.signed_amount,
        entry.currency,
        entry.reversal,
        entry.status[:4],
        entry.acct_svcr_ref or "",
        (entry.bank_tx_code or entry.bank_tx_proprietary or "")[:40],
        e2e,
        list(entry.kids),
        _references(texts),
        " · ".join(t for t in texts if t)[:500],
        name[:140],
        other[:34],
        entry.is_charge,
        entry.charges,
        StatementEntry.Status.UNMATCHED,
        "",
        now,
    )


def _insert_entries(rows: list[tuple]) -> None:
    """Insert entry rows, skipping keys the account already has (ON CONFLICT DO NOTHING).

    PostgreSQL: COPY into a temporary table, then one INSERT … SELECT … ON CONFLICT: COPY
    streams a batch without building a model instance or a parameter per value, which is
    most of what an ORM bulk insert of 100,000 rows costs. Elsewhere: ``bulk_create``.
    """
    if not rows:
        return
    if connection.vendor != "postgresql":
        StatementEntry.objects.bulk_create(
            [StatementEntry(**dict(zip(ENTRY_FIELDS, row, strict=True))) for row in rows],
            ignore_conflicts=True,
            batch_size=BATCH,
        )
        return
    from psycopg.types.json import Jsonb

    quote = connection.ops.quote_name
    table = quote(StatementEntry._meta.db_table)
    columns = ", ".join(quote(name) for name in ENTRY_FIELDS)
    json_at = [i for i, name in enumerate(ENTRY_FIELDS) if name in _JSON_FIELDS]
    # Table and column names come from the model's metadata through quote_name, never from input.
    with connection.cursor() as cursor:
        stage = f"CREATE TEMP TABLE IF NOT EXISTS recon_entry_stage ON COMMIT DROP AS SELECT {columns} FROM {table} WITH NO DATA"  # noqa: S608
        cursor.execute(stage)
        with cursor.cursor.copy(f"COPY recon_entry_stage ({columns}) FROM STDIN") as copy:
            for row in rows:
                values = list(row)
                for i in json_at:
                    values[i] = Jsonb(values[i])
                copy.write_row(values)
        cursor.execute(
            f"INSERT INTO {table} ({columns}) SELECT {columns} FROM recon_entry_stage "  # noqa: S608
            f"ON CONFLICT ({quote('bank_account_id')}, {quote('dedup_key')}) DO NOTHING"
        )
        cursor.execute("TRUNCATE recon_entry_stage")


def _load(company, file: StatementFile, data: bytes, validate: bool):
    """Stream the file into statements and entries; raises BankFileRejected/CamtParseError."""
    registered = {a.account_number: a for a in BankAccount.objects.filter(company=company)}
    touched: dict[int, BankAccount] = {}
    flagged: list[Statement] = []
    state: dict = {"statement": None, "header": None, "booked": ZERO, "count": 0, "seen": {}}
    rows: list[tuple] = []
    total = 0
    now = timezone.now()

    def flush():
        _insert_entries(rows)
        rows.clear()

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

    for item in camt053.iter_camt053(data, max_bytes=MAX_BYTES, validate=validate):
        if isinstance(item, camt053.Camt053Statement):
            flush()
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
            state.update(statement=statement, header=item, booked=ZERO, count=0, seen={})
            continue
        header, statement = state["header"], state["statement"]
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
        rows.append(_entry_row(company.pk, file.pk, statement.pk, statement.bank_account_id, item, key, now))
        if len(rows) >= BATCH:
            flush()
    flush()
    finish()
    return list(touched.values()), flagged, total


def _notify_mismatch(company, statement: Statement) -> None:
    notify(
        company,
        title=_("Bank statement %(id)s does not add up") % {"id": statement.statement_id},
        body=_(
            "On account %(number)s the statement for %(date)s has an opening balance of %(opening)s and a "
            "closing balance of %(closing)s, but its entries add up to a difference of %(difference)s. "
            "The entries were imported and are not matched automatically. Ask the bank for a corrected "
            "statement, or check for missing entries before reconciling this account by hand."
        )
        % {
            "id": statement.statement_id,
            "number": statement.bank_account.account_number,
            "date": statement.closing_date.isoformat(),
            "opening": f"{statement.opening_balance:.2f}",
            "closing": f"{statement.closing_balance:.2f}",
            "difference": f"{statement.balance_difference:.2f}",
        },
        level=Notification.Level.ERROR,
        dedup_key=f"camt053-balance:{statement.pk}",
    )


# --- automatic matching ----------------------------------------------------------------------


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
    return VoucherLine.objects.filter(
        company_id=account.company_id, ledger_account=account.ledger_account, reconciled=False
    ).filter(Q(bank_account=account) | Q(bank_account__isnull=True))


def _chunks(items: Sequence, size: int = BATCH):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def bank_account_reconcile(account: BankAccount) -> ReconcileReport:
    """Run the automatic matcher over the account's unmatched entries and open ledger lines.

    Holds the account's row lock for the run, so two workers cannot both match one entry;
    entries of statements that do not add up are left for a person (RELIABILITY row 6).
    """
    report = ReconcileReport()
    with transaction.atomic():
        account = BankAccount.objects.select_for_update().get(pk=account.pk)
        key = str(account.pk)
        # Streamed rows straight into the matcher's values: no second copy of 100,000 rows.
        entry_rows = (
            StatementEntry.objects.filter(
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
            )
            .order_by()
            .iterator(chunk_size=BATCH)
        )
        entries = [
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
            )
            for row in entry_rows
        ]
        if not entries:
            return report
        lines = [
            matching.LedgerLine(
                id=row[0],
                account=key,
                date=row[1],
                amount=row[2],
                reference_kind=_REF_KINDS.get(row[3]),
                reference=row[4] or None,
            )
            for row in open_ledger_lines(account)
            .values_list("id", "voucher__date", "amount", "reference_kind", "reference")
            .order_by()
            .iterator(chunk_size=BATCH)
        ]
        result = matching.match_entries(entries, lines)

        # Rule 5: post the fees first, so their ledger lines can join the matches.
        fee_lines: dict[int, int] = {}  # entry id → the fee voucher's bank line
        fee_vouchers: dict[int, int] = {}
        postings = [p for p in result.fee_postings if p.amount]
        if postings and account.fee_account not in ledger_account_numbers(account.company):
            logger.warning("fee account %s missing for account %s", account.fee_account, account.pk)
            postings = []
        if postings:
            # One voucher per booking day and FEES_PER_VOUCHER fees (a daily fee voucher, as a
            # bookkeeper would post it): each fee keeps its own bank line to match its entry,
            # and the fee account gets the day's sum. Vouchers stay small because the ledger's
            # balance check runs per line over its voucher.
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
                            LineSpec(
                                account.ledger_account, p.amount, text=p.reason[:200], bank_account=account
                            )
                            for p in items
                        ),
                        LineSpec(account.fee_account, -sum((p.amount for p in items), ZERO)),
                    ],
                )
                for day, items in batches
            ]
            vouchers = vouchers_post_bulk(account.company, specs)
            by_voucher: dict[int, list[int]] = defaultdict(list)
            for chunk in _chunks([v.pk for v in vouchers]):
                for voucher_id, line_id in (
                    VoucherLine.objects.filter(voucher_id__in=chunk, ledger_account=account.ledger_account)
                    .order_by("id")
                    .values_list("voucher_id", "id")
                ):
                    by_voucher[voucher_id].append(line_id)
            for (_day, items), voucher in zip(batches, vouchers, strict=True):
                # bulk_create inserts in list order, so ids follow the postings.
                for posting, line_id in zip(items, by_voucher[voucher.pk], strict=True):
                    fee_lines[posting.entry_id] = line_id
                    fee_vouchers[posting.entry_id] = voucher.pk
            report.fee_vouchers = len(vouchers)

        user_id = context.current().user_id
        posting_amounts = {p.entry_id: p.amount for p in postings}
        groups: list[tuple[str, list[int], list[int], Decimal, int | None]] = []
        for m in result.matches:
            line_ids = list(m.line_ids)
            amount = m.amount
            entry_id = m.entry_ids[0]
            if entry_id in fee_lines:  # the charges inside a batch booking
                line_ids.append(fee_lines.pop(entry_id))
                amount += posting_amounts[entry_id]
            groups.append((str(m.rule), list(m.entry_ids), line_ids, amount, fee_vouchers.get(entry_id)))
        for posting in postings:
            if posting.entry_id in fee_lines:
                groups.append(
                    (
                        str(matching.Rule.FEE),
                        [posting.entry_id],
                        [fee_lines[posting.entry_id]],
                        posting.amount,
                        fee_vouchers[posting.entry_id],
                    )
                )
        if groups:
            _write_matches(account, groups, user_id, report)
        report.unmatched_entries = len(entries) - report.matched_entries
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


def _copy_rows(table: str, columns: Sequence[str], rows: Iterable[tuple]) -> None:
    quote = connection.ops.quote_name
    names = ", ".join(quote(c) for c in columns)
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {quote(table)} ({names}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)


def _write_matches(account, groups, user_id, report: ReconcileReport) -> None:
    if connection.vendor == "postgresql":
        # Ids from the sequence, then COPY: no model instance and no RETURNING per match, which
        # is what an ORM bulk insert of 100,000 matches and their links mostly costs. The
        # one-to-one constraints on the links still refuse a double match (IntegrityError).
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [Match._meta.db_table, len(groups)],
            )
            ids = [row[0] for row in cursor.fetchall()]
        now = timezone.now()
        _copy_rows(
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
        )
        _copy_rows(
            MatchEntry._meta.db_table,
            ["match_id", "entry_id"],
            ((match_id, e) for match_id, group in zip(ids, groups, strict=True) for e in group[1]),
        )
        _copy_rows(
            MatchLine._meta.db_table,
            ["match_id", "voucher_line_id"],
            ((match_id, line) for match_id, group in zip(ids, groups, strict=True) for line in group[2]),
        )
        report.matches = len(ids)
    else:
        matches = Match.objects.bulk_create(
            [
                Match(
                    company_id=account.company_id,
                    bank_account=account,
                    rule=rule,
                    amount=amount,
                    voucher_id=voucher_id,
                    created_by_id=user_id,
                )
                for rule, _entries, _lines, amount, voucher_id in groups
            ],
            batch_size=BATCH,
        )
        MatchEntry.objects.bulk_create(
            [
                MatchEntry(match=match, entry_id=entry_id)
                for match, group in zip(matches, groups, strict=True)
                for entry_id in group[1]
            ],
            batch_size=BATCH,
        )
        MatchLine.objects.bulk_create(
            [
                MatchLine(match=match, voucher_line_id=line_id)
                for match, group in zip(matches, groups, strict=True)
                for line_id in group[2]
            ],
            batch_size=BATCH,
        )
        report.matches = len(matches)
    by_rule: dict[str, list[int]] = defaultdict(list)
    all_lines: list[int] = []
    for rule, entry_ids, line_ids, _amount, _voucher in groups:
        by_rule[rule].extend(entry_ids)
        all_lines.extend(line_ids)
    for rule, entry_ids in by_rule.items():
        for chunk in _chunks(entry_ids):
            _claim_entries(chunk, rule)
        report.by_rule[rule] = len(entry_ids)
        report.matched_entries += len(entry_ids)
    for chunk in _chunks(all_lines, 10 * BATCH):
        voucher_lines_mark_reconciled(account.company, chunk)


def _claim_entries(entry_ids: Sequence[int], rule: str) -> None:
    """UNMATCHED → MATCHED, only for entries still unmatched; all or nothing."""
    changed = StatementEntry.objects.filter(
        pk__in=list(entry_ids), status=StatementEntry.Status.UNMATCHED
    ).update(status=StatementEntry.Status.MATCHED, matched_rule=rule)
    if changed != len(set(entry_ids)):
        raise Conflict(
            _(
                "Some of these bank entries were matched by someone else in the meantime; reload and try again."
            )
        )


# --- manual matching -------------------------------------------------------------------------


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
    account = entries[0].bank_account
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
            % {"date": already[0].booking_date.isoformat(), "amount": f"{already[0].amount:.2f}"}
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
        ) % {"bank": f"{bank_sum:.2f}", "ledger": f"{ledger_sum:.2f}", "diff": f"{bank_sum - ledger_sum:.2f}"}
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
    try:
        with transaction.atomic():
            MatchEntry.objects.bulk_create([MatchEntry(match=match, entry=e) for e in entries])
            MatchLine.objects.bulk_create([MatchLine(match=match, voucher_line_id=i) for i in line_ids])
    except IntegrityError:
        raise Conflict(
            _(
                "One of these bank entries or ledger lines was matched by someone else in the meantime; reload and try again."
            )
        ) from None
    _claim_entries([e.pk for e in entries], rule)
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

    entry = StatementEntry.objects.select_related("bank_account").get(pk=entry.pk, company=company)
    if entry.status != StatementEntry.Status.UNMATCHED:
        raise Conflict(_("This bank entry is already matched."))
    account = entry.bank_account
    counter = clean_ledger_account(ledger_account, company=company)
    if counter == account.ledger_account:
        message = _("Choose another ledger account than the bank's own (%(number)s).") % {
            "number": account.ledger_account
        }
        raise ValidationFailed(message, fields={"ledger_account": [message]})
    text = (text or "").strip() or entry.text[:200] or _("Bank entry %(date)s") % {"date": entry.booking_date}
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
    deleted, and the person decides whether to reverse it or match it elsewhere.
    """
    match = Match.objects.select_for_update().get(pk=match.pk, company=company)
    entry_ids = list(match.entry_links.values_list("entry_id", flat=True))
    line_ids = list(match.line_links.values_list("voucher_line_id", flat=True))
    StatementEntry.objects.filter(pk__in=entry_ids, status=StatementEntry.Status.MATCHED).update(
        status=StatementEntry.Status.UNMATCHED, matched_rule=""
    )
    voucher_lines_mark_reconciled(company, line_ids, reconciled=False)
    audit_record(
        "reconciliation.unmatch",
        obj=match,
        company=company,
        changes={
            "rule": match.rule,
            "entries": entry_ids,
            "lines": line_ids,
            "amount": f"{match.amount:.2f}",
        },
    )
    match.delete()


def entry_unmatch(company, entry: StatementEntry) -> None:
    link = (
        MatchEntry.objects.filter(entry_id=entry.pk, match__company=company).select_related("match").first()
    )
    if link is None:
        raise Conflict(_("This bank entry is not matched."))
    match_undo(company, link.match)


# --- the bank feed ---------------------------------------------------------------------------


def statements_fetch(events) -> list[ImportResult]:
    """Feed handler for ``statement.created``: download each new statement and import it.

    Idempotent: a statement already stored (by the bank's id) is not downloaded again, and the
    file's SHA-256 and the entry keys catch a redelivery that slips through. The download
    happens outside any transaction (STYLE rule 3); ``BankUnavailable`` propagates so the
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

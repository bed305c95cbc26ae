"""Every write of bank reconciliation: importing camt.053 files, matching, unmatching, posting.

The import (``statement_file_import``) streams the file (``camt053.iter_camt053``) in
batches and writes each batch with one bulk statement: constant queries per batch whatever
the file's size (STYLE rule 12). The whole file, and the automatic matching of its accounts,
is one transaction: a file that turns out bad half-way leaves nothing behind but its
rejection record (RELIABILITY row 3).

New entries (``_StagedEntries``) stream by COPY into a temporary table while the file is
parsed, keeping only the matcher's compact values in memory; matching then runs inside the
import (skipping accounts whose statements do not add up, RELIABILITY row 6), and
the entries go into their table with one ``INSERT … SELECT`` already carrying their status,
and their match, so no entry is written twice and an entry needs no link row of its own.
Matches and ledger-line links are COPYed with ids taken from the sequence, fee vouchers'
lines COPYed, the matched ledger lines taken out of the open bank lines by one DELETE, and
the raw file stored by one binary COPY; entries and links are checked once per statement by
triggers, not per row at commit (migrations 0004, 0008). A file of 4 MB or more is parsed and
checked against the XSD in a process of its own (``camt053.ParseProcess``), started before
anything else so that it parses while the importer hashes, claims and stores the file, and
beside the importer's own work per entry; should the parsing process fail, the file is parsed
here instead.

Idempotency, from the outside in:

* the file: ``(company, sha256)`` is unique. The same bytes twice answer "duplicate" with
  0 new rows; two workers importing the same file at once collide on that index, and the
  loser reports the duplicate (RELIABILITY row 1);
* the entry: ``(bank_account, dedup_key)`` is unique. The import locks the company's bank
  accounts, takes out keys an account already has or the file repeats before matching,
  and counts them as already imported, so overlapping exports import each booking once
  and say how many were already there (rows 2, 3, 18);
* the match: an entry names one match (``StatementEntry.match``) and ``MatchLine`` is
  one-to-one with its ledger line, an existing entry's status moves with a conditional
  UPDATE, and automatic and manual matching hold the bank account's row lock, so no entry
  and no ledger line is matched twice (row 11).
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
import logging
import os
import re
import struct
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import BankAccount
from bankint import context
from bankint.errors import BankFileRejected, Conflict, ValidationFailed, localized, reason_of
from companies.services import audit_record
from iso20022 import camt053
from ledger.models import OpenBankLine, ReferenceKind, Voucher, VoucherLine
from ledger.selectors import ledger_account_numbers
from ledger.services import (
    LineSpec,
    VoucherSpec,
    voucher_lines_mark_reconciled,
    vouchers_post_bulk,
)
from notifications.models import Notification
from notifications.services import notify

from . import matching
from .models import Match, MatchLine, Statement, StatementEntry, StatementFile

logger = logging.getLogger(__name__)

# Set to a list to record (phase, seconds) of each import: bench/reconciliation_import.py does.
PHASES: list[tuple[str, float]] | None = None
_phase_started = [0.0]


def _phase(name: str | None) -> None:
    """Close the running phase under ``name`` (``None`` starts the clock)."""
    if PHASES is None:
        return
    now = time.perf_counter()
    if name is not None:
        PHASES.append((name, round(now - _phase_started[0], 3)))
    _phase_started[0] = now


@contextlib.contextmanager
def _collector_paused():
    """Python's cyclic garbage collector off for one import or matching run, then on again.

    A 100,000-entry import keeps some 300,000 small objects alive until it ends (the
    matcher's entries and open lines, the rows it writes), and each of the collector's full
    passes walks all of them: about 0.7 s of a 13 s import, measured. What an import builds is
    freed by reference counting when it is done with; the few cycles Django's objects form
    wait for the collector's next pass, which comes as usual once the run is over.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


BATCH = 2000
FEES_PER_VOUCHER = 50
ZERO = Decimal("0.00")
# XSD validation during the streaming pass: it costs about 1.1 s per 100,000 entries and turns
# "the bank sent something odd" into a message naming the element (RELIABILITY row 8).
VALIDATE_XSD = True
MAX_BYTES = camt053.DEFAULT_MAX_BYTES
REJECTED_KEEP_BYTES = 1024 * 1024  # of a refused file, its head is kept (with its size and hash)

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


RAW_CHUNK = 4 * 2**20


class _Raw:
    """The file as received: bytes, or a path / seekable binary file read in pieces.

    A worker that has the file on disk (the command, an upload Django spooled to a temporary
    file) hands over the path, and the file is then never whole in memory: hashed, parsed
    and stored in pieces. Bytes are used as they are.
    """

    def __init__(self, source):
        self.bytes: bytes | None = None
        self.path = None
        self.fileobj = None
        if isinstance(source, bytes | bytearray | memoryview):
            self.bytes = bytes(source)
        elif isinstance(source, str | os.PathLike):
            self.path = source
        elif hasattr(source, "read") and hasattr(source, "seek"):
            self.fileobj = source
        else:
            raise TypeError(
                f"a statement file is bytes, a path or a binary file, not {type(source).__name__}"
            )
        self.size = self._size()  # what the hash below reads, unless the file changes meanwhile
        self.sha256 = ""

    def _size(self) -> int:
        if self.bytes is not None:
            return len(self.bytes)
        if self.path is not None:
            return os.stat(self.path).st_size
        return self.fileobj.seek(0, os.SEEK_END)

    def hash(self) -> str:
        """Read the file once for its SHA-256 (and its size as read)."""
        digest = hashlib.sha256()
        self.size = 0
        for chunk in self.chunks():
            digest.update(chunk)
            self.size += len(chunk)
        self.sha256 = digest.hexdigest()
        return self.sha256

    def chunks(self):
        if self.bytes is not None:
            view = memoryview(self.bytes)
            for start in range(0, len(view), RAW_CHUNK):
                yield view[start : start + RAW_CHUNK]
            return
        fh = self.open()
        try:
            while chunk := fh.read(RAW_CHUNK):
                yield chunk
        finally:
            if self.path is not None:
                fh.close()

    def open(self):
        if self.path is not None:
            return open(self.path, "rb")  # closed by the caller
        self.fileobj.seek(0)
        return self.fileobj

    def parse_source(self):
        """What :func:`camt053.iter_camt053` reads: the bytes, the path, or the file from its start."""
        if self.bytes is not None:
            return self.bytes
        if self.path is not None:
            return self.path
        return self.open()

    def head(self, limit: int) -> bytes:
        """The file's first ``limit`` bytes (what a rejection keeps)."""
        if self.bytes is not None:
            return self.bytes[:limit]
        fh = self.open()
        try:
            return fh.read(limit)
        finally:
            if self.path is not None:
                fh.close()


def upload_source(handle):
    """What :func:`statement_file_import` reads of an uploaded file, without reading it into memory:
    the temporary file Django spooled a large upload to, or the (small) in-memory file."""
    path = getattr(handle, "temporary_file_path", None)
    return path() if path is not None else handle


@_collector_paused()
def statement_file_import(
    company,
    data,
    *,
    source: str,
    filename: str = "",
    bank_statement_id: str = "",
    auto_match: bool = True,
    validate: bool | None = None,
) -> ImportResult:
    """Import one camt.053 file for ``company``: store it, its statements and new entries, then match.

    ``data`` is the file's bytes, or its path or a seekable binary file (then it is read in
    pieces and never held whole). Returns the outcome instead of raising for a bad file,
    because every caller (upload, API, command, feed) must record and show the rejection,
    not just fail.
    """
    raw = _Raw(data)
    del data
    validate = VALIDATE_XSD if validate is None else validate
    # A big file's parse starts first, in its own process, so that it runs while this one
    # hashes the file, claims it and stores the raw bytes (half a second on 100,000 entries).
    # A duplicate or a refused file stops it unread.
    child = _parse_process(raw, validate)
    try:
        return _import(company, raw, child, source, filename, bank_statement_id, auto_match, validate)
    finally:
        if child is not None:
            child.close()


def _import(company, raw, child, source, filename, bank_statement_id, auto_match, validate) -> ImportResult:
    digest = raw.hash()
    known = StatementFile.objects.filter(company=company, sha256=digest).first()
    if known is not None and known.status != StatementFile.Status.REJECTED:
        result = _duplicate(known)
        if auto_match:
            result.matched = _match_left_over(known)
        return result
    try:
        with transaction.atomic():
            file = _claim(company, known, raw, source, filename, bank_statement_id)
            now = timezone.now()
            _phase(None)
            try:
                # A savepoint: should the parsing process die half-way, what it delivered is
                # undone and the file parsed again here.
                with transaction.atomic():
                    sink = _StagedEntries(company, file, now)
                    accounts, flagged, total = _load(company, file, raw, validate, sink, child=child)
            except camt053.ParseProcessFailed:
                logger.warning("camt.053 parse process failed for file %s; parsing in-process", file.pk)
                child.close()
                sink = _StagedEntries(company, file, now)
                accounts, flagged, total = _load(company, file, raw, validate, sink)
            _phase("parse and stage")
            new = sink.settle()
            _phase("deduplicate")
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
            for previous, statement in _continuity_gaps(file):
                _notify_gap(company, previous, statement)
            matched = _auto_match(accounts, flagged, sink) if auto_match else 0
            _phase("audit and notify")
            sink.write()
            _phase("write entries")
            if matched:
                StatementFile.objects.filter(pk=file.pk).update(matched_count=matched)
                file.matched_count = matched
    except _AlreadyThere:
        return _duplicate(StatementFile.objects.get(company=company, sha256=digest))
    except (camt053.CamtParseError, BankFileRejected) as exc:
        reason = _refusal(exc) if isinstance(exc, camt053.CamtParseError) else exc.message
        file = _reject(company, digest, raw, source, filename, bank_statement_id, reason)
        return ImportResult(file, "rejected", reason)

    _phase("commit")
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


def _refusal(exc: camt053.CamtParseError) -> str:
    """The parser's refusal in the active language, with where in the file it is."""
    reason = reason_of(exc)
    where = exc.location()
    return f"{reason} ({localized(*where)})" if where else reason


def _match_left_over(file: StatementFile) -> int:
    """Finish the matching of an import whose matching did not happen or was rolled back.

    Matching runs in a savepoint of the import: should it fail (a line matched by hand in
    between), the file stays IMPORTED with its entries unmatched. The same file delivered
    again finishes the job. The matcher only takes unmatched entries, so this is a no-op for
    a file that was matched in full.
    """
    flagged = Statement.objects.filter(file=file, balance_ok=False).values("bank_account_id")
    account_ids = (
        StatementEntry.objects.filter(statement__file=file, status=StatementEntry.Status.UNMATCHED)
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


def _auto_match(accounts: list[BankAccount], flagged: list[Statement], sink) -> int:
    """Match the import's accounts inside its transaction (their rows are locked since ``_load``).

    Matching before the new entries are written lets each be written once with its status.
    Should matching fail all the same (someone matched a line by hand in between, which the
    constraints refuse), the import stands and its entries stay unmatched for a person or a
    later run: the matching's savepoint is rolled back, not the file.
    """
    skip = {s.bank_account_id for s in flagged}
    matched = 0
    try:
        with transaction.atomic():
            for account in accounts:
                # RELIABILITY row 6: a statement that does not add up is not auto-reconciled.
                if account.pk not in skip:
                    matched += _reconcile(account, sink).matched_entries
    except (Conflict, IntegrityError):
        logger.warning("automatic matching of statement file failed; entries left unmatched", exc_info=True)
        sink.forget_statuses()
        return 0
    return matched


def _duplicate(file: StatementFile) -> ImportResult:
    return ImportResult(
        file,
        "duplicate",
        _("This file was already imported as #%(id)s; nothing new was added.") % {"id": file.pk},
    )


def _claim(company, known, raw: _Raw, source, filename, bank_statement_id) -> StatementFile:
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
    try:
        with transaction.atomic():
            file = StatementFile.objects.create(
                company=company,
                source=source,
                filename=(filename or "")[:255],
                data=b"",  # stored below, by COPY
                sha256=raw.sha256,
                size=raw.size,
                bank_statement_id=str(bank_statement_id or "")[:40],
                created_by_id=user_id,
            )
    except IntegrityError:
        raise _AlreadyThere from None
    _store_raw(file.pk, raw)
    return file


def _store_raw(pk: int, raw: _Raw) -> None:
    """Store the raw bytes with one binary COPY streamed in 4 MB pieces, then one UPDATE.

    Django's psycopg cursor binds parameters client-side, which spells a bytea out as hex
    inside the SQL text, and libpq keeps its output buffer at the size of the largest message:
    one 70 MB parameter costs several times that in memory for the rest of the connection's
    life. A binary COPY is written in pieces, so the client's share stays at a few MB; the
    bytes land once in a temporary table (stored uncompressed) and are moved into the file's
    row by one UPDATE, which compresses them once (appending piece by piece would rewrite and
    recompress the growing value per piece: quadratic, seconds for a 67 MB file).
    """
    connection.ensure_connection()
    table = connection.ops.quote_name(StatementFile._meta.db_table)
    with connection.wrap_database_errors, connection.connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE IF NOT EXISTS recon_raw_stage (data bytea) ON COMMIT DROP")
        cursor.execute("ALTER TABLE recon_raw_stage ALTER COLUMN data SET STORAGE EXTERNAL")
        cursor.execute("TRUNCATE recon_raw_stage")
        written = 0
        with cursor.copy("COPY recon_raw_stage (data) FROM STDIN (FORMAT binary)") as copy:
            # PGCOPY header, one tuple of one field (length + bytes), the trailer.
            copy.write(b"PGCOPY\n\xff\r\n\x00" + struct.pack("!iihi", 0, 0, 1, raw.size))
            for chunk in raw.chunks():
                copy.write(chunk)
                written += len(chunk)
            if written != raw.size:  # the file changed under us: refuse rather than store a torn copy
                raise BankFileRejected(_("The file changed while it was being read."), code="changed")
            copy.write(struct.pack("!h", -1))
        cursor.execute(
            f"UPDATE {table} SET data = (SELECT data FROM recon_raw_stage) WHERE id = %s",  # noqa: S608
            [pk],
        )
        cursor.execute("TRUNCATE recon_raw_stage")


def _reject(company, digest, raw, source, filename, bank_statement_id, reason) -> StatementFile:
    """Keep the refused file's head, size and hash with its reason (quarantine), in its own transaction.

    Only the first ``REJECTED_KEEP_BYTES`` are kept: enough to see what the file is, never 150
    MB of garbage in the database (the hash still identifies the whole file).
    """
    data = raw.head(REJECTED_KEEP_BYTES)
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
                        size=raw.size,
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


# What waits in the staging table: the entry without its status, match and reason, which
# matching decides (``_StagedEntries.write`` adds them).
STAGE_FIELDS = (
    "id",
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
    "foreign_amounts",
    "created_at",
)


def _entry_values(entry: camt053.Camt053Entry) -> tuple:
    """(EndToEndIds, KIDs, references, text, counterparty name, counterparty account, amounts in
    other currencies) of an entry.

    One pass over the entry's transactions (this runs once per entry of a 100,000-entry file).
    Every KID of every transaction is kept: one payment may settle several invoices. The
    transactions' own notes (AddtlTxInf, where a card purchase says "USD 140.00 … Kurs:
    8.9275") are shown in the text but not searched for invoice numbers.
    """
    e2e: list[str] = []
    kids: list[str] = []
    texts: list[str] = []
    notes: list[str] = []
    foreign: list[dict] = []
    name = other = ""
    for tx in entry.transactions:
        ref = tx.end_to_end_id
        if ref and ref != "NOTPROVIDED":
            e2e.append(ref)
        if tx.kids:
            kids.extend(tx.kids)
        if tx.unstructured:
            texts.append(tx.unstructured)
        if tx.additional_info:
            notes.append(tx.additional_info)
        if tx.foreign is not None:
            foreign.append(_foreign_json(tx.foreign))
        if not name and tx.counterparty_name:
            name = tx.counterparty_name
        if not other and tx.counterparty_account:
            other = tx.counterparty_account
    if entry.additional_info:
        texts.append(entry.additional_info)
    references = _references(texts)
    if notes:
        texts.extend(note for note in dict.fromkeys(notes) if note not in texts)
    if len(kids) > 1:
        kids = list(dict.fromkeys(kids))
    return e2e, kids, references, " · ".join(texts)[:500], name[:140], other[:34], foreign


def _foreign_json(fx: camt053.Camt053Fx) -> dict:
    """A transaction's amount in another currency as ``StatementEntry.foreign_amounts`` keeps it."""
    found = {"amount": str(fx.amount), "currency": fx.currency}
    if fx.rate is not None:
        found["rate"] = str(fx.rate)
    if fx.source_currency:
        found["source"] = fx.source_currency
    if fx.target_currency:
        found["target"] = fx.target_currency
    return found


# Strings JSON can hold between quotes as they are: no quote, backslash or control character.
_JSON_PLAIN = re.compile(r'[^"\\\x00-\x1f]*')


def _json_list(values: list[str]) -> str:
    """``json.dumps`` of a list of strings, without its encoder for the usual plain ones."""
    if not values:
        return "[]"
    if _JSON_PLAIN.fullmatch("".join(values)):
        return '["' + '","'.join(values) + '"]'
    return json.dumps(values)


class _StagedEntries:
    """New entries wait in a temporary table until matching has decided their status.

    Matching before the insert writes every entry once, already MATCHED or not: an UPDATE of
    100,000 freshly inserted rows rewrites each row and its index entries a second time,
    which cost more than the insert itself. Rows stream to the server in COPY batches while
    the file is parsed (the server stores one batch while we parse the next), and only what
    matching needs stays in memory: one :class:`matching.BankEntry` per booked entry. Entry
    ids come from the table's sequence in blocks, so matches can name entries not yet
    inserted (the entries, naming their matches, are written after them and checked per
    statement against them).

    Deduplication: the import holds the company's bank account rows locked (see ``_load``),
    so no other import can add entries to these accounts before this one commits; keys the
    accounts already have, or that occur twice in the file, are taken out of the staging
    table before matching (``settle``) and reported as "already imported".
    """

    STAGE = "recon_entry_stage"
    STATUS = "recon_entry_status"
    REASON = "recon_entry_reason"

    def __init__(self, company, file: StatementFile, now):
        self.company_id, self.file_id, self.now = company.pk, file.pk, now
        self.rows: list[tuple] = []
        self.ids: list[int] = []
        self.by_account: dict[int, list[matching.BankEntry]] = defaultdict(list)
        self.duplicates: set[int] = set()
        self.account_keys: dict[int, str] = {}
        self.days: dict = {}
        self.reasons: list[tuple[int, str]] = []  # (entry id, why unmatched), stored by ``write``
        quote = connection.ops.quote_name
        self.table = StatementEntry._meta.db_table
        self.sequence = _id_sequence(self.table)
        self.columns = ", ".join(quote(name) for name in STAGE_FIELDS)
        # Names come from the model's metadata through quote_name, never from input.
        with connection.cursor() as cursor:
            cursor.execute(
                f"CREATE TEMP TABLE IF NOT EXISTS {self.STAGE} ON COMMIT DROP AS "  # noqa: S608
                f"SELECT {self.columns} FROM {quote(self.table)} WITH NO DATA"
            )
            cursor.execute(
                f"CREATE TEMP TABLE IF NOT EXISTS {self.STATUS} (id bigint, rule varchar(20), match_id bigint) "
                "ON COMMIT DROP"
            )
            cursor.execute(f"TRUNCATE {self.STAGE}, {self.STATUS}")

    def _next_id(self) -> int:
        if not self.ids:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT nextval(%s::regclass) FROM generate_series(1, %s)",
                    [self.sequence, BATCH],
                )
                self.ids = [row[0] for row in cursor.fetchall()]
                self.ids.reverse()
        return self.ids.pop()

    def add(self, statement: Statement, entry: camt053.Camt053Entry, key: str) -> None:
        entry_id = self._next_id()
        account_id = statement.bank_account_id
        e2e, kids, references, text, name, other, foreign = _entry_values(entry)
        amount = entry.signed_amount
        self.rows.append(
            (
                entry_id,
                self.company_id,
                account_id,
                statement.pk,
                self.file_id,
                key,
                entry.booking_date,
                entry.value_date,
                amount,
                entry.currency,
                entry.reversal,
                entry.status[:4],
                entry.acct_svcr_ref or "",
                (entry.bank_tx_code or entry.bank_tx_proprietary or "")[:40],
                # JSON as text: the server parses it into the jsonb columns.
                _json_list(e2e),
                _json_list(kids),
                _json_list(references),
                text,
                name,
                other,
                entry.is_charge,
                entry.charges,
                json.dumps(foreign) if foreign else "[]",
                self.now,
            )
        )
        if entry.status == "BOOK":  # what bank_account_reconcile would read back: booked entries only
            # Compact: shared account key, dates and zero charges (100,000 entries, few days).
            account_key = self.account_keys.setdefault(account_id, str(account_id))
            day = self.days.setdefault(entry.booking_date, entry.booking_date)
            self.by_account[account_id].append(
                matching.BankEntry(
                    id=entry_id,
                    account=account_key,
                    booking_date=day,
                    amount=amount,
                    end_to_end_ids=tuple(e2e),
                    kids=tuple(kids),
                    references=tuple(references),
                    is_charge=entry.is_charge,
                    reversal=entry.reversal,
                    charges=entry.charges or ZERO,
                )
            )
        if len(self.rows) >= BATCH:
            self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        with (
            connection.wrap_database_errors,
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY {self.STAGE} ({self.columns}) FROM STDIN") as copy,
        ):
            write = copy.write_row
            for row in self.rows:
                write(row)
        self.rows.clear()

    def settle(self) -> int:
        """Take out keys the accounts already have or the file repeats; the number of new entries."""
        self.flush()
        table = connection.ops.quote_name(self.table)
        with connection.cursor() as cursor:
            # Statistics for the two joins below; the key column's own (long strings, costly to
            # sample) would not change their plan.
            cursor.execute(f"ANALYZE {self.STAGE} (id, bank_account_id)")
            cursor.execute(
                f"""
                DELETE FROM {self.STAGE} AS s USING (
                    SELECT st.id FROM {self.STAGE} AS st
                      JOIN {table} AS e
                        ON e.bank_account_id = st.bank_account_id AND e.dedup_key = st.dedup_key
                    UNION
                    SELECT d.id FROM (
                        SELECT id, row_number() OVER (
                            PARTITION BY bank_account_id, dedup_key ORDER BY id
                        ) AS n FROM {self.STAGE}
                    ) AS d WHERE d.n > 1
                ) AS dup
                WHERE s.id = dup.id
                RETURNING s.id
                """  # noqa: S608
            )
            self.duplicates = {row[0] for row in cursor.fetchall()}
            cursor.execute(f"SELECT count(*) FROM {self.STAGE}")  # noqa: S608
            return cursor.fetchone()[0]

    def pending(self, account_id: int) -> list[matching.BankEntry]:
        """The account's new booked entries for the matcher (handed over once)."""
        entries = self.by_account.pop(account_id, [])
        if self.duplicates:
            entries = [e for e in entries if e.id not in self.duplicates]
        return entries

    def set_statuses(self, matched: Iterable[tuple[int, str, int]]) -> None:
        """(entry id, rule, match id) of new entries that matching matched."""
        _copy_rows(
            self.STATUS, ["id", "rule", "match_id"], ["int8", "varchar", "int8"], matched, quoted=False
        )

    def set_reasons(self, pairs: Sequence[tuple[int, str]]) -> None:
        self.reasons.extend(pairs)

    def forget_statuses(self) -> None:
        self.reasons.clear()
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {self.STATUS}")

    def write(self) -> None:
        """One INSERT … SELECT: the staged entries with the status and match (or, unmatched,
        the reason) matching gave them. No entry is written twice, however many stay
        unmatched (a first import before the ledger has its postings leaves them all so)."""
        self.by_account.clear()
        quote = connection.ops.quote_name
        names = (
            f"{self.columns}, {quote('status')}, {quote('matched_rule')}, {quote('unmatched_reason')}, "
            f"{quote('match_id')}"
        )
        staged = ", ".join(f"s.{quote(name)}" for name in STAGE_FIELDS)
        with connection.cursor() as cursor:
            cursor.execute(
                f"CREATE TEMP TABLE IF NOT EXISTS {self.REASON} (id bigint, reason text) ON COMMIT DROP"
            )
            cursor.execute(f"TRUNCATE {self.REASON}")
        if self.reasons:
            _copy_rows(self.REASON, ["id", "reason"], ["int8", "text"], self.reasons, quoted=False)
            self.reasons = []
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {self.STATUS}")
            cursor.execute(f"ANALYZE {self.REASON}")
            cursor.execute(
                f"INSERT INTO {quote(self.table)} ({names}) "  # noqa: S608
                f"SELECT {staged}, CASE WHEN r.id IS NULL THEN %s ELSE %s END, COALESCE(r.rule, ''), "
                f"CASE WHEN r.id IS NULL THEN COALESCE(w.reason, '') ELSE '' END, r.match_id "
                f"FROM {self.STAGE} AS s LEFT JOIN {self.STATUS} AS r ON r.id = s.id "
                f"LEFT JOIN {self.REASON} AS w ON w.id = s.id",
                [StatementEntry.Status.UNMATCHED, StatementEntry.Status.MATCHED],
            )
            cursor.execute(f"TRUNCATE {self.STAGE}, {self.STATUS}, {self.REASON}")


def _id_sequence(table: str) -> str:
    """The sequence behind ``table``'s id, looked up once per call site, not once per row:
    ``nextval(pg_get_serial_sequence(…))`` over 100,000 rows repeats the catalogue look-up
    per row (0.3 s), where ``nextval`` itself costs 0.04 s."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [connection.ops.quote_name(table)])
        return cursor.fetchone()[0]


def _locked_accounts(company) -> list[BankAccount]:
    """The company's bank accounts, locked until the import commits, in id order (no deadlock).

    FOR NO KEY UPDATE: other imports, automatic and manual matching of these accounts wait
    (they take the same or a stronger lock), while postings that merely refer to an account
    (foreign-key checks take KEY SHARE) do not.
    """
    return list(BankAccount.objects.select_for_update(no_key=True).filter(company=company).order_by("pk"))


def _lock_account(account_id: int) -> BankAccount:
    return BankAccount.objects.select_for_update(no_key=True).get(pk=account_id)


def _load(company, file: StatementFile, raw: _Raw, validate: bool, sink, *, child=None):
    """Stream the file into statements and entries; raises BankFileRejected/CamtParseError."""
    registered = {a.account_number: a for a in _locked_accounts(company)}
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


PARALLEL_BYTES = 4 * 2**20  # below this, parsing and checking in one pass costs less than processes


def _parse_process(raw: _Raw, validate: bool) -> camt053.ParseProcess | None:
    """The parse (with its schema check) of a big file, started in a process of its own."""
    if raw.size < PARALLEL_BYTES:
        return None
    if raw.path is not None:
        return camt053.ParseProcess(path=raw.path, max_bytes=MAX_BYTES, validate=validate)
    if raw.bytes is not None:
        return camt053.ParseProcess(chunks=raw.chunks, max_bytes=MAX_BYTES, validate=validate)
    return None  # a file object is read by the parse itself, in its pass


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
                "amount": f"{entry.amount:.2f}",
                "ccy": entry.currency,
                "number": account.account_number,
                "acct_ccy": account.currency,
            },
            code="wrong_currency",
        )


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


def _continuity_gaps(file: StatementFile) -> list[tuple[Statement, Statement]]:
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


def _notify_gap(company, previous: Statement, statement: Statement) -> None:
    notify(
        company,
        title=_("Bank statements for account %(number)s do not follow on")
        % {"number": statement.bank_account.account_number},
        body=_(
            "The statement for %(date)s opens with %(opening)s, but the previous statement (%(previous)s) "
            "closed with %(closing)s: %(difference)s is unaccounted for. A statement between them is "
            "probably missing or was refused. Ask the bank for the statements from %(previous)s to "
            "%(date)s (or upload them under Reconciliation › Files), and check this period by hand "
            "before you reconcile it."
        )
        % {
            "date": statement.closing_date.isoformat(),
            "opening": f"{statement.opening_balance:.2f}",
            "previous": previous.closing_date.isoformat(),
            "closing": f"{previous.closing_balance:.2f}",
            "difference": f"{statement.opening_balance - previous.closing_balance:.2f}",
        },
        level=Notification.Level.ERROR,
        dedup_key=f"camt053-gap:{statement.pk}",
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
    return VoucherLine.objects.filter(pk__in=_open_bank_lines(account).values("line_id"))


def _open_bank_lines(account: BankAccount):
    """The account's open lines as the queue holds them (what the matcher reads)."""
    return OpenBankLine.objects.filter(
        company_id=account.company_id, ledger_account=account.ledger_account
    ).filter(Q(bank_account=account) | Q(bank_account__isnull=True))


def _chunks(items: Sequence, size: int = BATCH):
    for start in range(0, len(items), size):
        yield items[start : start + size]


# How a person reads the matcher's reason codes (matching.Why); amounts as the bank booked them.
_WHY = {
    matching.Why.REFERENCE_AMBIGUOUS: gettext_lazy(
        "%(count)d open ledger lines carry the reference %(reference)s; choose one by hand."
    ),
    matching.Why.REFERENCE_PARTIAL: gettext_lazy(
        "Only %(found)d of its %(wanted)d references are on open ledger lines (not %(missing)s); "
        "match it by hand."
    ),
    matching.Why.REFERENCE_SUM: gettext_lazy(
        "The ledger lines with its references add up to %(total)s, but the bank booked %(amount)s; "
        "match it by hand."
    ),
    matching.Why.OCR_TOTAL: gettext_lazy(
        "OCR assignment %(reference)s totals %(total)s, but the bank booked %(amount)s; match it by hand."
    ),
    matching.Why.AMOUNT_DATE_AMBIGUOUS: gettext_lazy(
        "%(count)d open ledger lines of %(amount)s within ±%(window)d banking days; choose one by hand."
    ),
    matching.Why.AMOUNT_DATE_SHARED: gettext_lazy(
        "The one open ledger line of %(amount)s within ±%(window)d banking days also fits another "
        "bank entry; choose by hand."
    ),
    matching.Why.REVERSAL: gettext_lazy("A reversal of an earlier booking: match or post it by hand."),
    matching.Why.BATCH_CHARGES: gettext_lazy(
        "A batch booking with charges whose payments were not all found; match it by hand."
    ),
    matching.Why.NO_CANDIDATE: gettext_lazy(
        "No open ledger line of %(amount)s within ±%(window)d banking days and no known reference."
    ),
}
_WHY_SUM_WITH_CHARGES = gettext_lazy(
    "The ledger lines with its references add up to %(total)s, but the bank booked %(amount)s "
    "with %(charges)s in charges; match it by hand."
)


def unmatched_reason_text(unmatched: matching.Unmatched) -> str:
    """The matcher's reason for leaving an entry, worded for a person in the active language."""
    params = {
        name: f"{value:.2f}" if isinstance(value, Decimal) else value for name, value in unmatched.params
    }
    template = _WHY.get(unmatched.code)
    if template is None:
        return unmatched.reason[:200]
    if unmatched.code == matching.Why.REFERENCE_SUM and params.get("charges") not in (None, "0.00"):
        template = _WHY_SUM_WITH_CHARGES
    return (str(template) % params)[:200]


def _store_unmatched_reasons(unmatched: Sequence[matching.Unmatched], sink=None, stored=frozenset()) -> None:
    """Keep why the matcher left each entry for a person, so the person sees it beside the entry.

    Entries still in ``sink`` (an import's new ones, not yet in their table) get their reason
    when they are written; the others with one bulk UPDATE per batch.
    """
    if not unmatched:
        return
    texts: dict = {}  # one wording per distinct reason: most share the few default ones
    in_table: list[tuple[int, str]] = []
    pending: list[tuple[int, str]] = []
    for item in unmatched:
        key = (item.code, item.params, item.reason)
        text = texts.get(key)
        if text is None:
            text = texts[key] = unmatched_reason_text(item)
        (pending if sink is not None and item.id not in stored else in_table).append((item.id, text))
    if pending:
        sink.set_reasons(pending)
    if in_table:
        _entries_set_reasons(in_table)


def _entries_set_reasons(pairs: Sequence[tuple[int, str]]) -> None:
    """Set each unmatched entry's ``unmatched_reason``; one statement per batch."""
    table = connection.ops.quote_name(StatementEntry._meta.db_table)
    with connection.cursor() as cursor:
        for chunk in _chunks(pairs):
            # Rows whose reason did not change are not rewritten (a re-run over old entries).
            cursor.execute(
                f"UPDATE {table} AS e SET unmatched_reason = v.reason "  # noqa: S608
                "FROM unnest(%s::bigint[], %s::varchar[]) AS v(id, reason) "
                "WHERE e.id = v.id AND e.status = %s AND e.unmatched_reason <> v.reason",
                [
                    [entry_id for entry_id, _reason in chunk],
                    [reason for _entry_id, reason in chunk],
                    StatementEntry.Status.UNMATCHED,
                ],
            )


@_collector_paused()
def bank_account_reconcile(account: BankAccount) -> ReconcileReport:
    """Run the automatic matcher over the account's unmatched entries and open ledger lines.

    Holds the account's row lock for the run, so two workers cannot both match one entry;
    entries of statements that do not add up are left for a person (RELIABILITY row 6).
    """
    with transaction.atomic():
        account = BankAccount.objects.select_for_update().get(pk=account.pk)
        return _reconcile(account)


def _reconcile(account: BankAccount, sink=None) -> ReconcileReport:
    """Match the account's unmatched entries (and ``sink``'s new ones) against its open lines.

    The caller holds the account's row lock and the transaction.
    """
    report = ReconcileReport()
    key = str(account.pk)
    # Entries already in the table: usually few (the new ones of an import are in ``sink``).
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
        )
        .order_by()
        .iterator(chunk_size=BATCH)
    ]
    stored = {e.id for e in entries}
    if sink is not None:
        entries.extend(sink.pending(account.pk))
    if not entries:
        return report
    days: dict = {}
    # A line that matches an entry shares its amount and reference objects with it instead of
    # holding equal copies (100,000 Decimals and strings fewer while the matcher runs).
    shared: dict = {}
    for e in entries:
        shared[e.amount] = e.amount
        for ref in (*e.end_to_end_ids, *e.kids):
            shared[ref] = ref
    make_line = matching.LedgerLine  # by position: a frozen dataclass's keywords cost twice as much
    lines = [
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
        .iterator(chunk_size=BATCH)
    ]
    del shared
    _phase("load open lines")
    result = matching.match_entries(entries, lines)
    _phase("match")
    total_entries = len(entries)
    del entries, lines  # the matcher's result is all that is needed from here

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
        for chunk in _chunks([v.pk for v in vouchers]):
            for voucher_id, line_id in (
                VoucherLine.objects.filter(voucher_id__in=chunk, ledger_account=account.ledger_account)
                .order_by("id")
                .values_list("voucher_id", "id")
            ):
                by_voucher[voucher_id].append(line_id)
        for (_day, items), voucher in zip(batches, vouchers, strict=True):
            # Lines are inserted in list order, so ids follow the postings.
            for posting, line_id in zip(items, by_voucher[voucher.pk], strict=True):
                fee_lines[posting.entry_id] = line_id
                fee_vouchers[posting.entry_id] = voucher.pk
        report.fee_vouchers = len(vouchers)

    _phase("post fees")
    user_id = context.current().user_id
    posting_amounts = {p.entry_id: p.amount for p in postings}
    # Each match becomes its row in place, so the matcher's objects and the rows are never
    # both held for 100,000 matches (the matcher's id tuples are reused, not copied).
    groups: list = list(result.matches)
    unmatched = result.unmatched_entries
    del result
    for i, m in enumerate(groups):
        entry_id = m.entry_ids[0]
        if entry_id in fee_lines:  # the charges inside a batch booking
            line_id = fee_lines.pop(entry_id)
            groups[i] = (
                m.rule.value,
                m.entry_ids,
                (*m.line_ids, line_id),
                m.amount + posting_amounts[entry_id],
                fee_vouchers[entry_id],
            )
        else:
            groups[i] = (m.rule.value, m.entry_ids, m.line_ids, m.amount, None)
    m = None
    for posting in postings:
        if posting.entry_id in fee_lines:
            groups.append(
                (
                    matching.Rule.FEE.value,
                    (posting.entry_id,),
                    (fee_lines[posting.entry_id],),
                    posting.amount,
                    fee_vouchers[posting.entry_id],
                )
            )
    if groups:
        _write_matches(account, groups, user_id, report, sink, stored)
    _phase("write matches, close lines")
    _store_unmatched_reasons(unmatched, sink, stored)
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


def _copy_rows(
    table: str, columns: Sequence[str], types: Sequence[str], rows: Iterable[tuple], *, quoted: bool = True
) -> None:
    """COPY ``rows`` into ``table`` in PostgreSQL's binary format, ``types`` naming each column's
    type: the values go over as they are, not as text the server parses again (a third less
    time for 100,000 matches)."""
    quote = connection.ops.quote_name if quoted else str
    names = ", ".join(quote(c) for c in columns)
    with (
        connection.wrap_database_errors,
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {quote(table)} ({names}) FROM STDIN (FORMAT BINARY)") as copy,
    ):
        copy.set_types(list(types))
        write = copy.write_row
        for row in rows:
            write(row)


def _write_matches(account, groups, user_id, report: ReconcileReport, sink=None, stored=frozenset()) -> None:
    """Store the matches, then the entries' status, and take the ledger lines out of the open ones.

    Entries still in ``sink`` (an import's new ones) get their status and their match when
    they are written; entries in the table (``stored``) are claimed, with their match, by one
    conditional UPDATE here.
    """
    # Ids from the sequence, then COPY: no model instance and no RETURNING per match, which
    # is what an ORM bulk insert of 100,000 matches and their links mostly costs. The
    # one-to-one constraints on the links still refuse a double match (IntegrityError).
    with connection.cursor() as cursor:
        # One array, not 100,000 one-column rows (each a tuple the client builds and drops).
        cursor.execute(
            "SELECT array_agg(nextval(%s::regclass)) FROM generate_series(1, %s)",
            [_id_sequence(Match._meta.db_table), len(groups)],
        )
        ids = cursor.fetchone()[0]
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
        ["int8", "int8", "int8", "varchar", "numeric", "int8", "timestamptz", "int4"],
        (
            (match_id, account.company_id, account.pk, rule, amount, voucher_id, now, user_id)
            for match_id, (rule, _entries, _lines, amount, voucher_id) in zip(ids, groups, strict=True)
        ),
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
    _copy_rows(MatchLine._meta.db_table, ["match_id", "voucher_line_id"], ["int8", "int8"], links)
    if new:
        sink.set_statuses(
            (entry_id, rule, match_id)
            for match_id, (rule, entry_ids, *_rest) in zip(ids, groups, strict=True)
            for entry_id in entry_ids
            if entry_id not in stored
        )
    del ids
    if claimed:
        _claim_entries_many(claimed)
    voucher_lines_mark_reconciled(account.company, all_lines)


def _claim_entries_many(triples: Sequence[tuple[int, str, int]]) -> None:
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


def _claim_entries(entry_ids: Sequence[int], rule: str, match_id: int) -> None:
    """UNMATCHED → MATCHED with ``match_id``, only for entries still unmatched; all or nothing."""
    changed = StatementEntry.objects.filter(
        pk__in=list(entry_ids), status=StatementEntry.Status.UNMATCHED
    ).update(status=StatementEntry.Status.MATCHED, matched_rule=rule, match_id=match_id, unmatched_reason="")
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
    _claim_entries([e.pk for e in entries], rule, match.pk)
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
    _lock_account(Match.objects.values_list("bank_account_id", flat=True).get(pk=match.pk, company=company))
    match = Match.objects.select_for_update().get(pk=match.pk, company=company)
    entry_ids = list(match.entries.values_list("id", flat=True))
    line_ids = list(match.line_links.values_list("voucher_line_id", flat=True))
    StatementEntry.objects.filter(pk__in=entry_ids, status=StatementEntry.Status.MATCHED).update(
        status=StatementEntry.Status.UNMATCHED, matched_rule="", match=None
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
    match = Match.objects.filter(company=company, entries__id=entry.pk).first()
    if match is None:
        raise Conflict(_("This bank entry is not matched."))
    match_undo(company, match)


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

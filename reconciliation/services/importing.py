"""Importing a camt.053 file: received, claimed, parsed, staged, matched, written, in one transaction.

The import (``statement_file_import``) streams the file (``camt053.iter_camt053``) in
batches and writes each batch with one bulk statement: a constant number of queries per batch
whatever the file's size. The whole file, and the automatic matching of its accounts, is one
transaction: a file that turns out bad half-way leaves nothing behind but its rejection
record, so a corrected file can simply be imported again.

The steps before and after the parse are the bank-file intake (``bankint.intake``) that the
OCR import shares: hash, duplicate, reject (head, size, hash and reason kept), store raw (one
binary COPY streamed in pieces), notify. In between: the statements are checked and their
entries staged (``statements``, ``staging``), matching runs inside the import (``automatch``;
accounts whose statements do not add up are skipped, a person must look at them first), and
the entries are written once with their status. A file of 4 MB or more is parsed and checked
against the XSD in a process of its own (``camt053.ParseProcess``), started before anything
else so that it parses while the importer hashes, claims and stores the file, and beside the
importer's own work per entry; should the parsing process fail, the file is parsed here
instead.

Idempotency, from the outside in:

* the file: ``(company, sha256)`` is unique. The same bytes twice answer "duplicate" with
  0 new rows; two workers importing the same file at once collide on that index, and the
  loser reports the duplicate;
* the entry: ``(bank_account, dedup_key)`` is unique. The import locks the company's bank
  accounts, takes out keys an account already has or the file repeats before matching,
  and counts them as already imported, so overlapping exports import each booking once
  and say how many were already there;
* the match: an entry names one match (``StatementEntry.match``) and ``MatchLine`` is
  one-to-one with its ledger line, an existing entry's status moves with a conditional
  UPDATE, and automatic and manual matching hold the bank account's row lock, so no entry
  and no ledger line is matched twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import BankAccount
from bankint import context, phases
from bankint.errors import BankFileRejected, Conflict, localized, reason_of
from bankint.intake import Intake, Notice, Received
from companies.services import audit_record
from iso20022 import camt053
from notifications.models import Notification
from notifications.services import notify

from ..models import Statement, StatementEntry, StatementFile
from . import automatch
from .staging import StagedEntries
from .statements import MAX_BYTES, continuity_gaps, load, notify_gap, notify_mismatch

logger = logging.getLogger(__name__)

# XSD validation during the streaming pass: it costs about 1.1 s per 100,000 entries and turns
# "the bank sent something odd" into a message naming the element, where a file that merely
# parses could store nonsense.
VALIDATE_XSD = True
PARALLEL_BYTES = 4 * 2**20  # below this, parsing and checking in one pass costs less than processes

INTAKE = Intake(
    StatementFile,
    name="statement_file",
    raw_field="data",
    accepted=(StatementFile.Status.IMPORTED,),
    audit=audit_record,
    notify=notify,
)


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


def upload_source(handle):
    """What :func:`statement_file_import` reads of an uploaded file, without reading it into memory:
    the temporary file Django spooled a large upload to, or the (small) in-memory file."""
    path = getattr(handle, "temporary_file_path", None)
    return path() if path is not None else handle


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
    raw = Received(data)
    del data
    validate = VALIDATE_XSD if validate is None else validate
    # A big file's parse starts first, in its own process, so that it runs while this one
    # hashes the file, claims it and stores the raw bytes (half a second on 100,000 entries).
    # A duplicate or a refused file stops it unread.
    child = _parse_process(raw, validate)
    try:
        raw.hash()
        return _import(company, raw, child, source, filename, bank_statement_id, auto_match, validate)
    finally:
        if child is not None:
            child.close()


def _import(company, raw, child, source, filename, bank_statement_id, auto_match, validate) -> ImportResult:
    known = StatementFile.objects.filter(company=company, sha256=raw.sha256).first()
    if known is not None and known.status != StatementFile.Status.REJECTED:
        result = _duplicate(known)
        if auto_match:
            result.matched = _match_left_over(known)
        return result
    try:
        with transaction.atomic():
            file = _claim(company, known, raw, source, filename, bank_statement_id)
            file, flagged, matched = _store_contents(company, file, raw, child, validate, auto_match)
    except _AlreadyThere:
        return _duplicate(StatementFile.objects.get(company=company, sha256=raw.sha256))
    except (camt053.CamtParseError, BankFileRejected) as exc:
        reason = _refusal(exc) if isinstance(exc, camt053.CamtParseError) else exc.message
        file = _reject(company, raw, source, filename, bank_statement_id, reason)
        return ImportResult(file, "rejected", reason)
    phases.mark("commit")
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


def _store_contents(company, file, raw, child, validate, auto_match):
    """The claimed file's statements and entries, parsed, staged, matched and written."""
    now = timezone.now()
    phases.restart()
    try:
        # A savepoint: should the parsing process die half-way, what it delivered is
        # undone and the file parsed again here.
        with transaction.atomic():
            sink = StagedEntries(company, file, now)
            accounts, flagged, total = load(company, file, raw, validate, sink, child=child)
    except camt053.ParseProcessFailed:
        logger.warning("camt.053 parse process failed for file %s; parsing in-process", file.pk)
        child.close()
        sink = StagedEntries(company, file, now)
        accounts, flagged, total = load(company, file, raw, validate, sink)
    phases.mark("parse and stage")
    new = sink.settle()
    phases.mark("deduplicate")
    _mark_imported(company, file, total, new, len(flagged))
    for statement in flagged:
        notify_mismatch(company, statement)
    for previous, statement in continuity_gaps(file):
        notify_gap(company, previous, statement)
    matched = _auto_match(accounts, flagged, sink) if auto_match else 0
    phases.mark("audit and notify")
    sink.write()
    phases.mark("write entries")
    if matched:
        StatementFile.objects.filter(pk=file.pk).update(matched_count=matched)
        file.matched_count = matched
    return file, flagged, matched


def _mark_imported(company, file: StatementFile, total: int, new: int, mismatches: int) -> None:
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
    INTAKE.audit(
        "import",
        file,
        company,
        {
            "sha256": file.sha256,
            "source": file.source,
            "statements": file.statements_count,
            "new": new,
            "already_there": total - new,
            "balance_mismatches": mismatches,
        },
    )


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
        automatch.bank_account_reconcile(a).matched_entries
        for a in BankAccount.objects.filter(pk__in=account_ids)
    )
    if matched:
        StatementFile.objects.filter(pk=file.pk).update(matched_count=F("matched_count") + matched)
    return matched


def _auto_match(accounts: list[BankAccount], flagged: list[Statement], sink) -> int:
    """Match the import's accounts inside its transaction (their rows are locked since ``load``).

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
                # A statement that does not add up is not matched automatically: entries may
                # be missing or wrong, and a person must look at the account first.
                if account.pk not in skip:
                    matched += automatch.reconcile(account, sink).matched_entries
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


def _claim(company, known, raw: Received, source, filename, bank_statement_id) -> StatementFile:
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
                data=b"",  # stored below, streamed
                sha256=raw.sha256,
                size=raw.size,
                bank_statement_id=str(bank_statement_id or "")[:40],
                created_by_id=user_id,
            )
    except IntegrityError:
        raise _AlreadyThere from None
    INTAKE.store(file.pk, raw)
    return file


def _reject(company, raw: Received, source, filename, bank_statement_id, reason) -> StatementFile:
    """Keep the refused file's head, size and hash with its reason (quarantine), in its own
    transaction; a file from the bank feed is also said to the company, which must act."""
    now = timezone.now()

    def notice(file: StatementFile) -> Notice | None:
        if source != StatementFile.Source.BANK:
            return None  # whoever uploaded it sees the reason at once
        return Notice(
            title=_("A bank statement from the bank could not be imported"),
            body=_(
                "Statement file #%(id)s was rejected: %(reason)s. Check the bank account "
                "registration, then import the file again from the statement list."
            )
            % {"id": file.pk, "reason": reason},
            level=Notification.Level.ERROR,
            dedup_key=f"camt053-reject:{file.pk}",
        )

    return INTAKE.reject(
        company,
        raw,
        reason,
        fields={
            "source": source,
            "filename": (filename or "")[:255],
            "bank_statement_id": str(bank_statement_id or "")[:40],
            "rejected_at": now,
            "created_by_id": context.current().user_id,
        },
        earlier=StatementFile.objects.filter(company=company, sha256=raw.sha256),
        repeat={"rejected_at": now},
        notice=notice,
    )


def _parse_process(raw: Received, validate: bool) -> camt053.ParseProcess | None:
    """The parse (with its schema check) of a big file, started in a process of its own."""
    if raw.size < PARALLEL_BYTES:
        return None
    if raw.path is not None:
        return camt053.ParseProcess(path=raw.path, max_bytes=MAX_BYTES, validate=validate)
    if raw.bytes is not None:
        return camt053.ParseProcess(chunks=raw.chunks, max_bytes=MAX_BYTES, validate=validate)
    return None  # a file object is read by the parse itself, in its pass

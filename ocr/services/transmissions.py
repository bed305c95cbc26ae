"""Nets delivers to the data recipient, not to the company: one transmission to kundeenhetsid
00105625 carries the assignments of every customer's accounts. It is received once, at vendor
level (stored with its SHA-256, a re-send recognised, a reused transmission number with other
content reported as a conflict), then split by assignment account: each company that
registered an account with Nets OCR gets its part as an ``OcrFile`` of its own (record 10, its
assignments, a record 89 of its own totals). The parts are written in bulk (``bulk``: a batch of
1,000 companies a transaction, a constant number of queries per batch, two batches written at
once on threads of their own while the next is checked); a part the bulk pass does not decide
(a conflict, a reversal, a payment seen before) or whose batch the database refused is imported
by the company import (``importing.import_part``) in its own transaction, so that one company's bad
data never holds back another's. Assignments for accounts nobody registered are kept aside
(``OcrKeptAside``, with their raw records) and imported when a company registers the account.
"""

from __future__ import annotations

import hashlib
import logging
import zlib
from collections import defaultdict
from decimal import Decimal
from typing import NamedTuple

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import BooleanField
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import BankAccount, PaymentMethod
from bankint.db import array_literal, store_bytes
from bankint.intake import REJECTED_KEEP_BYTES, Notice, Received, received
from notifications.models import Notification

from ..models import OcrFile, OcrKeptAside, OcrTransmission
from ..parsing import OcrParseError, OcrTransmissionEnd
from .bulk import BATCH_COMPANIES, BatchWriter, CompanyRef, Part, parts_checked, parts_import_bulk
from .importing import MAX_FILE_BYTES, duplicate_columns, import_part, row_fields
from .intake import INTAKE
from .reading import Assignment, Parsed, parse, parse_error_reason, same_content

logger = logging.getLogger(__name__)


def ocr_transmission_import(
    data, *, source: str = OcrFile.Source.BANK, filename: str = "", bank_file_id: int | None = None, user=None
) -> OcrTransmission:
    """Receive one vendor-level Nets transmission and import every company's part of it.

    REJECTED: structure, totals or data recipient wrong; nothing imported. DUPLICATE: the same
    bytes, or the same transmission with the same records, received already (parts that failed
    then are retried now). IMPORTED / PARTLY_FAILED: stored; each company's part imported in
    its own transaction (``failed`` names those that could not be), the rest kept aside.
    """
    file = received(data if data is not None else b"")
    del data
    fields = row_fields(source, filename, bank_file_id, user)
    original = _accepted(file.sha256)
    if original is not None:
        return _duplicate(file, original, fields)
    if file.size > MAX_FILE_BYTES:
        reason = _("The file is larger than %(mb)d MB; an OCR file is never that large.") % {
            "mb": MAX_FILE_BYTES // (1024 * 1024)
        }
        return _reject(file, reason, fields)
    content = file.read()
    try:
        parsed = parse(content)
    except OcrParseError as exc:
        return _reject(file, parse_error_reason(exc), fields)
    expected = settings.OCR_DATA_RECIPIENT
    if parsed.start.recipient != expected:
        reason = _(
            "Line %(line)d: the file is addressed to data recipient %(got)s, not to ours (%(expected)s)."
        ) % {"line": parsed.start.line_no, "got": parsed.start.recipient, "expected": expected}
        return _reject(file, reason, fields)
    earlier = list(
        OcrTransmission.objects.filter(
            status__in=OcrTransmission.ACCEPTED,
            transmitter=parsed.start.transmitter,
            transmission_number=parsed.start.number,
        ).order_by("-id")
    )
    for other in earlier:
        if same_content(other, content):
            return _duplicate(file, other, fields)
    conflict_with = earlier[0] if earlier else None
    lines = _lines(content)
    owners = _owners(parsed)
    kept = [a for a in parsed.assignments if a.head.account not in owners]
    try:
        with transaction.atomic():
            row = OcrTransmission.objects.create(
                status=OcrTransmission.Status.RECEIVED,
                raw=b"",
                sha256=file.sha256,
                size=file.size,
                transmitter=parsed.start.transmitter,
                transmission_number=parsed.start.number,
                recipient=parsed.start.recipient,
                conflict_with=conflict_with,
                assignment_count=len(parsed.assignments),
                company_count=len({account.company_id for account in owners.values()}),
                kept_aside_count=len(kept),
                transaction_count=parsed.end.transaction_count,
                total_amount=parsed.end.total_amount,
                reason=_conflict_reason(parsed, conflict_with),
                **fields,
            )
            store_bytes(OcrTransmission._meta.db_table, "raw", row.pk, zlib.compress(content, 1))
            _keep_aside(row, kept, lines)
    except IntegrityError:
        original = _accepted(file.sha256)  # another worker received the same bytes meanwhile
        if original is None:
            raise
        return _duplicate(file, original, fields)
    if conflict_with is not None:
        logger.error("OCR transmission #%s conflicts with #%s: %s", row.pk, conflict_with.pk, row.reason)
    _import_parts(row, parsed, lines, owners)
    return row


def ocr_transmission_retry(row: OcrTransmission) -> OcrTransmission:
    """Import the parts of ``row`` not imported yet: those that failed, or all that a worker
    that died half-way left (support's action, a re-delivery of the file or of its event)."""
    if row.status not in (OcrTransmission.Status.RECEIVED, OcrTransmission.Status.PARTLY_FAILED):
        return row
    content = row.data
    parsed = parse(content)
    done = set(
        OcrFile.objects.filter(transmission=row, status__in=OcrFile.ACCEPTED).values_list(
            "company_id", flat=True
        )
    )
    aside = set(row.kept_aside.values_list("account", flat=True))  # imported when registered
    owners = {
        number: account
        for number, account in _owners(parsed).items()
        if account.company_id not in done and number not in aside
    }
    _import_parts(row, parsed, _lines(content), owners, retry=True)
    return row


def ocr_kept_aside_import(account: BankAccount) -> list[OcrFile]:
    """The assignments kept aside for ``account``'s number, imported for its company now that
    it is registered for Nets OCR: one part per transmission, each in its own transaction."""
    if not account.is_active or PaymentMethod.NETS_OCR not in (account.incoming_payment_methods or []):
        return []
    if _owners_of([account.account_number]).get(account.account_number) is None:
        return []  # registered by another company too: whose money it is is not ours to guess
    waiting = (
        OcrKeptAside.objects.filter(account=account.account_number, imported_at__isnull=True)
        .values_list("transmission_id", flat=True)
        .distinct()
    )
    files = []
    for transmission_id in sorted(set(waiting)):
        with transaction.atomic():
            rows = list(
                OcrKeptAside.objects.select_for_update()
                .filter(
                    transmission_id=transmission_id, account=account.account_number, imported_at__isnull=True
                )
                .select_related("transmission")
                .order_by("id")
            )
            if not rows:
                continue  # another worker took them
            transmission_row = rows[0].transmission
            head = (
                f"NY000010{transmission_row.transmitter:8}{transmission_row.transmission_number:7}"
                f"{transmission_row.recipient:8}" + "0" * 49
            )
            records = [r.records.split("\n") for r in rows]
            nets_date = records[0][-1][41:47] or "000000"
            content = _part_bytes(head, records, nets_date)
            parsed = parse(content)
            file = _import_part(
                account.company, transmission_row, parsed, content, {account.account_number: account}
            )
            OcrKeptAside.objects.filter(pk__in=[r.pk for r in rows]).update(
                imported_file=file, imported_at=timezone.now()
            )
            OcrTransmission.objects.filter(pk=transmission_row.pk).update(
                kept_aside_count=OcrKeptAside.objects.filter(
                    transmission_id=transmission_id, imported_at__isnull=True
                ).count()
            )
        files.append(file)
    return files


# --- the split ------------------------------------------------------------------------------


class Owner(NamedTuple):
    """The account registered for Nets OCR that an assignment's number names: what the split
    needs of it (the company import gets the account itself)."""

    pk: int
    company_id: int
    ledger_account: str


def _owners(parsed: Parsed) -> dict[str, Owner]:
    return _owners_of({a.head.account for a in parsed.assignments})


def _owners_of(numbers) -> dict[str, Owner]:
    """Account number → the one active account registered for Nets OCR with that number: one
    query for the whole transmission. A number two companies registered is nobody's."""
    found: dict[str, Owner | None] = {}
    # the numbers as one array parameter (digits: a literal needs no quoting), not 10,000 ``IN``
    # parameters spelt out in the SQL text; tuples, not 10,000 accounts and their companies
    wanted = RawSQL("account_number = ANY(%s::text[])", [array_literal(sorted(numbers))], BooleanField())
    for number, *owner in (
        BankAccount.objects.alias(wanted=wanted)
        .filter(wanted=True, is_active=True, incoming_payment_methods__contains=[PaymentMethod.NETS_OCR])
        .values_list("account_number", "pk", "company_id", "ledger_account")
    ):
        found[number] = None if number in found else Owner(*owner)
    return {number: owner for number, owner in found.items() if owner is not None}


def _lines(content: bytes) -> list[str]:
    """The file's lines as the parser numbers them (LF or CRLF breaks)."""
    text = content.decode("latin-1")
    return text.replace("\r\n", "\n").split("\n")


def _records(a: Assignment, lines: list[str]) -> list[str]:
    """An assignment's lines, records 20 to 88, as received."""
    return lines[a.head.line_no - 1 : a.end.line_no]  # type: ignore[union-attr]


def _part_bytes(head: str, assignments: list[list[str]], nets_date: str) -> bytes:
    """A transmission of its own for some of a transmission's assignments: its record 10, the
    assignments' records as received and a record 89 with their totals."""
    count = records = total = 0
    for lines in assignments:
        end = lines[-1]
        count, records, total = count + int(end[8:16]), records + int(end[16:24]), total + int(end[24:41])
    tail = f"NY000089{count:08d}{records + 2:08d}{total:017d}{nets_date}" + "0" * 33
    return "\r\n".join([head, *(line for lines in assignments for line in lines), tail, ""]).encode("latin-1")


def _import_parts(
    row: OcrTransmission, parsed: Parsed, lines: list[str], owners: dict[str, Owner], *, retry=False
) -> None:
    """Each company's part, in the file's order of companies: in bulk, a batch of companies a
    transaction; what the bulk pass leaves (a conflicting part, a reversal, a payment imported
    before, a batch the database refused) goes the company import's way, each company in its
    own transaction."""
    parts, earlier = _parts(row, parsed, lines, owners)
    failed = dict(row.failed) if retry else {}
    one_by_one = [p for p in parts if p.company.pk in earlier]
    batches = [p for p in parts if p.company.pk not in earlier]
    batches = [batches[start : start + BATCH_COMPANIES] for start in range(0, len(batches), BATCH_COMPANIES)]
    left = _import_in_bulk(row, batches)
    not_done = {p.company.pk for p in left}
    for batch in batches:
        for p in batch:
            if p.company.pk not in not_done:
                failed.pop(str(p.company.pk), None)
    one_by_one.extend(left)
    _import_one_by_one(row, one_by_one, earlier, failed)
    status = OcrTransmission.Status.PARTLY_FAILED if failed else OcrTransmission.Status.IMPORTED
    if failed != row.failed or status != row.status:
        OcrTransmission.objects.filter(pk=row.pk).update(failed=failed, status=status)
        row.failed, row.status = failed, status


def _parts(
    row: OcrTransmission, parsed: Parsed, lines: list[str], owners: dict[str, Owner]
) -> tuple[list[Part], dict[int, OcrFile]]:
    """The companies' parts of the file, and for a conflicting transmission each company's part
    of the other one (its notice says so, and its assignments' references stay apart)."""
    by_company: dict[int, list[Assignment]] = defaultdict(list)
    for a in parsed.assignments:
        account = owners.get(a.head.account)
        if account is not None:
            by_company[account.company_id].append(a)
    head = lines[parsed.start.line_no - 1]
    end_line = lines[parsed.end.line_no - 1]
    nets_date = (end_line[41:47] or "000000").ljust(6, "0")
    earlier: dict[int, OcrFile] = {}
    if row.conflict_with_id is not None:
        for part in OcrFile.objects.filter(
            transmission_id=row.conflict_with_id, company_id__in=list(by_company), status__in=OcrFile.ACCEPTED
        ).order_by("id"):
            earlier.setdefault(part.company_id, part)
    parts = []
    for assignments in by_company.values():
        records = [_records(a, lines) for a in assignments]
        parts.append(
            Part(
                CompanyRef(owners[assignments[0].head.account].company_id),
                {a.head.account: owners[a.head.account] for a in assignments},
                Parsed(parsed.start, assignments, _end(assignments, parsed.end)),
                _part_bytes(head, records, nets_date),
            )
        )
    return parts, earlier


def _import_in_bulk(row: OcrTransmission, batches: list[list[Part]]) -> list[Part]:
    """The batches through the bulk pass; the parts it leaves for the company import."""
    if len(batches) > 1 and not transaction.get_connection().in_atomic_block:
        return _import_batches_overlapped(row, batches)
    left: list[Part] = []
    for batch in batches:
        try:
            left.extend(parts_import_bulk(row, batch))
        except Exception:  # the batch rolled back whole: its companies one by one
            logger.exception("OCR transmission #%s: a bulk batch of %d companies failed", row.pk, len(batch))
            left.extend(batch)
    return left


def _import_one_by_one(
    row: OcrTransmission, parts: list[Part], earlier: dict[int, OcrFile], failed: dict[str, str]
) -> None:
    """Each part through the company import in its own transaction; ``failed`` says who failed."""
    # the company import takes the accounts themselves, with their companies: one query
    full = BankAccount.objects.select_related("company").in_bulk(
        [owner.pk for part in parts for owner in part.accounts.values()]
    )
    for part in parts:
        company_id = part.company.pk
        accounts = {number: full[owner.pk] for number, owner in part.accounts.items()}
        company = next(iter(accounts.values())).company
        try:
            with transaction.atomic():
                _import_part(company, row, part.parsed, part.content, accounts, earlier.get(company_id))
        except Exception as exc:  # one company's failure must not stop the others
            logger.exception("OCR transmission #%s: the part of company %s failed", row.pk, company_id)
            failed[str(company_id)] = f"{type(exc).__name__}: {exc}"[:500]
            _tell_failed(company, row)
        else:
            failed.pop(str(company_id), None)


def _import_batches_overlapped(row: OcrTransmission, batches: list[list[Part]]) -> list[Part]:
    """The batches checked here while the one before is written on the writer's connection;
    the parts left for the company import (failed checks, refused batches)."""
    left: list[Part] = []
    writer = BatchWriter(row)
    try:
        for batch in batches:
            try:
                later, ready = parts_checked(batch)
            except Exception:  # a look-up failed: the batch's companies one by one
                logger.exception(
                    "OCR transmission #%s: a bulk batch of %d companies failed", row.pk, len(batch)
                )
                later, ready = batch, []
            left.extend(later)
            writer.write(ready)
    finally:
        left.extend(writer.finish())
    return left


def _end(assignments: list[Assignment], whole: OcrTransmissionEnd) -> OcrTransmissionEnd:
    count = sum(a.end.transaction_count for a in assignments)  # type: ignore[union-attr]
    records = sum(a.end.record_count for a in assignments) + 2  # type: ignore[union-attr]
    total = sum((a.end.total_amount for a in assignments), Decimal("0.00"))  # type: ignore[union-attr]
    return OcrTransmissionEnd(count, records, total, whole.nets_date, whole.line_no)


def _import_part(
    company, row: OcrTransmission, parsed: Parsed, content: bytes, accounts, conflict_with=None
) -> OcrFile:
    return import_part(
        company,
        parsed,
        accounts,
        raw=zlib.compress(content, 1),
        conflict_with=conflict_with,
        fields={
            "source": row.source,
            "filename": row.filename or f"nets-ocr-{row.transmission_number}.txt",
            "created_by": row.created_by,
            "transmission": row,
            "sha256": hashlib.sha256(content).hexdigest(),
            "size": len(content),
        },
    )


def _tell_failed(company, row: OcrTransmission) -> None:
    try:
        INTAKE.send(
            company,
            Notice(
                title=_("OCR payments not imported"),
                body=_(
                    "Your part of Nets transmission %(number)s could not be imported; nothing of it was "
                    "settled. Support has been told and will import it again."
                )
                % {"number": row.transmission_number},
                level=Notification.Level.ERROR,
                dedup_key=f"ocr-part-failed:{row.pk}",
            ),
        )
    except Exception:  # the notice is best effort; the failure is on the row
        logger.exception("could not tell company %s about transmission #%s", company.pk, row.pk)


def _keep_aside(row: OcrTransmission, kept: list[Assignment], lines: list[str]) -> None:
    if not kept:
        return
    OcrKeptAside.objects.bulk_create(
        [
            OcrKeptAside(
                transmission=row,
                account=a.head.account,
                number=a.head.number,
                agreement_id=a.head.agreement_id or "",
                transaction_count=a.end.transaction_count,  # type: ignore[union-attr]
                total_amount=a.end.total_amount,  # type: ignore[union-attr]
                nets_date=a.end.nets_date,  # type: ignore[union-attr]
                records="\n".join(_records(a, lines)),
            )
            for a in kept
        ]
    )
    logger.warning(
        "OCR transmission #%s: %d assignment(s) for accounts no company registered kept aside",
        row.pk,
        len(kept),
    )


# --- received before, refused -----------------------------------------------------------------


def _accepted(sha: str) -> OcrTransmission | None:
    return OcrTransmission.objects.filter(sha256=sha, status__in=OcrTransmission.ACCEPTED).first()


def _duplicate(file: Received, original: OcrTransmission, fields: dict) -> OcrTransmission:
    duplicate = OcrTransmission.objects.create(
        status=OcrTransmission.Status.DUPLICATE,
        reason=_("Already received as #%(id)d.") % {"id": original.pk},
        **duplicate_columns(file, original),
        **fields,
    )
    # delivered again: import the parts that failed, or that a dead worker left undone
    ocr_transmission_retry(original)
    return duplicate


def _reject(file: Received, reason: str, fields: dict) -> OcrTransmission:
    logger.error("OCR transmission rejected (%s): %s", fields.get("filename") or file.sha256, reason)
    if fields["bank_file_id"] is not None:
        earlier = OcrTransmission.objects.filter(
            bank_file_id=fields["bank_file_id"], status=OcrTransmission.Status.REJECTED
        ).first()
        if earlier is not None:
            return earlier
    return OcrTransmission.objects.create(
        status=OcrTransmission.Status.REJECTED,
        reason=reason,
        raw=zlib.compress(file.head(REJECTED_KEEP_BYTES), 1),
        sha256=file.sha256,
        size=file.size,
        **fields,
    )


def _conflict_reason(parsed: Parsed, conflict_with) -> str:
    if conflict_with is None:
        return ""
    return _(
        "Conflict: transmission %(number)s from data transmitter %(transmitter)s was already received "
        "as #%(other)d with other content. Each company's transactions were checked one by one: those "
        "already imported were skipped."
    ) % {"number": parsed.start.number, "transmitter": parsed.start.transmitter, "other": conflict_with.pk}

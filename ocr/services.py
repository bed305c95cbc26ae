"""Every write of the OCR app: importing a Nets OCR file and allocating what it left unmatched.

``ocr_file_import`` reads and checks the whole file before it writes anything (a structural
or control-total error rejects the file whole: only the rejected file and its reason are
stored), then stores and settles it in one database transaction, in a constant number of
queries per batch: a file's KIDs are looked up in one query, transactions and invoice
settlements are written with COPY (as text the import formats itself), invoices updated in
one statement. Where the time goes at 100,000 payments (issue 6, the import must
beat netsgiro's mere parse): the parse, the two COPYs and the invoice UPDATE, each a few
tenths of a second; the per-row costs that used to dominate (deferred foreign-key checks,
index entries for every updated invoice, one object per parsed record) are designed out in
the models and ledger migration 0004.
"""

from __future__ import annotations

import hashlib
import threading
import time
import zlib
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from itertools import zip_longest
from typing import NamedTuple

import psycopg
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import BankAccount, PaymentMethod
from bankint.errors import Conflict, ValidationFailed, localized, reason_of
from companies.services import audit_record
from ledger.bulk import copy_lines, copy_text
from ledger.models import Invoice
from ledger.services.payments_in import payment_allocate, payments_in_post_bulk
from notifications.models import Notification
from notifications.services import notify

from .models import OcrAssignment, OcrFile, OcrTransaction
from .parsing import (
    OcrAssignmentEnd,
    OcrAssignmentStart,
    OcrParseError,
    OcrTransmissionEnd,
    OcrTransmissionStart,
    iter_records,
)

ZERO = Decimal("0.00")
OPEN_STATUSES = (Invoice.Status.OPEN, Invoice.Status.PARTLY_PAID)
# Upload limit: a day's OCR file for a large company is a few tens of MB.
MAX_FILE_BYTES = 64 * 1024 * 1024
REJECTED_KEEP_BYTES = 1024 * 1024  # of a refused file, its head is kept (with its size and hash)


# KIDs per look-up: a file of 100,000 payments in one query.
_KID_CHUNK = 100_000
# Values per ``IN`` list elsewhere (reversal targets, reversed payments).
_CHUNK = 10_000


def _chunks(values: list, size: int):
    for start in range(0, len(values), size):
        yield values[start : start + size]


class _Tx(NamedTuple):
    """What the import keeps of a parsed transaction: a tuple, ~40% of the parser's object
    with the fields nobody stores, which matters at 100,000 payments (peak memory)."""

    type: int
    number: int
    nets_date: date
    amount: Decimal
    kid: str | None
    payer_account: str | None
    text: str | None
    bank_date: date | None
    archive_reference: str | None
    form_number: str


@dataclass
class _Assignment:
    head: OcrAssignmentStart
    transactions: list[_Tx] = field(default_factory=list)
    end: OcrAssignmentEnd | None = None


@dataclass
class _Parsed:
    start: OcrTransmissionStart
    assignments: list[_Assignment]
    end: OcrTransmissionEnd


def _parse(data: bytes) -> _Parsed:
    """The whole file, checked (88/89 totals, sequence, digits) before anything is written."""
    start = end = None
    assignments: list[_Assignment] = []
    current: _Assignment | None = None
    append = None
    new = tuple.__new__
    for r in iter_records(data, tuples=True):
        if r.__class__ is tuple:
            # type, number, nets_date, amount, kid, payer_account, text, bank_date,
            # archive_reference, form_number (OcrTransaction's field order)
            append(new(_Tx, (r[0], r[1], r[2], r[8], r[9], r[13], r[14], r[12], r[11], r[10])))  # type: ignore[misc]
        elif isinstance(r, OcrAssignmentStart):
            current = _Assignment(r)
            append = current.transactions.append
            assignments.append(current)
        elif isinstance(r, OcrAssignmentEnd):
            current.end = r  # type: ignore[union-attr]
        elif isinstance(r, OcrTransmissionStart):
            start = r
        elif isinstance(r, OcrTransmissionEnd):
            end = r
    return _Parsed(start, assignments, end)  # type: ignore[arg-type]


class _Compressed:
    """The file's bytes as stored (zlib), compressed in a thread: zlib releases the GIL, so
    this runs on another core while the file is parsed instead of after it."""

    def __init__(self, data: bytes) -> None:
        self._data: bytes | None = data
        self._result: bytes | None = None
        self._thread = threading.Thread(target=self._run, name="ocr-compress", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        self._result = zlib.compress(self._data, 1)  # type: ignore[arg-type]

    def get(self) -> bytes:
        self._thread.join()
        if self._result is None:  # the thread failed (out of memory): do it here, and fail here
            self._result = zlib.compress(self._data, 1)  # type: ignore[arg-type]
        self._data = None
        return self._result


def _store_rejected(
    company, data: bytes, sha: str, reason: str, *, source, filename, bank_file_id, user, size=None
):
    existing = None
    if bank_file_id is not None:
        existing = OcrFile.objects.filter(
            company=company, bank_file_id=bank_file_id, status=OcrFile.Status.REJECTED
        ).first()
    if existing is not None:
        return existing  # the bank delivered the same rejected file again
    with transaction.atomic():
        file = OcrFile.objects.create(
            company=company,
            status=OcrFile.Status.REJECTED,
            source=source,
            reason=reason,
            filename=filename[:200],
            # The head only: enough to see what it is (the hash names the whole file).
            raw=zlib.compress(data[:REJECTED_KEEP_BYTES], 1),
            sha256=sha,
            size=len(data) if size is None else size,
            bank_file_id=bank_file_id,
            created_by=user,
        )
        audit_record("ocr_file.reject", obj=file, changes={"reason": reason, "sha256": sha})
        notify(
            company,
            title=_("OCR file rejected"),
            body=_(
                "The OCR file %(name)s (#%(id)d) was rejected and nothing in it was imported: %(reason)s. "
                "Ask the bank or Nets for a corrected file and import it again; the rejected file is kept "
                "under OCR files."
            )
            % {"name": filename or _("from the bank"), "id": file.pk, "reason": reason},
            level=Notification.Level.ERROR,
            link=f"/ocr/{file.pk}/",
            dedup_key=f"ocr-rejected:{sha}",
        )
    return file


def _store_duplicate(
    company, data: bytes, sha: str, original: OcrFile, *, source, filename, bank_file_id, user
):
    reason = _("Already imported as #%(id)d.") % {"id": original.pk}
    with transaction.atomic():
        file = OcrFile.objects.create(
            company=company,
            status=OcrFile.Status.DUPLICATE,
            source=source,
            reason=reason,
            filename=filename[:200],
            raw=zlib.compress(data, 1),
            sha256=sha,
            size=len(data),
            transmitter=original.transmitter,
            transmission_number=original.transmission_number,
            recipient=original.recipient,
            bank_file_id=bank_file_id,
            duplicate_of=original,
            created_by=user,
        )
        audit_record("ocr_file.duplicate", obj=file, changes={"duplicate_of": original.pk, "sha256": sha})
    return file


def _find_original(company, sha: str) -> OcrFile | None:
    """The accepted file with these very bytes."""
    return OcrFile.objects.filter(company=company, status__in=OcrFile.ACCEPTED, sha256=sha).first()


def _same_transmission(company, start: OcrTransmissionStart) -> list[OcrFile]:
    """The accepted files with this data transmitter and transmission number, latest first."""
    return list(
        OcrFile.objects.filter(
            company=company,
            status__in=OcrFile.ACCEPTED,
            transmitter=start.transmitter,
            transmission_number=start.number,
        ).order_by("-id")
    )


def _same_content(earlier: OcrFile, data: bytes) -> bool:
    """Whether two files say the same thing record by record (other line endings, stripped
    trailing blanks, blank instead of zero fillers: a re-send, not a new transmission)."""
    try:
        return all(
            a == b
            for a, b in zip_longest(iter_records(earlier.data, tuples=True), iter_records(data, tuples=True))
        )
    except OcrParseError:  # the earlier file no longer reads (a stricter parser): not the same
        return False


def parse_error_reason(exc: OcrParseError) -> str:
    """A refusal of ``ocr.parsing`` in the active language (a note's own refusal first)."""
    if not any(isinstance(v, OcrParseError) for v in exc.params.values()):
        return reason_of(exc)
    return localized(
        exc.template,
        {k: parse_error_reason(v) if isinstance(v, OcrParseError) else v for k, v in exc.params.items()},
    )


def ocr_file_import(
    company,
    data: bytes,
    *,
    source: str = OcrFile.Source.UPLOAD,
    filename: str = "",
    bank_file_id: int | None = None,
    user=None,
) -> OcrFile:
    """Import one Nets OCR file for ``company``; the returned file's status says what happened.

    REJECTED: nothing but the file and its reason stored (and an error notification).
    DUPLICATE: the same bytes, or the same transmission with the same records (a re-send with
    other line endings), already imported: 0 new rows.
    IMPORTED / PARTLY_UNASSIGNED: stored and settled; assignments for accounts the company has
    not registered with Nets OCR are kept aside as unassigned. Transactions already imported
    (the same account, assignment, number, date, amount, KID and archive reference) are
    skipped and counted. A file that reuses an imported file's transmitter and transmission
    number with other content is a conflict, never a duplicate: it is imported that way
    (``conflict_with`` names the other file) and an error notification says so.
    """
    data = bytes(data or b"")
    sha = hashlib.sha256(data).hexdigest()
    kwargs = {"source": source, "filename": filename or "", "bank_file_id": bank_file_id, "user": user}
    original = _find_original(company, sha)
    if original is not None:
        return _store_duplicate(company, data, sha, original, **kwargs)
    if len(data) > MAX_FILE_BYTES:
        reason = _("The file is larger than %(mb)d MB; an OCR file is never that large.") % {
            "mb": MAX_FILE_BYTES // (1024 * 1024)
        }
        return _store_rejected(company, b"", sha, reason, size=len(data), **kwargs)
    raw = _Compressed(data)  # on another core while the file is parsed
    try:
        parsed = _parse(data)
    except OcrParseError as exc:
        return _store_rejected(company, data, sha, parse_error_reason(exc), **kwargs)
    expected = settings.OCR_DATA_RECIPIENT
    if parsed.start.recipient != expected:
        reason = _(
            "Line %(line)d: the file is addressed to data recipient %(got)s, not to ours (%(expected)s)."
        ) % {"line": parsed.start.line_no, "got": parsed.start.recipient, "expected": expected}
        return _store_rejected(company, data, sha, reason, **kwargs)
    for attempt in range(3):
        original = _find_original(company, sha) if attempt else None
        if original is not None:  # another worker imported these bytes meanwhile
            return _store_duplicate(company, data, sha, original, **kwargs)
        earlier = _same_transmission(company, parsed.start)
        for other in earlier:
            if _same_content(other, data):
                return _store_duplicate(company, data, sha, other, **kwargs)
        conflict_with = earlier[0] if earlier else None
        try:
            return _import(company, data, sha, parsed, raw=raw.get(), conflict_with=conflict_with, **kwargs)
        except IntegrityError:
            # Another worker imported this file (or some of its payments) at the same moment:
            # look again, now that its rows are visible.
            if attempt == 2:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def _invoices_by_kid(company, kids: list[str], into: dict[str, tuple[int, int, bool]]) -> None:
    """Add the company's invoices with these KIDs to ``into`` (KID → pk, number, open): one query.

    The KIDs go as one array parameter, all of a file's at once: separate ``IN`` parameters
    cost more in query building than the look-up itself. A row comes back with
    the KID's position in ``kids``, not the KID, so the dictionary keys are the strings the
    file's transactions already hold (100,000 fewer strings at the import's peak).
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT k.n, i.id, i.number, i.status IN (%s, %s)"
            "  FROM unnest(%s::text[]) WITH ORDINALITY AS k(kid, n)"
            "  JOIN ledger_invoice AS i ON i.company_id = %s AND i.kid = k.kid",
            # KIDs are digits: an array literal needs no quoting
            [*(s.value for s in OPEN_STATUSES), "{" + ",".join(kids) + "}", company.pk],
        )
        while rows := cursor.fetchmany(10_000):  # in batches: row by row costs more than the query
            for n, pk, number, is_open in rows:
                into[kids[n - 1]] = (pk, number, is_open)


@dataclass(slots=True)
class _Row:
    """A transaction as it will be stored, with what it settles."""

    assignment: int
    tx: _Tx
    amount: Decimal  # signed: reversals (types 18, 20) are negative
    status: str
    invoice_id: int | None = None
    reverses_id: int | None = None
    note: str = ""

    @property
    def reference(self) -> str:
        # read by ``payments_in_post_bulk`` as a settlement (invoice_id, amount, reference):
        # passing the rows themselves spares 100,000 Settlement objects
        return self.tx.kid or ""


def _import(
    company,
    data: bytes,
    sha: str,
    parsed: _Parsed,
    *,
    raw: bytes,
    conflict_with: OcrFile | None,
    source,
    filename,
    bank_file_id,
    user,
) -> OcrFile:
    accounts = {
        a.account_number: a
        for a in BankAccount.objects.filter(company=company, is_active=True)
        if PaymentMethod.NETS_OCR in (a.incoming_payment_methods or [])
    }
    # Payments already imported (from another file). A payment is the same when Nets says
    # the same about it: account, assignment and transaction number, and also its date,
    # amount, KID and the bank's archive reference, so that a re-send is skipped while another
    # payment under a reused number (demo data, a conflicting transmission) is not lost.
    existing: dict[tuple[str, str], set[tuple]] = {}
    for a in parsed.assignments:
        if a.transactions:
            keys = set(
                OcrTransaction.objects.filter(
                    company=company, account=a.head.account, assignment_number=a.head.number
                ).values_list("number", "nets_date", "amount", "kid", "archive_reference")
            )
            if keys:
                existing.setdefault((a.head.account, a.head.number), set()).update(keys)
    # KIDs → invoices: one query for the whole file.
    reversal_types = OcrTransaction.REVERSAL_TYPES
    kids = list(  # in no particular order: sorting 100,000 strings buys nothing
        {
            t.kid
            for a in parsed.assignments
            if a.head.account in accounts
            for t in a.transactions
            if t.kid and (t.type not in reversal_types or t.type == 18)
        }
    )
    invoices: dict[str, tuple[int, int, bool]] = {}
    for chunk in _chunks(kids, _KID_CHUNK):
        _invoices_by_kid(company, chunk, invoices)
    del kids
    targets = _reversal_targets(company, parsed, accounts)

    has_reversals = any(t.type in reversal_types for a in parsed.assignments for t in a.transactions)
    SETTLED, UNMATCHED = OcrTransaction.Status.SETTLED.value, OcrTransaction.Status.UNMATCHED.value
    UNASSIGNED = OcrTransaction.Status.UNASSIGNED.value
    no_invoice, no_kid = _("No invoice has this KID."), _("No KID: allocate by hand.")
    credit_note = _(
        "A credit note (sign '-' in the file): it reduces the amount credited and settles no invoice. "
        "Book it by hand."
    )
    rows: list[_Row] = []
    append = rows.append
    unassigned_rows = 0
    skipped_total = 0
    per_assignment: list[dict] = []
    in_file: dict[tuple, list[_Row]] = defaultdict(list)  # payments earlier in this file, for reversals
    for index, a in enumerate(parsed.assignments):
        assigned = a.head.account in accounts
        seen = existing.get((a.head.account, a.head.number))
        settled = unmatched = skipped = count = 0
        net = ZERO
        for t in a.transactions:
            reversal = t.type in reversal_types
            amount = -t.amount if reversal else t.amount
            if seen and (t.number, t.nets_date, amount, t.kid or "", t.archive_reference or "") in seen:
                skipped += 1
                continue
            count += 1
            if not assigned:
                append(_Row(index, t, amount, UNASSIGNED))
                unassigned_rows += 1
                continue
            net += amount
            if t.amount < ZERO:
                # A credit note (sign '-'): money back to a payer, never a payment of an
                # invoice. It waits for a person, the invoice its KID names noted.
                found = invoices.get(t.kid) if t.kid else None
                note = credit_note
                if found is not None:
                    note = _("%(note)s The KID is that of invoice %(number)d.") % {
                        "note": credit_note,
                        "number": found[1],
                    }
                row = _Row(index, t, amount, UNMATCHED, note=note)
            elif reversal:
                row = _reverse(index, t, amount, invoices, targets, in_file)
            else:
                found = invoices.get(t.kid) if t.kid else None
                if found is not None and found[2]:
                    row = _Row(index, t, amount, SETTLED, found[0])
                elif found is None:
                    row = _Row(index, t, amount, UNMATCHED, note=no_invoice if t.kid else no_kid)
                else:
                    row = _Row(
                        index,
                        t,
                        amount,
                        UNMATCHED,
                        note=_("Invoice %(number)d is already paid.") % {"number": found[1]},
                    )
                if has_reversals:
                    in_file[(t.kid, t.payer_account, t.amount, t.type)].append(row)
            if row.status == UNMATCHED:
                unmatched += 1
            else:
                settled += 1
            append(row)
        skipped_total += skipped
        per_assignment.append(
            {"settled": settled, "unmatched": unmatched, "skipped": skipped, "net": net, "count": count}
        )
    del invoices

    unassigned = [a for a in parsed.assignments if a.head.account not in accounts]
    status = OcrFile.Status.PARTLY_UNASSIGNED if unassigned else OcrFile.Status.IMPORTED
    counts = {"new": parsed.end.transaction_count - skipped_total, "skipped": skipped_total}
    reason = ""
    if conflict_with is not None:
        reason = _(
            "Conflict: transmission %(number)s from data transmitter %(transmitter)s was already imported "
            "as #%(other)d with other content. Its transactions were checked one by one: %(new)d new "
            "imported, %(skipped)d already imported."
        ) % {
            "number": parsed.start.number,
            "transmitter": parsed.start.transmitter,
            "other": conflict_with.pk,
            **counts,
        }
    elif skipped_total:
        reason = (
            _("%(new)d new transactions imported, %(skipped)d already imported from earlier files.") % counts
        )
    with transaction.atomic():
        file = OcrFile.objects.create(
            company=company,
            status=status,
            source=source,
            filename=filename[:200],
            raw=b"",  # stored below, past Django's cursor
            sha256=sha,
            size=len(data),
            transmitter=parsed.start.transmitter,
            transmission_number=parsed.start.number,
            recipient=parsed.start.recipient,
            bank_file_id=bank_file_id,
            transaction_count=parsed.end.transaction_count,
            total_amount=parsed.end.total_amount,
            settled_count=sum(i["settled"] for i in per_assignment),
            unmatched_count=sum(i["unmatched"] for i in per_assignment),
            unassigned_count=unassigned_rows,
            skipped_count=skipped_total,
            conflict_with=conflict_with,
            reason=reason,
            created_by=user,
        )
        _store_raw(file.pk, raw)
        del raw
        assignment_objs = OcrAssignment.objects.bulk_create(
            [
                OcrAssignment(
                    company=company,
                    file=file,
                    number=a.head.number,
                    account=a.head.account,
                    agreement_id=a.head.agreement_id or "",
                    bank_account=accounts.get(a.head.account),
                    unassigned=a.head.account not in accounts,
                    transaction_count=a.end.transaction_count,  # type: ignore[union-attr]
                    total_amount=a.end.total_amount,  # type: ignore[union-attr]
                    net_amount=info["net"],
                    nets_date=a.end.nets_date,  # type: ignore[union-attr]
                    settled_count=info["settled"],
                    unmatched_count=info["unmatched"],
                    skipped_count=info["skipped"],
                    # What reconciliation matches the bank's one credit by: a conflicting
                    # file's assignment may share its numbers with another's, not its reference.
                    reference=f"OCR{parsed.start.number}-{a.head.number}"
                    + (f"-{file.pk}" if conflict_with is not None else ""),
                )
                for a, info in zip(parsed.assignments, per_assignment, strict=True)
            ]
        )
        vouchers, formatted = _post_vouchers(company, file, assignment_objs, rows)
        _insert_transactions(company, file, assignment_objs, vouchers, rows, formatted)
        reversed_ids = [r.reverses_id for r in rows if r.reverses_id]
        for chunk in _chunks(reversed_ids, _CHUNK):
            OcrTransaction.objects.filter(company=company, pk__in=chunk).update(
                status=OcrTransaction.Status.REVERSED
            )
        audit_record(
            "ocr_file.import",
            obj=file,
            changes={
                "transmission": parsed.start.number,
                "transactions": file.transaction_count,
                "settled": file.settled_count,
                "unmatched": file.unmatched_count,
                "unassigned": file.unassigned_count,
                "skipped": file.skipped_count,
                "total": f"{file.total_amount:.2f}",
                "conflict_with": conflict_with.pk if conflict_with is not None else None,
            },
        )
        if conflict_with is not None:
            notify(
                company,
                title=_("OCR file conflicts with an earlier one"),
                body=_(
                    "OCR file %(name)s (#%(id)d) has the same data transmitter and transmission number "
                    "(%(transmitter)s, %(number)s) as OCR file #%(other)d, but other content: it is not a "
                    "duplicate. Of its %(count)d transactions, %(new)d were new and are imported, %(skipped)d "
                    "were already imported. Ask the bank or Nets why the transmission number was used twice."
                )
                % {
                    "name": filename or _("from the bank"),
                    "id": file.pk,
                    "transmitter": parsed.start.transmitter,
                    "number": parsed.start.number,
                    "other": conflict_with.pk,
                    "count": parsed.end.transaction_count,
                    **counts,
                },
                level=Notification.Level.ERROR,
                link=f"/ocr/{file.pk}/",
                dedup_key=f"ocr-conflict:{file.pk}",
            )
        if unassigned:
            notify(
                company,
                title=_("OCR payments for an unknown account"),
                body=_(
                    "OCR file #%(id)d has payments for account(s) %(accounts)s, which are not registered with "
                    "“Nets OCR” among the incoming payment methods. They are kept aside, not settled. Register "
                    "the account under Settings › Bank accounts, or ask the bank why it sent them."
                )
                % {"id": file.pk, "accounts": ", ".join(sorted({a.head.account for a in unassigned}))},
                level=Notification.Level.WARNING,
                link=f"/ocr/{file.pk}/",
                dedup_key=f"ocr-unassigned:{file.pk}",
            )
        if file.unmatched_count:
            notify(
                company,
                title=_("OCR payments to allocate"),
                body=_(
                    "%(n)d payment(s) in OCR file #%(id)d matched no open invoice by KID. "
                    "Allocate them under OCR files › Unmatched."
                )
                % {"n": file.unmatched_count, "id": file.pk},
                level=Notification.Level.INFO,
                link="/ocr/unmatched/",
                dedup_key=f"ocr-unmatched:{file.pk}",
            )
    return file


def _store_raw(pk: int, raw: bytes) -> None:
    """The stored file's bytes as one binary parameter.

    Django's cursor binds parameters client-side, spelling a bytea out as hex inside the SQL
    text (and, when queries are logged, once more as a str): for a few MB of compressed file
    that is several copies of it in memory at the import's peak. A server-binding cursor
    sends the bytes as they are.
    """
    sql = f"UPDATE {OcrFile._meta.db_table} SET raw = %b WHERE id = %s"  # noqa: S608
    with connection.wrap_database_errors, _logged(sql), psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(sql, [raw, pk])


@contextmanager
def _logged(sql: str):
    """Count a statement run past Django's cursor among the connection's queries, as Django would."""
    began = time.monotonic()
    try:
        yield
    finally:
        if connection.queries_logged:
            connection.queries_log.append({"sql": sql, "time": f"{time.monotonic() - began:.3f}"})


def _reversal_targets(company, parsed: _Parsed, accounts) -> dict[tuple, list[tuple[int, int | None, str]]]:
    """Earlier payments that this file's reversals may refer to, in one query per 10,000."""
    reversals = [
        t
        for a in parsed.assignments
        if a.head.account in accounts
        for t in a.transactions
        if t.type in OcrTransaction.REVERSAL_TYPES
    ]
    if not reversals:
        return {}
    kids = sorted({t.kid for t in reversals if t.kid})
    payers = sorted({t.payer_account for t in reversals if not t.kid and t.payer_account})
    found: dict[tuple, list[tuple[int, int | None, str]]] = defaultdict(list)
    base = OcrTransaction.objects.filter(
        company=company, status__in=(OcrTransaction.Status.SETTLED, OcrTransaction.Status.UNMATCHED)
    ).exclude(type__in=OcrTransaction.REVERSAL_TYPES)
    fields = ("pk", "kid", "payer_account", "amount", "invoice_id", "status")
    for chunk in _chunks(kids, _CHUNK):
        for pk, kid, _payer, amount, invoice_id, status in base.filter(kid__in=chunk).values_list(*fields):
            found[("kid", kid, amount)].append((pk, invoice_id, status))
    for chunk in _chunks(payers, _CHUNK):
        for pk, _kid, payer, amount, invoice_id, status in base.filter(
            kid="", payer_account__in=chunk
        ).values_list(*fields):
            found[("payer", payer, amount)].append((pk, invoice_id, status))
    return found


def _reverse(index, t: _Tx, amount: Decimal, invoices, targets, in_file) -> _Row:
    """A type 18 (by KID) or 20 (by payer's account and text) undoes the payment it refers to."""
    row = _Row(index, t, amount, OcrTransaction.Status.REVERSAL)
    # First a payment earlier in this same file, then one from an earlier file.
    if t.kid:
        candidates = [
            r for (kid, _p, amt, _t), rs in in_file.items() if kid == t.kid and amt == t.amount for r in rs
        ]
        key = ("kid", t.kid, t.amount)
    else:
        candidates = [
            r
            for (kid, payer, amt, _t), rs in in_file.items()
            if not kid and payer == t.payer_account and amt == t.amount
            for r in rs
        ]
        key = ("payer", t.payer_account, t.amount)
    for earlier in reversed(candidates):
        if earlier.status in (OcrTransaction.Status.SETTLED, OcrTransaction.Status.UNMATCHED):
            row.invoice_id = earlier.invoice_id
            earlier.status = OcrTransaction.Status.REVERSED
            earlier.note = _("Reversed by transaction %(n)d.") % {"n": t.number}
            row.note = _("Reverses transaction %(n)d.") % {"n": earlier.tx.number}
            return row
    stored = targets.get(key) or []
    while stored:
        pk, invoice_id, _status = stored.pop()
        row.invoice_id, row.reverses_id = invoice_id, pk
        row.note = _("Reverses an earlier payment.")
        return row
    found = invoices.get(t.kid) if t.kid else None
    if found is not None:
        row.invoice_id = found[0]  # the payment came by another route: undo it on the invoice
        row.note = _("Reverses a payment of invoice %(number)d.") % {"number": found[1]}
        return row
    row.status = OcrTransaction.Status.UNMATCHED
    row.note = _("A reversal that refers to no payment we know: handle it by hand.")
    return row


def _post_vouchers(
    company, file, assignment_objs, rows
) -> tuple[dict[int, int | None], dict[int, list[str]]]:
    """One voucher per assignment; returns the voucher ids and the assignments' transaction
    rows as COPY text, formatted while the database updated the invoices."""
    by_assignment: dict[int, list[_Row]] = defaultdict(list)
    for row in rows:
        by_assignment[row.assignment].append(row)
    vouchers: dict[int, int | None] = {}
    formatted: dict[int, list[str]] = {}
    for index, obj in enumerate(assignment_objs):
        mine = by_assignment.get(index, [])
        if obj.unassigned or not mine:
            vouchers[index] = None
            continue
        settlements = [r for r in mine if r.invoice_id]
        unallocated = sum((r.amount for r in mine if not r.invoice_id), ZERO)

        def format_rows(voucher, index=index, obj=obj, mine=mine) -> None:
            prefix = _row_prefix(company, file, obj, voucher.pk)
            formatted[index] = list(_transaction_lines(mine, {index: prefix}))

        voucher = payments_in_post_bulk(
            company,
            settlements,
            bank_account=obj.bank_account,
            date=obj.nets_date or timezone.localdate(),
            text=_("OCR payments, transmission %(t)s assignment %(a)s")
            % {"t": file.transmission_number, "a": obj.number},
            unallocated=unallocated,
            unallocated_text=_("Unallocated OCR payments"),
            bank_reference=obj.reference,
            meanwhile=format_rows,
        )
        vouchers[index] = voucher.pk if voucher else None
        if voucher is not None:
            obj.voucher = voucher
    OcrAssignment.objects.bulk_update([o for o in assignment_objs if o.voucher_id], ["voucher"])
    return vouchers, formatted


_TX_FIELDS = (
    "company", "file", "assignment", "account", "assignment_number", "voucher", "number", "type", "status",
    "amount", "kid", "nets_date", "bank_date", "payer_account", "text", "archive_reference", "form_number",
    "invoice", "reverses", "note",
)  # fmt: skip


def _row_prefix(company, file, assignment: OcrAssignment, voucher_id: int | None) -> str:
    """The COPY text of the columns an assignment's rows share (the first six of ``_TX_FIELDS``)."""
    voucher = "\\N" if voucher_id is None else voucher_id
    return f"{company.pk}\t{file.pk}\t{assignment.pk}\t{assignment.account}\t{assignment.number}\t{voucher}\t"


def _insert_transactions(company, file, assignment_objs, vouchers, rows, formatted) -> None:
    def chunks():
        # assignment by assignment, in the file's order: formatted already, or now (the
        # unassigned and those whose payments netted to nothing)
        by_assignment: dict[int, list[_Row]] = defaultdict(list)
        for row in rows:
            if row.assignment not in formatted:
                by_assignment[row.assignment].append(row)
        for index, obj in enumerate(assignment_objs):
            if index in formatted:
                yield from formatted.pop(index)
            elif by_assignment.get(index):
                prefix = _row_prefix(company, file, obj, vouchers.get(index))
                yield from _transaction_lines(by_assignment.pop(index), {index: prefix})

    copy_lines(OcrTransaction, _TX_FIELDS, chunks())


def _transaction_lines(rows: list[_Row], prefixes: dict[int, str], chunk: int = 10_000):
    """COPY text of the rows, ``chunk`` lines at a time, in ``_TX_FIELDS`` order.

    Everything but the free text and the note is digits, a number or a date, which need no
    escaping; ISO dates are cached (a file has a handful of distinct dates).
    """
    iso: dict = {None: "\\N"}
    lines: list[str] = []
    append = lines.append
    for r in rows:
        t = r.tx
        nets = iso.get(t.nets_date)
        if nets is None:
            nets = iso[t.nets_date] = t.nets_date.isoformat()
        bank = iso.get(t.bank_date)
        if bank is None:
            bank = iso[t.bank_date] = t.bank_date.isoformat()  # type: ignore[union-attr]
        invoice = "\\N" if r.invoice_id is None else r.invoice_id
        reverses = "\\N" if r.reverses_id is None else r.reverses_id
        text = copy_text(t.text) if t.text else ""
        note = copy_text(r.note) if r.note else ""
        append(
            f"{prefixes[r.assignment]}{t.number}\t{t.type}\t{r.status}\t{r.amount}\t{t.kid or ''}\t{nets}\t"
            f"{bank}\t{t.payer_account or ''}\t{text}\t{t.archive_reference or ''}\t{t.form_number}\t"
            f"{invoice}\t{reverses}\t{note}\n"
        )
        if len(lines) >= chunk:
            yield "".join(lines)
            lines.clear()
    if lines:
        yield "".join(lines)


@transaction.atomic
def ocr_transaction_allocate(
    transaction_obj: OcrTransaction, invoice: Invoice, *, user=None
) -> OcrTransaction:
    """Settle an unmatched OCR payment against an invoice the user chose.

    The payment sits on receivables as unallocated since the import; this moves it onto the
    invoice. A conditional update claims it, so a double click allocates once.
    """
    company = transaction_obj.company
    if invoice.company_id != company.pk:
        message = _("The invoice is not one of this company's invoices.")
        raise ValidationFailed(message, fields={"invoice": [message]})
    if transaction_obj.status != OcrTransaction.Status.UNMATCHED:
        raise Conflict(_("This payment is not waiting for allocation any more."), code="not_unmatched")
    if (
        transaction_obj.amount < ZERO
        and (
            paid := Invoice.objects.select_for_update()
            .values_list("paid_amount", flat=True)
            .get(pk=invoice.pk)
        )
        + transaction_obj.amount
        < ZERO
    ):
        # A credit note (or a reversal) only takes back what was paid: an invoice is never
        # left with less than nothing paid.
        message = _(
            "A credit note of NOK %(amount)s can only reduce what was paid on an invoice, and invoice "
            "%(number)d has NOK %(paid)s paid."
        ) % {"amount": f"{-transaction_obj.amount:.2f}", "number": invoice.number, "paid": f"{paid:.2f}"}
        raise ValidationFailed(message, fields={"invoice": [message]})
    claimed = OcrTransaction.objects.filter(
        pk=transaction_obj.pk, status=OcrTransaction.Status.UNMATCHED
    ).update(status=OcrTransaction.Status.SETTLED, invoice=invoice)
    if not claimed:
        raise Conflict(_("This payment is not waiting for allocation any more."), code="not_unmatched")
    voucher = payment_allocate(
        company,
        invoice=invoice,
        amount=transaction_obj.amount,
        date=timezone.localdate(),
        reference=transaction_obj.kid,
        text=_("OCR payment %(a)s/%(n)d allocated to invoice %(number)d")
        % {"a": transaction_obj.assignment_number, "n": transaction_obj.number, "number": invoice.number},
    )
    OcrTransaction.objects.filter(pk=transaction_obj.pk).update(voucher=voucher, note="")
    OcrFile.objects.filter(pk=transaction_obj.file_id, unmatched_count__gt=0).update(
        unmatched_count=F("unmatched_count") - 1, settled_count=F("settled_count") + 1
    )
    audit_record(
        "ocr_transaction.allocate",
        obj=transaction_obj,
        company=company,
        actor=user,
        changes={"invoice": invoice.number, "amount": f"{transaction_obj.amount:.2f}"},
    )
    transaction_obj.refresh_from_db()
    return transaction_obj


def ocr_files_fetch(events) -> list[OcrFile]:
    """Feed handler for ``ocr_file.created``: download each new file and import it.

    Idempotent: files already stored (by bank file id) are not downloaded again. The download
    happens outside any database transaction (STYLE rule 3); ``BankUnavailable`` propagates so
    the page is retried next round.
    """
    from bankclient import get_client
    from companies.models import Company

    orgs = {e.org_number for e in events if e.org_number}
    companies = {c.org_number: c for c in Company.objects.filter(org_number__in=orgs)}
    ids = [int(e.resource_id) for e in events if str(e.resource_id).isdigit()]
    known = set(
        OcrFile.objects.filter(bank_file_id__in=ids)
        .exclude(status=OcrFile.Status.DUPLICATE)
        .values_list("company_id", "bank_file_id")
    )
    client = None
    imported: list[OcrFile] = []
    for event in events:
        company = companies.get(event.org_number)
        if company is None or not str(event.resource_id).isdigit():
            continue  # not one of our companies
        file_id = int(event.resource_id)
        if (company.pk, file_id) in known:
            continue
        client = client or get_client()
        data = client.download_ocr_file(file_id)
        imported.append(
            ocr_file_import(
                company,
                data,
                source=OcrFile.Source.BANK,
                filename=f"nets-ocr-{file_id}.txt",
                bank_file_id=file_id,
            )
        )
        known.add((company.pk, file_id))
    return imported

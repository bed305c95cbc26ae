"""The vendor-level transmission's company parts imported in bulk: one pass for a batch of
companies (``BATCH_COMPANIES`` a transaction), a constant number of queries per batch.

What the company import (``importing.import_part``) does for one company in about 23 round
trips and a commit, this does for a batch of companies in about 15 and one commit: the checks
first, for the whole batch at once (payments imported before, the chart, invoices by company
and KID), each company's part decided by the same rules (``settling.decide_with``), then the
writes: the companies' part files, their vouchers (numbers from each company's series in one
statement), voucher lines, assignments and transactions by COPY, then the invoice
settlements and the invoices' paid amounts by one statement from the transactions just written
(``INSERT … SELECT``, ``UPDATE … FROM``), audit rows and notifications in bulk. Each row
carries its own company, so each company still sees only its own part, its file, its
assignments and its notifications, exactly as the company import would have written them
(tests/ocr/test_transmissions_bulk.py compares the two).

What the bulk pass does not decide, the company import does, one company at a time in its own
transaction: a part that conflicts with an earlier transmission's, a payment that may have
been imported before (from the company's own file), a reversal (types 18 and 20: earlier
payments to look up), a company without the chart its voucher needs, an assignment whose
voucher would not be an ordinary one (nothing net, or an amount beyond the ledger's limit).
Should the batch fail in the database, it is rolled back whole and each of its companies
goes the company import's way: one company's bad data never holds back another's.

The ledger writes here mirror ``ledger.services.payments_in.payments_in_post_bulk`` (one
voucher per assignment: the bank line with the net total and the assignment's reference,
receivables credited with the settled and the unallocated totals), for many companies at once.
"""

from __future__ import annotations

import contextvars
import hashlib
import json
import logging
import zlib
from collections import defaultdict
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bankint import context
from bankint.db import array_literal, copy_lines, copy_rows, id_sequence, joined
from companies.models import AuditEvent
from ledger.models import InvoiceSettlement, NumberSeries, ReferenceKind, Voucher, VoucherLine
from ledger.money import MAX_AMOUNT
from notifications.models import Notification
from notifications.services import notify_bulk

from ..models import OcrAssignment, OcrFile, OcrTransaction
from .reading import Parsed
from .settling import OPEN_STATUSES, Decided, Row, decide_with
from .storing import _TX_FIELDS, _notices, _reason, _row_prefix, _transaction_lines

logger = logging.getLogger(__name__)

# Companies per transaction: large enough that the per-batch queries cost nothing per company,
# small enough that a batch that fails costs little to redo company by company.
BATCH_COMPANIES = 1_000
# Writer threads (connections): the database's work for two batches at once.
WRITERS = 2
RECEIVABLES = "1500"  # ledger.services.chart.RECEIVABLES
ZERO = Decimal("0.00")
_LINE_FIELDS = (
    "voucher", "company", "ledger_account", "amount", "text", "bank_account", "reference_kind", "reference",
    "invoice", "bill",
)  # fmt: skip


class CompanyRef(NamedTuple):
    """A company by its id: all the bulk pass needs of it (the company import gets the company)."""

    pk: int


@dataclass
class Part:
    """One company's part of a transmission: its assignments as a transmission of its own."""

    company: CompanyRef
    # account number → the company's account registered for Nets OCR (``pk``, ``ledger_account``)
    accounts: dict
    parsed: Parsed
    content: bytes  # the part's own bytes (record 10, its assignments, its record 89)


@dataclass
class _Voucher:
    index: int  # the assignment's
    date: object
    text: str
    lines: list[tuple]  # (ledger account, amount, text, bank account id, reference kind, reference)
    settlements: list[Row]
    settled: Decimal
    unallocated: Decimal
    reference: str
    number: int = 0
    pk: int = 0


@dataclass
class _Ready:
    part: Part
    decided: Decided
    vouchers: list[_Voucher] = field(default_factory=list)
    raw: bytes = b""  # the part's bytes, zlib-compressed
    sha256: str = ""
    file: _Written | None = None
    file_id: int = 0
    assignment_ids: list[int] = field(default_factory=list)
    assignment_objs: list = field(default_factory=list)


def parts_import_bulk(row, parts: list[Part]) -> list[Part]:
    """Import ``parts`` (of transmission ``row``) in one transaction; the parts left for the
    company import, each in a transaction of its own (see the module's docstring)."""
    later, ready = parts_checked(parts)
    if ready:
        with transaction.atomic():
            _write(row, ready)
    return later


def parts_checked(parts: list[Part]) -> tuple[list[Part], list[_Ready]]:
    """The checks and decisions for a batch: the parts left for the company import, and the
    rest ready to be written (by :class:`BatchWriter`)."""
    later: list[Part] = []
    return later, _checked(parts, later)


class BatchWriter:
    """Writes checked batches, each in a transaction of its own, on ``WRITERS`` threads of their
    own, each with its own database connection: the next batch is checked and decided while
    the database writes the ones before (COPY, the invoices' UPDATE, the commit are the
    database's time, not Python's, and the database's work of two batches goes on two
    connections, two server processes). Batches hold different companies, so two writers
    never touch the same rows. The caller must not be inside a transaction (the writers'
    connections would not see its rows). The actor context and the language go with each
    batch (``contextvars``). ``finish`` waits for the last batches, closes the writers'
    connections and returns the parts of the batches the database refused, for the company
    import."""

    def __init__(self, row):
        self.row = row
        self.failed: list[Part] = []
        self._pool = ThreadPoolExecutor(max_workers=WRITERS, thread_name_prefix="ocr-bulk-writer")
        self._pending: list[tuple[Future, list[_Ready]]] = []
        self._connections: dict[int, object] = {}  # each writer thread's, closed by ``finish``

    def write(self, ready: list[_Ready]) -> None:
        if not ready:
            return
        future = self._pool.submit(contextvars.copy_context().run, self._write_batch, ready)
        self._pending.append((future, ready))
        while len(self._pending) > WRITERS:  # a batch per writer while the next is checked, no more
            self._collect(*self._pending.pop(0))

    def finish(self) -> list[Part]:
        try:
            while self._pending:
                self._collect(*self._pending.pop(0))
        finally:
            self._pool.shutdown()  # every batch written: the writers' connections are idle
            for used in self._connections.values():
                used.close()  # type: ignore[attr-defined]
            self._connections.clear()
        return self.failed

    def _write_batch(self, ready: list[_Ready]) -> bool:
        used = connections[DEFAULT_DB_ALIAS]  # this writer thread's own
        if id(used) not in self._connections:
            used.inc_thread_sharing()  # to be closed by ``finish``, on the caller's thread
            self._connections[id(used)] = used
        return _write_batch(self.row, ready)

    def _collect(self, future: Future, ready: list[_Ready]) -> None:
        if not future.result():
            self.failed.extend(r.part for r in ready)


def _write_batch(row, ready: list[_Ready]) -> bool:
    try:
        with transaction.atomic():
            _write(row, ready)
    except Exception:  # the batch rolled back whole: its companies go the company import's way
        logger.exception("OCR transmission #%s: a bulk batch of %d companies failed", row.pk, len(ready))
        return False
    return True


# --- the checks, for the whole batch -----------------------------------------------------------


def _checked(parts: list[Part], later: list[Part]) -> list[_Ready]:
    reversal_types = OcrTransaction.REVERSAL_TYPES
    candidates = []
    for part in parts:
        if any(t.type in reversal_types for a in part.parsed.assignments for t in a.transactions):
            later.append(part)  # its earlier payments are the company import's to look up
        else:
            candidates.append(part)
    seen = _imported_before(candidates)
    charted = _charted(candidates)
    invoices = _invoices(candidates)
    # the texts in the active language once for the batch, not twice per company
    texts = (
        _("Settled invoices (%(count)d)"),
        _("Unallocated OCR payments"),
        _("OCR payments, transmission %(t)s assignment %(a)s"),
    )
    ready = []
    for part in candidates:
        company_id = part.company.pk
        needed = {RECEIVABLES, *(a.ledger_account for a in part.accounts.values())}
        if company_id in seen or not needed <= charted.get(company_id, set()):
            later.append(part)
            continue
        decided = decide_with(part.parsed, part.accounts, {}, invoices.get(company_id, {}), {})
        vouchers = _plan_vouchers(part, decided, texts)
        if vouchers is None:
            later.append(part)
            continue
        # the part's bytes as stored and their hash, here: the writer (another thread) has
        # the database's time to wait for, this thread the next batch's Python
        content = part.content
        ready.append(
            _Ready(part, decided, vouchers, zlib.compress(content, 1), hashlib.sha256(content).hexdigest())
        )
    return ready


def _imported_before(parts: list[Part]) -> set[int]:
    """The companies with a payment already imported under one of their part's assignments
    (account and assignment number): their parts go the company import's way, which skips
    such payments one by one. One query."""
    keys = [
        (part.company.pk, a.head.account, a.head.number)
        for part in parts
        for a in part.parsed.assignments
        if a.transactions
    ]
    if not keys:
        return set()
    with connection.cursor() as cursor:
        cursor.execute(
            # LATERAL … LIMIT 1: an index probe per key, never a scan of every payment
            # imported so far hashed for a semi-join (the planner's choice for an unnest)
            "SELECT DISTINCT k.company_id"
            "  FROM unnest(%s::bigint[], %s::text[], %s::text[]) AS k(company_id, account, number)"
            " CROSS JOIN LATERAL (SELECT 1 FROM ocr_ocrtransaction AS t"
            "                      WHERE t.company_id = k.company_id AND t.account = k.account"
            "                        AND t.assignment_number = k.number LIMIT 1) AS t",
            # account and assignment numbers are digits: literals need no quoting
            [
                array_literal(k[0] for k in keys),
                array_literal(k[1] for k in keys),
                array_literal(k[2] for k in keys),
            ],
        )
        return {company_id for (company_id,) in cursor.fetchall()}


def _charted(parts: list[Part]) -> dict[int, set[str]]:
    """Company → which of the ledger accounts its vouchers need are in its chart: one query."""
    if not parts:
        return {}
    numbers = {RECEIVABLES} | {a.ledger_account for part in parts for a in part.accounts.values()}
    found: dict[int, set[str]] = defaultdict(set)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT company_id, number FROM ledger_ledgeraccount"
            " WHERE company_id = ANY(%s::bigint[]) AND number = ANY(%s::text[])",
            [array_literal(part.company.pk for part in parts), array_literal(sorted(numbers))],
        )
        for company_id, number in cursor.fetchall():
            found[company_id].add(number)
    return found


def _invoices(parts: list[Part]) -> dict[int, dict[str, tuple[int, int, bool]]]:
    """Company → KID → (invoice pk, number, open), for the KIDs of the batch's payments, each
    joined on its own company: one query (``settling._invoices_by_kid`` for many companies)."""
    reversal_types = OcrTransaction.REVERSAL_TYPES
    company_ids: list[int] = []
    kids: list[str] = []
    for part in parts:
        mine = {
            t.kid
            for a in part.parsed.assignments
            if a.head.account in part.accounts
            for t in a.transactions
            if t.kid and (t.type not in reversal_types or t.type == 18)
        }
        company_ids.extend([part.company.pk] * len(mine))
        kids.extend(mine)
    found: dict[int, dict[str, tuple[int, int, bool]]] = defaultdict(dict)
    if not kids:
        return found
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT k.n, i.id, i.number, i.is_open"
            "  FROM unnest(%s::bigint[], %s::text[]) WITH ORDINALITY AS k(company_id, kid, n)"
            # LATERAL … LIMIT 1 (a KID is unique in its company): an index probe per KID, never
            # every invoice hashed for each batch (the planner's choice for a join with an
            # unnest); ``kid <> ''`` lets it use the (company, KID) index, which is partial
            " CROSS JOIN LATERAL (SELECT i.id, i.number, i.status IN (%s, %s) AS is_open"
            "                       FROM ledger_invoice AS i"
            "                      WHERE i.company_id = k.company_id AND i.kid = k.kid AND i.kid <> ''"
            "                      LIMIT 1) AS i",
            [array_literal(company_ids), array_literal(kids), *(s.value for s in OPEN_STATUSES)],
        )
        while rows := cursor.fetchmany(10_000):
            for n, pk, number, is_open in rows:
                found[company_ids[n - 1]][kids[n - 1]] = (pk, number, is_open)
    return found


def _plan_vouchers(part: Part, decided: Decided, texts: tuple[str, str, str]) -> list[_Voucher] | None:
    """The voucher of each assignment with payments, as ``payments_in_post_bulk`` would post
    it; None when one would not be an ordinary voucher (left to the company import)."""
    by_assignment: dict[int, list[Row]] = defaultdict(list)
    for r in decided.rows:
        by_assignment[r.assignment].append(r)
    settled_text, unallocated_text, voucher_text = texts
    planned = []
    for index, a in enumerate(part.parsed.assignments):
        mine = by_assignment.get(index)
        if not mine:
            continue
        account = part.accounts[a.head.account]
        settlements = [r for r in mine if r.invoice_id]
        settled = sum((r.amount for r in settlements), ZERO)
        unallocated = sum((r.amount for r in mine if not r.invoice_id), ZERO)
        total = settled + unallocated
        reference = f"OCR{part.parsed.start.number}-{a.head.number}"
        kind = ReferenceKind.OCR_ASSIGNMENT.value
        lines = []
        if total:
            lines.append((account.ledger_account, total, "", account.pk, kind, reference))
        if settled:
            text = settled_text % {"count": len(settlements)}
            lines.append((RECEIVABLES, -settled, text, None, ReferenceKind.NONE.value, ""))
        if unallocated:
            lines.append((RECEIVABLES, -unallocated, unallocated_text, None, kind, reference))
        if len(lines) < 2 or any(abs(line[1]) > MAX_AMOUNT for line in lines):
            return None
        text = voucher_text % {
            "t": part.parsed.start.number,
            "a": a.head.number,
        }
        planned.append(
            _Voucher(
                index,
                a.end.nets_date or timezone.localdate(),  # type: ignore[union-attr]
                text.strip()[:200],
                [(n, amount, t[:200], bank, k, ref[:35]) for n, amount, t, bank, k, ref in lines],
                settlements,
                settled,
                unallocated,
                reference,
            )
        )
    return planned


# --- the writes, for the whole batch -----------------------------------------------------------


def _write(row, ready: list[_Ready]) -> None:
    now = timezone.now()
    _take_ids(ready)
    _files(row, ready, now)
    _vouchers(ready, now)
    _assignments(ready)
    copy_lines(OcrTransaction, _TX_FIELDS, joined(_transaction_lines_of(ready)))
    _settle(ready, now)
    _audit(ready, now)
    notify_bulk(
        [
            Notification(
                company_id=r.part.company.pk,
                audience=Notification.Audience.ADMINS,
                level=notice.level,
                title=notice.title[:200],
                body=notice.body,
                link=notice.link,
                dedup_key=notice.dedup_key,
            )
            for r in ready
            for notice in _notices(r.file, r.part.parsed, None, [], _counts(r))
        ]
    )


def _counts(r: _Ready) -> dict:
    return {"new": r.part.parsed.end.transaction_count, "skipped": 0}


@dataclass(slots=True)
class _Written:
    """What the notices, the transactions' COPY and the audit read of a row written by COPY
    (the model's attributes of the same names)."""

    pk: int
    filename: str = ""
    transaction_count: int = 0
    settled_count: int = 0
    unmatched_count: int = 0
    total_amount: Decimal = ZERO
    account: str = ""
    number: str = ""


_SEQUENCES: dict[str, str] = {}


def _take_ids(ready: list[_Ready]) -> None:
    """Ids for the batch's files, vouchers and assignments, from their sequences in one query,
    so that the rows can name each other before they are written by COPY."""
    tables = (OcrFile._meta.db_table, Voucher._meta.db_table, OcrAssignment._meta.db_table)
    for table in tables:
        if table not in _SEQUENCES:
            _SEQUENCES[table] = id_sequence(table)
    counts = (
        len(ready),
        sum(len(r.vouchers) for r in ready),
        sum(len(r.part.parsed.assignments) for r in ready),
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT array_agg(nextval(%s::regclass)) FROM generate_series(1, %s)),"
            "       (SELECT array_agg(nextval(%s::regclass)) FROM generate_series(1, %s)),"
            "       (SELECT array_agg(nextval(%s::regclass)) FROM generate_series(1, %s))",
            [
                value
                for table, count in zip(tables, counts, strict=True)
                for value in (_SEQUENCES[table], count)
            ],
        )
        files, vouchers, assignments = (iter(ids or ()) for ids in cursor.fetchone())
    for r in ready:
        r.file_id = next(files)
        for v in r.vouchers:
            v.pk = next(vouchers)
        r.assignment_ids = [next(assignments) for _a in r.part.parsed.assignments]
        r.assignment_objs = [
            _Written(pk, account=a.head.account, number=a.head.number)
            for pk, a in zip(r.assignment_ids, r.part.parsed.assignments, strict=True)
        ]


def _files(row, ready: list[_Ready], now) -> None:
    """The companies' part files (one COPY): each its own part's bytes, hash and totals."""
    filename = row.filename or f"nets-ocr-{row.transmission_number}.txt"
    created_by = row.created_by_id
    imported = OcrFile.Status.IMPORTED.value

    def rows():
        for r in ready:
            parsed, content, per = r.part.parsed, r.part.content, r.decided.per_assignment
            r.file = _Written(
                r.file_id,
                filename,
                parsed.end.transaction_count,
                sum(i["settled"] for i in per),
                sum(i["unmatched"] for i in per),
                parsed.end.total_amount,
            )
            yield (
                r.file_id, r.part.company.pk, imported, row.source, filename, row.pk,
                r.raw, r.sha256, len(content),
                parsed.start.transmitter, parsed.start.number, parsed.start.recipient,
                parsed.end.transaction_count, parsed.end.total_amount, r.file.settled_count,
                r.file.unmatched_count, 0, 0, _reason(parsed, None, _counts(r)), now, created_by,
            )  # fmt: skip

    copy_rows(OcrFile, _FILE_FIELDS, rows())


_FILE_FIELDS = (
    "id", "company", "status", "source", "filename", "transmission", "raw", "sha256", "size", "transmitter",
    "transmission_number", "recipient", "transaction_count", "total_amount", "settled_count",
    "unmatched_count", "unassigned_count", "skipped_count", "reason", "created_at", "created_by",
)  # fmt: skip


def _vouchers(ready: list[_Ready], now) -> None:
    """Numbers from each company's voucher series (two statements for the batch), the vouchers
    and their lines (a COPY each)."""
    counts = {r.part.company.pk: len(r.vouchers) for r in ready if r.vouchers}
    if not counts:
        return
    kind = NumberSeries.Kind.VOUCHER.value
    ids = array_literal(sorted(counts))
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO ledger_numberseries (company_id, kind, next_value)"
            " SELECT c, %s, 1 FROM unnest(%s::bigint[]) AS c ON CONFLICT (company_id, kind) DO NOTHING",
            [kind, ids],
        )
        # the series' rows locked in company order: two batches never wait for each other in a circle
        cursor.execute(
            "WITH v(company_id, n) AS (SELECT * FROM unnest(%s::bigint[], %s::bigint[])),"
            " locked AS (SELECT s.id FROM ledger_numberseries AS s JOIN v USING (company_id)"
            "             WHERE s.kind = %s ORDER BY s.company_id FOR UPDATE)"
            " UPDATE ledger_numberseries AS s SET next_value = s.next_value + v.n"
            "   FROM v WHERE s.company_id = v.company_id AND s.kind = %s AND s.id IN (SELECT id FROM locked)"
            " RETURNING s.company_id, s.next_value - v.n",
            [ids, array_literal(counts[c] for c in sorted(counts)), kind, kind],
        )
        first = dict(cursor.fetchall())
    user_id = context.current().user_id
    payment_in = Voucher.Kind.PAYMENT_IN.value
    rows = []
    for r in ready:
        number = first.get(r.part.company.pk, 0)
        for v in r.vouchers:
            v.number, number = number, number + 1
            rows.append((v.pk, r.part.company.pk, v.number, v.date, v.text, payment_in, now, user_id))
    copy_rows(Voucher, ("id", "company", "number", "date", "text", "kind", "posted_at", "posted_by"), rows)
    copy_rows(
        VoucherLine,
        _LINE_FIELDS,
        (
            (v.pk, r.part.company.pk, n, amount, text, bank, k, ref, None, None)
            for r in ready
            for v in r.vouchers
            for n, amount, text, bank, k, ref in v.lines
        ),
    )


def _settle(ready: list[_Ready], now) -> None:
    """The invoices' settlements and their paid amounts and statuses, from the batch's payments
    just written (one statement, the database's time, not Python's): a settlement per payment
    that settles an invoice (its voucher, amount and KID, as ``payments_in_post_bulk`` writes
    them), and each invoice's paid amount and status as ``payments_in._invoices_add_paid``
    sets them. In the bulk pass only a settled payment names an invoice (reversals go the
    company import's way), and every such payment has its assignment's voucher."""
    if not any(v.settlements for r in ready for v in r.vouchers):
        return
    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH s AS (
                INSERT INTO ledger_invoicesettlement
                       (invoice_id, amount, reference, company_id, voucher_id, source, created_at)
                SELECT t.invoice_id, t.amount, left(t.kid, 35), t.company_id, t.voucher_id, %s, %s
                  FROM ocr_ocrtransaction AS t
                 WHERE t.file_id = ANY(%s::bigint[]) AND t.invoice_id IS NOT NULL
                RETURNING invoice_id, company_id, amount
            ), v AS (
                SELECT company_id, invoice_id AS id, sum(amount) AS delta FROM s GROUP BY company_id, invoice_id
            )
            UPDATE ledger_invoice AS i
               SET paid_amount = i.paid_amount + v.delta,
                   status = CASE WHEN i.paid_amount + v.delta <= 0 THEN 'OPEN'
                                 WHEN i.paid_amount + v.delta < i.amount THEN 'PARTLY_PAID'
                                 WHEN i.paid_amount + v.delta = i.amount THEN 'PAID'
                                 ELSE 'OVERPAID' END,
                   paid_at = CASE WHEN i.paid_amount + v.delta >= i.amount THEN %s::timestamptz END
              FROM v
             WHERE i.id = v.id AND i.company_id = v.company_id
            """,
            [InvoiceSettlement.Source.OCR.value, now, array_literal(r.file_id for r in ready), now],
        )


def _assignments(ready: list[_Ready]) -> None:
    def rows():
        for r in ready:
            vouchers = {v.index: v.pk for v in r.vouchers}
            reference = f"OCR{r.part.parsed.start.number}-"
            for index, (a, info, pk) in enumerate(
                zip(r.part.parsed.assignments, r.decided.per_assignment, r.assignment_ids, strict=True)
            ):
                end = a.end
                yield (
                    pk, r.part.company.pk, r.file_id, a.head.number, a.head.account, a.head.agreement_id or "",
                    r.part.accounts[a.head.account].pk, False, end.transaction_count, end.total_amount,
                    info["net"], end.nets_date, info["settled"], info["unmatched"], info["skipped"],
                    vouchers.get(index), reference + a.head.number,
                )  # fmt: skip

    copy_rows(OcrAssignment, _ASSIGNMENT_FIELDS, rows())


_ASSIGNMENT_FIELDS = (
    "id", "company", "file", "number", "account", "agreement_id", "bank_account", "unassigned",
    "transaction_count", "total_amount", "net_amount", "nets_date", "settled_count", "unmatched_count",
    "skipped_count", "voucher", "reference",
)  # fmt: skip


def _transaction_lines_of(ready: list[_Ready]):
    for r in ready:
        by_assignment: dict[int, list[Row]] = defaultdict(list)
        for x in r.decided.rows:
            by_assignment[x.assignment].append(x)
        vouchers = {v.index: v.pk for v in r.vouchers}
        for index, obj in enumerate(r.assignment_objs):
            mine = by_assignment.get(index)
            if mine:
                yield from _transaction_lines(
                    mine, _row_prefix(r.part.company, r.file, obj, vouchers.get(index))
                )


def _audit(ready: list[_Ready], now) -> None:
    """What ``payments_in_post_bulk`` and the company import audit (``invoice.settle_bulk`` per
    voucher, ``ocr_file.import`` per file), for the batch in one COPY, stamped as
    ``companies.services.audit_record`` stamps a row (who acts, from where)."""
    ctx = context.current()
    actor = (ctx.user_id, ctx.username or "")
    tail = (ctx.source, ctx.ip, ctx.request_id if ctx.request_id != "-" else "", now)
    source = InvoiceSettlement.Source.OCR.value

    def rows():
        for r in ready:
            company_id = r.part.company.pk
            for v in r.vouchers:
                changes = {
                    "invoices": len({s.invoice_id for s in v.settlements}),
                    "settled": f"{v.settled:.2f}",
                    "unallocated": f"{v.unallocated:.2f}",
                    "source": source,
                    "reference": v.reference,
                }
                repr_ = f"#{v.number} {v.date:%Y-%m-%d} {v.text}"[:200]
                yield (company_id, *actor, "invoice.settle_bulk", "ledger.voucher", str(v.pk), repr_,
                       json.dumps(changes), *tail)  # fmt: skip
            f = r.file
            changes = {
                "transmission": r.part.parsed.start.number,
                "transactions": f.transaction_count,
                "settled": f.settled_count,
                "unmatched": f.unmatched_count,
                "unassigned": 0,
                "skipped": 0,
                "total": f"{f.total_amount:.2f}",
                "conflict_with": None,
            }
            repr_ = f"OCR #{f.pk} {r.part.parsed.start.number or f.filename}"[:200]
            yield (company_id, *actor, "ocr_file.import", "ocr.ocrfile", str(f.pk), repr_, json.dumps(changes),
                   *tail)  # fmt: skip

    copy_rows(AuditEvent, _AUDIT_FIELDS, rows())


_AUDIT_FIELDS = (
    "company", "actor", "actor_label", "action", "object_type", "object_id", "object_repr", "changes", "source",
    "ip", "request_id", "created_at",
)  # fmt: skip

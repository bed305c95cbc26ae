"""An OCR file's import written: the file, its assignments, one voucher per assignment that
settles its invoices in bulk, the transactions by COPY (as text the import formats itself,
while the database updates the invoices), and what the company must hear about."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bankint.db import copy_lines, copy_text, joined
from bankint.intake import Notice
from ledger.services.payments_in import payments_in_post_bulk
from notifications.models import Notification

from ..models import OcrAssignment, OcrFile, OcrTransaction
from .intake import INTAKE
from .reading import Parsed
from .settling import CHUNK, Decided, Row, chunks

ZERO = Decimal("0.00")


def store(
    company, parsed: Parsed, accounts, decided: Decided, *, raw: bytes, conflict_with, fields: dict
) -> OcrFile:
    """Write the decided file in one transaction; ``fields`` are the file row's own columns
    (source, file name, hash, size, bank file id, user)."""
    unassigned = [a for a in parsed.assignments if a.head.account not in accounts]
    per_assignment = decided.per_assignment
    counts = {"new": parsed.end.transaction_count - decided.skipped, "skipped": decided.skipped}
    with transaction.atomic():
        file = OcrFile.objects.create(
            company=company,
            status=OcrFile.Status.PARTLY_UNASSIGNED if unassigned else OcrFile.Status.IMPORTED,
            raw=b"",  # stored below, past Django's cursor
            transmitter=parsed.start.transmitter,
            transmission_number=parsed.start.number,
            recipient=parsed.start.recipient,
            transaction_count=parsed.end.transaction_count,
            total_amount=parsed.end.total_amount,
            settled_count=sum(i["settled"] for i in per_assignment),
            unmatched_count=sum(i["unmatched"] for i in per_assignment),
            unassigned_count=decided.unassigned_rows,
            skipped_count=decided.skipped,
            conflict_with=conflict_with,
            reason=_reason(parsed, conflict_with, counts),
            **fields,
        )
        INTAKE.store(file.pk, raw)
        del raw
        assignment_objs = _assignments(company, file, parsed, accounts, per_assignment, conflict_with)
        rows = decided.rows
        vouchers, formatted = _post_vouchers(company, file, assignment_objs, rows)
        _insert_transactions(company, file, assignment_objs, vouchers, rows, formatted)
        reversed_ids = [r.reverses_id for r in rows if r.reverses_id]
        for chunk in chunks(reversed_ids, CHUNK):
            OcrTransaction.objects.filter(company=company, pk__in=chunk).update(
                status=OcrTransaction.Status.REVERSED
            )
        INTAKE.audit(
            "import",
            file,
            company,
            {
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
        for notice in _notices(file, parsed, conflict_with, unassigned, counts):
            INTAKE.send(company, notice)
    return file


def _reason(parsed: Parsed, conflict_with, counts: dict) -> str:
    if conflict_with is not None:
        return _(
            "Conflict: transmission %(number)s from data transmitter %(transmitter)s was already imported "
            "as #%(other)d with other content. Its transactions were checked one by one: %(new)d new "
            "imported, %(skipped)d already imported."
        ) % {
            "number": parsed.start.number,
            "transmitter": parsed.start.transmitter,
            "other": conflict_with.pk,
            **counts,
        }
    if counts["skipped"]:
        return (
            _("%(new)d new transactions imported, %(skipped)d already imported from earlier files.") % counts
        )
    return ""


def _assignments(
    company, file, parsed: Parsed, accounts, per_assignment, conflict_with
) -> list[OcrAssignment]:
    return OcrAssignment.objects.bulk_create(
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


def _notices(file: OcrFile, parsed: Parsed, conflict_with, unassigned, counts: dict):
    if conflict_with is not None:
        yield Notice(
            title=_("OCR file conflicts with an earlier one"),
            body=_(
                "OCR file %(name)s (#%(id)d) has the same data transmitter and transmission number "
                "(%(transmitter)s, %(number)s) as OCR file #%(other)d, but other content: it is not a "
                "duplicate. Of its %(count)d transactions, %(new)d were new and are imported, %(skipped)d "
                "were already imported. Ask the bank or Nets why the transmission number was used twice."
            )
            % {
                "name": file.filename or _("from the bank"),
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
        yield Notice(
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
        yield Notice(
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


def _post_vouchers(
    company, file, assignment_objs, rows
) -> tuple[dict[int, int | None], dict[int, list[str]]]:
    """One voucher per assignment; returns the voucher ids and the assignments' transaction
    rows as COPY text, formatted while the database updated the invoices."""
    by_assignment: dict[int, list[Row]] = defaultdict(list)
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
            formatted[index] = list(joined(_transaction_lines(mine, prefix)))

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
        by_assignment: dict[int, list[Row]] = defaultdict(list)
        for row in rows:
            if row.assignment not in formatted:
                by_assignment[row.assignment].append(row)
        for index, obj in enumerate(assignment_objs):
            if index in formatted:
                yield from formatted.pop(index)
            elif by_assignment.get(index):
                prefix = _row_prefix(company, file, obj, vouchers.get(index))
                yield from joined(_transaction_lines(by_assignment.pop(index), prefix))

    copy_lines(OcrTransaction, _TX_FIELDS, chunks())


def _transaction_lines(rows: list[Row], prefix: str):
    """COPY text of the rows, a line each, in ``_TX_FIELDS`` order after ``prefix`` (the
    columns an assignment's rows share).

    Everything but the free text and the note is digits, a number or a date, which need no
    escaping; ISO dates are cached (a file has a handful of distinct dates).
    """
    iso: dict = {None: "\\N"}
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
        yield (
            f"{prefix}{t.number}\t{t.type}\t{r.status}\t{r.amount}\t{t.kid or ''}\t{nets}\t"
            f"{bank}\t{t.payer_account or ''}\t{text}\t{t.archive_reference or ''}\t{t.form_number}\t"
            f"{invoice}\t{reverses}\t{note}\n"
        )

"""What each transaction of an OCR file does: settles the invoice its KID names, waits for a person
(no such invoice, a credit note, a paid invoice), reverses an earlier payment, is kept aside
(an account not registered for Nets OCR), or is skipped (already imported from another file).
A constant number of queries for the whole file: KIDs, earlier payments and reversal targets
are each looked up in bulk.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from django.db import connection
from django.utils.translation import gettext_noop as N_

from accounts.models import BankAccount, PaymentMethod
from bankint.db import array_literal
from bankint.stored_text import register_keys
from bankint.stored_text import stored as keep
from ledger.models import Invoice

from ..models import OcrTransaction
from .reading import Parsed, Tx

# Notes are kept as a message id and values and worded when read (bankint.stored_text); the
# column is narrow, so the long ones keep a short key.
_CREDIT_NOTE = N_(
    "A credit note (sign '-' in the file): it reduces the amount credited and settles no invoice. "
    "Book it by hand."
)
register_keys(
    {
        "ocr.credit_note": _CREDIT_NOTE,
        "ocr.credit_note_kid": N_(
            "A credit note (sign '-' in the file): it reduces the amount credited and settles no invoice. "
            "Book it by hand. The KID is that of invoice %(number)d."
        ),
    }
)

ZERO = Decimal("0.00")
OPEN_STATUSES = (Invoice.Status.OPEN, Invoice.Status.PARTLY_PAID)
# KIDs per look-up: a file of 100,000 payments in one query.
_KID_CHUNK = 100_000
# Values per ``IN`` list elsewhere (reversal targets, reversed payments).
CHUNK = 10_000


def chunks(values: list, size: int):
    for start in range(0, len(values), size):
        yield values[start : start + size]


@dataclass(slots=True)
class Row:
    """A transaction as it will be stored, with what it settles."""

    assignment: int
    tx: Tx
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


@dataclass
class Decided:
    """The file's rows, and per assignment what its transactions did."""

    rows: list[Row]
    per_assignment: list[dict]
    unassigned_rows: int
    skipped: int


def ocr_accounts(company) -> dict[str, BankAccount]:
    """The company's active accounts registered for Nets OCR, by account number."""
    return {
        a.account_number: a
        for a in BankAccount.objects.filter(company=company, is_active=True)
        if PaymentMethod.NETS_OCR in (a.incoming_payment_methods or [])
    }


def decide(company, parsed: Parsed, accounts: dict[str, BankAccount]) -> Decided:
    """Every transaction of the file turned into its row (or skipped), in the file's order."""
    existing = _already_imported(company, parsed)
    invoices = _invoices(company, parsed, accounts)
    return decide_with(parsed, accounts, existing, invoices, _reversal_targets(company, parsed, accounts))


def decide_with(parsed: Parsed, accounts, existing: dict, invoices: dict, targets: dict) -> Decided:
    """``decide`` with what it looks up handed over: payments already imported (per account
    and assignment number), invoices by KID and reversal targets. The vendor-level bulk pass
    looks these up for many companies at once and decides each company's part here."""
    decider = _Decider(invoices, targets, parsed)
    reversal_types = OcrTransaction.REVERSAL_TYPES
    unmatched_status = OcrTransaction.Status.UNMATCHED.value
    unassigned_status = OcrTransaction.Status.UNASSIGNED.value
    rows: list[Row] = []
    append = rows.append
    decided = Decided(rows, [], 0, 0)
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
                append(Row(index, t, amount, unassigned_status))
                decided.unassigned_rows += 1
                continue
            net += amount
            row = decider.row(index, t, amount, reversal)
            if row.status == unmatched_status:
                unmatched += 1
            else:
                settled += 1
            append(row)
        decided.skipped += skipped
        decided.per_assignment.append(
            {"settled": settled, "unmatched": unmatched, "skipped": skipped, "net": net, "count": count}
        )
    return decided


def _already_imported(company, parsed: Parsed) -> dict[tuple[str, str], set[tuple]]:
    """Payments already imported (from another file), per (account, assignment number).

    A payment is the same when Nets says the same about it: account, assignment and
    transaction number, and also its date, amount, KID and the bank's archive reference, so
    that a re-send is skipped while another payment under a reused number (demo data, a
    conflicting transmission) is not lost.
    """
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
    return existing


def _invoices(company, parsed: Parsed, accounts) -> dict[str, tuple[int, int, bool]]:
    """KID → (invoice pk, number, open) for the KIDs of the file's payments: one query."""
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
    for chunk in chunks(kids, _KID_CHUNK):
        _invoices_by_kid(company, chunk, invoices)
    return invoices


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
            [*(s.value for s in OPEN_STATUSES), array_literal(kids), company.pk],
        )
        while rows := cursor.fetchmany(10_000):  # in batches: row by row costs more than the query
            for n, pk, number, is_open in rows:
                into[kids[n - 1]] = (pk, number, is_open)


@cache
def _constants() -> tuple[str, str, str, str, str]:
    """The statuses and the stored notes every decision may use: built once per process, not
    once per file (the vendor-level bulk pass decides thousands of company parts)."""
    return (
        OcrTransaction.Status.SETTLED.value,
        OcrTransaction.Status.UNMATCHED.value,
        keep(N_("No invoice has this KID.")),
        keep(N_("No KID: allocate by hand.")),
        keep("", key="ocr.credit_note"),
    )


class _Decider:
    """One assigned, not yet imported transaction into its row: settled, unmatched or a reversal."""

    def __init__(self, invoices, targets, parsed: Parsed):
        self.invoices, self.targets = invoices, targets
        # payments earlier in this file, for reversals (kept only when the file has any)
        self.in_file: dict[tuple, list[Row]] | None = None
        if any(t.type in OcrTransaction.REVERSAL_TYPES for a in parsed.assignments for t in a.transactions):
            self.in_file = defaultdict(list)
        self.settled, self.unmatched, self.no_invoice, self.no_kid, self.credit_note = _constants()

    def row(self, index: int, t: Tx, amount: Decimal, reversal: bool) -> Row:
        if t.amount < ZERO:
            # A credit note (sign '-'): money back to a payer, never a payment of an
            # invoice. It waits for a person, the invoice its KID names noted.
            found = self.invoices.get(t.kid) if t.kid else None
            note = self.credit_note
            if found is not None:
                note = keep("", key="ocr.credit_note_kid", number=found[1])
            return Row(index, t, amount, self.unmatched, note=note)
        if reversal:
            return _reverse(index, t, amount, self.invoices, self.targets, self.in_file or {})
        found = self.invoices.get(t.kid) if t.kid else None
        if found is not None and found[2]:
            row = Row(index, t, amount, self.settled, found[0])
        elif found is None:
            row = Row(index, t, amount, self.unmatched, note=self.no_invoice if t.kid else self.no_kid)
        else:
            row = Row(
                index,
                t,
                amount,
                self.unmatched,
                note=keep(N_("Invoice %(number)d is already paid."), number=found[1]),
            )
        if self.in_file is not None:
            self.in_file[(t.kid, t.payer_account, t.amount, t.type)].append(row)
        return row


def _reversal_targets(company, parsed: Parsed, accounts) -> dict[tuple, list[tuple[int, int | None, str]]]:
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
    for chunk in chunks(kids, CHUNK):
        for pk, kid, _payer, amount, invoice_id, status in base.filter(kid__in=chunk).values_list(*fields):
            found[("kid", kid, amount)].append((pk, invoice_id, status))
    for chunk in chunks(payers, CHUNK):
        for pk, _kid, payer, amount, invoice_id, status in base.filter(
            kid="", payer_account__in=chunk
        ).values_list(*fields):
            found[("payer", payer, amount)].append((pk, invoice_id, status))
    return found


def _reverse(index, t: Tx, amount: Decimal, invoices, targets, in_file) -> Row:
    """A type 18 (by KID) or 20 (by payer's account and text) undoes the payment it refers to."""
    row = Row(index, t, amount, OcrTransaction.Status.REVERSAL)
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
            earlier.note = keep(N_("Reversed by transaction %(n)d."), n=t.number)
            row.note = keep(N_("Reverses transaction %(n)d."), n=earlier.tx.number)
            return row
    stored = targets.get(key) or []
    while stored:
        pk, invoice_id, _status = stored.pop()
        row.invoice_id, row.reverses_id = invoice_id, pk
        row.note = keep(N_("Reverses an earlier payment."))
        return row
    found = invoices.get(t.kid) if t.kid else None
    if found is not None:
        row.invoice_id = found[0]  # the payment came by another route: undo it on the invoice
        row.note = keep(N_("Reverses a payment of invoice %(number)d."), number=found[1])
        return row
    row.status = OcrTransaction.Status.UNMATCHED
    row.note = keep(N_("A reversal that refers to no payment we know: handle it by hand."))
    return row

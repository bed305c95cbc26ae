"""The automatic matcher of bank reconciliation: bank statement entries against ledger lines.

Why it exists: reconciliation (bankavstemming, issue 8) proves that what the bank booked is
what the ledger says. Most entries carry a reference that ties them to exactly one posting,
so a machine can match them; what it cannot match safely it must leave for a person with a
reason, because a wrong automatic match hides an error that nobody looks at again.

Pure module (no Django): the import service hands in plain :class:`BankEntry` and
:class:`LedgerLine` values and stores the :class:`MatchResult`. Rules run in this order;
each match records its rule, and an entry or line taken by one rule is gone for the next:

1. ``E2E`` — our EndToEndId, echoed by the bank, ↔ the outgoing payment's ledger line. A
   batch booking (one entry, several EndToEndIds) matches all its payments' lines at once.
   An entry that names a payment abroad by its UETR only (camt.053.001.08, EndToEndId
   missing or ``NOTPROVIDED``) is matched the same way through the EndToEndId the caller
   knows for that UETR (``match_entries(uetr_end_to_end=…)``).
2. ``OCR_ASSIGNMENT`` — Nets books an OCR assignment as *one* credit for its total (the
   statement shows the assignment, not its payments), so the assignment's N ledger lines
   (one per KID payment, reference = the assignment) match that one entry 1:N when their
   sum equals it: by the assignment reference when the bank echoes it, else as the only OCR
   total with that amount within ±3 banking days of the only such credit.
3. ``REFERENCE`` — a KID (or an invoice number) on the entry ↔ a payment line with it.
4. ``AMOUNT_DATE`` — same account, same signed amount, booking date within ±3 banking days,
   and only when exactly one candidate exists on *both* sides: two lines of 500.00 within
   the window of one entry (or two entries for one line) is a question, not a match.
5. ``FEE`` — the bank's own charges (charge transaction codes), and the charges inside a
   batch booking, become :class:`FeePosting` proposals: the service posts them to the
   account's fee account (default 7770) and matches them in one step.

Money rules: amounts are signed ``Decimal`` kroner (+ = money in, as the bank sees the
account). A match is only made when its sums agree exactly: Σ ledger lines ==
``entry.amount + entry.charges`` (the charges being the part a :class:`FeePosting` covers).
A line never matches an entry of the opposite sign.

Reversals (RvslInd) are never matched automatically except by EndToEndId of the same sign:
undoing a match is a decision for a person.

Speed: everything is dict indexes and sorted lists with ``bisect`` (rule 4's date window is
a sort + binary search per amount group), so the work is O(n log n). Measured on a shared
2-core machine (all five rules mixed): 100,000 entries against 120,000 lines in 1.0 s;
1,000,000 against 1,200,000 in 10.1 s (10.4×; between 9× and 13× over several runs, the
spread being garbage collection and the other processes on the machine).

The banking days the windows count in are :mod:`reconciliation.banking_days` (pure too);
``BankingCalendar`` and ``norwegian_public_holidays`` are named here as well, as before.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from operator import attrgetter

from .banking_days import BankingCalendar, norwegian_public_holidays

__all__ = [
    "BankEntry",
    "BankingCalendar",
    "FeePosting",
    "LedgerLine",
    "Match",
    "MatchResult",
    "Rule",
    "Unmatched",
    "Why",
    "match_entries",
    "norwegian_public_holidays",
]

ZERO = Decimal("0.00")
DEFAULT_WINDOW = 3  # banking days either side, from the issue; wider windows make false matches


class Rule(StrEnum):
    E2E = "E2E"
    OCR_ASSIGNMENT = "OCR_ASSIGNMENT"
    REFERENCE = "REFERENCE"
    AMOUNT_DATE = "AMOUNT_DATE"
    FEE = "FEE"


class Why(StrEnum):
    """Why an entry was left for a person: a stable code and its ``Unmatched.params``.

    The English ``Unmatched.reason`` is for logs and tests; the service words the code for
    people (in their language) from the params named beside each code.
    """

    REFERENCE_AMBIGUOUS = "REFERENCE_AMBIGUOUS"  # rule, count, reference
    REFERENCE_PARTIAL = "REFERENCE_PARTIAL"  # rule, found, wanted, missing
    REFERENCE_SUM = "REFERENCE_SUM"  # rule, total, amount, charges
    OCR_TOTAL = "OCR_TOTAL"  # reference, total, amount
    AMOUNT_DATE_AMBIGUOUS = "AMOUNT_DATE_AMBIGUOUS"  # count, amount, window
    AMOUNT_DATE_SHARED = "AMOUNT_DATE_SHARED"  # amount, window
    REVERSAL = "REVERSAL"
    BATCH_CHARGES = "BATCH_CHARGES"
    NO_CANDIDATE = "NO_CANDIDATE"  # amount, window


class RefKind(StrEnum):
    E2E = "E2E"
    OCR_ASSIGNMENT = "OCR_ASSIGNMENT"
    KID = "KID"
    INVOICE = "INVOICE"


@dataclass(frozen=True, slots=True)
class BankEntry:
    """What the matcher needs of a statement entry. ``amount`` is signed (+ credit)."""

    id: int | str
    account: str
    booking_date: date
    amount: Decimal
    end_to_end_ids: tuple[str, ...] = ()
    kids: tuple[str, ...] = ()
    references: tuple[str, ...] = ()  # invoice numbers, OCR assignment refs, found by the importer
    is_charge: bool = False
    reversal: bool = False
    charges: Decimal = ZERO  # the fee inside a batch booking: Σ transactions − amount
    # UETRs of payments abroad, at least those of transactions without an EndToEndId (found by
    # their UETR only); a UETR whose payment's EndToEndId the entry also gives counts once.
    uetrs: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class LedgerLine:
    """A posting on the bank's ledger account. ``amount`` is signed (+ = money into the bank)."""

    id: int | str
    account: str
    date: date
    amount: Decimal
    reference_kind: str | None = None  # RefKind value or None
    reference: str | None = None


class Match:
    """``entry_ids`` ↔ ``line_ids`` by ``rule``; ``amount`` is Σ of the matched ledger lines.

    Immutable. A side with one id keeps the bare id and gives the tuple on access: a
    100,000-entry file makes 100,000 matches, nearly all 1:1, and two one-element tuples
    each would be most of their memory.
    """

    __slots__ = ("_entries", "_lines", "amount", "rule")

    def __init__(self, rule: Rule, entry_ids: tuple, line_ids: tuple, amount: Decimal):
        setter = object.__setattr__
        setter(self, "rule", rule)
        setter(self, "_entries", entry_ids[0] if len(entry_ids) == 1 else tuple(entry_ids))
        setter(self, "_lines", line_ids[0] if len(line_ids) == 1 else tuple(line_ids))
        setter(self, "amount", amount)

    def __setattr__(self, name, value):
        raise AttributeError("a Match is immutable")

    @property
    def entry_ids(self) -> tuple:
        return self._entries if type(self._entries) is tuple else (self._entries,)

    @property
    def line_ids(self) -> tuple:
        return self._lines if type(self._lines) is tuple else (self._lines,)

    def __eq__(self, other) -> bool:
        if not isinstance(other, Match):
            return NotImplemented
        return (self.rule, self.entry_ids, self.line_ids, self.amount) == (
            other.rule,
            other.entry_ids,
            other.line_ids,
            other.amount,
        )

    def __hash__(self) -> int:
        return hash((self.rule, self.entry_ids, self.line_ids, self.amount))

    def __repr__(self) -> str:
        return f"Match(rule={self.rule!r}, entry_ids={self.entry_ids!r}, line_ids={self.line_ids!r}, amount={self.amount!r})"


@dataclass(frozen=True, slots=True)
class FeePosting:
    """A proposal: post ``amount`` (signed, negative = a fee paid) to the fee account and match it."""

    rule: Rule
    entry_id: int | str
    account: str
    booking_date: date
    amount: Decimal
    reason: str


@dataclass(frozen=True, slots=True)
class Unmatched:
    id: int | str
    reason: str  # English, for logs and tests
    code: str = ""  # a Why value (entries only)
    params: tuple[tuple[str, object], ...] = ()  # (name, value) pairs, values as the matcher saw them


@dataclass(frozen=True, slots=True)
class MatchResult:
    matches: tuple[Match, ...]
    fee_postings: tuple[FeePosting, ...]
    unmatched_entries: tuple[Unmatched, ...]
    unmatched_lines: tuple[Unmatched, ...]


def _sort_key(item) -> tuple:
    # Ids of one kind sort naturally; mixed kinds fall back to their text. Sorting makes the
    # result independent of the order the caller happened to load rows in.
    return (type(item.id).__name__, item.id)


def _sorted(rows: Sequence) -> list:
    if all(type(row.id) is int for row in rows):  # the usual case: no key tuple per row
        return sorted(rows, key=attrgetter("id"))
    return sorted(rows, key=_sort_key)


def match_entries(
    entries: Sequence[BankEntry],
    lines: Sequence[LedgerLine],
    *,
    calendar: BankingCalendar | None = None,
    window: int = DEFAULT_WINDOW,
    uetr_end_to_end: Mapping[str, str] | None = None,
) -> MatchResult:
    """Match ``entries`` against ``lines`` with the rules of the module docstring.

    ``uetr_end_to_end``: UETR → the EndToEndId of the payment with it, for entries that name
    their payments by UETR only (the ledger line carries the EndToEndId).
    """
    calendar = calendar or BankingCalendar()
    for name, rows in (("entry", entries), ("ledger line", lines)):
        # "Never matched twice" is kept by id: two rows sharing one would defeat it.
        if len({row.id for row in rows}) != len(rows):
            raise ValueError(f"Every {name} needs its own id; some ids occur twice")
    entries = _sorted(entries)
    lines = _sorted(lines)
    matcher = _Matcher(entries, lines, calendar, window, uetr_end_to_end or {})
    return matcher.run()


class _Matcher:
    def __init__(
        self,
        entries: list[BankEntry],
        lines: list[LedgerLine],
        calendar: BankingCalendar,
        window: int,
        uetr_end_to_end: Mapping[str, str],
    ):
        self.entries = entries
        self.uetr_end_to_end = uetr_end_to_end
        self.lines = lines
        self.calendar = calendar
        self.window = window
        self.entry_done: set = set()
        self.line_done: set = set()
        self.entry_reason: dict = {}  # entries a rule looked at and refused: (reason, code, params)
        self.matches: list[Match] = []
        self.fees: list[FeePosting] = []
        # Reference index: (account, kind) → reference → the line, or a list of lines (in id
        # order) when several share it. Nested and without a list per line: for 100,000 lines
        # a tuple key and a one-line list each cost more memory than the lines themselves.
        self.by_ref: dict[tuple[str, str], dict[str, LedgerLine | list[LedgerLine]]] = defaultdict(dict)
        for line in lines:
            if line.reference_kind and line.reference:
                index = self.by_ref[(line.account, line.reference_kind)]
                found = index.get(line.reference)
                if found is None:
                    index[line.reference] = line
                elif isinstance(found, list):
                    found.append(line)
                else:
                    index[line.reference] = [found, line]

    # -- bookkeeping ---------------------------------------------------------------------

    def _take(self, rule: Rule, entry: BankEntry, lines: Sequence[LedgerLine]) -> None:
        self.entry_done.add(entry.id)
        if self.entry_reason:
            self.entry_reason.pop(entry.id, None)
        if len(lines) == 1:  # the common case, without a new Decimal per match
            line_ids = (lines[0].id,)
            self.line_done.add(lines[0].id)
            total = lines[0].amount
        else:
            line_ids = tuple(line.id for line in lines)
            self.line_done.update(line_ids)
            total = sum((line.amount for line in lines), ZERO)
        self.matches.append(Match(rule, (entry.id,), line_ids, total))
        if entry.charges:
            self.fees.append(
                FeePosting(
                    Rule.FEE,
                    entry.id,
                    entry.account,
                    entry.booking_date,
                    -entry.charges,
                    "charges inside a batch booking (entry total minus its transactions)",
                )
            )

    def _refuse(self, entry_id, reason: str, code: Why, **params) -> None:
        self.entry_reason[entry_id] = (reason, code, tuple(params.items()))

    def _open(self, candidates: Iterable[LedgerLine], sign: int) -> list[LedgerLine]:
        return [line for line in candidates if line.id not in self.line_done and _sign(line.amount) == sign]

    # -- rules 1 and 3: by reference ------------------------------------------------------

    def _by_reference(self, rule: Rule, entry: BankEntry, refs: Sequence[tuple[str, str]]) -> bool:
        """Match ``entry`` to one open line per reference when all are found and the sums agree."""
        sign = _sign(entry.amount)
        chosen: list[LedgerLine] = []
        missing = []
        for kind, ref in refs:
            index = self.by_ref.get((entry.account, kind))
            candidates = index.get(ref) if index is not None else None
            if candidates is None:
                found = []
            elif isinstance(candidates, list):
                found = self._open(candidates, sign)
            else:
                found = self._open((candidates,), sign)
            if not found:
                missing.append(ref)
                continue
            if len(found) > 1:
                self._refuse(
                    entry.id,
                    f"{rule}: {len(found)} open ledger lines carry the reference {ref}; choose one by hand",
                    Why.REFERENCE_AMBIGUOUS,
                    rule=str(rule),
                    count=len(found),
                    reference=ref,
                )
                return False
            chosen.append(found[0])
        if not chosen:
            return False  # none of the references is known: later rules may still match
        if missing:
            self._refuse(
                entry.id,
                f"{rule}: {len(chosen)} of {len(refs)} references found, not {', '.join(missing[:3])}",
                Why.REFERENCE_PARTIAL,
                rule=str(rule),
                found=len(chosen),
                wanted=len(refs),
                missing=", ".join(missing[:3]),
            )
            return False
        unique = list({line.id: line for line in chosen}.values())
        total = sum((line.amount for line in unique), ZERO)
        if total != entry.amount + entry.charges:
            self._refuse(
                entry.id,
                f"{rule}: the ledger lines for its references sum to {total}, the bank booked {entry.amount}"
                + (f" with {entry.charges} in charges" if entry.charges else ""),
                Why.REFERENCE_SUM,
                rule=str(rule),
                total=total,
                amount=entry.amount,
                charges=entry.charges,
            )
            return False
        self._take(rule, entry, unique)
        return True

    def rule_e2e(self) -> None:
        by_uetr = self.uetr_end_to_end
        for entry in self.entries:
            if entry.id in self.entry_done:
                continue
            ids = entry.end_to_end_ids
            if entry.uetrs and by_uetr:
                # A transaction named by its UETR only: its payment's EndToEndId, where the
                # caller knows it (a transaction with both gives the same id twice, kept once).
                ids = (*ids, *(by_uetr[u] for u in entry.uetrs if u in by_uetr))
            if not ids:
                continue
            refs = [(RefKind.E2E, ref) for ref in dict.fromkeys(ids)]
            self._by_reference(Rule.E2E, entry, refs)

    def rule_reference(self) -> None:
        for entry in self.entries:
            if entry.id in self.entry_done or entry.reversal or entry.is_charge:
                continue
            if entry.id in self.entry_reason:
                continue  # a stronger reference already pointed elsewhere
            # The KID is the stronger reference; an invoice number the payer typed is tried
            # only when no KID of the entry is known in the ledger.
            kids = [(RefKind.KID, kid) for kid in dict.fromkeys(entry.kids)]
            if kids and self._by_reference(Rule.REFERENCE, entry, kids):
                continue
            invoices = [(RefKind.INVOICE, ref) for ref in dict.fromkeys(entry.references)]
            if invoices and entry.id not in self.entry_reason:
                self._by_reference(Rule.REFERENCE, entry, invoices)

    # -- rule 2: OCR assignment totals -----------------------------------------------------

    def rule_ocr(self, numbers: dict[date, int]) -> None:
        groups: dict[tuple[str, str], list[LedgerLine]] = defaultdict(list)
        for line in self.lines:
            if (
                line.reference_kind == RefKind.OCR_ASSIGNMENT
                and line.reference
                and line.id not in self.line_done
            ):
                groups[(line.account, line.reference)].append(line)
        if not groups:
            return
        totals = {key: sum((line.amount for line in group), ZERO) for key, group in groups.items()}

        # (a) the bank echoed the assignment reference on the entry.
        for entry in self.entries:
            if (
                entry.id in self.entry_done
                or entry.reversal
                or entry.is_charge
                or entry.amount + entry.charges <= 0
            ):
                continue
            for ref in entry.references:
                key = (entry.account, ref)
                if key in groups and key in totals:
                    if totals[key] == entry.amount + entry.charges:
                        self._take(Rule.OCR_ASSIGNMENT, entry, groups.pop(key))
                        del totals[key]
                    else:
                        self._refuse(
                            entry.id,
                            f"OCR_ASSIGNMENT: assignment {ref} totals {totals[key]}, the bank booked {entry.amount}",
                            Why.OCR_TOTAL,
                            reference=ref,
                            total=totals[key],
                            amount=entry.amount,
                        )
                    break

        # (b) no reference: the only assignment total ↔ the only credit, within the window.
        by_amount: dict[tuple[str, Decimal], list[tuple[int, tuple[str, str]]]] = defaultdict(list)
        for key, group in groups.items():
            day = max(line.date for line in group)
            by_amount[(key[0], totals[key])].append((numbers[day], key))
        credits: dict[tuple[str, Decimal], list[tuple[int, BankEntry]]] = defaultdict(list)
        for entry in self.entries:
            if entry.id in self.entry_done or entry.id in self.entry_reason:
                continue
            gross = entry.amount + entry.charges  # what the payers paid, before the bank's fee
            if entry.reversal or entry.is_charge or gross <= 0:
                continue
            if (entry.account, gross) in by_amount:
                credits[(entry.account, gross)].append((numbers[entry.booking_date], entry))
        for amount_key, entry_days in credits.items():
            pairs, _counts = _unique_pairs(entry_days, by_amount[amount_key], self.window)
            for entry, key in pairs:
                self._take(Rule.OCR_ASSIGNMENT, entry, groups[key])

    # -- rule 4: amount and date ------------------------------------------------------------

    def rule_amount_date(self, numbers: dict[date, int]) -> None:
        open_lines: dict[tuple[str, Decimal], list[tuple[int, LedgerLine]]] = defaultdict(list)
        for line in self.lines:
            if line.id not in self.line_done and line.reference_kind != RefKind.OCR_ASSIGNMENT:
                open_lines[(line.account, line.amount)].append((numbers[line.date], line))
        open_entries: dict[tuple[str, Decimal], list[tuple[int, BankEntry]]] = defaultdict(list)
        for entry in self.entries:
            if entry.id in self.entry_done or entry.id in self.entry_reason:
                continue
            if entry.reversal or entry.is_charge or entry.charges:
                continue
            open_entries[(entry.account, entry.amount)].append((numbers[entry.booking_date], entry))
        for key, entry_days in open_entries.items():
            line_days = open_lines.get(key)
            if not line_days:
                continue
            pairs, counts = _unique_pairs(entry_days, line_days, self.window)
            for entry, line in pairs:
                self._take(Rule.AMOUNT_DATE, entry, [line])
            for _day, entry in entry_days:
                if entry.id in self.entry_done:
                    continue
                found = counts[entry.id]
                if found > 1:
                    why = f"{found} ledger lines of {entry.amount} within ±{self.window} banking days"
                    code, params = Why.AMOUNT_DATE_AMBIGUOUS, {"count": found}
                elif found == 1:
                    why = f"the one ledger line of {entry.amount} within ±{self.window} banking days also fits another bank entry"
                    code, params = Why.AMOUNT_DATE_SHARED, {}
                else:
                    continue  # nothing in the window: the default reason says so
                self._refuse(
                    entry.id,
                    f"AMOUNT_DATE: {why}; choose by hand",
                    code,
                    **params,
                    amount=entry.amount,
                    window=self.window,
                )

    # -- rule 5: fees --------------------------------------------------------------------

    def rule_fees(self) -> None:
        for entry in self.entries:
            if entry.id in self.entry_done or not entry.is_charge or entry.reversal:
                continue
            self.entry_done.add(entry.id)
            self.entry_reason.pop(entry.id, None)
            self.fees.append(
                FeePosting(Rule.FEE, entry.id, entry.account, entry.booking_date, entry.amount, "bank charge")
            )

    # -- the run -----------------------------------------------------------------------------

    def run(self) -> MatchResult:
        numbers = self.calendar.day_numbers(
            [e.booking_date for e in self.entries] + [line.date for line in self.lines]
        )
        self.rule_e2e()
        self.rule_ocr(numbers)
        self.rule_reference()
        self.by_ref.clear()  # the later rules do not look up references: free it before they run
        self.rule_amount_date(numbers)
        self.rule_fees()
        unmatched_entries = tuple(
            Unmatched(e.id, *(self.entry_reason.get(e.id) or _default_reason(e, self.window)))
            for e in self.entries
            if e.id not in self.entry_done
        )
        unmatched_lines = tuple(
            Unmatched(line.id, "no bank entry matched it")
            for line in self.lines
            if line.id not in self.line_done
        )
        return MatchResult(tuple(self.matches), tuple(self.fees), unmatched_entries, unmatched_lines)


def _default_reason(entry: BankEntry, window: int) -> tuple[str, Why, tuple]:
    if entry.reversal:
        return "a reversal: undo or post the original by hand", Why.REVERSAL, ()
    if entry.charges:
        return "a batch booking with charges whose payments were not all found", Why.BATCH_CHARGES, ()
    return (
        f"no ledger line of {entry.amount} within ±{window} banking days and no known reference",
        Why.NO_CANDIDATE,
        (("amount", entry.amount), ("window", window)),
    )


def _sign(amount: Decimal) -> int:
    return 1 if amount > 0 else -1 if amount < 0 else 0


def _unique_pairs(
    left: list[tuple[int, BankEntry]], right: list[tuple[int, object]], window: int
) -> tuple[list, dict]:
    """Pairs (l, r) whose days are within ``window`` and where each is the other's only candidate,
    and for each left item the number of right candidates in its window.

    Both lists are (day number, item) of one amount group. Sorting plus two binary searches
    per item count the candidates in the window, so a group of n costs O(n log n), not n².
    """
    if len(left) == 1 and len(right) == 1:  # the common case: one entry, one line of that amount
        (day, item), (other_day, other) = left[0], right[0]
        near = abs(day - other_day) <= window
        return ([(item, other)] if near else []), {item.id: int(near)}
    left_sorted = sorted(left, key=lambda pair: pair[0])
    right_sorted = sorted(right, key=lambda pair: pair[0])
    left_days = [day for day, _ in left_sorted]
    right_days = [day for day, _ in right_sorted]
    pairs = []
    counts = {}
    for day, item in left_sorted:
        lo = bisect.bisect_left(right_days, day - window)
        hi = bisect.bisect_right(right_days, day + window)
        counts[item.id] = hi - lo
        if hi - lo != 1:
            continue
        other_day, other = right_sorted[lo]
        # …and this item must be the only candidate of its partner, too.
        lo2 = bisect.bisect_left(left_days, other_day - window)
        hi2 = bisect.bisect_right(left_days, other_day + window)
        if hi2 - lo2 == 1:
            pairs.append((item, other))
    return pairs, counts

"""Which open customer invoices (for a receipt) or supplier bills (for a payment) a bank entry
most likely settles: proposals a person confirms, never booked by themselves.

The rules, as an accountant reads a statement line:

- the text names the invoice ("Faktura 43", "fakt.nr 41 og 43") or carries its KID;
- the amount is the invoice's open amount, or within ``ROUNDING_LIMIT`` of it (øredifferanse,
  posted to ``ROUNDING_ACCOUNT``), or less (a part payment, named by number or KID only);
- the customer's or supplier's name is in the text or the counterparty's name, or (bills)
  the counterparty's account is the supplier's.

An entry gets a proposal when one candidate (or one set of invoices the text names, or the
only open invoices of the one customer named whose sum is the amount) stands out: the invoice
number or KID, or the amount together with the name or account. Two equally good candidates
are a question for a person, not a proposal (as the automatic matcher's amount rule).

The ranking (``rank``) is pure; ``entry_suggestions`` and ``entry_candidates`` read the
company's open invoices and bills for it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import DecimalField, ExpressionWrapper, F, Q

from ledger.models import Bill, Customer, Invoice, Supplier

# Øredifferanse: a receipt or payment at most this far from the invoices' open amount settles
# them in full, the difference going to ROUNDING_ACCOUNT. NS 4102 7740 "Øreavrunding" (no VAT),
# where Norwegian accounting systems post rounding and øre differences.
ROUNDING_LIMIT = Decimal("1.00")
ROUNDING_ACCOUNT = "7740"
ROUNDING_ACCOUNT_NAME = "Øreavrunding"

INVOICE, BILL = "invoice", "bill"
ZERO = Decimal("0.00")
CANDIDATES = 30  # at most this many candidates on an entry's page

# Why a candidate ranks: the codes the page words for people.
NUMBER, KID, AMOUNT, ROUNDING, PARTIAL, NAME, ACCOUNT = (
    "NUMBER",
    "KID",
    "AMOUNT",
    "ROUNDING",
    "PARTIAL",
    "NAME",
    "ACCOUNT",
)
_POINTS = {KID: 70, NUMBER: 60, AMOUNT: 30, ACCOUNT: 30, NAME: 25, ROUNDING: 20, PARTIAL: 0}

_NUMBER_RE = re.compile(
    r"\b(?:faktura|fakturanr|faktnr|fakt|fnr|invoice|inv)\.?\s*(?:nr|no|nummer)?\.?\s*[:#]?\s*"
    r"(\d{1,12}(?:\s*(?:,|og|and|&|\+|/)\s*\d{1,12})*)",
    re.IGNORECASE,
)
_COMPANY_FORMS = frozenset({"as", "asa", "ans", "da", "enk", "ba", "sa", "ab", "ltd", "og", "&"})


def fold(text: str) -> str:
    """Lower case without accents, punctuation as spaces: "Nordlys Kafé AS" → "nordlys kafe as"."""
    plain = unicodedata.normalize("NFKD", text or "")
    plain = "".join(c for c in plain if not unicodedata.combining(c)).casefold()
    plain = plain.replace("ø", "o").replace("æ", "ae").replace("å", "a")
    return " ".join(re.sub(r"[^0-9a-z]+", " ", plain).split())


def named_numbers(text: str) -> set[str]:
    """The invoice numbers the text names: "Faktura 43", "fakt.nr. 41 og 43" → {"41", "43"}."""
    found: set[str] = set()
    for match in _NUMBER_RE.finditer(text or ""):
        found.update(n.lstrip("0") or "0" for n in re.findall(r"\d+", match.group(1)))
    return found


def name_tokens(name: str) -> tuple[str, ...]:
    return tuple(t for t in fold(name).split() if t not in _COMPANY_FORMS)


@dataclass(frozen=True)
class OpenItem:
    """An open invoice (``kind`` INVOICE) or bill (BILL), as the ranking needs it."""

    kind: str
    id: int
    number: str  # the invoice number, or the supplier's invoice number of a bill
    name: str  # the customer's or supplier's
    open_amount: Decimal  # positive
    due_date: date
    kid: str = ""
    account_number: str = ""  # the supplier's
    message: str = ""  # the message a bill is paid with


@dataclass(frozen=True)
class EntryFacts:
    """What the ranking reads of a bank entry."""

    amount: Decimal  # signed: + a receipt (invoices), − a payment (bills)
    text: str
    counterparty_name: str = ""
    counterparty_account: str = ""
    kids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Candidate:
    item: OpenItem
    score: int
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Suggestion:
    items: tuple[OpenItem, ...]
    reasons: tuple[str, ...]
    amount: Decimal  # the entry's amount, unsigned

    @property
    def total(self) -> Decimal:
        return sum((i.open_amount for i in self.items), ZERO)

    @property
    def difference(self) -> Decimal:
        """What the entry brings more (+) or less (−) than the items' open amount."""
        return self.amount - self.total


def _amount_reason(amount: Decimal, open_amount: Decimal) -> str | None:
    if amount == open_amount:
        return AMOUNT
    if abs(amount - open_amount) <= ROUNDING_LIMIT:
        return ROUNDING
    if amount < open_amount:
        return PARTIAL
    return None


def score(entry: EntryFacts, item: OpenItem) -> Candidate:
    amount = abs(entry.amount)
    text = f"{entry.counterparty_name} {entry.text}"
    reasons: list[str] = []
    if item.kid and item.kid in entry.kids:
        reasons.append(KID)
    numbers = named_numbers(text)
    named = bool(item.number) and item.number.lstrip("0") in numbers
    # a bill paid with a message: the bank echoes the message ("Faktura 7001")
    if named or (item.kind == BILL and bool(item.message) and fold(item.message) in fold(text)):
        reasons.append(NUMBER)
    how_much = _amount_reason(amount, item.open_amount)
    if how_much:
        reasons.append(how_much)
    tokens = name_tokens(item.name)
    if tokens and set(tokens) <= set(fold(text).split()):
        reasons.append(NAME)
    if item.account_number and item.account_number == entry.counterparty_account:
        reasons.append(ACCOUNT)
    return Candidate(item, sum(_POINTS[r] for r in reasons), tuple(reasons))


def rank(entry: EntryFacts, items) -> list[Candidate]:
    """The entry's candidates, best first: by score, then how near the amount, then due date."""
    amount = abs(entry.amount)
    scored = [score(entry, item) for item in items]
    scored = [c for c in scored if c.score > 0]
    scored.sort(key=lambda c: (-c.score, abs(amount - c.item.open_amount), c.item.due_date, c.item.id))
    return scored


def _strong(candidate: Candidate) -> bool:
    reasons = set(candidate.reasons)
    named = bool(reasons & {NUMBER, KID})
    fits = bool(reasons & {AMOUNT, ROUNDING})
    # named with an amount that fits or is a part payment; or the amount with the name/account
    return (named and bool(reasons & {AMOUNT, ROUNDING, PARTIAL})) or (
        fits and bool(reasons & {NAME, ACCOUNT})
    )


def suggest(entry: EntryFacts, items) -> Suggestion | None:
    """The one proposal for the entry, or None when none stands out."""
    amount = abs(entry.amount)
    candidates = rank(entry, items)
    named = [c for c in candidates if {NUMBER, KID} & set(c.reasons)]
    if len(named) > 1:  # "Faktura 41 og 43": the invoices the text names, together
        total = sum((c.item.open_amount for c in named), ZERO)
        if amount <= total + ROUNDING_LIMIT:
            return Suggestion(tuple(c.item for c in named), (NUMBER,), amount)
        return None
    strong = [c for c in candidates if _strong(c)]
    if strong and (len(strong) == 1 or strong[0].score > strong[1].score):
        return Suggestion((strong[0].item,), strong[0].reasons, amount)
    # The only open invoices of the one customer the text names, when they add up to the amount.
    by_name: dict[str, list[OpenItem]] = {}
    for c in candidates:
        if NAME in c.reasons:
            by_name.setdefault(c.item.name, []).append(c.item)
    if len(by_name) == 1 and not strong:
        group = next(iter(by_name.values()))
        if len(group) > 1 and abs(amount - sum((i.open_amount for i in group), ZERO)) <= ROUNDING_LIMIT:
            return Suggestion(tuple(sorted(group, key=lambda i: (i.due_date, i.id))), (NAME, AMOUNT), amount)
    return None


@dataclass(frozen=True)
class Plan:
    """How one bank entry settles the chosen items: (item, amount) each, and the difference.

    ``difference`` is signed as the ledger line on ``ROUNDING_ACCOUNT`` (debit +): a receipt
    0.50 short of its invoice debits 0.50 (a cost), a bill paid 0.50 short credits 0.50.
    ``problem`` (a code, with ``shortfall``/``excess``) says why the entry cannot settle them.
    """

    allocations: tuple[tuple[OpenItem, Decimal], ...]
    difference: Decimal = ZERO
    problem: str = ""  # "" | "OVERPAID" | "UNUSED" | "BILL_PARTIAL"
    excess: Decimal = ZERO


def plan(entry_amount: Decimal, items) -> Plan:
    """Settle ``items`` (in the given order: oldest due first) with the entry's amount.

    The whole open amount of each when the entry is within ``ROUNDING_LIMIT`` of their sum
    (the rest is the øre difference); otherwise, when the entry is less, each in turn in full
    until the last takes what is left (a part payment); an entry that is more than the sum is
    refused (``OVERPAID``), as are items a part payment leaves nothing for (``UNUSED``) and
    a part payment of bills (``BILL_PARTIAL``: a bill is paid in full).
    """
    items = list(items)
    amount = abs(entry_amount)
    total = sum((i.open_amount for i in items), ZERO)
    sign = 1 if entry_amount > 0 else -1
    if abs(amount - total) <= ROUNDING_LIMIT:
        full = tuple((i, i.open_amount) for i in items)
        return Plan(full, sign * (total - amount))
    if amount > total:
        return Plan((), problem="OVERPAID", excess=amount - total)
    if any(i.kind == BILL for i in items):
        return Plan((), problem="BILL_PARTIAL", excess=total - amount)
    left, allocations = amount, []
    for item in items:
        if left <= 0:
            return Plan((), problem="UNUSED", excess=total - amount)
        share = min(left, item.open_amount)
        allocations.append((item, share))
        left -= share
    return Plan(tuple(allocations))


# --- reads ------------------------------------------------------------------------------------

_OPEN_INVOICE = (Invoice.Status.OPEN, Invoice.Status.PARTLY_PAID)


def _open_invoices(company):
    return (
        Invoice.objects.filter(company=company, status__in=_OPEN_INVOICE)
        .annotate(
            open=ExpressionWrapper(
                F("amount") - F("paid_amount"), output_field=DecimalField(max_digits=15, decimal_places=2)
            )
        )
        .select_related("customer")
    )


def _open_bills(company):
    return Bill.objects.filter(company=company, status=Bill.Status.OPEN).select_related("supplier")


def invoice_item(inv: Invoice) -> OpenItem:
    return OpenItem(
        INVOICE,
        inv.pk,
        str(inv.number),
        inv.customer.name,
        inv.amount - inv.paid_amount,
        inv.due_date,
        inv.kid,
    )


def bill_item(bill: Bill) -> OpenItem:
    return OpenItem(
        BILL,
        bill.pk,
        bill.supplier_invoice_number,
        bill.supplier.name,
        bill.amount,
        bill.due_date,
        bill.kid,
        bill.supplier.account_number,
        bill.message,
    )


def facts(entry) -> EntryFacts:
    return EntryFacts(
        entry.amount, entry.text, entry.counterparty_name, entry.counterparty_account, tuple(entry.kids or ())
    )


def _named_parties(model, company, texts: list[str]) -> list[int]:
    """Ids of the customers (suppliers) whose name is in one of the texts."""
    words = [set(fold(t).split()) for t in texts]
    found = []
    for pk, name in model.objects.filter(company=company).values_list("pk", "name").iterator(chunk_size=2000):
        tokens = set(name_tokens(name))
        if tokens and any(tokens <= w for w in words):
            found.append(pk)
    return found


def _items_for(company, entries) -> tuple[list[OpenItem], list[OpenItem]]:
    """The open invoices and bills that could be any of ``entries``'s, read in a few queries."""
    all_facts = [facts(e) for e in entries]
    result = []
    for kind, sign in ((INVOICE, 1), (BILL, -1)):
        mine = [f for f in all_facts if f.amount * sign > 0]
        if not mine:
            result.append([])
            continue
        texts = [f"{f.counterparty_name} {f.text}" for f in mine]
        numbers = set().union(*(named_numbers(t) for t in texts))
        kids = {k for f in mine for k in f.kids}
        near = Q()
        for f in mine:
            a = abs(f.amount)
            near |= Q(**{"open__gte" if kind == INVOICE else "amount__gte": a - ROUNDING_LIMIT}) & Q(
                **{"open__lte" if kind == INVOICE else "amount__lte": a + ROUNDING_LIMIT}
            )
        if kind == INVOICE:
            who = Q(customer_id__in=_named_parties(Customer, company, texts))
            wanted = near | who | Q(kid__in=kids) | Q(number__in=[int(n) for n in numbers if len(n) < 18])
            result.append(
                [invoice_item(i) for i in _open_invoices(company).filter(wanted).order_by("due_date")[:500]]
            )
        else:
            accounts = {f.counterparty_account for f in mine if f.counterparty_account}
            who = Q(supplier_id__in=_named_parties(Supplier, company, texts)) | Q(
                supplier__account_number__in=accounts
            )
            wanted = near | who | Q(kid__in=kids) | Q(supplier_invoice_number__in=numbers)
            result.append(
                [bill_item(b) for b in _open_bills(company).filter(wanted).order_by("due_date")[:500]]
            )
    return result[0], result[1]


def entry_suggestions(company, entries) -> dict[int, Suggestion]:
    """Entry id → its proposal, for the entries that have one (the matching screen)."""
    entries = [e for e in entries if e.amount]
    if not entries:
        return {}
    invoices, bills = _items_for(company, entries)
    out = {}
    for entry in entries:
        proposal = suggest(facts(entry), invoices if entry.amount > 0 else bills)
        if proposal is not None:
            out[entry.pk] = proposal
    return out


def entry_candidates(company, entry, *, search: str = "") -> list[Candidate]:
    """The entry's ranked candidates, and (``search``: a number, name or amount) the open items found."""
    invoices, bills = _items_for(company, [entry])
    items = invoices if entry.amount > 0 else bills
    ranked = rank(facts(entry), items)
    if search:
        seen = {c.item.id for c in ranked}
        found = [i for i in _search(company, entry.amount > 0, search) if i.id not in seen]
        ranked.extend(score(facts(entry), i) for i in found)
    return ranked[:CANDIDATES]


def _search(company, invoices: bool, search: str) -> list[OpenItem]:
    text = search.strip()
    amount = text.replace(" ", "").replace("\u00a0", "").replace(",", ".")
    if invoices:
        q = Q(customer__name__icontains=text)
        if text.isdigit():
            q |= Q(number=int(text)) | Q(kid=text)
        if re.fullmatch(r"\d+(\.\d{1,2})?", amount):
            q |= Q(open=Decimal(amount))
        return [invoice_item(i) for i in _open_invoices(company).filter(q).order_by("due_date")[:CANDIDATES]]
    q = Q(supplier__name__icontains=text) | Q(supplier_invoice_number=text) | Q(message__icontains=text)
    if text.isdigit():
        q |= Q(kid=text)
    if re.fullmatch(r"\d+(\.\d{1,2})?", amount):
        q |= Q(amount=Decimal(amount))
    return [bill_item(b) for b in _open_bills(company).filter(q).order_by("due_date")[:CANDIDATES]]

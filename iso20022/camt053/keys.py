"""Checks and keys over parsed entries: the balance check and the deduplication keys."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from decimal import Decimal

from .model import ZERO, Camt053Entry, Camt053Statement

__all__ = ["entry_key", "statement_balance_check", "statement_entry_keys"]


def statement_balance_check(
    stmt: Camt053Statement, entries: list[Camt053Entry] | tuple[Camt053Entry, ...] | None = None
) -> tuple[bool, Decimal, Decimal]:
    """``(ok, expected_closing, difference)``: does opening + booked entries equal closing?

    Only ``BOOK`` entries move the booked balance (pending and information entries do not);
    ``difference = closing_balance − expected_closing``. ``entries`` defaults to the
    statement's own (pass them when streaming).
    """
    rows = stmt.entries if entries is None else entries
    expected = stmt.opening_balance + sum((e.signed_amount for e in rows if e.status == "BOOK"), ZERO)
    difference = stmt.closing_balance - expected
    return difference == 0, expected, difference


@dataclass(slots=True)
class _Occurrences:
    seen: dict[str, int] = field(default_factory=dict)

    def next(self, base: str) -> int:
        count = self.seen.get(base, 0)
        self.seen[base] = count + 1
        return count


def _base_hash(account: str, entry: Camt053Entry) -> str:
    parts = [
        account,
        entry.booking_date.isoformat(),
        f"{entry.amount:.2f}",
        entry.credit_debit,
        "R" if entry.reversal else "",
        ",".join(entry.end_to_end_ids),
        # Each transaction's first KID only: keys made before every KID was kept stay the same.
        ",".join(tx.kids[0] for tx in entry.transactions if tx.kids),
        ",".join(entry.unstructured),
    ]
    # Unit separators cannot occur in XML text, so the join is unambiguous.
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def entry_key(account: str, entry: Camt053Entry, occurrence: int = 0) -> str:
    """The per-entry deduplication key: the same booking gets the same key in every file.

    * ``ref:<AcctSvcrRef>`` when the bank gave its own reference (unique per account).
    * Otherwise ``sha256:<hash>:<occurrence>``: a SHA-256 of account, booking date, amount,
      direction, reversal flag and the references (EndToEndIds, KIDs, Ustrd), plus the
      occurrence number among identical entries in the same statement (0 for the first), so
      that two genuinely identical payments on one day stay two rows.

    Limits: the hash cannot tell identical entries apart across *different* statements, so
    two files that each show only part of a day's identical entries, and not the same part
    from its start, can collapse or double them; and a bank that changes references or the
    booking date between exports defeats it. Both are why AcctSvcrRef wins when present.
    Use :func:`statement_entry_keys` to number the occurrences.
    """
    if entry.acct_svcr_ref:
        return f"ref:{entry.acct_svcr_ref}"
    return f"sha256:{_base_hash(account, entry)}:{occurrence}"


def statement_entry_keys(stmt: Camt053Statement, entries=None) -> list[str]:
    """The :func:`entry_key` of each entry of a statement, with occurrences counted in file order."""
    counter = _Occurrences()
    keys = []
    for entry in stmt.entries if entries is None else entries:
        if entry.acct_svcr_ref:
            keys.append(entry_key(stmt.account, entry))
        else:
            base = _base_hash(stmt.account, entry)
            keys.append(f"sha256:{base}:{counter.next(base)}")
    return keys

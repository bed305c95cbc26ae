"""The pure matcher: 100,000 bank entries against 100,000 ledger lines, and 10× the data.

Targets (issue 8): ≤ 2 s for 100,000 × 100,000, and 1,000,000 × 1,000,000 in ≤ 12× that time.
The data mixes every rule: EndToEndIds, KIDs, OCR assignment totals (1:N), amount + date
pairs, fees and batch bookings with charges, and entries that stay unmatched.
"""

from __future__ import annotations

import gc
import random
import time
from datetime import date, timedelta
from decimal import Decimal

from bench.common import at_most, ratio_at_most


def _data(n: int, seed: int = 8):
    from reconciliation.matching import BankEntry, LedgerLine, RefKind

    rng = random.Random(seed)
    start = date(2025, 1, 2)
    entries, lines = [], []
    line_id = 0
    for i in range(n):
        day = start + timedelta(days=i * 250 // n)
        amount = Decimal(rng.randint(100, 9_999_999)) / 100
        kind = i % 10
        if kind < 3:  # a payment out, echoing our EndToEndId
            entries.append(BankEntry(i, "A", day, -amount, end_to_end_ids=(f"E{i}",)))
            lines.append(LedgerLine(line_id, "A", day, -amount, RefKind.E2E, f"E{i}"))
            line_id += 1
        elif kind < 6:  # a KID payment in
            entries.append(BankEntry(i, "A", day, amount, kids=(f"K{i}",)))
            lines.append(LedgerLine(line_id, "A", day, amount, RefKind.KID, f"K{i}"))
            line_id += 1
        elif kind == 6:  # an OCR assignment: one credit for two KID payments
            half = (amount / 2).quantize(Decimal("0.01"))
            entries.append(BankEntry(i, "A", day, amount))
            for part in (half, amount - half):
                lines.append(LedgerLine(line_id, "A", day, part, RefKind.OCR_ASSIGNMENT, f"O{i}"))
                line_id += 1
        elif kind == 7:  # a transfer with no reference: amount + date
            entries.append(BankEntry(i, "A", day + timedelta(days=1), amount + Decimal("0.01") * (i % 7)))
            lines.append(LedgerLine(line_id, "A", day, amount + Decimal("0.01") * (i % 7)))
            line_id += 1
        elif kind == 8:  # a fee
            entries.append(BankEntry(i, "A", day, Decimal("-45.00"), is_charge=True))
        else:  # unknown: stays for a person
            entries.append(BankEntry(i, "A", day, amount + Decimal("1000000")))
    return entries, lines[:n]


def _time(n: int) -> tuple[float, int]:
    from reconciliation.matching import match_entries

    entries, lines = _data(n)
    gc.collect()
    started = time.perf_counter()
    result = match_entries(entries, lines)
    elapsed = time.perf_counter() - started
    matched = sum(len(m.entry_ids) for m in result.matches) + len(result.fee_postings)
    return elapsed, matched


def run(Row):
    small, matched_small = _time(100_000)
    large, _matched_large = _time(1_000_000)
    return [
        at_most(
            f"matcher: 100,000 entries × 100,000 ledger lines ({matched_small:,} matched)",
            f"{small:.2f} s",
            small,
            2,
            "≤ 2 s",
        ),
        ratio_at_most(
            "matcher: 1,000,000 × 1,000,000 (10× the data)",
            f"{large:.2f} s",
            f"{small:.2f} s at 100,000",
            large / small,
            12,
            unit="×",
        ),
    ]

"""A payment's ids across banks, without the kernel (or reconciliation) importing remittance.

A payment abroad carries a UETR (``remittance.Payment.uetr``) beside its EndToEndId; its
booked voucher line is referenced by the EndToEndId. A bank statement may name such a payment
by its UETR only (``EndToEndId`` missing or ``NOTPROVIDED``), so reconciliation asks who knows
the EndToEndId of a UETR: remittance registers the look-up in its ``AppConfig.ready``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable

# (company id, UETRs) → {UETR: EndToEndId}, in one query however many UETRs.
Lookup = Callable[[int, list[str]], dict[str, str]]
_LOOKUPS: list[Lookup] = []


def register(lookup: Lookup) -> None:
    if lookup not in _LOOKUPS:
        _LOOKUPS.append(lookup)


def end_to_end_ids_by_uetr(company_id: int, uetrs: Iterable[str]) -> dict[str, str]:
    """UETR (as the bank wrote it) → the EndToEndId of the company's payment with it; UETRs
    that are not UUIDs or that no payment has are left out."""
    wanted: dict[str, str] = {}  # the UETR as the portal stores it → as the bank wrote it
    for text in uetrs:
        try:
            wanted[str(uuid.UUID(text))] = text
        except (TypeError, ValueError):
            continue
    if not wanted:
        return {}
    found: dict[str, str] = {}
    for lookup in _LOOKUPS:
        for uetr, end_to_end_id in lookup(company_id, list(wanted)).items():
            found.setdefault(wanted[uetr], end_to_end_id)
    return found

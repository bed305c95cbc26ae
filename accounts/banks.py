"""Bank registry code (the first four digits of a Norwegian account number) → bank name.

Abridged: the banks the product names (DNB, Nordea, SpareBank 1, Handelsbanken, Danske Bank,
Sbanken) with ranges from Bits' register of Norwegian bank codes as far as we keep them;
anything else is shown as "Annen bank" and still allowed — a valid MOD11 number is a valid
account whatever bank holds it. The name is for display and for choosing which bank a
service order goes to; payments never depend on it. Extend the table, do not guess in code.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

DNB = "DNB"
NORDEA = "Nordea"
SPAREBANK1 = "SpareBank 1"
HANDELSBANKEN = "Handelsbanken"
DANSKE = "Danske Bank"
SBANKEN = "Sbanken"

# (first code, last code, bank), inclusive ranges.
_RANGES: list[tuple[int, int, str]] = [
    (529, 540, DNB),
    (1200, 1299, DNB),
    (1500, 1599, DNB),  # includes 1503, the demo company's accounts
    (1600, 1699, DNB),
    (7001, 7099, DNB),
    (6000, 6099, NORDEA),
    (6100, 6199, NORDEA),
    (3200, 3299, SPAREBANK1),  # SpareBank 1 SR-Bank
    (4200, 4299, SPAREBANK1),  # SpareBank 1 SMN
    (4500, 4549, SPAREBANK1),  # SpareBank 1 Nord-Norge
    (9000, 9099, HANDELSBANKEN),
    (8100, 8199, DANSKE),
    (8200, 8299, DANSKE),
    (9710, 9719, SBANKEN),
]

OTHER_BANK = _("Other bank")


def bank_for_code(code: int | str) -> str | None:
    """The bank's name, or None when the code is not in the table."""
    try:
        number = int(code)
    except (TypeError, ValueError):
        return None
    for first, last, bank in _RANGES:
        if first <= number <= last:
            return bank
    return None


def bank_name(account_number: str) -> str:
    """Display name for an 11-digit account number ("Annen bank" when unknown)."""
    return bank_for_code(account_number[:4]) or str(OTHER_BANK)


def is_dnb(account_number: str) -> bool:
    return bank_for_code(account_number[:4]) == DNB

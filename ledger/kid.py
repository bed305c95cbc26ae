"""KID (kundeidentifikasjon): the customer reference on invoices that Nets OCR pays back.

Pure rules, no Django, so they can be tested alone and shared by the OCR import.

Check digits, as Nets and the banks check them: MOD10 is Luhn (python-stdnum's ``luhn``);
MOD11 uses weights 2, 3, 4, 5, 6, 7, 2, 3, … from the right; check = 11 − (sum mod 11), where
11 gives 0 and 10 gives ``-``. python-stdnum 2.x has no ``stdnum.no.kid`` module, so MOD11 is
written here.

Input KIDs (a supplier's KID on a bill) are 2–25 characters; generated ones 4–25.

Layout of a generated KID, ``length`` characters in total::

    [customer number, C digits][invoice field, N digits][check digit]

C is ``customer_digits`` (0 = the invoice number alone); N = length − 1 − C. Both numbers
are zero-padded on the left. With MOD11 the first digit of the invoice field is a *marker*:
``0`` normally, ``1`` when the check digit would otherwise be ``-``. A KID ending in ``-`` is
refused by many banks and payers' online banks, and changing one digit at a position whose
weight (2..7) is not a multiple of 11 always moves the remainder, so the marker always
yields a digit check. The marker is a function of the other digits, so the mapping
(customer, invoice) → KID stays one-to-one and decodable (``decode``); invoice numbers keep
their continuous sequence (no number is skipped to dodge a ``-``). The price is one digit of
capacity for the invoice number under MOD11.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from stdnum import luhn

INPUT_MIN, INPUT_MAX = 2, 25
GENERATED_MIN, GENERATED_MAX = 4, 25


class Algorithm(StrEnum):
    MOD10 = "MOD10"
    MOD11 = "MOD11"


class KidProblem(StrEnum):
    """Why a KID is refused; the caller turns this into a translated message."""

    EMPTY = "empty"
    NOT_DIGITS = "not_digits"
    LENGTH = "length"
    CHECK_DIGIT = "check_digit"


class KidLayoutError(ValueError):
    """A number does not fit the configured KID layout (the caller says which and why)."""

    def __init__(self, what: str, value: int, capacity: int):
        super().__init__(f"{what} {value} does not fit in {capacity} digits")
        self.what, self.value, self.capacity = what, value, capacity


def mod10_check_digit(body: str) -> str:
    return luhn.calc_check_digit(body)


def mod11_check_digit(body: str) -> str:
    """MOD11 check digit of ``body``; ``-`` when the remainder leaves 10."""
    total = sum(int(digit) * (2 + i % 6) for i, digit in enumerate(reversed(body)))
    check = 11 - total % 11
    return "0" if check == 11 else "-" if check == 10 else str(check)


def check_digit(body: str, algorithm: Algorithm | str) -> str:
    return mod10_check_digit(body) if Algorithm(algorithm) is Algorithm.MOD10 else mod11_check_digit(body)


def compact(value: str) -> str:
    """Payers and suppliers write KIDs with spaces; the bank wants the characters alone."""
    return "".join((value or "").split())


def problem(value: str, algorithm: Algorithm | str | None = None) -> KidProblem | None:
    """None if ``value`` is an acceptable KID, else the first problem found.

    ``algorithm`` None accepts either check digit: a supplier's KID may use MOD10 or MOD11
    and the invoice does not say which.
    """
    kid = compact(value)
    if not kid:
        return KidProblem.EMPTY
    body, last = kid[:-1], kid[-1]
    if not kid.isascii() or not (body.isdigit() or body == "") or not (last.isdigit() or last == "-"):
        return KidProblem.NOT_DIGITS
    if not INPUT_MIN <= len(kid) <= INPUT_MAX:
        return KidProblem.LENGTH
    algorithms = [Algorithm(algorithm)] if algorithm else list(Algorithm)
    if not any(check_digit(body, a) == last for a in algorithms):
        return KidProblem.CHECK_DIGIT
    return None


def is_valid(value: str, algorithm: Algorithm | str | None = None) -> bool:
    return problem(value, algorithm) is None


@dataclass(frozen=True)
class Layout:
    length: int
    algorithm: Algorithm
    customer_digits: int = 0

    def __post_init__(self):
        object.__setattr__(self, "algorithm", Algorithm(self.algorithm))
        if not GENERATED_MIN <= self.length <= GENERATED_MAX:
            raise ValueError(f"KID length must be {GENERATED_MIN}-{GENERATED_MAX}")
        if self.customer_digits < 0 or self.invoice_capacity < 1:
            raise ValueError("no room left for the invoice number")

    @property
    def marker(self) -> bool:
        return self.algorithm is Algorithm.MOD11

    @property
    def invoice_digits(self) -> int:
        """Width of the invoice field, marker included."""
        return self.length - 1 - self.customer_digits

    @property
    def invoice_capacity(self) -> int:
        """How many digits an invoice number may have."""
        return self.invoice_digits - (1 if self.marker else 0)

    def max_invoice_number(self) -> int:
        return 10**self.invoice_capacity - 1

    def max_customer_number(self) -> int:
        return 10**self.customer_digits - 1


def generate(layout: Layout, invoice_number: int, customer_number: int = 0) -> str:
    """The KID for an invoice; raises ``KidLayoutError`` if a number does not fit."""
    if not 0 <= invoice_number <= layout.max_invoice_number():
        raise KidLayoutError("invoice", invoice_number, layout.invoice_capacity)
    if layout.customer_digits and not 0 <= customer_number <= layout.max_customer_number():
        raise KidLayoutError("customer", customer_number, layout.customer_digits)
    customer = str(customer_number).zfill(layout.customer_digits) if layout.customer_digits else ""
    invoice = str(invoice_number).zfill(layout.invoice_capacity)
    if layout.marker:
        body = customer + "0" + invoice
        check = mod11_check_digit(body)
        if check == "-":
            body = customer + "1" + invoice
            check = mod11_check_digit(body)
        return body + check
    body = customer + invoice
    return body + mod10_check_digit(body)


def decode(layout: Layout, kid: str) -> tuple[int, int]:
    """(customer number, invoice number) of a KID generated with ``layout``."""
    kid = compact(kid)
    if len(kid) != layout.length or not is_valid(kid, layout.algorithm):
        raise ValueError("not a KID of this layout")
    customer = int(kid[: layout.customer_digits]) if layout.customer_digits else 0
    field = kid[layout.customer_digits : -1]
    if layout.marker:
        field = field[1:]
    return customer, int(field)

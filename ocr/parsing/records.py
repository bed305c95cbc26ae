"""What the parser yields: one frozen dataclass per record kind, and the assembled results of
:func:`~ocr.parsing.parse_ocr`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class OcrTransmissionStart:
    """Record 10. Yielded first, so an importer can detect a re-sent transmission early."""

    transmitter: str
    number: str
    recipient: str
    line_no: int


@dataclass(frozen=True, slots=True)
class OcrAssignmentStart:
    """Record 20: one assignment per payee account (and agreement)."""

    service_code: str
    agreement_id: str | None
    number: str
    account: str
    line_no: int


@dataclass(frozen=True, slots=True)
class OcrTransaction:
    """One payment: records 30 + 31 (+ 32 for types 20/21). ``amount`` is kroner, negative
    for a credit note (``sign`` ``-``, position 32)."""

    type: int
    number: int
    nets_date: date
    centre_id: str
    day_code: int
    partial_settlement_number: int
    partial_settlement_serial: str
    sign: str
    amount: Decimal
    kid: str | None
    form_number: str
    archive_reference: str | None
    bank_date: date | None
    payer_account: str | None
    text: str | None
    line_no: int


@dataclass(frozen=True, slots=True)
class OcrAssignmentEnd:
    """Record 88, yielded only after its counts and total matched the assignment's transactions."""

    number: str
    transaction_count: int
    record_count: int
    total_amount: Decimal
    nets_date: date | None
    first_date: date | None
    last_date: date | None
    line_no: int


@dataclass(frozen=True, slots=True)
class OcrTransmissionEnd:
    """Record 89, yielded only after its totals matched and nothing but blank lines followed.

    Receiving it is the one signal that the whole file is valid.
    """

    transaction_count: int
    record_count: int
    total_amount: Decimal
    nets_date: date | None
    line_no: int


OcrRecord = OcrTransmissionStart | OcrAssignmentStart | OcrTransaction | OcrAssignmentEnd | OcrTransmissionEnd


@dataclass(frozen=True, slots=True)
class OcrAssignment:
    """An assignment with its transactions; counts and total are the 88's, verified."""

    service_code: str
    agreement_id: str | None
    number: str
    account: str
    transactions: tuple[OcrTransaction, ...]
    total_amount: Decimal
    record_count: int
    transaction_count: int
    nets_date: date | None
    first_date: date | None
    last_date: date | None
    start_line: int


@dataclass(frozen=True, slots=True)
class OcrTransmission:
    """A whole file; counts and total are the 89's, verified against every transaction."""

    transmitter: str
    number: str
    recipient: str
    assignments: tuple[OcrAssignment, ...]
    total_amount: Decimal
    nets_date: date | None
    record_count: int
    transaction_count: int

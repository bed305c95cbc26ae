"""The wire form of an entry: what the parsing process sends the importer, and back to an entry.

An entry crosses the process boundary as a tuple of plain values (``marshal`` of str, int,
bool, None and tuples), not as a :class:`~.model.Camt053Entry`: no Decimal or date is made in
the parsing process for what only travels. Its positions are named here, once.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from .model import ZERO, Camt053Entry, Camt053Fx, Camt053Tx

__all__ = [
    "ENTRY_ACCT_SVCR_REF",
    "ENTRY_ADDITIONAL_INFO",
    "ENTRY_AMOUNT",
    "ENTRY_BANK_TX_CODE",
    "ENTRY_BANK_TX_PROPRIETARY",
    "ENTRY_BOOKING_DAY",
    "ENTRY_CHARGES",
    "ENTRY_CREDIT_DEBIT",
    "ENTRY_CURRENCY",
    "ENTRY_FIELDS",
    "ENTRY_INDEX",
    "ENTRY_IS_CHARGE",
    "ENTRY_LINE",
    "ENTRY_REVERSAL",
    "ENTRY_STATUS",
    "ENTRY_TRANSACTIONS",
    "ENTRY_VALUE_DAY",
    "FX_AMOUNT",
    "FX_CURRENCY",
    "FX_FIELDS",
    "FX_RATE",
    "FX_SOURCE_CURRENCY",
    "FX_TARGET_CURRENCY",
    "TX_ACCT_SVCR_REF",
    "TX_ADDITIONAL_INFO",
    "TX_AMOUNT",
    "TX_CHARGES",
    "TX_COUNTERPARTY_ACCOUNT",
    "TX_COUNTERPARTY_NAME",
    "TX_CREDIT_DEBIT",
    "TX_END_TO_END_ID",
    "TX_FIELDS",
    "TX_FOREIGN",
    "TX_KIDS",
    "TX_UETR",
    "TX_UNSTRUCTURED",
]

# An entry's wire tuple (``_entry_wire`` writes it, ``_from_wire`` reads it), position by
# position. Plain int constants, not a NamedTuple: the tuple crosses the pipe by ``marshal``,
# and indexing by a constant costs nothing per entry. Each field means what the
# :class:`~.model.Camt053Entry` field of the same name means; the forms differ where noted.
ENTRY_INDEX = 0  # int: 0-based position within its statement
ENTRY_AMOUNT = 1  # str: the amount as the file writes it (two decimals at most, never negative)
ENTRY_CREDIT_DEBIT = 2  # "CRDT" | "DBIT"
ENTRY_REVERSAL = 3  # bool
ENTRY_STATUS = 4  # str: BOOK | PDNG | INFO
ENTRY_BOOKING_DAY = 5  # int: the booking date's ordinal (date.toordinal)
ENTRY_VALUE_DAY = 6  # int | None: the value date's ordinal
ENTRY_ACCT_SVCR_REF = 7  # str | None
ENTRY_BANK_TX_CODE = 8  # str: "Domn/Fmly/SubFmly" or ""
ENTRY_BANK_TX_PROPRIETARY = 9  # str | None
ENTRY_ADDITIONAL_INFO = 10  # str | None
ENTRY_IS_CHARGE = 11  # bool
ENTRY_TRANSACTIONS = 12  # tuple of transaction wire tuples (TX_*)
ENTRY_LINE = 13  # int: the Ntry's line in the file
ENTRY_CURRENCY = 14  # str
ENTRY_CHARGES = 15  # str | None: Σ signed tx amounts − the signed amount, as text; None: no TxDtls
ENTRY_FIELDS = 16

# A transaction's wire tuple (``_tx_wire``), as :class:`~.model.Camt053Tx` holds it but for:
TX_AMOUNT = 0  # str | None: the amount in the entry's currency, as text
TX_CREDIT_DEBIT = 1
TX_END_TO_END_ID = 2
TX_KIDS = 3  # tuple[str, ...]
TX_UNSTRUCTURED = 4
TX_ACCT_SVCR_REF = 5
TX_COUNTERPARTY_NAME = 6
TX_COUNTERPARTY_ACCOUNT = 7
TX_CHARGES = 8  # str | None: Σ Chrgs/Amt as text; None: no Chrgs
TX_FOREIGN = 9  # an FX wire tuple (FX_*) or None
TX_ADDITIONAL_INFO = 10
TX_UETR = 11  # str | None: Refs/UETR (camt.053.001.08)
TX_FIELDS = 12

# The amount in another currency (:class:`~.model.Camt053Fx`), amounts and rate as text.
FX_AMOUNT = 0
FX_CURRENCY = 1
FX_RATE = 2
FX_SOURCE_CURRENCY = 3
FX_TARGET_CURRENCY = 4
FX_FIELDS = 5

_DAYS: dict[int, date] = {}  # ordinal → date: the few distinct days of a file, shared


def _day(ordinal: int | None) -> date | None:
    if ordinal is None:
        return None
    found = _DAYS.get(ordinal)
    if found is None:
        if len(_DAYS) >= 4096:  # bounded, whatever a file holds
            _DAYS.clear()
        found = _DAYS[ordinal] = date.fromordinal(ordinal)
    return found


def _fx(w: tuple) -> Camt053Fx:
    amount, currency, rate, source, target = w  # FX_AMOUNT … FX_TARGET_CURRENCY
    return Camt053Fx(Decimal(amount), currency, None if rate is None else Decimal(rate), source, target)


def _tx(t: tuple) -> Camt053Tx:
    (amount, credit_debit, e2e, kids, unstructured, ref, name, account, charges, fx, info, uetr) = t  # TX_*
    return Camt053Tx(
        None if amount is None else Decimal(amount),
        credit_debit,
        e2e,
        kids,
        unstructured,
        ref,
        name,
        account,
        ZERO if charges is None else Decimal(charges),
        None if fx is None else _fx(fx),
        info,
        uetr,
    )


def _from_wire(w: tuple) -> Camt053Entry:
    """The entry of an :func:`~.entry._entry_wire` tuple (unpacked in the order of ENTRY_*)."""
    (
        index,
        amount,
        credit_debit,
        reversal,
        status,
        booking_day,
        value_day,
        acct_svcr_ref,
        bank_tx_code,
        proprietary,
        additional,
        is_charge,
        transactions,
        line,
        currency,
        charges,
    ) = w
    amount = Decimal(amount)
    return Camt053Entry(
        index,
        amount,
        credit_debit,
        amount if credit_debit == "CRDT" else -amount,
        reversal,
        status,
        _day(booking_day),
        _day(value_day),
        acct_svcr_ref,
        bank_tx_code,
        proprietary,
        additional,
        is_charge,
        tuple([_tx(t) for t in transactions]),
        line,
        currency,
        ZERO if charges is None else Decimal(charges),
    )

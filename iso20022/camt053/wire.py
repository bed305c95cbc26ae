"""The wire form of an entry: what the parsing process sends the importer, and back to an entry.

An entry crosses the process boundary as a tuple of plain values (``marshal`` of str, int,
bool, None and tuples), not as a :class:`~.model.Camt053Entry`: no Decimal or date is made in
the parsing process for what only travels. Its positions are named here, once.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from .model import ZERO, Camt053Entry, Camt053Fx, Camt053Tx

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
    return Camt053Fx(Decimal(w[0]), w[1], None if w[2] is None else Decimal(w[2]), w[3], w[4])


def _from_wire(w: tuple) -> Camt053Entry:
    """The entry of an :func:`_entry_wire` tuple."""
    amount = Decimal(w[1])
    credit_debit = w[2]
    return Camt053Entry(
        w[0],
        amount,
        credit_debit,
        amount if credit_debit == "CRDT" else -amount,
        w[3],
        w[4],
        _day(w[5]),
        _day(w[6]),
        w[7],
        w[8],
        w[9],
        w[10],
        w[11],
        tuple(
            [
                Camt053Tx(
                    None if t[0] is None else Decimal(t[0]),
                    *t[1:8],
                    ZERO if t[8] is None else Decimal(t[8]),
                    None if t[9] is None else _fx(t[9]),
                    t[10],
                )
                for t in w[12]
            ]
        ),
        w[13],
        w[14],
        ZERO if w[15] is None else Decimal(w[15]),
    )

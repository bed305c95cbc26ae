"""The control totals: the counts and amounts the 88s and the 89 state, against what was read.

netsgiro does not check them (a tampered amount or a dropped transaction pair parses fine
there); here an end record is yielded only after its figures matched.

"Number of records" follows netsgiro's writer (``get_num_records``), which encodes the
manual: in an 88 it counts the assignment's own 20 and 88 plus its 30/31/32 records; in the
89 it counts the 10 and 89 plus every assignment's records, i.e. every line of the file.
The amount totals are the *signed* sum of the transactions: a transaction with ``-`` in
position 32 is a credit note and counts negative, as in the example of Nets' Norwegian "OCR
giro Systemspesifikasjon" (java-netsgiro's ``ocr1.txt``: 23 transactions, three of them
credit notes, 88/89 total 15 630.00 where the plain sum is 19 930.00). netsgiro's writer
sums without the sign, which is wrong for such files.
"""

from __future__ import annotations

from .errors import _, error, kroner
from .records import OcrAssignmentStart

# What was read so far in the whole file: (signed total in øre, credit notes in øre as a
# positive sum, records 32). The parser keeps these running; an assignment's share is the
# difference between its 88 and its 20.
Running = tuple[int, int, int]


class ControlTotals:
    """The figures of what was read, checked against each 88 and the 89."""

    __slots__ = ("_at_start", "records", "transactions")

    def __init__(self) -> None:
        self.transactions = 0
        self.records = 2  # the 10 and the 89 count themselves
        self._at_start: Running = (0, 0, 0)

    def assignment_started(self, running: Running) -> None:
        self._at_start = running

    def check_assignment(
        self,
        line_no: int,
        assignment: OcrAssignmentStart,
        stated: tuple[int, int, int],
        count: int,
        running: Running,
    ) -> tuple[int, int]:
        """An 88's figures against its assignment's ``count`` transactions; returns the
        assignment's (transactions, records)."""
        (total, credits, texts), (total_0, credits_0, texts_0) = running, self._at_start
        # its 20 and 88 count themselves (netsgiro get_num_records), then a 30 and a 31 per
        # transaction and the 32s
        records = 2 + 2 * count + texts - texts_0
        check_totals(
            line_no, "88", assignment, stated, (count, records, total - total_0, credits - credits_0)
        )
        self.transactions += count
        self.records += records
        return count, records

    def check_transmission(
        self, line_no: int, stated: tuple[int, int, int], running: Running
    ) -> tuple[int, int]:
        """The 89's figures against the whole file; returns its (transactions, records)."""
        total, credits, _texts = running
        check_totals(line_no, "89", None, stated, (self.transactions, self.records, total, credits))
        return self.transactions, self.records


_TOTALS = {
    # (record, what): the messages of an end record whose control figures are wrong
    ("88", "count"): _(
        "Line %(line)d: record 88 states %(stated)d transactions, but assignment %(assignment)s "
        "(line %(start)d) has %(actual)d"
    ),
    ("89", "count"): _(
        "Line %(line)d: record 89 states %(stated)d transactions, but the transmission has %(actual)d"
    ),
    ("88", "records"): _(
        "Line %(line)d: record 88 states %(stated)d records, but assignment %(assignment)s "
        "(line %(start)d) has %(actual)d"
    ),
    ("89", "records"): _(
        "Line %(line)d: record 89 states %(stated)d records, but the transmission has %(actual)d"
    ),
    ("88", "total"): _(
        "Line %(line)d: record 88 states a total of %(stated)s, but the transactions of assignment "
        "%(assignment)s (line %(start)d) add up to %(actual)s"
    ),
    ("89", "total"): _(
        "Line %(line)d: record 89 states a total of %(stated)s, but the transactions of the transmission "
        "add up to %(actual)s"
    ),
    # Nets' totals are signed: a credit note (sign '-') counts negative.
    ("88", "signed"): _(
        "Line %(line)d: record 88 states a total of %(stated)s, but the transactions of assignment "
        "%(assignment)s (line %(start)d) add up to %(actual)s: %(payments)s in payments less "
        "%(credits)s in credit notes (sign '-' at position 32)"
    ),
    ("89", "signed"): _(
        "Line %(line)d: record 89 states a total of %(stated)s, but the transactions of the transmission "
        "add up to %(actual)s: %(payments)s in payments less %(credits)s in credit notes (sign '-' at "
        "position 32)"
    ),
}


def check_totals(
    line_no: int,
    record: str,
    assignment: OcrAssignmentStart | None,
    stated: tuple[int, int, int],
    actual: tuple[int, int, int, int],
) -> None:
    """Compare an end record's control figures with what was actually read.

    ``actual`` is (transactions, records, signed total, credit notes) in øre, the credit
    notes (sign '-') as a positive sum: the signed total is the payments less the credit notes.
    """
    (s_count, s_records, s_total), (a_count, a_records, a_total, a_credits) = stated, actual
    scope = {} if assignment is None else {"assignment": assignment.number, "start": assignment.line_no}
    for what, field, s_number, a_number in (
        ("count", "number_of_transactions", s_count, a_count),
        ("records", "number_of_records", s_records, a_records),
    ):
        if s_number != a_number:
            raise error(_TOTALS[record, what], line_no, field, stated=s_number, actual=a_number, **scope)
    if s_total != a_total:
        amounts = {"stated": kroner(s_total), "actual": kroner(a_total)}
        if a_credits:
            amounts.update(payments=kroner(a_total + a_credits), credits=kroner(a_credits))
        raise error(
            _TOTALS[record, "signed" if a_credits else "total"], line_no, "total_amount", **amounts, **scope
        )

"""The record sequence: 10, then per assignment 20, 30/31(/32)…, 88, and 89 last.

:func:`iter_records` reads the lines (:mod:`~ocr.parsing.lines`), has each record parsed
(:mod:`~ocr.parsing.layouts`) and checks what no single record can: the order of the
records, that transaction and assignment numbers are not repeated, and, at each 88 and the
89, the control totals (:mod:`~ocr.parsing.totals`). :func:`parse_ocr` collects the records
into one :class:`~ocr.parsing.OcrTransmission`.

The transaction records are read in the loop of :func:`iter_records` itself, with the
running totals in local variables: a file of 100,000 payments has 200,000 of them. The
records around them (10, 20, 88, 89) go to :class:`_Transmission`. For the same reason a
30, 31 or 32 has its positions 1-2 (``NY``) checked together with the codes that follow
(the 30's look-up of its type, the 31/32's comparison with their 30); every other line has
them checked first, as a line after the 89 or before a text transaction's end.
"""

from __future__ import annotations

from collections.abc import Iterator

from .errors import OcrParseError, _, error, show
from .fields import not_ny, to_kroner
from .layouts import (
    Item1,
    TransactionTuple,
    amount_item_1,
    amount_item_2,
    amount_item_3,
    assignment_end_dates,
    assignment_start,
    end_figures,
    transmission_end_date,
    transmission_start,
)
from .lines import Lines, OcrSource, is_blank
from .records import (
    OcrAssignment,
    OcrAssignmentEnd,
    OcrAssignmentStart,
    OcrRecord,
    OcrTransaction,
    OcrTransmission,
    OcrTransmissionEnd,
    OcrTransmissionStart,
)
from .totals import ControlTotals, Running

# What the parser expects next (the index of its message in _EXPECTED).
EXPECT_START = 0  # the 10
EXPECT_ASSIGNMENT = 1  # a 20 or the 89
ITEMS = 2  # a 30 or the 88
ITEM_2 = 3  # the 31 of the 30 just read
TEXT = 4  # a 32 for the text transaction (type 20/21) just read, or what may follow ITEMS
DONE = 5  # nothing but blank lines

_RECORD_TYPES = frozenset(("10", "20", "30", "31", "32", "88", "89"))
# What may come in each state, and what came instead (the record type).
_EXPECTED = (
    _("Line %(line)d: expected the transmission start (record 10) as the first record, got record %(got)s"),
    _(
        "Line %(line)d: expected an assignment start (record 20) or the transmission end (89), got record %(got)s"
    ),
    _("Line %(line)d: expected an amount item 1 (record 30) or the assignment end (88), got record %(got)s"),
    _("Line %(line)d: expected amount item 2 (record 31) right after amount item 1 (30), got record %(got)s"),
    _(
        "Line %(line)d: expected amount item 3 (record 32), amount item 1 (30) or the assignment end "
        "(88), got record %(got)s"
    ),
    _("Line %(line)d: expected nothing after the transmission end (89), got record %(got)s"),
)
_EMPTY = _("The file is empty")


def iter_records(source: OcrSource, *, tuples: bool = False) -> Iterator[OcrRecord]:
    """Yield the records of an OCR giro file as they are read and checked.

    ``source``: the file's bytes, a binary (or ISO-8859-1 text) file object, a ``str``, or an
    iterable of lines (bytes or str, with or without their line endings).

    ``tuples=True`` yields each transaction as a plain tuple of the :class:`OcrTransaction`
    fields in their order (``OcrTransaction.__match_args__``), for a bulk importer: building
    a frozen dataclass costs as much as all the checks of its two lines together.

    Order: one :class:`OcrTransmissionStart`; per assignment an :class:`OcrAssignmentStart`,
    its :class:`OcrTransaction` s and an :class:`OcrAssignmentEnd`; finally one
    :class:`OcrTransmissionEnd`. Memory stays bounded by one read chunk plus the transaction
    numbers of the current assignment, however large the file.

    An error can surface after many transactions were yielded (a wrong total is only known at
    the 88/89), so a consumer must store inside one database transaction and treat the file
    as valid only once :class:`OcrTransmissionEnd` has been yielded.
    """
    reader = Lines(source)
    transmission = _Transmission()
    numbers = transmission.numbers  # of the current assignment's transactions
    state = EXPECT_START
    line_no = total = credits = texts = 0  # running: total and credit notes in øre, 32s
    item1: Item1 = ()  # the fields of the last 30 …
    head = number_s = ""  # … and its positions 1-6 and 9-15 as written
    pending: TransactionTuple = ()  # a text transaction, until we know whether a 32 follows
    try:
        for batch in reader:
            for line in batch:
                line_no += 1
                rt = line[6:8]
                if state == TEXT and rt != "32":
                    if line[:2] != "NY":
                        raise _not_a_record(line, line_no, transmission)
                    state = ITEMS
                    yield _made(pending, tuples)
                if rt == "30" and state == ITEMS:
                    item1, ore, head, number_s = amount_item_1(line, line_no)
                    number = item1[1]
                    if number in numbers:
                        raise transmission.number_twice(number, line_no)
                    numbers.add(number)
                    total += ore
                    if ore < 0:
                        credits -= ore
                    state = ITEM_2
                elif rt == "31" and state == ITEM_2:
                    transaction = amount_item_2(line, line_no, item1, head, number_s)
                    if transaction[0] < 20:
                        state = ITEMS
                        yield transaction if tuples else OcrTransaction(*transaction)
                    else:
                        pending = transaction
                        state = TEXT
                elif rt == "32" and state == TEXT:
                    transaction = amount_item_3(line, line_no, pending, head, number_s)
                    texts += 1
                    state = ITEMS
                    yield _made(transaction, tuples)
                else:
                    record, state = transmission.read(
                        rt, line, line_no, state, item1, (total, credits, texts)
                    )
                    if record is not None:
                        yield record
        line_no = _rest_is_blank(reader, line_no)
    except OcrParseError as refusal:
        raise reader.noted(refusal, line_no) from None
    except UnicodeDecodeError:
        # A text-mode file opened with the wrong codec; the chunk read ahead, so no line.
        raise error(
            _("The file could not be decoded: open it in binary mode, Nets files are ISO-8859-1"),
            None,
            "encoding",
        ) from None
    yield transmission.finish(state, line_no)


def _made(transaction: TransactionTuple, tuples: bool) -> OcrTransaction | TransactionTuple:
    """A transaction as :func:`iter_records` yields it (the common case is inlined there)."""
    return transaction if tuples else OcrTransaction(*transaction)


class _Transmission:
    """The records around the transactions: 10, 20, 88 and 89, and what they state."""

    __slots__ = ("assignment", "assignment_numbers", "end", "numbers", "totals")

    def __init__(self) -> None:
        self.assignment: OcrAssignmentStart | None = None
        self.assignment_numbers: set[str] = set()
        self.numbers: set[int] = set()  # the current assignment's transaction numbers
        self.totals = ControlTotals()
        self.end: OcrTransmissionEnd | None = None

    def read(
        self, rt: str, line: str, line_no: int, state: int, last: Item1, running: Running
    ) -> tuple[OcrRecord | None, int]:
        """A record other than a transaction's in ``state``: what to yield (the 89 only once
        the rest of the file is known to be blank) and the next state."""
        if line[:2] != "NY":
            raise _not_a_record(line, line_no, self)
        if rt == "20" and state == EXPECT_ASSIGNMENT:
            return self._assignment_start(line, line_no, running), ITEMS
        if rt == "88" and state == ITEMS:
            return self._assignment_end(line, line_no, running), EXPECT_ASSIGNMENT
        if rt == "10" and state == EXPECT_START:
            return transmission_start(line, line_no), EXPECT_ASSIGNMENT
        if rt == "89" and state == EXPECT_ASSIGNMENT:
            self.end = self._transmission_end(line, line_no, running)
            return None, DONE
        raise self._out_of_order(rt, line_no, state, last)

    def _assignment_start(self, line: str, line_no: int, running: Running) -> OcrAssignmentStart:
        assignment = assignment_start(line, line_no)
        if assignment.number in self.assignment_numbers:
            raise error(
                _("Line %(line)d: assignment number %(assignment)s appears twice in the transmission"),
                line_no,
                "assignment_number",
                assignment=assignment.number,
            )
        self.assignment_numbers.add(assignment.number)
        self.assignment = assignment
        self.numbers.clear()
        self.totals.assignment_started(running)
        return assignment

    def _assignment_end(self, line: str, line_no: int, running: Running) -> OcrAssignmentEnd:
        assignment: OcrAssignmentStart = self.assignment  # type: ignore[assignment]
        stated = end_figures(line, line_no, "88")
        count, records = self.totals.check_assignment(line_no, assignment, stated, len(self.numbers), running)
        nets_date, first_date, last_date = assignment_end_dates(line, line_no)
        return OcrAssignmentEnd(
            assignment.number,
            count,
            records,
            to_kroner(line[24:41]),
            nets_date,
            first_date,
            last_date,
            line_no,
        )

    def _transmission_end(self, line: str, line_no: int, running: Running) -> OcrTransmissionEnd:
        stated = end_figures(line, line_no, "89")
        count, records = self.totals.check_transmission(line_no, stated, running)
        nets_date = transmission_end_date(line, line_no)
        return OcrTransmissionEnd(count, records, to_kroner(line[24:41]), nets_date, line_no)

    def number_twice(self, number: int, line_no: int) -> OcrParseError:
        return error(
            _("Line %(line)d: transaction number %(number)d appears twice in assignment %(assignment)s"),
            line_no,
            "transaction_number",
            number=number,
            assignment=self.assignment.number,  # type: ignore[union-attr]
        )

    def _out_of_order(self, rt: str, line_no: int, state: int, last: Item1) -> OcrParseError:
        """A record that may not come here (``last``: the fields of the last 30)."""
        if state == DONE:
            return self.data_after_end(line_no)
        if rt == "10":
            return error(
                _(
                    "Line %(line)d: a second transmission start (record 10); a file holds exactly "
                    "one transmission"
                ),
                line_no,
                "record_type",
            )
        if rt == "32" and state == ITEMS and self.numbers and last[0] < 20:
            return error(
                _(
                    "Line %(line)d: record 32 (free text) is only for transaction types 20 "
                    "and 21, transaction %(number)d has type %(type)d"
                ),
                line_no,
                "record_type",
                number=last[1],
                type=last[0],
            )
        if rt not in _RECORD_TYPES:
            return error(
                _(
                    "Line %(line)d: unknown record type %(got)s at positions 7-8 (an OCR giro file has "
                    "10, 20, 30, 31, 32, 88 and 89)"
                ),
                line_no,
                "record_type",
                got=show(rt),
            )
        return error(_EXPECTED[state], line_no, "record_type", got=rt)

    def data_after_end(self, line_no: int) -> OcrParseError:
        return error(
            _(
                "Line %(line)d: data after the transmission end record (89) on line %(end)d; "
                "a file holds exactly one transmission"
            ),
            line_no,
            "record_type",
            end=self.end.line_no,  # type: ignore[union-attr]
        )

    def finish(self, state: int, line_no: int) -> OcrTransmissionEnd:
        """The 89 once the file has been read to its end (``line_no``), or why it is not valid."""
        if state == DONE:
            return self.end  # type: ignore[return-value]
        if state == EXPECT_START:
            raise error(_EMPTY, None, None)
        if state != EXPECT_ASSIGNMENT:
            raise error(
                _(
                    "Line %(line)d: the file ends inside assignment %(assignment)s (line %(start)d) without "
                    "its end record 88: the file is truncated"
                ),
                line_no,
                "record_type",
                assignment=self.assignment.number,  # type: ignore[union-attr]
                start=self.assignment.line_no,  # type: ignore[union-attr]
            )
        raise error(
            _("Line %(line)d: the file ends without the transmission end record 89: the file is truncated"),
            line_no,
            "record_type",
        )


def _not_a_record(line: str, line_no: int, transmission: _Transmission) -> OcrParseError:
    """A line that does not start with ``NY`` (after the 89, any line is one too many)."""
    if transmission.end is not None:
        return transmission.data_after_end(line_no)
    return not_ny(line, line_no)


def _rest_is_blank(reader: Lines, line_no: int) -> int:
    """Read the lines from the first blank or long one on (``reader.rest``; ``line_no`` is the
    line before it): only blank lines may end a file. Returns the number of the last line."""
    blank_at = 0
    for line in reader.rest:
        line_no += 1
        if len(line) == 80 or not is_blank(line, line_no, reader.short_before_rest):
            raise error(_("Line %(line)d: an empty line inside the file"), blank_at, "line_length")
        blank_at = blank_at or line_no
    return line_no


def parse_ocr(source: OcrSource) -> OcrTransmission:
    """Parse and check a whole OCR giro file into one :class:`OcrTransmission`.

    Convenient for files of ordinary size; for very large files use :func:`iter_records`,
    which never holds more than one transaction at a time.
    """
    start: OcrTransmissionStart | None = None
    end: OcrTransmissionEnd | None = None
    assignments: list[OcrAssignment] = []
    head: OcrAssignmentStart | None = None
    transactions: list[OcrTransaction] = []
    append = transactions.append
    for record in iter_records(source, tuples=True):
        if record.__class__ is tuple:
            append(OcrTransaction(*record))
        elif isinstance(record, OcrAssignmentStart):
            head = record
            transactions = []
            append = transactions.append
        elif isinstance(record, OcrAssignmentEnd):
            if head is None:  # unreachable: iter_records enforces the order
                raise error(_EXPECTED[ITEMS], record.line_no, "record_type", got="88")
            assignments.append(
                OcrAssignment(
                    service_code=head.service_code,
                    agreement_id=head.agreement_id,
                    number=head.number,
                    account=head.account,
                    transactions=tuple(transactions),
                    total_amount=record.total_amount,
                    record_count=record.record_count,
                    transaction_count=record.transaction_count,
                    nets_date=record.nets_date,
                    first_date=record.first_date,
                    last_date=record.last_date,
                    start_line=head.line_no,
                )
            )
        elif isinstance(record, OcrTransmissionStart):
            start = record
        elif isinstance(record, OcrTransmissionEnd):
            end = record
    if start is None or end is None:  # unreachable: iter_records raises first
        raise error(_EMPTY, None, None)
    return OcrTransmission(
        transmitter=start.transmitter,
        number=start.number,
        recipient=start.recipient,
        assignments=tuple(assignments),
        total_amount=end.total_amount,
        nets_date=end.nets_date,
        record_count=end.record_count,
        transaction_count=end.transaction_count,
    )

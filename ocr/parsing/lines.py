"""Reading an OCR file: bytes, text or lines in, lines of 80 characters out.

A file is read line by line with bounded memory (one 256 kB chunk at a time, even of a
newline-free blob), ISO-8859-1, CRLF or LF. Real files arrive with their trailing blanks
stripped (netsgiro rejects them): such a short line is padded back, and if what was missing
was not blanks, a field check fails and its message says the line was short. Blank lines
are allowed only at the end of the file; a line longer than a record is refused with the
likely reason (records without line breaks, a carriage return inside, UTF-8).
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from typing import IO

from .errors import OcrParseError, _, error, show
from .fields import AVTALEGIRO, LINE_LENGTH

OcrSource = bytes | bytearray | memoryview | str | IO[bytes] | IO[str] | Iterable[bytes] | Iterable[str]

# Read in chunks and split in C: a generator step per line would cost more than the checks.
_CHUNK = 1 << 18
# A newline-free remainder longer than this is reported, not read further.
_OVERLONG = 1000


def _line_batches(source: OcrSource) -> Iterator[list[str]]:
    """Lists of lines without their LF/CRLF endings; the last list may end the file.

    Never holds more than one chunk plus a short remainder: a newline-free blob is reported
    as an overlong line without being read whole.
    """
    if isinstance(source, bytes | bytearray | memoryview):
        source = io.BytesIO(source)
    elif isinstance(source, str):
        source = io.StringIO(source)  # newline="\n" (the default): no translation, CR kept
    read = getattr(source, "read", None)
    if read is None:
        yield from _iterable_batches(source)
        return
    carry = ""
    seen = 0
    while chunk := read(_CHUNK):
        if chunk.__class__ is not str:
            chunk = bytes(chunk).decode("latin-1")
        elif not chunk.isascii() and _not_latin1(chunk):
            _raise_not_latin1(carry + chunk, seen)
        lines = _split(carry + chunk)
        carry = lines.pop()
        seen += len(lines)
        if len(carry) >= _OVERLONG:
            # An overlong line: stop reading here, the parser reports it.
            lines.append(carry[:_OVERLONG])
            yield lines
            return
        yield lines
    if carry:
        yield [carry[:-1] if carry[-1] == "\r" else carry]


def _split(text: str) -> list[str]:
    """``text`` split at its LF and CRLF line breaks (a CR elsewhere stays in its line)."""
    if "\r" not in text:
        return text.split("\n")
    lines = text.split("\r\n")
    # Cheaper than replacing every CRLF by LF first, and the same when every LF is in a CRLF.
    if text.count("\n") == len(lines) - 1:
        return lines
    return text.replace("\r\n", "\n").split("\n")


def _iterable_batches(source: Iterable[bytes] | Iterable[str]) -> Iterator[list[str]]:
    """An iterable of lines (bytes or str, with or without line endings), normalised."""
    batch: list[str] = []
    for seen, raw in enumerate(source):
        if isinstance(raw, str):
            line = raw
            if not line.isascii() and _not_latin1(line):
                _raise_not_latin1(line, seen)
        elif isinstance(raw, bytes | bytearray | memoryview):
            line = bytes(raw).decode("latin-1")
        else:
            raise TypeError(f"lines must be bytes or str, got {type(raw).__name__}")
        if line[-1:] == "\n":
            line = line[:-1]
        if line[-1:] == "\r":
            line = line[:-1]
        batch.append(line)
        if len(batch) >= 4096:
            yield batch
            batch = []
    yield batch


def _looks_utf8(line: str) -> bool:
    try:
        return len(line.encode("latin-1").decode("utf-8")) <= LINE_LENGTH
    except UnicodeError:
        return False


def _raise_not_latin1(text: str, lines_before: int) -> None:
    """Name the line of the first character Nets could not have sent (a text source)."""
    index = next(i for i, char in enumerate(text) if char > "\xff")
    raise error(
        _("Line %(line)d: %(got)s is outside ISO-8859-1, the character set of Nets files"),
        lines_before + text.count("\n", 0, index) + 1,
        "encoding",
        got=show(text[index]),
    )


def _not_latin1(text: str) -> bool:
    try:
        text.encode("latin-1")
    except UnicodeEncodeError:
        return True
    return False


def overlong(line: str, line_no: int) -> OcrParseError:
    """Cold path: say why a line is longer than a record (only its first 1,000 characters are read)."""
    if line[:2] == "NY" and line[80:82] == "NY":
        # Records one after the other without line breaks (as normalnorway/avtalegiro writes).
        if any(line[i + 2 : i + 4] == "21" for i in range(0, len(line) - 3, LINE_LENGTH)):
            return error(AVTALEGIRO, line_no, "service_code", record="20")
        return error(
            _(
                "Line %(line)d: the records are not separated by line breaks; every record is exactly "
                "80 characters on a line of its own"
            ),
            line_no,
            "line_length",
        )
    length = len(line)
    if length >= _OVERLONG:
        template = _(
            "Line %(line)d: the line has no line break; every record is exactly 80 characters on a line "
            "of its own"
        )
    elif "\r" in line:
        template = _(
            "Line %(line)d: the line has %(length)d characters (a carriage return inside the line); every "
            "record is exactly 80"
        )
    elif _looks_utf8(line):
        template = _(
            "Line %(line)d: the line has %(length)d characters (it looks UTF-8 encoded; Nets files are "
            "ISO-8859-1); every record is exactly 80"
        )
    else:
        template = _("Line %(line)d: the line has %(length)d characters; every record is exactly 80")
    return error(template, line_no, "line_length", length=length)


def short_note(refusal: OcrParseError, length: int) -> OcrParseError:
    """``refusal`` of a line that was padded back to 80 characters: say it was short."""
    return OcrParseError(
        _("%(problem)s (the line has only %(length)d characters: only trailing blanks may be missing)"),
        {"problem": refusal, "length": length},
        refusal.line_no,
        refusal.field,
    )


def is_blank(line: str, line_no: int, after_short: bool) -> bool:
    """Whether a line that is not 80 characters long is blank; refuse one that is longer.

    ``after_short``: the last line that was not blank had been padded. Its note ("the line
    has only … characters") then sticks to a long line right after it, with the long line's
    length, as it always has.
    """
    if len(line) > LINE_LENGTH:
        refusal = overlong(line, line_no)
        raise short_note(refusal, len(line)) if after_short else refusal
    return not line.strip(" ")


class Lines:
    """The lines of an OCR file, in batches, as far as they can be records.

    Iterating yields lists of 80-character lines (a short line padded back with blanks) and
    stops before the first line that cannot be a record, a blank line or one that is too
    long; :attr:`rest` then yields the lines from that one on, as read. ``short`` maps the
    numbers of the padded lines of the current batch to their length as read, for
    :meth:`noted`.
    """

    def __init__(self, source: OcrSource) -> None:
        self._batches = _line_batches(source)
        self.short: dict[int, int] = {}
        self.rest: Iterator[str] = iter(())
        # Whether the line before the first one of ``rest`` was padded (see ``is_blank``).
        self.short_before_rest = False

    def __iter__(self) -> Iterator[list[str]]:
        seen = 0
        for batch in self._batches:
            # Checked in C for the whole batch: a test per line would cost more than the checks.
            if list(map(len, batch)).count(LINE_LENGTH) == len(batch):
                if batch:  # (a chunk without a line break leaves the last line's note)
                    self.short = {}
                seen += len(batch)
                yield batch
                continue
            short_before = seen in self.short
            stop = self._pad(batch, seen)
            if stop is not None:
                self.short_before_rest = seen + stop in self.short or (stop == 0 and short_before)
                self.rest = _chain_rest(batch[stop:], self._batches)
                yield batch[:stop]
                return
            seen += len(batch)
            yield batch

    def _pad(self, batch: list[str], seen: int) -> int | None:
        """Pad the short lines of ``batch`` in place, up to its first blank or long line; that
        line's index, if any."""
        self.short = short = {}
        for i, line in enumerate(batch):
            if len(line) != LINE_LENGTH:
                if len(line) > LINE_LENGTH or not line.strip(" "):
                    return i
                short[seen + i + 1] = len(line)
                batch[i] = line.ljust(LINE_LENGTH)
        return None

    def noted(self, refusal: OcrParseError, line_no: int) -> OcrParseError:
        """``refusal``, raised while reading line ``line_no``, with the note that the line was
        short if it was and the refusal is about it."""
        length = self.short.get(line_no)
        if length is None or refusal.line_no != line_no:
            return refusal
        return short_note(refusal, length)


def _chain_rest(first: list[str], batches: Iterator[list[str]]) -> Iterator[str]:
    yield from first
    for batch in batches:
        yield from batch

"""The stream: a camt.053 file (.001.02, .03, .04 or .08) read safely, entry by entry, with its schema checked."""

from __future__ import annotations

import contextlib
import io
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import BinaryIO

from lxml import etree

from ..xsd import get_schema
from . import diagnosis
from .diagnosis import _syntax_error
from .entry import _entry, _entry_wire
from .errors import CamtParseError, _, _truncated, _wrong_message
from .header import _statement_header
from .model import Camt053Entry, Camt053Statement
from .tags import DEFAULT, CamtTags, tags_for
from .values import _text

__all__ = ["DEFAULT_MAX_BYTES", "iter_camt053", "parse_camt053"]

DEFAULT_MAX_BYTES = 200 * 1024 * 1024  # the upload limit; a year of daily statements is far less

# XML whitespace, and the NUL bytes of its UTF-16 forms: a read of nothing else cannot end a document.
_BLANK_BYTES = b" \t\r\n\x00"


class _BoundedReader:
    """A file object for iterparse that refuses to read past ``limit`` bytes.

    Counting as we read (rather than trusting a stat) also bounds pipes and uploads whose
    size is unknown, and lets us look at the first bytes for a ``DOCTYPE`` before libxml2
    parses its internal subset at all.
    """

    TAIL = 4096  # bytes kept from the end: the root's end tag and what may follow it

    def __init__(self, raw: BinaryIO, limit: int):
        self._raw = raw
        self._limit = limit
        self._read = 0
        self._head = True
        self.head = b""  # the first bytes read: the root's start tag is in them
        self.tail = b""  # the last TAIL bytes read so far
        self.at_eof = False  # the source said it has nothing more
        self._pending = b""  # read ahead by peek(), handed out by read() first

    def peek(self) -> bytes:
        """The first bytes of the file, read ahead (and handed to the parser by :meth:`read`):
        what tells the message's version before the parse starts."""
        if self._head:
            self._pending = self._read_chunk(64 * 1024)
        return self.head

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            size = 64 * 1024
        if self._pending:
            chunk, self._pending = self._pending[:size], self._pending[size:]
            return chunk
        return self._read_chunk(size)

    def _read_chunk(self, size: int) -> bytes:
        chunk = self._raw.read(min(size, self._limit - self._read + 1))
        if not isinstance(chunk, bytes | bytearray):
            raise CamtParseError(_("The statement must be given as bytes, not text."))
        self._read += len(chunk)
        if self._read > self._limit:
            raise CamtParseError(
                _("The file is larger than the limit of %(limit)s bytes and was not read."),
                {"limit": f"{self._limit:,}"},
            )
        chunk = bytes(chunk)
        if self._head:
            self._head = False
            self.head = chunk[:65536]
            _refuse_doctype(chunk[:4096])
        # Once per read of 32 KB, not per element: what proves the file ended (ends_the_document).
        if not chunk:
            self.at_eof = True
        else:
            # Whitespace after the root may be of any length: the tail keeps what came before it
            # (and up to 4 bytes of it, so a UTF-16/32 character is never cut in half).
            content = len(chunk.rstrip(_BLANK_BYTES))
            if content:
                kept = chunk[: content + 4]
                self.tail = kept[-self.TAIL :] if len(kept) >= self.TAIL else (self.tail + kept)[-self.TAIL :]
        return chunk

    def root(self):
        """The root element as the first bytes start it (``None`` if they do not): what a
        parse that stopped before its first event (a schema that knows no such root, a file cut
        short) did not show."""
        parser = etree.XMLPullParser(
            events=("start",), resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
        )
        with contextlib.suppress(etree.LxmlError):
            parser.feed(self.head)
        with contextlib.suppress(etree.LxmlError):
            for _event, element in parser.read_events():
                return element
        return None

    def ends_the_document(self, root) -> bool:
        """Whether the file was read to its end and its last bytes close ``root``.

        What proves a file whole is its bytes, not the parser's events: lxml 6.2's validating
        iterparse, given a file cut in the middle, ends quietly and even reports the end of
        every element still open (Document included), where 6.0/6.1 raised. After the root's
        end tag XML allows only whitespace, comments and processing instructions, so the last
        bytes must be the root's end tag (``</Document>``, with the root's prefix if it has
        one) and such trailing matter, nothing else.
        """
        if not self.at_eof or root is None:
            return False
        encoding = (root.getroottree().docinfo.encoding or "UTF-8").upper()
        if encoding in ("UTF-16", "UTF-32", "UCS-2", "UCS-4"):
            # Named without a byte order: the BOM says which (libxml2 read it, so it is there).
            width = "16" if encoding in ("UTF-16", "UCS-2") else "32"
            marks = (b"\xfe\xff", b"\x00<") if width == "16" else (b"\x00\x00\xfe\xff", b"\x00\x00\x00<")
            big = self.head.startswith(marks)
            encoding = f"UTF-{width}-{'BE' if big else 'LE'}"
        try:
            text = self.tail.decode(encoding, "replace")
        except LookupError:  # a charset Python does not know: its markup is ASCII-compatible
            text = self.tail.decode("latin-1")
        name = f"{root.prefix}:" if root.prefix else ""
        name += etree.QName(root).localname
        return re.search(_END_OF_DOCUMENT.replace("NAME", re.escape(name)), text, re.DOTALL) is not None


# The root's end tag, then only whitespace, comments and processing instructions to the end.
_END_OF_DOCUMENT = r"</NAME\s*>(?:\s|<!--(?:(?!-->).)*-->|<\?(?:(?!\?>).)*\?>)*\Z"


def _refuse_doctype(head: bytes) -> None:
    # A bank statement has no DTD. A DOCTYPE is how entity bombs (billion laughs) and external
    # entities (file:///etc/passwd) get in, so it is refused before libxml2 reads it. One
    # hidden further in (after a long comment) is caught when the root starts (docinfo, see
    # _check_root); by then nothing was expanded or fetched, as the parser options forbid it.
    probe = head.replace(b"\x00", b"").upper()
    if b"<!DOCTYPE" in probe or b"<!ENTITY" in probe:
        raise CamtParseError(
            _("The file contains a DOCTYPE/entity declaration, which a bank statement never has."),
            element="DOCTYPE",
            line=1,
        )


def _open(source) -> tuple[BinaryIO, bool]:
    """A binary file object for ``source`` (bytes, a path, or a binary file object) and whether we opened it."""
    if isinstance(source, bytes | bytearray | memoryview):
        return io.BytesIO(bytes(source)), True
    if isinstance(source, str | os.PathLike):
        try:
            return open(source, "rb"), True
        except OSError as exc:
            raise CamtParseError(_("Cannot read the file: %(error)s"), {"error": exc.strerror}) from exc
    if hasattr(source, "read"):
        return source, False
    raise CamtParseError(_("Cannot read a statement from a %(type)s."), {"type": type(source).__name__})


def _check_root(root, t: CamtTags) -> None:
    docinfo = root.getroottree().docinfo
    if docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise CamtParseError(
            _("The file contains a DOCTYPE/entity declaration, which a bank statement never has."),
            element="DOCTYPE",
            line=1,
        )
    qname = etree.QName(root)
    if qname.namespace == t.namespace and qname.localname == "Document":
        return
    raise _wrong_message(qname.namespace, qname.localname, root.sourceline)


def iter_camt053(
    source, *, max_bytes: int = DEFAULT_MAX_BYTES, validate: bool = True, wire: bool = False
) -> Iterator[Camt053Statement | Camt053Entry]:
    """Stream a camt.053 file (.001.02, .03, .04 or .08): each statement's header (``entries=()``), then its entries.

    ``source`` is bytes, a path, or a binary file object. The header comes before its entries
    because the XSD puts ``Acct`` and ``Bal`` before ``Ntry``; a statement without entries is
    yielded on its own. Memory stays flat: one ``Ntry`` subtree at a time. Raises
    :class:`CamtParseError` and nothing else for a bad file; the error may come after some
    items were yielded, so an importer must treat the file as a whole (one transaction).
    ``wire=True`` yields each entry as its :func:`_entry_wire` tuple instead (the parsing
    process's form, for :class:`ParseProcess`).
    """
    raw, opened = _open(source)
    reread = _rereader(source, raw)
    yield from _guarded(_iterate(_BoundedReader(raw, max_bytes), validate, wire, reread), raw, opened)


def _guarded(items, raw, opened: bool):
    """``items`` with every way a file can be bad turned into :class:`CamtParseError` (what
    libxml2 refuses is turned into it where the parse runs, in :func:`_iterate`)."""
    try:
        yield from items
    except (etree.LxmlError, UnicodeError, LookupError) as exc:
        raise CamtParseError(_("The file cannot be read as XML: %(error)s"), {"error": str(exc)}) from None
    finally:
        if opened:
            raw.close()


def _rereader(source, raw) -> Callable[[], bytes | None]:
    """How to read the file once more, whole, to say where a schema error is (see
    :func:`.diagnosis._diagnosed`): its bytes, its path, or a seekable file from where it started; a pipe
    cannot be read twice (its reader, :class:`ParseProcess`, locates the error itself)."""
    if isinstance(source, bytes | bytearray | memoryview):
        return lambda: bytes(source) if len(source) <= diagnosis.LOCATE_BYTES else None
    if isinstance(source, str | os.PathLike):

        def from_path() -> bytes | None:
            with contextlib.suppress(OSError), open(source, "rb") as handle:
                data = handle.read(diagnosis.LOCATE_BYTES + 1)
                return data if len(data) <= diagnosis.LOCATE_BYTES else None
            return None

        return from_path
    start = None
    with contextlib.suppress(AttributeError, OSError, ValueError):
        if raw.seekable():
            start = raw.tell()
    if start is None:
        return lambda: None

    def from_file() -> bytes | None:
        try:
            raw.seek(start)
            data = raw.read(diagnosis.LOCATE_BYTES + 1)
        except (OSError, ValueError):
            return None
        return data if isinstance(data, bytes) and len(data) <= diagnosis.LOCATE_BYTES else None

    return from_file


def _iterate(
    reader: _BoundedReader, validate: bool, wire: bool, reread: Callable[[], bytes | None]
) -> Iterator[Camt053Statement | Camt053Entry | tuple]:
    # End events of three tags only: a start event per entry as well would double the
    # events. The header is read when the statement's first Ntry ends, because the XSD puts
    # Id, Acct and Bal before the first Ntry, so they are complete by then.
    # The version is the root's namespace, read from the first bytes; a file of any other (or
    # none) is parsed as camt.053.001.02, and refused by name when its root is seen.
    first = reader.root() if reader.peek() else None
    t = (tags_for(etree.QName(first).namespace) if first is not None else None) or DEFAULT
    NS = t.NS
    ntry, stmt, grp_hdr, document = NS + "Ntry", NS + "Stmt", NS + "GrpHdr", NS + "Document"
    events = etree.iterparse(
        reader,
        events=("end",),
        tag=(grp_hdr, stmt, ntry, document),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
        schema=get_schema(t.schema) if validate else None,
    )
    root_checked = False
    message_id = None
    header: Camt053Statement | None = None
    index = 0
    statements = 0
    read = _entry_wire if wire else _entry
    try:
        for _event, element in events:
            if not root_checked:
                # The root must be a Document of the version peeked (and no DOCTYPE), before
                # anything of the file is yielded.
                _check_root(element.getroottree().getroot(), t)
                root_checked = True
            tag = element.tag
            if tag == ntry:
                if header is None:
                    header = _statement_header(element.getparent(), message_id, t)
                    statements += 1
                    yield header
                entry = read(element, index, t)
                index += 1
                yield entry
                # Flat memory: drop this entry's subtree and every sibling already processed
                # (the header elements included, which were read at the first Ntry).
                element.clear(keep_tail=False)
                parent = element.getparent()
                while element.getprevious() is not None:
                    del parent[0]
            elif tag == stmt:
                if header is None:
                    statements += 1
                    yield _statement_header(element, message_id, t)  # a day without entries
                header = None
                index = 0
                element.clear(keep_tail=False)
                parent = element.getparent()
                while element.getprevious() is not None:
                    del parent[0]
            elif tag == grp_hdr:
                message_id = _text(element, NS + "MsgId")
    except (CamtParseError, etree.XMLSyntaxError) as exc:
        # An element the parser closed itself at the end of a cut-off file (see
        # ends_the_document) lacks what it was cut from, and a schema may refuse it or a root
        # cut in its name: the cut is the problem to report.
        root = events.root if events.root is not None else reader.root()
        if reader.at_eof and root is not None and not reader.ends_the_document(root):
            raise _truncated(root) from None
        if isinstance(exc, etree.XMLSyntaxError):
            raise _syntax_error(exc, events.error_log, root, reread, validate) from None
        raise
    if not root_checked:
        root = events.root if events.root is not None else reader.root()
        if root is not None:
            if not reader.ends_the_document(root):
                raise _truncated(root)
            _check_root(root, t)
        raise CamtParseError(_("The file has no root element."))
    if not reader.ends_the_document(events.root):
        # A parser reports a file cut off in the middle as not well-formed, but not every
        # version does when a schema validates during the parse (see ends_the_document).
        raise _truncated(events.root)
    if statements == 0:
        raise CamtParseError(_("The file holds no statement (BkToCstmrStmt/Stmt)."), element="Stmt")


def parse_camt053(
    source, *, max_bytes: int = DEFAULT_MAX_BYTES, validate: bool = True
) -> list[Camt053Statement]:
    """Parse a whole camt.053 file (.001.02, .03, .04 or .08) into statements with their entries.

    Holds every entry as a small frozen dataclass (about 1 KB each); for the biggest files an
    importer should consume :func:`iter_camt053` in batches instead.
    """
    statements: list[Camt053Statement] = []
    current: Camt053Statement | None = None
    entries: list[Camt053Entry] = []
    for item in iter_camt053(source, max_bytes=max_bytes, validate=validate):
        if isinstance(item, Camt053Statement):
            if current is not None:
                statements.append(_with_entries(current, entries))
            current, entries = item, []
        else:
            entries.append(item)
    if current is not None:
        statements.append(_with_entries(current, entries))
    return statements


def _with_entries(header: Camt053Statement, entries: list[Camt053Entry]) -> Camt053Statement:
    return replace(header, entries=tuple(entries))

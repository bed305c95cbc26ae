"""One intake for bank files (a Nets OCR file, a camt.053 statement): the steps every import of
a file the bank sends takes before and after its own parsing.

1. **hash**: :class:`Received` reads the file once for its SHA-256 and size, from bytes, a
   path or a seekable binary file, in 4 MB pieces (a file on disk is never whole in memory
   unless the format's parser needs it so);
2. **duplicate or conflict**: :meth:`Intake.accepted` finds the company's accepted file with
   these very bytes; what a duplicate or a conflict then means is the format's own (an OCR
   re-send is recorded as a duplicate row, a camt.053 re-send answers with the first file);
3. **reject**: :meth:`Intake.reject` keeps a refused file's head (``REJECTED_KEEP_BYTES``),
   size, hash and reason, in its own transaction, audits it and sends the format's notice;
4. **store raw**: :meth:`Intake.store` writes the bytes past Django's client-side binding,
   whole (already compressed) or streamed in pieces (``bankint.db``);
5. **notify**: :class:`Notice` is what a format says to the company, sent by ``notify``.

The kernel knows no app: the file's model, the audit and notification functions are handed
to :class:`Intake` by the app that declares the kind of file.
"""

from __future__ import annotations

import hashlib
import os
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from bankint.db import SizeChanged, store_bytes, stream_bytes
from bankint.errors import BankFileRejected

RAW_CHUNK = 4 * 2**20
# Of a refused file its head is kept (with its size and hash): enough to see what the file is,
# never 150 MB of garbage in the database (the hash still names the whole file).
REJECTED_KEEP_BYTES = 1024 * 1024


class Received:
    """A bank file as received: bytes, or a path / seekable binary file read in pieces.

    A worker that has the file on disk (a command, an upload Django spooled to a temporary
    file) hands over the path; bytes are used as they are.
    """

    chunk_size = RAW_CHUNK

    def __init__(self, source):
        self.bytes: bytes | None = None
        self.path = None
        self.fileobj = None
        if isinstance(source, bytes | bytearray | memoryview):
            self.bytes = bytes(source)
        elif isinstance(source, str | os.PathLike):
            self.path = source
        elif hasattr(source, "read") and hasattr(source, "seek"):
            self.fileobj = source
        else:
            raise TypeError(f"a bank file is bytes, a path or a binary file, not {type(source).__name__}")
        self.size = self._size()  # what the hash reads, unless the file changes meanwhile
        self.sha256 = ""

    def _size(self) -> int:
        if self.bytes is not None:
            return len(self.bytes)
        if self.path is not None:
            return os.stat(self.path).st_size
        return self.fileobj.seek(0, os.SEEK_END)

    def hash(self) -> str:
        """Read the file once for its SHA-256 (and its size as read)."""
        if self.bytes is not None:  # in memory: one call, no pieces
            self.sha256 = hashlib.sha256(self.bytes).hexdigest()
            return self.sha256
        digest = hashlib.sha256()
        self.size = 0
        for chunk in self.chunks():
            digest.update(chunk)
            self.size += len(chunk)
        self.sha256 = digest.hexdigest()
        return self.sha256

    def chunks(self) -> Iterator:
        if self.bytes is not None:
            view = memoryview(self.bytes)
            for start in range(0, len(view), self.chunk_size):
                yield view[start : start + self.chunk_size]
            return
        fh = self.open()
        try:
            while chunk := fh.read(self.chunk_size):
                yield chunk
        finally:
            if self.path is not None:
                fh.close()

    def open(self):
        if self.path is not None:
            return open(self.path, "rb")  # closed by the caller
        self.fileobj.seek(0)
        return self.fileobj

    def parse_source(self):
        """What a streaming parser reads: the bytes, the path, or the file from its start."""
        if self.bytes is not None:
            return self.bytes
        if self.path is not None:
            return self.path
        return self.open()

    def read(self) -> bytes:
        """The whole file (for a parser that needs it so); bytes are not copied."""
        if self.bytes is None:
            self.bytes = b"".join(self.chunks())
            self.path = self.fileobj = None
        return self.bytes

    def head(self, limit: int) -> bytes:
        """The file's first ``limit`` bytes."""
        if self.bytes is not None:
            return self.bytes[:limit]
        fh = self.open()
        try:
            return fh.read(limit)
        finally:
            if self.path is not None:
                fh.close()


def received(source) -> Received:
    """``source`` (bytes, path or binary file) read once for its hash: step 1."""
    file = Received(source)
    file.hash()
    return file


@dataclass(frozen=True)
class Notice:
    """What a format tells the company about a file (``notifications.services.notify``'s arguments)."""

    title: str
    body: str
    level: str
    dedup_key: str
    link: str = ""


class Intake:
    """How one kind of bank file is received and refused.

    ``model`` has ``company``, ``status``, ``reason``, ``sha256``, ``size`` and the raw file's
    bytea column ``raw_field`` (zlib-compressed when ``compressed``); ``accepted`` are the
    statuses of a file that counts as imported; ``name`` prefixes the audit actions
    (``<name>.reject``). ``audit(action, obj=, company=, changes=)`` and
    ``notify(company, title=, body=, level=, link=, dedup_key=)`` are the apps' own.
    """

    def __init__(
        self,
        model,
        *,
        name: str,
        raw_field: str,
        accepted: tuple[str, ...],
        audit: Callable,
        notify: Callable,
        compressed: bool = False,
    ):
        self.model, self.name, self.raw_field, self.accepted_statuses = model, name, raw_field, accepted
        self._audit, self._notify, self.compressed = audit, notify, compressed

    # step 2
    def accepted(self, company, sha256: str):
        """The company's accepted file with these very bytes, or None."""
        return self.model.objects.filter(
            company=company, sha256=sha256, status__in=self.accepted_statuses
        ).first()

    # step 3
    def reject(
        self,
        company,
        file: Received,
        reason: str,
        *,
        fields: dict,
        earlier=None,
        repeat: dict | None = None,
        notice: Callable[[object], Notice | None] | None = None,
    ):
        """Record ``file`` refused for ``reason`` (its head kept), audit it and send ``notice(row)``.

        ``fields`` are the row's other columns. ``earlier`` (a queryset) finds a row this
        refusal is recorded on instead of a new one: it is locked and, unless accepted
        meanwhile, marked refused with this reason and the columns in ``repeat``; without
        ``repeat`` it is returned as it is, without a second notice (the bank delivered the
        same refused file again). Should another worker record the same refusal at the same
        moment, its row is returned.
        """
        head = file.head(REJECTED_KEEP_BYTES)
        stored = zlib.compress(head, 1) if self.compressed else head
        rejected = self.model.Status.REJECTED
        with transaction.atomic():
            row = earlier.select_for_update().first() if earlier is not None else None
            if row is None:
                try:
                    with transaction.atomic():
                        row = self.model.objects.create(
                            company=company,
                            status=rejected,
                            reason=reason,
                            sha256=file.sha256,
                            size=file.size,
                            **{self.raw_field: stored},
                            **fields,
                        )
                except IntegrityError:
                    if earlier is None:
                        raise
                    return earlier.get()  # another worker recorded the same refusal
            elif repeat is None:
                return row
            elif row.status not in self.accepted_statuses:
                self.model.objects.filter(pk=row.pk).update(status=rejected, reason=reason, **repeat)
                row.refresh_from_db()
            self.audit("reject", row, company, {"reason": reason[:500], "sha256": file.sha256})
            self.send(company, notice(row) if notice is not None else None)
        return row

    # step 4
    def store(self, pk: int, data: bytes | Received) -> None:
        """The raw file into row ``pk``: ``bytes`` (as they are to be stored) whole, a
        :class:`Received` file streamed in pieces; a file that changed while it was read is
        refused (``BankFileRejected``), nothing stored."""
        table = self.model._meta.db_table
        column = self.model._meta.get_field(self.raw_field).column
        if isinstance(data, Received):
            try:
                stream_bytes(table, column, pk, data.chunks(), data.size)
            except SizeChanged:
                raise BankFileRejected(
                    _("The file changed while it was being read."), code="changed"
                ) from None
        else:
            store_bytes(table, column, pk, data)

    # step 5
    def send(self, company, notice: Notice | None) -> None:
        if notice is not None:
            self._notify(
                company,
                title=notice.title,
                body=notice.body,
                level=notice.level,
                link=notice.link,
                dedup_key=notice.dedup_key,
            )

    def audit(self, action: str, row, company, changes: dict) -> None:
        self._audit(f"{self.name}.{action}", obj=row, company=company, changes=changes)

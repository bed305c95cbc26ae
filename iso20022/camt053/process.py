"""The parse in a process of its own: :class:`ParseProcess` and its child (``python -m iso20022.camt053``)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

from . import diagnosis
from .errors import CamtParseError
from .model import Camt053Entry, Camt053Statement
from .reader import DEFAULT_MAX_BYTES, iter_camt053
from .wire import _from_wire

__all__ = ["ParseProcess", "ParseProcessFailed"]


class _ChildProcess:
    """A plain interpreter running this package (``python -m iso20022.camt053 ARGS``).

    It reads the file by its path, or from a pipe this process feeds from a thread, bounded
    as every read is, and writes to its stdout. Should it fail to start, ``_proc`` is None.
    """

    def __init__(self, args: list[str], *, path=None, chunks=None):
        import subprocess
        import sys
        import threading

        self._chunks = chunks
        self._writer = None
        self.peak_mb = 0.0  # the child's peak resident memory, as it reports it
        # The checkout's root, where ``iso20022`` is importable from.
        root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        try:
            self._proc = subprocess.Popen(  # noqa: S603 - our own interpreter and module, no shell
                [sys.executable, "-m", "iso20022.camt053", *args],
                cwd=root,
                stdin=subprocess.PIPE if path is None else subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                bufsize=0,
            )
        except OSError:
            self._proc = None
            return
        if path is None:
            self._writer = threading.Thread(target=self._feed, daemon=True)
            self._writer.start()

    def _feed(self) -> None:
        stdin = self._proc.stdin
        try:
            for chunk in self._chunks():
                stdin.write(chunk)
        except (BrokenPipeError, OSError):  # the child stopped reading: it found an error
            pass
        finally:
            with contextlib.suppress(OSError):
                stdin.close()

    def close(self) -> None:
        """Stop the child if it still runs (the import stopped early or failed)."""
        if self._proc is not None:
            if self._proc.poll() is None:
                self._proc.kill()
            self._proc.wait()
            with contextlib.suppress(OSError):
                self._proc.stdout.close()
        if self._writer is not None:
            self._writer.join(5)


class ParseProcessFailed(Exception):
    """The parsing process stopped without a verdict (it could not start, crashed, hung or
    was killed): the caller parses the file itself instead."""


class ParseProcess(_ChildProcess):
    """:func:`iter_camt053` of one file, run in a process of its own.

    The importer's own work per entry (its key, its row, what the matcher needs) then runs
    beside the parse, on the machine's other core, instead of after it: lxml holds the
    interpreter lock while it parses, so a thread could not. The child checks the schema
    in the same pass (one process of 28 MB rather than a parsing one and a checking one,
    and no slower on two cores). It sends what it parsed in
    batches (``marshal`` of plain values, framed by their length), in file order, and ends
    with either "done" or the :class:`CamtParseError` it met, which :meth:`items` raises
    with the same message, element and line as a parse here would: the importer sees the
    same items and the same errors either way. Should the child fail to start, stop without
    either, or send nothing for :attr:`TIMEOUT` seconds, :meth:`items` raises
    :class:`ParseProcessFailed` and the importer parses the file itself.
    """

    BATCH = 500  # entries per message: small enough to keep both sides busy
    TIMEOUT = 120  # seconds without a byte from the child; a whole 100,000-entry file takes 3

    def __init__(self, *, path=None, chunks=None, max_bytes: int = DEFAULT_MAX_BYTES, validate: bool = True):
        import queue
        import threading

        target = os.fspath(path) if path is not None else "-"
        mode = "validate" if validate else "no-validate"
        self._validate = validate
        super().__init__(["--parse", target, str(max_bytes), mode], path=path, chunks=chunks)
        # The child's messages are taken off the pipe as they come, by a thread, so that it
        # never waits on a full pipe while the importer does something else (the importer
        # starts it before hashing, claiming and storing the file). Only the messages the
        # importer has not read yet are held: a few MB at the start, then next to none.
        self._messages: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        self._reader = None
        if self._proc is not None:
            self._reader = threading.Thread(target=self._pump, daemon=True)
            self._reader.start()

    def _pump(self) -> None:
        """Whole messages from the child into the queue; ``None`` when it ends or goes quiet."""
        try:
            while True:
                head = self._read(4)
                if len(head) < 4:
                    break
                size = int.from_bytes(head, "little")
                payload = self._read(size)
                if len(payload) < size:
                    break
                self._messages.put(payload)
        except (OSError, ValueError):  # the pipe was closed under us: the import stopped the child
            pass
        finally:
            self._messages.put(None)

    def close(self) -> None:
        # The child stopped first, so that the reader sees the pipe's end, then the pipe closed.
        if self._proc is not None:
            if self._proc.poll() is None:
                self._proc.kill()
            self._proc.wait()
        if self._reader is not None:
            self._reader.join(5)
        super().close()

    def _read(self, size: int) -> bytes:
        """Exactly ``size`` bytes from the child, or fewer where it stopped or went quiet."""
        import select

        fd = self._proc.stdout.fileno()
        parts: list[bytes] = []
        left = size
        while left:
            ready, _w, _x = select.select([fd], [], [], self.TIMEOUT)
            if not ready:
                break
            part = os.read(fd, min(left, 1 << 20))
            if not part:
                break
            parts.append(part)
            left -= len(part)
        return b"".join(parts)

    def _error(self, template, params, element, line, undiagnosed) -> CamtParseError:
        """The child's error as a parse here would raise it. What libxml2 refused in a file the
        child read from a pipe (so could not read again) is diagnosed here, where it can be."""
        if undiagnosed and self._chunks is not None:
            found = diagnosis._diagnosed(self._whole(), self._validate)
            if found is not None:
                return found
        error = CamtParseError(template, params, element, line)
        error.undiagnosed = undiagnosed
        return error

    def _whole(self) -> bytes | None:
        parts, size = [], 0
        for chunk in self._chunks():
            size += len(chunk)
            if size > diagnosis.LOCATE_BYTES:
                return None
            parts.append(bytes(chunk))
        return b"".join(parts)

    def items(self) -> Iterator[Camt053Statement | Camt053Entry]:
        import marshal
        import pickle

        if self._proc is None:
            raise ParseProcessFailed("the parsing process could not start")
        entry = _from_wire
        messages = self._messages
        while True:
            payload = messages.get()
            if payload is None:
                break
            for item in marshal.loads(payload):  # noqa: S302 - written by our own child process
                kind = item[0]
                if kind.__class__ is int:
                    yield entry(item)
                elif kind == "S":
                    yield pickle.loads(item[1])  # noqa: S301 - written by our own child process
                elif kind == "X":
                    raise self._error(*item[1:])
                else:  # "E": the whole file was read
                    self.peak_mb = item[1]
                    return
        raise ParseProcessFailed("the parsing process stopped before the end of the file")


def _peak_mb() -> float:
    with open("/proc/self/status") as fh:  # VmHWM: this process's peak resident memory
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _parse_main(argv: list[str]) -> int:
    """``python -m iso20022.camt053 --parse PATH|- MAX_BYTES [no-]validate``: the child
    of :class:`ParseProcess`."""
    import marshal
    import pickle
    import sys

    source = sys.stdin.buffer if argv[0] == "-" else argv[0]
    out = sys.stdout.buffer
    batch: list = []

    def send() -> None:
        data = marshal.dumps(batch)
        out.write(len(data).to_bytes(4, "little"))
        out.write(data)
        batch.clear()

    try:
        validate = argv[2:3] != ["no-validate"]
        for item in iter_camt053(source, max_bytes=int(argv[1]), validate=validate, wire=True):
            if item.__class__ is tuple:
                batch.append(item)
                if len(batch) >= ParseProcess.BATCH:
                    send()
            else:
                batch.append(("S", pickle.dumps(item)))
    except CamtParseError as exc:
        batch.append(("X", exc.template, exc.params, exc.element, exc.line, exc.undiagnosed))
    else:
        batch.append(("E", _peak_mb()))
    with contextlib.suppress(BrokenPipeError):  # the importer stopped reading (a problem of its own)
        send()
        out.flush()
    return 0

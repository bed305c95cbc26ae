"""Where a long run's time goes, for whoever measures it: ``mark("name")`` closes a phase.

Off (the default) a mark costs one global look-up and a test, so the imports keep their
marks in production code. A benchmark turns it on around the run it measures::

    with phases.recording() as timings:
        statement_file_import(...)
    # timings == [("parse and stage", 4.41), ("deduplicate", 0.12), ...]

Each phase runs from the previous mark (or the start of the recording) to its own.
"""

from __future__ import annotations

import time
from contextlib import contextmanager

_timings: list[tuple[str, float]] | None = None
_since = 0.0


def mark(name: str) -> None:
    """Close the running phase under ``name``; a no-op unless recording."""
    global _since
    if _timings is None:
        return
    now = time.perf_counter()
    _timings.append((name, round(now - _since, 3)))
    _since = now


def restart() -> None:
    """Start the next phase's clock here, without naming what went before."""
    global _since
    if _timings is not None:
        _since = time.perf_counter()


@contextmanager
def recording():
    """Record the phases marked inside the block into the list it yields (one run at a time)."""
    global _timings, _since
    timings: list[tuple[str, float]] = []
    _timings, _since = timings, time.perf_counter()
    try:
        yield timings
    finally:
        _timings = None

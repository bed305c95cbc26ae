"""bankint.intake's reading of a bank file (bytes, a path or a binary file, in pieces) and
bankint.phases' timer; the intake's database steps are tested through the OCR and camt.053
imports (tests/ocr, tests/reconciliation)."""

from __future__ import annotations

import hashlib
import io

import pytest

from bankint import phases
from bankint.intake import Received, received

DATA = bytes(range(256)) * 40


@pytest.fixture(params=["bytes", "path", "file"])
def source(request, tmp_path, monkeypatch):
    monkeypatch.setattr(Received, "chunk_size", 1000)
    if request.param == "bytes":
        return DATA
    if request.param == "path":
        path = tmp_path / "f.bin"
        path.write_bytes(DATA)
        return path
    return io.BytesIO(DATA)


def test_a_file_is_hashed_read_and_cut_the_same_from_any_source(source):
    file = received(source)
    assert file.sha256 == hashlib.sha256(DATA).hexdigest() and file.size == len(DATA)
    pieces = [bytes(p) for p in file.chunks()]
    assert b"".join(pieces) == DATA and max(map(len, pieces)) == 1000
    assert file.head(10) == DATA[:10]
    assert file.read() == DATA


def test_anything_else_is_refused():
    with pytest.raises(TypeError, match="not int"):
        Received(42)


def test_phases_are_recorded_only_when_asked(monkeypatch):
    phases.mark("nobody listens")  # a no-op
    with phases.recording() as timings:
        phases.mark("one")
        phases.restart()
        phases.mark("two")
    phases.mark("after")
    assert [name for name, _seconds in timings] == ["one", "two"]
    assert all(seconds >= 0 for _name, seconds in timings)

"""The real-file corpus: bank files nobody on this project wrote, read from outside the repository
(``BANKINT_SAMPLES``, by default ``samples/`` in the ``shared`` folder beside the checkout).

The files are other people's (banks and peer projects; their origins are listed beside them,
not here) and are never copied into the project. Each format has a manifest here (``<kind>.toml``) keyed by file name, holding the
file's SHA-256 and the outcome the product must give it. A file in the folder without an
entry, an entry without a file, or a file whose bytes changed fails the run, so the corpus
and the assertions cannot drift apart.

Where the corpus is absent (a clone elsewhere) these tests stand aside and say so;
with ``CI=true`` its absence is a failure.
"""

from __future__ import annotations

import hashlib
import os
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent


def samples_dir() -> Path:
    return Path(os.environ.get("BANKINT_SAMPLES", ROOT.parent / "shared" / "samples")).resolve()


def require_samples() -> Path:
    folder = samples_dir()
    if not folder.is_dir():
        message = f"the real-file corpus is not at {folder} (set BANKINT_SAMPLES)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return folder


def load_manifest(kind: str) -> dict[str, dict]:
    with open(HERE / f"{kind}.toml", "rb") as handle:
        return tomllib.load(handle)["files"]


def corpus_cases(kind: str) -> list:
    """``pytest.param(name, expected)`` for every file of a manifest, for parametrize."""
    return [pytest.param(name, spec, id=name) for name, spec in sorted(load_manifest(kind).items())]


def corpus_file(folder: str, name: str, spec: dict) -> bytes:
    """The file's bytes, after checking they are the ones the manifest's outcome is about."""
    path = require_samples() / folder / name
    data = path.read_bytes()
    assert hashlib.sha256(data).hexdigest() == spec["sha256"], f"{name} changed: review its outcome"
    return data


def assert_manifest_covers(folder: str, kind: str, pattern: str = "*") -> None:
    """Every corpus file of ``folder`` has an entry in ``kind``'s manifest, and vice versa."""
    files = {p.name for p in (require_samples() / folder).glob(pattern) if p.name != "SOURCES.md"}
    listed = set(load_manifest(kind))
    assert files - listed == set(), "corpus files without an asserted outcome"
    assert listed - files == set(), "manifest entries without a file"

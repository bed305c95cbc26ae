"""Installs are locked: requirements/*.txt pin every package, with hashes, within pyproject's ranges.

A fresh machine installs exactly what the tests saw (make, CI, the Dockerfile); `make lock`
moves the pins on purpose. `make test-latest` runs the suite against the newest allowed
versions instead (BANKINT_LATEST=1), where only the ranges are checked.
"""

from __future__ import annotations

import os
import re
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
_PIN = re.compile(r"^([A-Za-z0-9_.-]+)==(\S+)((?:\s*\\\n\s+--hash=sha256:[0-9a-f]{64})*)", re.M)


def _pins(name: str) -> dict[str, tuple[str, int]]:
    text = (ROOT / "requirements" / name).read_text()
    return {canonicalize_name(m[1]): (m[2], m[3].count("--hash=")) for m in _PIN.finditer(text)}


def _declared(extra: str | None = None) -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    found = [Requirement(r) for r in project["dependencies"]]
    if extra:
        found += [Requirement(r) for r in project["optional-dependencies"][extra]]
    return found


@pytest.mark.parametrize(("lock", "extra"), [("dev.txt", "dev"), ("base.txt", None)])
def test_every_declared_dependency_is_pinned_within_its_range_with_hashes(lock, extra):
    pins = _pins(lock)
    assert pins, lock
    outside = {
        str(req): pins.get(canonicalize_name(req.name), ("missing", 0))[0]
        for req in _declared(extra)
        if pins.get(canonicalize_name(req.name), ("missing", 0))[0] not in req.specifier
    }
    assert outside == {}
    assert [name for name, (_version, hashes) in pins.items() if hashes == 0] == []


def test_production_lock_is_the_dev_lock_without_the_test_tools():
    dev, base = _pins("dev.txt"), _pins("base.txt")
    assert set(base) < set(dev)
    assert {name: version for name, version in base.items() if dev[name] != version} == {}
    assert "pytest" not in base and "lxml" in base


def test_this_environment_is_the_lock():
    installed = {canonicalize_name(d.metadata["Name"]): d.version for d in metadata.distributions()}
    if os.environ.get("BANKINT_LATEST") == "1":  # make test-latest: newest allowed, not locked
        assert all(installed[canonicalize_name(r.name)] in r.specifier for r in _declared("dev"))
        return
    differs = {
        name: (version, installed.get(name))
        for name, (version, _hashes) in _pins("dev.txt").items()
        if installed.get(name) != version
    }
    assert differs == {}, "install from the lock: make setup"

"""The README and the pages it links to name only what exists.

A newcomer follows the README literally: every ``make <target>`` it shows must be a target of
the Makefile, every file or folder it names in code or links must be in the repository, and
its benchmark table must have one row per ``bench/*.py`` benchmark (named by module). The
same path check covers the docs/ pages the README sends readers to.
"""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
# The pages the README links to for the details it leaves out (bench/NOTES.md is history and
# names files as they were then, so it is not checked).
LINKED_PAGES = ["docs/PRODUCT.md", "docs/FAULTS.md", "docs/TESTING.md", "docs/RUNNING.md"]
# Made at run time, never in the repository.
RUNTIME = (".venv/", ".venv-latest/", "var/")

FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
INLINE = re.compile(r"`([^`\n]+)`")
LINK = re.compile(r"\]\(([^)\s]+)\)")
MAKE = re.compile(r"(?:^|[\s;&(])make ([a-z][\w-]*)")
TARGET = re.compile(r"^([A-Za-z][\w-]*)\s*:(?!=)", re.MULTILINE)
PATHLIKE = re.compile(r"^\.?[\w.*-]+(?:/[\w.*<>-]*)*$")


def _code(text: str) -> list[str]:
    """Every fenced block and inline code span of a Markdown text."""
    blocks = FENCE.findall(text)
    rest = FENCE.sub("", text)
    return blocks + INLINE.findall(rest)


def _named_paths(text: str) -> set[str]:
    names = set(LINK.findall(text))
    for code in _code(text):
        for token in code.split():
            names.add(token.strip("`'\",;()"))
    paths = set()
    for name in names:
        if "://" in name or name.startswith(("/", "-", "$")) or not PATHLIKE.match(name):
            continue
        # A path names a folder (``bankint/``), several (``bench/*.py``) or a file with a suffix.
        if "/" in name or re.search(r"\.(md|py|toml|yml|txt|png|example)$", name):
            paths.add(name)
    return paths


def _exists(base: Path, name: str) -> bool:
    if "<" in name:  # a placeholder such as var/e2e/<run>/
        return True
    if any(ch in name for ch in "*?["):
        return any(ROOT.glob(name))
    return (base / name).exists() or (ROOT / name).exists()


def test_the_readme_shows_the_commands_a_newcomer_types():
    text = README.read_text(encoding="utf-8")
    shown = {m for code in _code(text) for m in MAKE.findall(code)}
    assert {"run", "test", "bench"} <= shown


@pytest.mark.parametrize("page", ["README.md", *LINKED_PAGES])
def test_every_make_target_shown_exists(page):
    targets = set(TARGET.findall((ROOT / "Makefile").read_text(encoding="utf-8")))
    shown = {m for code in _code((ROOT / page).read_text(encoding="utf-8")) for m in MAKE.findall(code)}
    assert sorted(shown - targets) == [], f"{page} shows make targets the Makefile does not have"


@pytest.mark.parametrize("page", ["README.md", *LINKED_PAGES])
def test_every_path_named_exists(page):
    path = ROOT / page
    named = _named_paths(path.read_text(encoding="utf-8"))
    missing = sorted(
        name for name in named if not name.startswith(RUNTIME) and not _exists(path.parent, name)
    )
    assert missing == [], f"{page} names paths that are not in the repository"


def test_the_pages_the_readme_sends_readers_to_are_linked():
    text = README.read_text(encoding="utf-8")
    for page in [*LINKED_PAGES, "docs/DATABASE.md", "bench/NOTES.md"]:
        assert f"`{page}`" in text or f"({page})" in text, page


def test_one_benchmark_row_per_bench_module():
    text = README.read_text(encoding="utf-8")
    section = text[text.index("\n## Benchmarks\n") :]
    section = section[: section.find("\n## ", 1)]
    rows = re.findall(r"^\| `(\w+)`", section, re.MULTILINE)
    # A benchmark is a bench module with a ``run`` (what bench/run.py runs); bench/common.py
    # holds what they share.
    modules = sorted(
        p.stem
        for p in (ROOT / "bench").glob("*.py")
        if p.stem != "run" and re.search(r"^def run\(", p.read_text(encoding="utf-8"), re.MULTILINE)
    )
    assert sorted(rows) == modules

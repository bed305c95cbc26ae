"""`make bench`: the benchmark table.

Each row: what was measured, the figure, the baseline measured in the same run, the ratio
and the target. Benchmarks live here, never in timed tests. Every module in ``bench/``
with a ``run(Row) -> list[Row]`` function adds its rows. A line on stderr marks each
benchmark's start and end (with its seconds), so a run of several minutes shows where it is.
"""

from __future__ import annotations

import os
import sys
import time
import traceback
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bench.common import Row

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bankint.settings.base")


def _table(rows: list[Row]) -> str:
    headers = ["benchmark", "figure", "baseline (same run)", "ratio", "target", "met"]
    cells = [
        [r.name, r.figure, r.baseline, r.ratio, r.target, {True: "yes", False: "NO", None: "-"}[r.met]]
        for r in rows
    ]
    widths = [max(len(h), *(len(c[i]) for c in cells)) if cells else len(h) for i, h in enumerate(headers)]
    line = "| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)) + " |"
    sep = "|-" + "-|-".join("-" * w for w in widths) + "-|"
    body = ["| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |" for row in cells]
    return "\n".join([line, sep, *body])


def _progress(line: str) -> None:
    """A progress line on stderr (the table goes to stdout), at once, not when the run ends."""
    print(line, file=sys.stderr, flush=True)


def main() -> int:
    import django

    django.setup()
    import importlib

    from bench.common import Row

    only = set(sys.argv[1:])  # `make bench` runs all; `python bench/run.py ocr_import` runs one
    names = sorted(p.stem for p in Path(__file__).parent.glob("*.py") if p.stem not in ("__init__", "run"))
    benchmarks = []
    for name in names:
        if only and name not in only:
            continue
        module = importlib.import_module(f"bench.{name}")
        if hasattr(module, "run"):
            benchmarks.append((name, module.run))
    rows: list[Row] = []
    failed: list[str] = []
    began = time.perf_counter()
    for number, (name, bench) in enumerate(benchmarks, start=1):
        _progress(f"[{number}/{len(benchmarks)}] {name}: started")
        started = time.perf_counter()
        try:
            rows.extend(bench(Row))
        except Exception:  # the others still run and the table still prints; the exit says so
            traceback.print_exc()
            failed.append(name)
            _progress(
                f"[{number}/{len(benchmarks)}] {name}: failed after {time.perf_counter() - started:.1f} s"
            )
            continue
        _progress(f"[{number}/{len(benchmarks)}] {name}: done in {time.perf_counter() - started:.1f} s")
    _progress(f"{len(benchmarks)} benchmark(s) in {time.perf_counter() - began:.1f} s")
    print(_table(rows))
    missed = [r for r in rows if r.met is False]
    if missed:
        print("\nTargets not met:")
        for r in missed:
            measured = f"{r.figure}, ratio {r.ratio}" if r.ratio not in ("", "-") else r.figure
            print(f"- {r.name}: {measured}, against {r.target}. {r.why or 'No explanation recorded.'}")
    elif not failed:
        print("\nEvery target met.")
    if failed:
        print(f"\nFailed (traceback above): {', '.join(failed)}")
    return 0 if not missed and not failed else 1


if __name__ == "__main__":
    sys.exit(main())

"""Import and auto-match a 100,000-entry camt.053 against plain lxml (parse + XPath) on the same file.

Targets (issue 8): time ratio ≤ 3 against the baseline measured in the same run, peak memory
≤ 200 MB. The import runs in a fresh process that does what a worker does (Django set up,
read the file, import it), as bench/ocr_import.py does for OCR: its peak RSS (VmHWM) is the
importing process's own, not that of this process, which generated 110,000 ledger lines and
the file. The child hands the import the file's path, as ``manage.py import_camt053`` does,
so the file is read in pieces (hashed, parsed, stored) and never held whole. The lxml baseline
runs here, on the same file, as before.
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading
import time
from pathlib import Path

from django.db import connection

from bench.common import at_most, ratio_at_most, test_database

N = int(os.environ.get("BENCH_CAMT_ENTRIES", "100000"))
ROOT = Path(__file__).resolve().parent.parent


def _baseline(path: Path) -> tuple[float, int]:
    from lxml import etree

    ns = {"c": "urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"}
    started = time.perf_counter()
    tree = etree.parse(str(path))
    count = 0
    for ntry in tree.xpath("//c:Stmt/c:Ntry", namespaces=ns):
        ntry.xpath("string(c:Amt)", namespaces=ns)
        ntry.xpath("string(c:CdtDbtInd)", namespaces=ns)
        ntry.xpath("string(c:AcctSvcrRef)", namespaces=ns)
        ntry.xpath(".//c:EndToEndId/text()", namespaces=ns)
        count += 1
    return time.perf_counter() - started, count


def _ledger(company, account, n: int) -> None:
    """Open ledger lines for the payments the file contains: one small voucher per payment."""
    from ledger.models import ReferenceKind
    from ledger.services import LineSpec, VoucherSpec, vouchers_post_bulk
    from tests.reconciliation.camtgen import big_entries

    specs = []
    for entry in big_entries(n, seed=0):
        if entry.domain and entry.domain[2] == "CHRG":
            continue
        for tx in entry.txs:
            if tx.end_to_end_id:
                kind, ref, other = ReferenceKind.E2E, tx.end_to_end_id, "2400"
            elif tx.kid:
                kind, ref, other = ReferenceKind.KID, tx.kid, "1500"
            else:
                continue
            amount = tx.amount if entry.credit_debit == "CRDT" else -tx.amount
            specs.append(
                VoucherSpec(
                    date=entry.booking_date,
                    text="Bench",
                    lines=[
                        LineSpec("1920", amount, bank_account=account, reference_kind=kind, reference=ref),
                        LineSpec(other, -amount),
                    ],
                )
            )
        if len(specs) >= 10_000:
            vouchers_post_bulk(company, specs)
            specs = []
    vouchers_post_bulk(company, specs)


class _WithChildren:
    """Peak of this process's RSS plus its child's (the parse with its schema check), sampled."""

    def __init__(self):
        self.peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @staticmethod
    def _rss(pid) -> float:
        try:
            with open(f"/proc/{pid}/status") as fh:
                for line in fh:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1]) / 1024
        except OSError:
            pass
        return 0.0

    def _children(self) -> list[str]:
        pids: list[str] = []
        for task in os.listdir("/proc/self/task"):
            try:
                with open(f"/proc/self/task/{task}/children") as fh:
                    pids.extend(fh.read().split())
            except OSError:
                pass
        return pids

    def _run(self):
        # Every 25 ms: both processes' memory is a plateau while they run (the check's the parsed
        # XSD and a buffer, the import's growing slowly), and sampling more often than that
        # takes the interpreter lock from the import often enough to slow it (0.35 s at 5 ms).
        while not self._stop.wait(0.025):
            total = self._rss("self") + sum(self._rss(pid) for pid in self._children())
            self.peak = max(self.peak, total)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def _child(path: str, company_id: int) -> None:
    """The import in a fresh process: what a worker does, so its peak RSS is the import's own."""
    import json

    from bench.ocr_import import _peak_mb

    at_start = _peak_mb()
    import django

    django.setup()
    from bankint import phases
    from companies.models import Company
    from reconciliation.models import StatementFile
    from reconciliation.services import statement_file_import

    company = Company.objects.get(pk=company_id)
    set_up = _peak_mb()
    started = time.perf_counter()
    # The file by its path, as ``manage.py import_camt053`` hands it over: read in pieces.
    with _WithChildren() as together, phases.recording() as timings:
        profile = os.environ.get("BENCH_PROFILE")  # a path: cProfile's stats of the import go there
        if profile:
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()
        result = statement_file_import(company, Path(path), source=StatementFile.Source.COMMAND)
        if profile:
            profiler.disable()
            profiler.dump_stats(profile)
    seconds = time.perf_counter() - started
    print(
        json.dumps(
            {
                "ok": result.ok,
                "message": result.message,
                "new": result.new,
                "matched": result.matched,
                "seconds": seconds,
                # This process's peak, or this process with its parsing process
                # together where that was higher (sampled every 25 ms).
                "rss_mb": max(_peak_mb(), together.peak),
                "own_mb": _peak_mb(),
                "together_mb": together.peak,
                "start_mb": at_start,
                "setup_mb": set_up,
                "phases": timings,
            }
        )
    )


def _in_child(path: Path, company_id: int) -> dict:
    from bench.ocr_import import run_script_in_child

    return run_script_in_child(__file__, str(path), str(company_id))


def run(Row):
    from accounts.services import bank_account_create
    from companies.services import company_create
    from tests.reconciliation.camtgen import big_file

    workdir = Path(tempfile.mkdtemp(prefix="bench-camt-"))
    path = big_file(workdir / "camt053.xml", N)
    try:
        with test_database():
            company = company_create(name="Bench AS", org_number="123456785")
            account = bank_account_create(
                company, account_number="86011117947", name="Drift", ledger_account="1920"
            )
            _ledger(company, account, N)
            # The import meets a settled database, as in production: the 220,000 lines just
            # generated vacuumed and analysed, and their WAL checkpointed, so that neither
            # autovacuum nor a checkpoint triggered by the set-up runs during the timed import.
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
                cursor.execute("CHECKPOINT")
            ours = _in_child(path, company.pk)
            assert ours["ok"], ours["message"]
            elapsed, new, matched = ours["seconds"], ours["new"], ours["matched"]
            baseline, count = _baseline(path)
            assert count == N == new
    finally:
        path.unlink(missing_ok=True)
        workdir.rmdir()
    if ours.get("phases"):  # where the import's time went, for whoever reads the run
        print(
            "camt.053 import phases: " + ", ".join(f"{name} {sec:.2f} s" for name, sec in ours["phases"]),
            file=sys.stderr,
        )
    peak = ours["rss_mb"]
    return [
        ratio_at_most(  # issue 8
            f"camt.053 import + auto-match, {N:,} entries ({matched:,} matched)",
            f"{elapsed:.2f} s",
            f"{baseline:.2f} s lxml parse + XPath",
            elapsed / baseline,
            3,
            why=WHY_TIME,
        ),
        at_most(
            "camt.053 import: peak RSS of the importing process "
            "(its own process, with its parsing process while it runs)",
            f"{peak:.0f} MB",
            peak,
            200,
            "≤ 200 MB",
            baseline=f"{ours['setup_mb']:.0f} MB with Django set up, before the import",
            ratio=f"+{peak - ours['setup_mb']:.0f} MB",
            why=WHY_MEMORY,
        ),
    ]


# Printed by bench/run.py when the target is missed: where the time or memory goes.
WHY_TIME = (
    'Each phase is printed above the table ("camt.053 import phases"; the parse starts before '
    "the phase clock, while the file is hashed, claimed and stored). Typical, 2-core machine: "
    "the parse with its entries staged by COPY ~4.4 s from the start (the parse and its XSD "
    "check in a process of its own, the bottleneck of that phase: the importer builds keys "
    "and rows as entries arrive and waits for it in between); writing matches and their "
    "ledger-line links and taking 100,000 lines out of the open bank lines ~1.2 s; inserting "
    "the entries with their status and their match ~1.0 s; the matcher ~0.6 s; loading the "
    "open lines ~0.55 s; fee vouchers ~0.4 s; deduplication ~0.12 s; commit ~0.05 s. The "
    "baseline itself moves between runs of a quiet machine (3.3-5.1 s on the same file in one "
    "session), the import far less."
)
WHY_MEMORY = (
    "Django and the apps take ~94 MB before the import; the peak is the importer's own while "
    "the matcher runs: its values for 100,000 entries and 110,000 ledger lines and its indexes "
    "(~80 MB). The parsing process, XSD included, is ~28 MB."
)


if __name__ == "__main__":  # the child process of ``_in_child``
    sys.path.insert(0, str(ROOT))
    _child(sys.argv[1], int(sys.argv[2]))

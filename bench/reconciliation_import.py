"""Import and auto-match a 100,000-entry camt.053 against plain lxml (parse + XPath) on the same file.

Targets (issue 8): time ratio ≤ 3 against the baseline measured in the same run, peak memory
≤ 200 MB. Memory is the process's resident set sampled every 10 ms while the import runs
(it includes Django, the ledger set-up and the file's bytes, which are stored as they came).
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
from pathlib import Path

from django.db import connection
from django.test.utils import setup_test_environment, teardown_test_environment

N = int(os.environ.get("BENCH_CAMT_ENTRIES", "100000"))


def _rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _release_free_memory() -> None:
    import contextlib
    import ctypes
    import gc

    gc.collect()
    with contextlib.suppress(OSError):  # not glibc: the figure then includes freed set-up memory
        ctypes.CDLL("libc.so.6").malloc_trim(0)


class _Peak:
    def __init__(self):
        self.peak = _rss_mb()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.wait(0.01):
            self.peak = max(self.peak, _rss_mb())

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, _rss_mb())


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


def run(Row):
    from accounts.services import bank_account_create
    from companies.services import company_create
    from reconciliation.models import StatementFile
    from reconciliation.services import statement_file_import
    from tests.reconciliation.camtgen import big_file

    workdir = Path(tempfile.mkdtemp(prefix="bench-camt-"))
    path = big_file(workdir / "camt053.xml", N)
    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        company = company_create(name="Bench AS", org_number="123456785")
        account = bank_account_create(
            company, account_number="86011117947", name="Drift", ledger_account="1920"
        )
        _ledger(company, account, N)
        data = path.read_bytes()
        _release_free_memory()  # what the set-up freed is not the import's
        before = _rss_mb()
        with _Peak() as peak:
            started = time.perf_counter()
            result = statement_file_import(company, data, source=StatementFile.Source.COMMAND)
            elapsed = time.perf_counter() - started
        assert result.ok, result.message
        new, matched = result.new, result.matched
        del data
        baseline, count = _baseline(path)
        assert count == N == new
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()
        path.unlink(missing_ok=True)
        workdir.rmdir()
    ratio = elapsed / baseline
    return [
        Row(
            name=f"camt.053 import + auto-match, {N:,} entries ({connection.vendor}; {matched:,} matched)",
            figure=f"{elapsed:.2f} s",
            baseline=f"{baseline:.2f} s lxml parse + XPath",
            ratio=f"{ratio:.2f}",
            target="≤ 3",
            met=ratio <= 3,
        ),
        Row(
            name="camt.053 import: peak RSS during the import",
            figure=f"{peak.peak:.0f} MB",
            baseline=f"{before:.0f} MB before it",
            ratio=f"+{peak.peak - before:.0f} MB",
            target="≤ 200 MB",
            met=peak.peak <= 200,
        ),
    ]

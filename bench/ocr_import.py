"""OCR import of 100,000 KID payments end to end, against netsgiro merely parsing the file.

End to end = parse, validate (88/89 totals), store the file, its assignment and 100,000
transactions, match every KID to an open invoice and settle 100,000 invoices (voucher,
settlement rows, invoice balances). netsgiro's parse of the same bytes is the baseline.
The import and netsgiro's parse each run in a fresh process (setup happens in this one), so
each peak RSS is that work's own. Round trips are Django's queries during the import
(a COPY stream counts as one) at 1,000 and at 100,000 transactions.
"""

from __future__ import annotations

import gc
import resource
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

from django.db import connection
from django.test.utils import CaptureQueriesContext

from bench.common import at_most, ratio_at_most, test_database

ROOT = Path(__file__).resolve().parent.parent
TRANSACTIONS = 100_000


def _file(transactions: int, seed: int, number: str) -> tuple[bytes, object]:
    sys.path.insert(0, str(ROOT))
    from tests.ocr.ocrgen import big_spec, iter_fast_lines

    spec = big_spec(transactions, seed=seed)
    spec.number = number
    for t in spec.assignments[0].transactions:  # every payment carries a KID, as DNB's do
        if t.type == 21:
            t.type = 10
            t.text = None
    text = "\r\n".join(iter_fast_lines(spec)) + "\r\n"
    return text.encode("latin-1"), spec


def _retag(spec) -> bytes:
    from stdnum import luhn

    from tests.ocr.ocrgen import iter_fast_lines

    spec.assignments[0].number = "0000009"
    for t in spec.assignments[0].transactions:
        body = "9" + t.kid[1:-1]
        t.kid = body + luhn.calc_check_digit(body)
    return ("\r\n".join(iter_fast_lines(spec)) + "\r\n").encode("latin-1")


def _setup(company, spec, first_number: int) -> None:
    """Bank account and one open invoice per KID, written directly (not what is measured)."""
    from bankint.db import copy_rows as insert_rows
    from ledger.models import Customer, Invoice
    from ledger.services import customer_create

    customer = Customer.objects.filter(company=company).first() or customer_create(company, name="Kunde AS")
    now = __import__("django.utils.timezone", fromlist=["now"]).now()
    day = date(2025, 3, 1)
    same = {  # what every invoice has alike; each has its own number, amount and KID
        "company": company.pk,
        "customer": customer.pk,
        "issue_date": day,
        "due_date": day,
        "currency": "NOK",
        "text": "",
        "status": "OPEN",
        "paid_amount": Decimal("0.00"),
        "issued_at": now,
    }
    insert_rows(
        Invoice,
        (*same, "number", "amount", "kid"),
        (
            (*same.values(), first_number + i, Decimal(t.amount_ore) / 100, t.kid)
            for i, t in enumerate(spec.assignments[0].transactions)
        ),
    )


def _import(company, data: bytes):
    import os

    from ocr.services import ocr_file_import

    with CaptureQueriesContext(connection) as ctx:
        began = time.perf_counter()
        if os.environ.get("BENCH_PROFILE"):  # where the time goes, on stderr
            import cProfile
            import pstats

            profile = cProfile.Profile()
            file = profile.runcall(ocr_file_import, company, data, filename="bench.txt")
            pstats.Stats(profile, stream=sys.stderr).sort_stats("cumulative").print_stats(35)
        else:
            file = ocr_file_import(company, data, filename="bench.txt")
        seconds = time.perf_counter() - began
    return file, seconds, len(ctx.captured_queries)


def _database_url() -> str:
    """The test database the parent created, as a URL for the child process."""
    from bankint.embedded import database_url

    return database_url(connection.settings_dict)


def _peak_mb() -> float:
    """Peak RSS of this process. VmHWM, because ru_maxrss survives exec (it would report the
    forking parent's size); ru_maxrss where there is no /proc."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _child(kind: str, path: str, company_id: int) -> None:
    """One measurement in a fresh process, so its peak RSS belongs to it alone."""
    baseline = _peak_mb()
    data = Path(path).read_bytes()
    if kind == "netsgiro":
        count, seconds = netsgiro_parse(data)
        queries, status = 0, "parsed"
    else:
        import django

        django.setup()
        from companies.models import Company

        file, seconds, queries = _import(Company.objects.get(pk=company_id), data)
        count, status = file.settled_count, file.status
    print_figures(seconds=seconds, count=count, queries=queries, status=status, baseline_mb=baseline)


def netsgiro_parse(data: bytes) -> tuple[int, float]:
    """netsgiro merely parsing the file, what the imports are measured against: its count of
    transactions and its seconds."""
    import netsgiro

    began = time.perf_counter()
    count = netsgiro.parse(data.decode("latin-1")).get_num_transactions()
    return count, time.perf_counter() - began


def print_figures(**figures) -> None:
    """A child's figures and its peak RSS, as the JSON line :func:`run_script_in_child` reads."""
    import json

    print(json.dumps({**figures, "rss_mb": _peak_mb()}))


def _in_child(kind: str, path: Path, company_id: int) -> dict:
    return run_script_in_child(__file__, kind, str(path), str(company_id))


def run_script_in_child(script: str, *args: str) -> dict:
    """Run ``script`` in a fresh worker-like process on this database; its last line is JSON."""
    import json
    import os
    import subprocess

    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "DJANGO_SETTINGS_MODULE": "bankint.settings.base",
        "PYTHONPATH": str(ROOT),  # the script imports bench.common
    }
    done = subprocess.run(
        [sys.executable, script, *args], capture_output=True, text=True, env=env, cwd=str(ROOT)
    )
    if done.returncode != 0:  # what the child said is the only clue to why
        raise RuntimeError(f"{script} {' '.join(args)} exited {done.returncode}:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def run(Row):
    from accounts.models import PaymentMethod
    from accounts.services import bank_account_create
    from companies.services import company_create
    from ledger.models import Invoice

    with test_database():
        company = company_create(name="Bench OCR AS", org_number="123456785")
        small, small_spec = _file(1_000, seed=1, number="0000001")
        big, big_spec_ = _file(TRANSACTIONS, seed=0, number="0000002")
        for spec in (small_spec, big_spec_):
            account = spec.assignments[0].account
            if not company.bank_accounts.filter(account_number=account).exists():
                bank_account_create(
                    company,
                    account_number=account,
                    name="Driftskonto",
                    ledger_account="1920",
                    incoming_payment_methods=[PaymentMethod.NETS_OCR],
                )
        # its own assignment and KIDs, so the small file shares nothing with the big one
        small = _retag(small_spec)
        _setup(company, small_spec, 1_000_000)
        _setup(company, big_spec_, 2_000_000)
        small_file, _s, small_queries = _import(company, small)
        assert small_file.settled_count == 1_000, (small_file.status, small_file.reason)

        # The settings the child reads must see the committed setup rows.
        path = ROOT / "var" / "bench_ocr_100k.txt"
        path.write_bytes(big)
        del big, big_spec_
        gc.collect()
        ours = _in_child("import", path, company.pk)
        theirs = _in_child("netsgiro", path, company.pk)
        assert ours["status"] == "IMPORTED" and ours["count"] == TRANSACTIONS, ours
        assert theirs["count"] == TRANSACTIONS, theirs
        paid = Invoice.objects.filter(company=company, number__gte=2_000_000, status="PAID").count()
        assert paid == TRANSACTIONS, paid
        seconds, netsgiro_seconds, queries = ours["seconds"], theirs["seconds"], ours["queries"]
        peak_rss, before_rss = ours["rss_mb"], ours["baseline_mb"]
        path.unlink()
    per_batch = 10_000
    batches = -(-TRANSACTIONS // per_batch)
    extra_per_batch = (queries - small_queries) / max(batches - 1, 1)
    return [
        ratio_at_most(  # issue 6
            f"OCR import end to end, {TRANSACTIONS:,} KID payments settled",
            f"{seconds:.2f} s",
            f"netsgiro.parse alone {netsgiro_seconds:.2f} s",
            seconds / netsgiro_seconds,
            1.0,
        ),
        at_most(
            "OCR import: peak memory (its own process, RSS)",
            f"{peak_rss:.0f} MB",
            peak_rss,
            250,
            "≤ 250 MB",
            baseline=f"netsgiro.parse: {theirs['rss_mb']:.0f} MB; interpreter at start {before_rss:.0f} MB",
        ),
        at_most(  # each batch after the first adds at most 4 queries
            "OCR import: database round trips",
            f"{queries} at {TRANSACTIONS:,} ({batches} batches of {per_batch:,})",
            extra_per_batch,
            4,
            "constant per batch",
            baseline=f"{small_queries} at 1,000 (1 batch)",
            ratio=f"{extra_per_batch:.1f} extra per batch",
        ),
    ]


if __name__ == "__main__":  # the child process of ``_in_child``
    sys.path.insert(0, str(ROOT))
    _child(sys.argv[1], sys.argv[2], int(sys.argv[3]))

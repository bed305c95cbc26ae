"""Build Nets OCR giro files for tests and benchmarks.

Two writers over one plain spec: :func:`netsgiro_ocr` goes through netsgiro's own objects
and writer (the reference), :func:`fast_ocr` formats the same lines directly so a
100,000-transaction file takes a fraction of a second instead of netsgiro's seconds. A test
requires both to produce identical text, so the fast one is as trustworthy as the reference.

Run as a script to generate a big file and time netsgiro's parse against ours::

    .venv/bin/python tests/ocr/ocrgen.py --transactions 100000 [--out FILE]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from stdnum import luhn

NETS_TRANSMITTER = "00008080"
DATA_RECIPIENT = "00105625"

# Position (1-based) where each record's trailing filler starts: what a bank that writes
# blank fillers and strips trailing blanks would remove.
FILLER_START = {"10": 32, "20": 36, "30": 75, "31": 59, "32": 56, "88": 60, "89": 48}


@dataclass
class TxSpec:
    type: int
    number: int
    nets_date: date
    amount_ore: int
    kid: str = ""  # "" = no KID (types 20/21 carry text instead)
    centre_id: str = "13"
    day_code: int = 20
    partial_settlement_number: int = 1
    partial_settlement_serial: str = "01464"
    sign: str = "0"
    form_number: str = "0000000000"
    reference: str = "000000000"
    filler: str = "0000000"
    bank_date: date | None = None
    debit_account: str = "00000000000"
    text: str | None = None


@dataclass
class AssignmentSpec:
    number: str
    account: str
    agreement_id: str | None = None
    date: date | None = None
    transactions: list[TxSpec] = field(default_factory=list)


@dataclass
class TransmissionSpec:
    number: str
    date: date
    assignments: list[AssignmentSpec] = field(default_factory=list)
    transmitter: str = NETS_TRANSMITTER
    recipient: str = DATA_RECIPIENT


def account_number(base10: int) -> str:
    """An 11-digit Norwegian account number with a valid MOD11 check digit, near ``base10``."""
    weights = (6, 7, 8, 9, 4, 5, 6, 7, 8, 9)
    while True:
        digits = f"{base10 % 10**10:010d}"
        check = sum(w * int(d) for w, d in zip(weights, digits, strict=True)) % 11
        if check != 10:  # remainder 10: no account number can end that way
            return digits + str(check)
        base10 += 1


def kid_number(n: int, length: int = 10) -> str:
    """A MOD10 (Luhn) KID of ``length`` digits, leading zeros kept."""
    body = f"{n:0{length - 1}d}"[-(length - 1) :]
    return body + luhn.calc_check_digit(body)


def netsgiro_transmission(spec: TransmissionSpec):
    """The spec as netsgiro objects (the reference writer)."""
    import netsgiro

    transmission = netsgiro.Transmission(
        number=spec.number,
        data_transmitter=spec.transmitter,
        data_recipient=spec.recipient,
        date=spec.date,
    )
    for a in spec.assignments:
        assignment = transmission.add_assignment(
            service_code=netsgiro.ServiceCode.OCR_GIRO,
            assignment_type=netsgiro.AssignmentType.TRANSACTIONS,
            agreement_id=a.agreement_id,
            number=a.number,
            account=a.account,
            date=a.date,
        )
        for t in a.transactions:
            assignment.transactions.append(
                netsgiro.Transaction(
                    service_code=netsgiro.ServiceCode.OCR_GIRO,
                    type=netsgiro.TransactionType(t.type),
                    number=t.number,
                    date=t.nets_date,
                    amount=Decimal(t.amount_ore).scaleb(-2),
                    kid=t.kid,
                    reference=t.reference,
                    text=t.text,
                    centre_id=t.centre_id,
                    day_code=t.day_code,
                    partial_settlement_number=t.partial_settlement_number,
                    partial_settlement_serial_number=t.partial_settlement_serial,
                    sign=t.sign,
                    form_number=t.form_number,
                    bank_date=t.bank_date,
                    debit_account=t.debit_account,
                    filler=t.filler,
                )
            )
    return transmission


def netsgiro_ocr(spec: TransmissionSpec) -> str:
    """netsgiro's writer, with its 88/89 totals made signed.

    netsgiro sums the amounts without their sign; Nets' own example with credit notes (sign
    ``-``, java-netsgiro's ``ocr1.txt`` from the OCR giro Systemspesifikasjon) states the
    signed sum. Without a credit note both are the same and the text is netsgiro's as written.
    """
    text = netsgiro_transmission(spec).to_ocr()
    if not any(t.sign == "-" for a in spec.assignments for t in a.transactions):
        return text
    totals = iter(
        [*(signed_total_ore(a) for a in spec.assignments), sum(map(signed_total_ore, spec.assignments))]
    )
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if line[6:8] in ("88", "89"):
            lines[i] = f"{line[:24]}{next(totals):017d}{line[41:]}"
    return "\n".join(lines)


def signed_total_ore(assignment: AssignmentSpec) -> int:
    """What an assignment's 88 states: its amounts in øre, a credit note (sign ``-``) negative."""
    return sum(-t.amount_ore if t.sign == "-" else t.amount_ore for t in assignment.transactions)


def _d(value: date | None) -> str:
    return f"{value:%d%m%y}" if value else "000000"


def iter_fast_lines(spec: TransmissionSpec):
    """The lines netsgiro's writer would produce for ``spec``, without its objects."""
    yield f"NY000010{spec.transmitter:8}{spec.number:7}{spec.recipient:8}" + "0" * 49
    t_count, t_records, t_total = 0, 2, 0
    for a in spec.assignments:
        yield f"NY090020{a.agreement_id or '0' * 9:9}{a.number:7}{a.account:11}" + "0" * 45
        count, records, total = 0, 2, 0
        first = last = None
        for t in a.transactions:
            yield (
                f"NY09{t.type:02d}30{t.number:07d}{t.nets_date:%d%m%y}{t.centre_id:2}{t.day_code:02d}"
                f"{t.partial_settlement_number:01d}{t.partial_settlement_serial:5}{t.sign:1}"
                f"{t.amount_ore:017d}{t.kid:>25}000000"
            )
            yield (
                f"NY09{t.type:02d}31{t.number:07d}{t.form_number:10}{t.reference or ' ' * 9:9}"
                f"{t.filler or '0' * 7:7}{_d(t.bank_date)}{t.debit_account:11}" + "0" * 22
            )
            records += 2
            if t.type in (20, 21):
                # netsgiro's writer strips the text before padding it to 40
                yield f"NY09{t.type:02d}32{t.number:07d}{(t.text or '').strip():40}" + "0" * 25
                records += 1
            count += 1
            total += -t.amount_ore if t.sign == "-" else t.amount_ore  # Nets' totals are signed
            first = t.nets_date if first is None or t.nets_date < first else first
            last = t.nets_date if last is None or t.nets_date > last else last
        yield (f"NY090088{count:08d}{records:08d}{total:017d}{_d(a.date)}{_d(first)}{_d(last)}" + "0" * 21)
        t_count, t_records, t_total = t_count + count, t_records + records, t_total + total
    yield f"NY000089{t_count:08d}{t_records:08d}{t_total:017d}{spec.date:%d%m%y}" + "0" * 33


def fast_ocr(spec: TransmissionSpec) -> str:
    """Same text as :func:`netsgiro_ocr` (LF, no final newline)."""
    return "\n".join(iter_fast_lines(spec))


def strip_trailing_blanks(text: str, newline: str = "\n") -> str:
    """Model a bank that writes blank fillers and strips trailing blanks (netsgiro rejects this)."""
    out = []
    for line in text.split("\n"):
        start = FILLER_START.get(line[6:8])
        if start is not None:
            line = line[: start - 1] + " " * (80 - start + 1)
        out.append(line.rstrip(" "))
    return newline.join(out)


def big_spec(transactions: int, *, assignments: int = 1, seed: int = 0) -> TransmissionSpec:
    """A realistic large transmission: mostly KID giro payments, some with text (21)."""
    rng = random.Random(seed)
    day = date(2025, 3, 3)
    spec = TransmissionSpec(number="0000001", date=day)
    per = -(-transactions // assignments)
    made = 0
    for a_index in range(assignments):
        a = AssignmentSpec(
            number=f"{a_index + 1:07d}",
            account=account_number(1503_00_00000 + a_index * 7919),
            date=day,
        )
        for number in range(1, min(per, transactions - made) + 1):
            kind = rng.random()
            t_type = 21 if kind < 0.02 else (10 if kind < 0.7 else 13)
            a.transactions.append(
                TxSpec(
                    type=t_type,
                    number=number,
                    nets_date=day - timedelta(days=rng.randrange(3)),
                    amount_ore=rng.randrange(100, 5_000_000),
                    kid=kid_number(made + number, 10),
                    form_number=f"{rng.randrange(10**10):010d}",
                    reference=f"{rng.randrange(10**9):09d}",
                    bank_date=day - timedelta(days=1),
                    debit_account=account_number(rng.randrange(10**10)),
                    text="Betaling for faktura, hilsen Ærlige Øyvind Ås"[:40] if t_type == 21 else None,
                )
            )
        made += len(a.transactions)
        spec.assignments.append(a)
    return spec


def write_big_file(path: Path, transactions: int, *, assignments: int = 1, seed: int = 0) -> Path:
    with open(path, "w", encoding="latin-1", newline="") as out:
        for line in iter_fast_lines(big_spec(transactions, assignments=assignments, seed=seed)):
            out.write(line + "\r\n")
    return path


def _child(kind: str, path: Path) -> None:
    """One measurement in a fresh process, so peak RSS belongs to that parser alone."""
    import json
    import resource

    import netsgiro

    from ocr.parsing import OcrTransaction, iter_records, parse_ocr

    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    began = time.perf_counter()
    if kind == "netsgiro":
        # As an importer would call it: the file's bytes decoded, then parsed.
        count = netsgiro.parse(path.read_bytes().decode("latin-1")).get_num_transactions()
    elif kind == "parse_ocr":
        count = parse_ocr(path.read_bytes()).transaction_count
    else:
        with open(path, "rb") as f:
            count = sum(1 for record in iter_records(f) if type(record) is OcrTransaction)
    seconds = time.perf_counter() - began
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "seconds": seconds,
                "count": count,
                "rss_mb": peak_kb / 1024,
                "rss_growth_mb": (peak_kb - baseline) / 1024,
            }
        )
    )


def _bench(path: Path) -> None:
    import json
    import subprocess

    results = {}
    for kind, label in (
        ("netsgiro", "netsgiro.parse (bytes decoded, then parsed)"),
        ("parse_ocr", "ocr.parsing.parse_ocr (bytes, whole result)"),
        ("iter_records", "ocr.parsing.iter_records (file, streamed)"),
    ):
        out = subprocess.run(
            [sys.executable, __file__, "--child", kind, "--out", str(path)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        results[kind] = r = json.loads(out)
        print(
            f"{label:46s} {r['seconds']:7.3f} s  {r['count']} transactions  "
            f"peak RSS {r['rss_mb']:6.1f} MB (+{r['rss_growth_mb']:.1f} MB while parsing)"
        )
    ng = results["netsgiro"]["seconds"]
    print(
        f"speed-up over netsgiro: {ng / results['parse_ocr']['seconds']:.1f}x (parse_ocr), "
        f"{ng / results['iter_records']['seconds']:.1f}x (iter_records)"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transactions", type=int, default=100_000)
    parser.add_argument("--assignments", type=int, default=1)
    parser.add_argument("--out", type=Path, default=Path("var/ocr_bench.txt"))
    parser.add_argument("--no-bench", action="store_true")
    parser.add_argument("--child", choices=["netsgiro", "parse_ocr", "iter_records"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child(args.child, args.out)
        return
    args.out.parent.mkdir(parents=True, exist_ok=True)
    began = time.perf_counter()
    write_big_file(args.out, args.transactions, assignments=args.assignments)
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - began:.2f} s")
    if not args.no_bench:
        _bench(args.out)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    main()

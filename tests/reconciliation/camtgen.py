"""Build camt.053.001.02 bank statements for tests and benchmarks.

A fresh clone has no bank files, and the shapes that break importers (batch entries whose
transactions do not add up to the entry because of charges, reversals, ``DtTm`` booking
dates, ``PRCD``/``ITBD`` balances, IBAN accounts, ISO-8859-1) are rare in any one bank's
sample. So tests describe a file as plain specs (:class:`FileSpec` → :class:`StatementSpec`
→ :class:`EntrySpec` → :class:`TxSpec`) and this module writes it with lxml in the element
order of the official XSD (a test validates the output against it). Entries are streamed
through ``etree.xmlfile`` one at a time, so a 100,000-entry file is written in a few
seconds without holding its tree.

Unless told otherwise, the closing balance is computed from the opening balance and the
booked entries, so generated statements add up; a test that wants a mismatch sets
``closing`` explicitly.

Run as a script to write a big file for benchmarks::

    .venv/bin/python tests/reconciliation/camtgen.py --entries 100000 --out /tmp/big.xml
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from lxml import etree
from stdnum import luhn
from stdnum.no import iban as no_iban
from stdnum.no import kontonr

NS_CAMT053 = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"
CENT = Decimal("0.01")


def account_number(base10: int) -> str:
    """An 11-digit BBAN with a valid MOD11 check digit, from a 10-digit base (skips impossible ones)."""
    weights = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
    while True:
        digits = f"{base10:010d}"
        check = (11 - sum(w * int(d) for w, d in zip(weights, digits, strict=True)) % 11) % 11
        if check != 10:  # 10 = no valid account number with this base
            result = digits + str(check)
            assert kontonr.is_valid(result)
            return result
        base10 += 1


def kid_number(base: int, length: int = 10) -> str:
    """A MOD10 (Luhn) KID of ``length`` digits."""
    digits = f"{base:0{length - 1}d}"[-(length - 1) :]
    return digits + luhn.calc_check_digit(digits)


def norwegian_iban(bban: str) -> str:
    """The NO IBAN for a BBAN (check digits per ISO 13616 MOD 97-10)."""
    numeric = int(bban + "2324" + "00")  # N=23, O=24
    check = 98 - numeric % 97
    result = f"NO{check:02d}{bban}"
    assert no_iban.is_valid(result)
    return result


@dataclass
class TxSpec:
    amount: Decimal | None = None  # None = no AmtDtls at all
    amount_in: str = "TxAmt"  # "TxAmt" | "InstdAmt" | "CntrValAmt"
    end_to_end_id: str | None = None
    kid: str | tuple[str, ...] | None = None  # several: one Strd/CdtrRefInf each
    ustrd: str | None = None
    acct_svcr_ref: str | None = None
    counterparty_name: str | None = None
    counterparty_account: str | None = None  # BBAN
    counterparty_iban: bool = False  # write the counterparty account as an IBAN
    charges: tuple[Decimal, ...] = ()
    currency: str = "NOK"
    # An amount in another currency: (amount, currency), in ``foreign_in``, with CcyXchg
    # (SrcCcy, TrgtCcy, XchgRate) when ``exchange`` is given.
    foreign: tuple[Decimal, str] | None = None
    foreign_in: str = "InstdAmt"
    exchange: tuple[str, str, Decimal] | None = None
    additional_info: str | None = None  # AddtlTxInf


@dataclass
class EntrySpec:
    amount: Decimal
    booking_date: date
    credit_debit: str = "CRDT"
    value_date: date | None = None  # None = no ValDt
    booking_datetime: datetime | None = None  # write BookgDt/DtTm instead of Dt
    reversal: bool = False
    status: str = "BOOK"
    acct_svcr_ref: str | None = None
    domain: tuple[str, str, str] | None = ("PMNT", "RCDT", "ESCT")  # Domn/Cd, Fmly/Cd, SubFmlyCd
    proprietary: str | None = None  # BkTxCd/Prtry/Cd
    additional_info: str | None = None
    txs: list[TxSpec] = field(default_factory=list)
    batch: tuple[str, int] | None = None  # (PmtInfId, NbOfTxs) for NtryDtls/Btch
    amount_text: str | None = None  # raw Amt text, for broken files
    currency: str = "NOK"

    @property
    def signed(self) -> Decimal:
        return self.amount if self.credit_debit == "CRDT" else -self.amount


@dataclass
class StatementSpec:
    statement_id: str
    from_date: date
    to_date: date
    opening: Decimal = Decimal("10000.00")
    closing: Decimal | None = None  # None = opening + booked entries
    account: str = "86011117947"
    iban: bool = False
    currency: str | None = "NOK"  # None = no Acct/Ccy
    balance_codes: tuple[str, str] = ("OPBD", "CLBD")  # or ("PRCD", "ITBD")
    electronic_seq_nb: int | None = 1
    created_at: datetime = datetime(2025, 3, 4, 6, 0, 0)
    entries: Iterable[EntrySpec] = ()
    closing_date: date | None = None  # None = to_date
    opening_date: date | None = None  # None = from_date (PRCD: the day before)


@dataclass
class FileSpec:
    statements: list[StatementSpec]
    message_id: str = "CAMT053-20250304-0001"
    created_at: datetime = datetime(2025, 3, 4, 6, 0, 0)
    encoding: str = "UTF-8"
    namespace: str = NS_CAMT053
    message_tag: str = "BkToCstmrStmt"


def _money(value: Decimal) -> str:
    return str(value.quantize(CENT))


class _Writer:
    """Helpers that write one element tree at a time into an ``xmlfile`` context."""

    def __init__(self, ns: str):
        self.ns = ns
        self.q = {}

    def tag(self, name: str) -> str:
        qualified = self.q.get(name)
        if qualified is None:
            qualified = self.q[name] = f"{{{self.ns}}}{name}"
        return qualified

    def sub(self, parent, name: str, text: str | None = None, **attrib):
        element = (
            etree.SubElement(parent, self.tag(name), attrib)
            if attrib
            else etree.SubElement(parent, self.tag(name))
        )
        if text is not None:
            element.text = text
        return element

    def el(self, name: str, text: str | None = None):
        element = etree.Element(self.tag(name), nsmap={None: self.ns})
        if text is not None:
            element.text = text
        return element

    def account(self, parent, name: str, bban: str, iban: bool) -> None:
        acct = self.sub(parent, name)
        acct_id = self.sub(acct, "Id")
        if iban:
            self.sub(acct_id, "IBAN", norwegian_iban(bban))
        else:
            othr = self.sub(acct_id, "Othr")
            self.sub(othr, "Id", bban)
            self.sub(self.sub(othr, "SchmeNm"), "Cd", "BBAN")

    def balance(self, code: str, amount: Decimal, day: date):
        bal = self.el("Bal")
        self.sub(self.sub(self.sub(bal, "Tp"), "CdOrPrtry"), "Cd", code)
        self.sub(bal, "Amt", _money(abs(amount)), Ccy="NOK")
        self.sub(bal, "CdtDbtInd", "DBIT" if amount < 0 else "CRDT")
        self.sub(self.sub(bal, "Dt"), "Dt", day.isoformat())
        return bal

    def entry(self, spec: EntrySpec):
        ntry = self.el("Ntry")
        self.sub(ntry, "Amt", spec.amount_text or _money(spec.amount), Ccy=spec.currency)
        self.sub(ntry, "CdtDbtInd", spec.credit_debit)
        if spec.reversal:
            self.sub(ntry, "RvslInd", "true")
        self.sub(ntry, "Sts", spec.status)
        booking = self.sub(ntry, "BookgDt")
        if spec.booking_datetime is not None:
            self.sub(booking, "DtTm", spec.booking_datetime.isoformat())
        else:
            self.sub(booking, "Dt", spec.booking_date.isoformat())
        if spec.value_date is not None:
            self.sub(self.sub(ntry, "ValDt"), "Dt", spec.value_date.isoformat())
        if spec.acct_svcr_ref is not None:
            self.sub(ntry, "AcctSvcrRef", spec.acct_svcr_ref)
        btc = self.sub(ntry, "BkTxCd")
        if spec.domain is not None:
            domn = self.sub(btc, "Domn")
            self.sub(domn, "Cd", spec.domain[0])
            fmly = self.sub(domn, "Fmly")
            self.sub(fmly, "Cd", spec.domain[1])
            self.sub(fmly, "SubFmlyCd", spec.domain[2])
        if spec.proprietary is not None:
            self.sub(self.sub(btc, "Prtry"), "Cd", spec.proprietary)
        if spec.txs or spec.batch:
            details = self.sub(ntry, "NtryDtls")
            if spec.batch is not None:
                btch = self.sub(details, "Btch")
                self.sub(btch, "PmtInfId", spec.batch[0])
                self.sub(btch, "NbOfTxs", str(spec.batch[1]))
            for tx in spec.txs:
                self._tx(details, tx, spec.credit_debit)
        if spec.additional_info is not None:
            self.sub(ntry, "AddtlNtryInf", spec.additional_info)
        return ntry

    def _tx(self, details, tx: TxSpec, credit_debit: str) -> None:
        txd = self.sub(details, "TxDtls")
        if tx.end_to_end_id is not None or tx.acct_svcr_ref is not None:
            refs = self.sub(txd, "Refs")
            if tx.acct_svcr_ref is not None:
                self.sub(refs, "AcctSvcrRef", tx.acct_svcr_ref)
            if tx.end_to_end_id is not None:
                self.sub(refs, "EndToEndId", tx.end_to_end_id)
        parts = {}
        if tx.amount is not None:
            parts[tx.amount_in] = (_money(tx.amount), tx.currency, None)
        if tx.foreign is not None:
            parts[tx.foreign_in] = (str(tx.foreign[0]), tx.foreign[1], tx.exchange)
        if parts:
            amts = self.sub(txd, "AmtDtls")
            for kind in ("InstdAmt", "TxAmt", "CntrValAmt"):  # the XSD's order
                if kind in parts:
                    text, currency, exchange = parts[kind]
                    part = self.sub(amts, kind)
                    self.sub(part, "Amt", text, Ccy=currency)
                    if exchange is not None:
                        xchg = self.sub(part, "CcyXchg")
                        self.sub(xchg, "SrcCcy", exchange[0])
                        self.sub(xchg, "TrgtCcy", exchange[1])
                        self.sub(xchg, "XchgRate", str(exchange[2]))
        for charge in tx.charges:
            self.sub(self.sub(txd, "Chrgs"), "Amt", _money(charge), Ccy=tx.currency)
        if tx.counterparty_name is not None or tx.counterparty_account is not None:
            # The counterparty of a credit is the payer (Dbtr), of a debit the payee (Cdtr).
            party, party_acct = ("Dbtr", "DbtrAcct") if credit_debit == "CRDT" else ("Cdtr", "CdtrAcct")
            pties = self.sub(txd, "RltdPties")
            if tx.counterparty_name is not None:
                self.sub(self.sub(pties, party), "Nm", tx.counterparty_name)
            if tx.counterparty_account is not None:
                self.account(pties, party_acct, tx.counterparty_account, tx.counterparty_iban)
        if tx.kid is not None or tx.ustrd is not None:
            rmt = self.sub(txd, "RmtInf")
            if tx.ustrd is not None:
                self.sub(rmt, "Ustrd", tx.ustrd)
            for kid in (tx.kid,) if isinstance(tx.kid, str) else tx.kid or ():
                ref_inf = self.sub(self.sub(rmt, "Strd"), "CdtrRefInf")
                self.sub(self.sub(self.sub(ref_inf, "Tp"), "CdOrPrtry"), "Cd", "SCOR")
                self.sub(ref_inf, "Ref", kid)
        if tx.additional_info is not None:
            self.sub(txd, "AddtlTxInf", tx.additional_info)


def write_camt053(spec: FileSpec, out) -> None:
    """Write ``spec`` as camt.053.001.02 to a path or binary file object, streaming the entries."""
    w = _Writer(spec.namespace)
    with etree.xmlfile(out, encoding=spec.encoding) as xf:
        xf.write_declaration()
        with (
            xf.element(w.tag("Document"), nsmap={None: spec.namespace}),
            xf.element(w.tag(spec.message_tag)),
        ):
            hdr = w.el("GrpHdr")
            w.sub(hdr, "MsgId", spec.message_id)
            w.sub(hdr, "CreDtTm", spec.created_at.isoformat())
            xf.write(hdr)
            for stmt in spec.statements:
                _write_statement(xf, w, stmt)


def _write_statement(xf, w: _Writer, stmt: StatementSpec) -> None:
    entries = list(stmt.entries)
    closing = stmt.closing
    if closing is None:
        closing = stmt.opening + sum((e.signed for e in entries if e.status == "BOOK"), Decimal(0))
    opening_code, closing_code = stmt.balance_codes
    opening_date = stmt.opening_date or (
        stmt.from_date - timedelta(days=1) if opening_code == "PRCD" else stmt.from_date
    )
    with xf.element(w.tag("Stmt")):
        head = [w.el("Id", stmt.statement_id)]
        if stmt.electronic_seq_nb is not None:
            head.append(w.el("ElctrncSeqNb", str(stmt.electronic_seq_nb)))
        head.append(w.el("CreDtTm", stmt.created_at.isoformat()))
        period = w.el("FrToDt")
        w.sub(period, "FrDtTm", datetime.combine(stmt.from_date, datetime.min.time()).isoformat())
        w.sub(
            period,
            "ToDtTm",
            datetime.combine(stmt.to_date, datetime.max.time()).replace(microsecond=0).isoformat(),
        )
        head.append(period)
        holder = w.el("Holder")
        w.account(holder, "Acct", stmt.account, stmt.iban)
        acct = holder[0]
        if stmt.currency is not None:
            w.sub(acct, "Ccy", stmt.currency)
        head.append(acct)
        head.append(w.balance(opening_code, stmt.opening, opening_date))
        head.append(w.balance(closing_code, closing, stmt.closing_date or stmt.to_date))
        for element in head:
            xf.write(element)
        for entry in entries:
            xf.write(w.entry(entry))


def camt053_bytes(spec: FileSpec) -> bytes:
    from io import BytesIO

    buffer = BytesIO()
    write_camt053(spec, buffer)
    return buffer.getvalue()


def simple_statement(entries: Iterable[EntrySpec], **kwargs) -> bytes:
    """One file, one statement for 4 March 2025 on the default account."""
    defaults = {"statement_id": "STMT-1", "from_date": date(2025, 3, 4), "to_date": date(2025, 3, 4)}
    defaults.update(kwargs)
    encoding = defaults.pop("encoding", "UTF-8")
    return camt053_bytes(FileSpec([StatementSpec(entries=list(entries), **defaults)], encoding=encoding))


def big_entries(n: int, *, seed: int = 53, day: date = date(2025, 3, 3)) -> Iterable[EntrySpec]:
    """``n`` varied entries over working days: KID credits, payments out, batches, fees, reversals.

    A generator, so a 100,000-entry file is written without holding the specs either.
    """
    rng = random.Random(seed)
    for i in range(n):
        booking = day + timedelta(days=(i * 7 // max(n, 1)))
        amount = Decimal(rng.randint(100, 5_000_000)) / 100
        kind = i % 10
        ref = f"NO{booking:%Y%m%d}{i:09d}"
        if kind < 5:  # a KID payment from a customer
            yield EntrySpec(
                amount=amount,
                booking_date=booking,
                value_date=booking,
                acct_svcr_ref=ref,
                txs=[
                    TxSpec(
                        amount=amount,
                        kid=kid_number(i),
                        counterparty_name=f"Kunde {i} AS",
                        counterparty_account=account_number(1200_00_0000 + i),
                    )
                ],
            )
        elif kind < 8:  # a payment out, echoing our EndToEndId
            yield EntrySpec(
                amount=amount,
                credit_debit="DBIT",
                booking_date=booking,
                value_date=booking,
                acct_svcr_ref=ref,
                domain=("PMNT", "ICDT", "DMCT"),
                txs=[
                    TxSpec(
                        amount=amount,
                        end_to_end_id=f"E2E-{i:010d}",
                        ustrd=f"Faktura {i}",
                        counterparty_name=f"Leverandør {i} AS",
                    )
                ],
            )
        elif kind == 8:  # a batch booking of three payments plus a fee
            parts = [amount, amount / 2, Decimal("12.34")]
            parts = [p.quantize(CENT) for p in parts]
            total = sum(parts) + Decimal("2.50")
            yield EntrySpec(
                amount=total,
                credit_debit="DBIT",
                booking_date=booking,
                booking_datetime=datetime.combine(booking, datetime.min.time()).replace(hour=9),
                acct_svcr_ref=ref,
                domain=("PMNT", "ICDT", "DMCT"),
                batch=(f"PMTINF-{i}", 3),
                txs=[TxSpec(amount=p, end_to_end_id=f"E2E-{i:010d}-{k}") for k, p in enumerate(parts)],
            )
        else:  # a bank fee
            yield EntrySpec(
                amount=Decimal("45.00"),
                credit_debit="DBIT",
                booking_date=booking,
                acct_svcr_ref=ref,
                domain=("ACMT", "MDOP", "CHRG"),
                additional_info="Gebyr nettbank",
            )


def big_file(path: Path, n: int, *, statements: int = 1) -> Path:
    """Write a camt.053 with ``n`` entries spread over ``statements`` statements."""
    per = n // statements
    specs = [
        StatementSpec(
            statement_id=f"STMT-{k}",
            from_date=date(2025, 3, 3),
            to_date=date(2025, 3, 9),
            electronic_seq_nb=k + 1,
            # A generator keeps the specs out of memory; the closing balance needs the sum,
            # so the statement is written with a computed list per statement.
            entries=big_entries(per if k < statements - 1 else n - per * (statements - 1), seed=k),
        )
        for k in range(statements)
    ]
    write_camt053(FileSpec(specs), str(path))
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--statements", type=int, default=1)
    parser.add_argument("--out", type=Path, default=Path("/tmp/camt053-big.xml"))
    args = parser.parse_args(argv)
    started = time.perf_counter()
    big_file(args.out, args.entries, statements=args.statements)
    elapsed = time.perf_counter() - started
    size = args.out.stat().st_size
    print(f"wrote {args.out} ({args.entries} entries, {size / 1e6:.1f} MB) in {elapsed:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

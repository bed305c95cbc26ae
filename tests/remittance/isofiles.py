"""Build ISO 20022 test files (pain.001 inputs, pain.002 and camt.054 answers) with lxml.

The tests need bank answers without the simulator or the real-file corpus outside the repository
(a fresh clone has neither), so this writes them directly, element by element in XSD order. It also holds the
"plain lxml" pain.001 writer the remittance benchmark compares ``build_pain001`` against
(issue 7, figure 1): the same document, built from the same dataclasses, with no input
checks, no character clean-up and no validation. A test requires both writers to give
identical bytes, so the comparison is like for like.

Run as a script to time the pain.001 writer against that baseline::

    .venv/bin/python tests/remittance/isofiles.py --payments 10000 [--repeat 5]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

from lxml import etree
from stdnum import luhn
from stdnum.no import kontonr

if __package__ in (None, ""):  # run as a script: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from iso20022.pain001 import Pain001Batch, Pain001Message, Pain001Payment, build_pain001
from iso20022.xsd import NS_CAMT054, NS_PAIN001, NS_PAIN002

OSLO_WINTER = timezone(timedelta(hours=1))
ORG_NUMBER = "123456785"
DEBTOR_ACCOUNT = "86011117947"

# ----------------------------------------------------------------------- valid numbers


def bban(n: int, bank: str = "1503") -> str:
    """The ``n``-th valid Norwegian account number (MOD11) in ``bank``'s registry range."""
    while True:
        body = f"{bank}{n % 1_000_000:06d}"
        # python-stdnum is the reference: the one check digit it accepts, if any (remainder 10
        # means no valid number has this body).
        for digit in "0123456789":
            if kontonr.is_valid(body + digit):
                return body + digit
        n += 1


def kid_mod10(n: int, length: int = 10) -> str:
    body = f"{n:0{length - 1}d}"
    return body + luhn.calc_check_digit(body)


def kid_mod11(n: int, length: int = 10) -> str:
    """A MOD11 KID; ``n`` is bumped past bodies whose check would be ``-``."""
    while True:
        body = f"{n:0{length - 1}d}"
        total = sum(int(d) * (2 + i % 6) for i, d in enumerate(reversed(body)))
        check = (11 - total % 11) % 11
        if check != 10:
            return body + str(check)
        n += 1


# ------------------------------------------------------------------------- pain.001 input


def make_message(
    n_payments: int,
    *,
    n_batches: int = 1,
    seed: int = 0,
    msg_id: str = "MSG-20250303-0001",
    created_at: datetime = datetime(2025, 3, 3, 10, 15, 0, tzinfo=OSLO_WINTER),
    execution_date: date = date(2025, 3, 4),
    names: Sequence[str] = (
        "Leverandør AS",
        "Bygg og Anlegg AS",
        "Kontor-Rekvisita ANS",
        "Ærlige Åse Øvrebø",
    ),
) -> Pain001Message:
    """A valid message of ``n_payments`` spread over ``n_batches``, mixing KID, message and neither."""
    rng = random.Random(seed)
    per_batch = [n_payments // n_batches + (1 if i < n_payments % n_batches else 0) for i in range(n_batches)]
    batches = []
    k = 0
    for b, count in enumerate(per_batch):
        payments = []
        for _ in range(count):
            kind = k % 3
            payments.append(
                Pain001Payment(
                    end_to_end_id=f"E2E-{k:08d}",
                    amount=Decimal(rng.randint(1, 5_000_000)) / 100,
                    creditor_name=f"{names[k % len(names)]} {k}",
                    creditor_account=bban(10_000 + k % 5000),
                    kid=(kid_mod10(k) if k % 2 else kid_mod11(k)) if kind == 0 else None,
                    message=f"Faktura {100000 + k}" if kind == 1 else None,
                )
            )
            k += 1
        batches.append(
            Pain001Batch(
                pmt_inf_id=f"{msg_id}-B{b + 1}",
                execution_date=execution_date + timedelta(days=b),
                debtor_name="Firma AS",
                debtor_org_number=ORG_NUMBER,
                debtor_account=DEBTOR_ACCOUNT,
                batch_booking=bool(b % 2),
                payments=payments,
            )
        )
    return Pain001Message(
        msg_id=msg_id,
        created_at=created_at,
        initiating_party_name="Firma AS",
        initiating_party_org_number=ORG_NUMBER,
        batches=batches,
    )


def pain001_baseline(msg: Pain001Message) -> bytes:
    """Plain lxml: the same pain.001 from the same data, with no checks and no validation.

    This is the yardstick of the remittance benchmark (build and validate ≤ 3× this).
    """
    ns = "{" + NS_PAIN001 + "}"
    sub = etree.SubElement

    def el(parent, tag, text=None, **attrib):
        e = sub(parent, ns + tag, **attrib)
        if text is not None:
            e.text = text
        return e

    def party(parent, tag, name, org):
        p = el(parent, tag)
        el(p, "Nm", name)
        othr = el(el(el(p, "Id"), "OrgId"), "Othr")
        el(othr, "Id", org)
        el(el(othr, "SchmeNm"), "Cd", "CUST")

    def account(parent, tag, number):
        a = el(parent, tag)
        othr = el(el(a, "Id"), "Othr")
        el(othr, "Id", number)
        el(el(othr, "SchmeNm"), "Cd", "BBAN")
        return a

    root = etree.Element(ns + "Document", nsmap={None: NS_PAIN001})
    initn = el(root, "CstmrCdtTrfInitn")
    hdr = el(initn, "GrpHdr")
    el(hdr, "MsgId", msg.msg_id)
    el(hdr, "CreDtTm", msg.created_at.isoformat(timespec="seconds"))
    if msg.pre_approved:
        el(el(hdr, "Authstn"), "Cd", "AUTH")
        if msg.approval_reference:
            el(el(hdr, "Authstn"), "Prtry", msg.approval_reference)
    el(hdr, "NbOfTxs", str(sum(len(b.payments) for b in msg.batches)))
    el(hdr, "CtrlSum", f"{sum(p.amount for b in msg.batches for p in b.payments):.2f}")
    party(hdr, "InitgPty", msg.initiating_party_name, msg.initiating_party_org_number)
    for b in msg.batches:
        pmt = el(initn, "PmtInf")
        el(pmt, "PmtInfId", b.pmt_inf_id)
        el(pmt, "PmtMtd", "TRF")
        el(pmt, "BtchBookg", "true" if b.batch_booking else "false")
        el(pmt, "NbOfTxs", str(len(b.payments)))
        el(pmt, "CtrlSum", f"{sum(p.amount for p in b.payments):.2f}")
        el(pmt, "ReqdExctnDt", b.execution_date.isoformat())
        party(pmt, "Dbtr", b.debtor_name, b.debtor_org_number)
        el(account(pmt, "DbtrAcct", b.debtor_account), "Ccy", "NOK")
        el(el(el(pmt, "DbtrAgt"), "FinInstnId"), "BIC", b.debtor_bic)
        for p in b.payments:
            tx = el(pmt, "CdtTrfTxInf")
            el(el(tx, "PmtId"), "EndToEndId", p.end_to_end_id)
            el(el(tx, "Amt"), "InstdAmt", f"{p.amount:.2f}", Ccy="NOK")
            el(el(tx, "Cdtr"), "Nm", p.creditor_name)
            account(tx, "CdtrAcct", p.creditor_account)
            if p.kid:
                ref = el(el(el(tx, "RmtInf"), "Strd"), "CdtrRefInf")
                el(el(el(ref, "Tp"), "CdOrPrtry"), "Cd", "SCOR")
                el(ref, "Ref", p.kid)
            elif p.message:
                el(el(tx, "RmtInf"), "Ustrd", p.message)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + etree.tostring(root, encoding="UTF-8")


def measure_pain001(n_payments: int = 10_000, repeat: int = 5) -> dict[str, float]:
    """Best-of-``repeat`` seconds for build_pain001 (build + validate) and for the baseline."""
    msg = make_message(n_payments)
    build_pain001(msg)  # load and compile the XSD outside the timing, as a running worker has
    best_build = best_base = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        build_pain001(msg)
        t1 = time.perf_counter()
        pain001_baseline(msg)
        t2 = time.perf_counter()
        best_build = min(best_build, t1 - t0)
        best_base = min(best_base, t2 - t1)
    return {"build_and_validate_s": best_build, "baseline_s": best_base, "ratio": best_build / best_base}


# ------------------------------------------------------------------------------ pain.002


@dataclass(frozen=True)
class Reason:
    code: str | None = None
    proprietary: str | None = None
    info: tuple[str, ...] = ()


@dataclass(frozen=True)
class TxStatus:
    end_to_end_id: str | None
    status: str | None
    reasons: tuple[Reason, ...] = ()
    acceptance_at: str | None = None


@dataclass(frozen=True)
class BatchStatus:
    pmt_inf_id: str
    status: str | None
    reasons: tuple[Reason, ...] = ()
    transactions: tuple[TxStatus, ...] = ()
    counts: tuple[tuple[str, int], ...] = ()  # NbOfTxsPerSts: (DtldSts, DtldNbOfTxs)


def _reasons(parent, ns: str, reasons: Sequence[Reason]) -> None:
    for r in reasons:
        inf = etree.SubElement(parent, ns + "StsRsnInf")
        if r.code or r.proprietary:
            rsn = etree.SubElement(inf, ns + "Rsn")
            choice = etree.SubElement(rsn, ns + ("Cd" if r.code else "Prtry"))
            choice.text = r.code or r.proprietary
        for line in r.info:
            etree.SubElement(inf, ns + "AddtlInf").text = line


def pain002_xml(
    original_msg_id: str,
    group_status: str | None,
    *,
    group_reasons: Sequence[Reason] = (),
    batches: Sequence[BatchStatus] = (),
    msg_id: str = "DNB-STS-0001",
    created_at: str = "2025-03-04T08:00:00+01:00",
    original_msg_name: str = "pain.001.001.03",
    original_nb_of_txs: int | None = None,
) -> bytes:
    ns = "{" + NS_PAIN002 + "}"
    sub = etree.SubElement
    root = etree.Element(ns + "Document", nsmap={None: NS_PAIN002})
    rpt = sub(root, ns + "CstmrPmtStsRpt")
    hdr = sub(rpt, ns + "GrpHdr")
    sub(hdr, ns + "MsgId").text = msg_id
    sub(hdr, ns + "CreDtTm").text = created_at
    agt = sub(sub(hdr, ns + "DbtrAgt"), ns + "FinInstnId")
    sub(agt, ns + "BIC").text = "DNBANOKK"
    grp = sub(rpt, ns + "OrgnlGrpInfAndSts")
    sub(grp, ns + "OrgnlMsgId").text = original_msg_id
    sub(grp, ns + "OrgnlMsgNmId").text = original_msg_name
    if original_nb_of_txs is not None:
        sub(grp, ns + "OrgnlNbOfTxs").text = str(original_nb_of_txs)
    if group_status is not None:
        sub(grp, ns + "GrpSts").text = group_status
    _reasons(grp, ns, group_reasons)
    for b in batches:
        pmt = sub(rpt, ns + "OrgnlPmtInfAndSts")
        sub(pmt, ns + "OrgnlPmtInfId").text = b.pmt_inf_id
        if b.status is not None:
            sub(pmt, ns + "PmtInfSts").text = b.status
        _reasons(pmt, ns, b.reasons)
        for status, count in b.counts:
            per = sub(pmt, ns + "NbOfTxsPerSts")
            sub(per, ns + "DtldNbOfTxs").text = str(count)
            sub(per, ns + "DtldSts").text = status
        for t in b.transactions:
            tx = sub(pmt, ns + "TxInfAndSts")
            if t.end_to_end_id is not None:
                sub(tx, ns + "OrgnlEndToEndId").text = t.end_to_end_id
            if t.status is not None:
                sub(tx, ns + "TxSts").text = t.status
            _reasons(tx, ns, t.reasons)
            if t.acceptance_at is not None:
                sub(tx, ns + "AccptncDtTm").text = t.acceptance_at
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + etree.tostring(root, encoding="UTF-8")


def pain002_answering(
    pain001: bytes, *, rejects: dict[str, str] | None = None, accepted: str = "ACSP"
) -> bytes:
    """The bank's answer to a pain.001: every payment ``accepted`` except ``rejects`` (EndToEndId → reason code).

    The group and batch statuses follow the bank's rule: all rejected → RJCT, some → PART.
    """
    rejects = rejects or {}
    doc = etree.fromstring(pain001)
    ns = {"p": NS_PAIN001}
    batches = []
    total = rejected = 0
    for pmt in doc.iterfind("p:CstmrCdtTrfInitn/p:PmtInf", ns):
        txs = []
        for e2e in pmt.iterfind("p:CdtTrfTxInf/p:PmtId/p:EndToEndId", ns):
            code = rejects.get(e2e.text)
            if code:
                txs.append(TxStatus(e2e.text, "RJCT", (Reason(code),)))
            else:
                txs.append(TxStatus(e2e.text, accepted))
        n_rej = sum(1 for t in txs if t.status == "RJCT")
        status = accepted if n_rej == 0 else ("RJCT" if n_rej == len(txs) else "PART")
        batches.append(
            BatchStatus(pmt.findtext("p:PmtInfId", namespaces=ns), status, transactions=tuple(txs))
        )
        total += len(txs)
        rejected += n_rej
    group = accepted if rejected == 0 else ("RJCT" if rejected == total else "PART")
    return pain002_xml(
        doc.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:MsgId", namespaces=ns),
        group,
        batches=batches,
        original_nb_of_txs=total,
    )


# ------------------------------------------------------------------------------ camt.054


@dataclass(frozen=True)
class BookedTx:
    end_to_end_id: str | None
    amount: Decimal | None
    pmt_inf_id: str | None = None
    amount_element: str = "TxAmt"  # or "InstdAmt"


@dataclass(frozen=True)
class BookedEntry:
    amount: Decimal
    booking: date | datetime | None
    transactions: tuple[BookedTx, ...] = ()
    value: date | datetime | None = None
    acct_svcr_ref: str | None = None
    credit_debit: str = "DBIT"
    status: str = "BOOK"
    batch_pmt_inf_id: str | None = None
    currency: str = "NOK"


@dataclass(frozen=True)
class Notification:
    entries: tuple[BookedEntry, ...]
    account: str = DEBTOR_ACCOUNT
    iban: str | None = None  # when set, the account is given as this IBAN instead
    id: str = "NTF-1"
    created_at: str = "2025-03-04T18:00:00+01:00"


def _date_choice(parent, ns: str, tag: str, value: date | datetime) -> None:
    el = etree.SubElement(parent, ns + tag)
    if isinstance(value, datetime):
        etree.SubElement(el, ns + "DtTm").text = value.isoformat()
    else:
        etree.SubElement(el, ns + "Dt").text = value.isoformat()


def camt054_xml(
    notifications: Sequence[Notification],
    *,
    msg_id: str = "DNB-054-0001",
    created_at: str = "2025-03-04T18:00:00+01:00",
) -> bytes:
    ns = "{" + NS_CAMT054 + "}"
    sub = etree.SubElement
    root = etree.Element(ns + "Document", nsmap={None: NS_CAMT054})
    doc = sub(root, ns + "BkToCstmrDbtCdtNtfctn")
    hdr = sub(doc, ns + "GrpHdr")
    sub(hdr, ns + "MsgId").text = msg_id
    sub(hdr, ns + "CreDtTm").text = created_at
    for n in notifications:
        ntf = sub(doc, ns + "Ntfctn")
        sub(ntf, ns + "Id").text = n.id
        sub(ntf, ns + "CreDtTm").text = n.created_at
        acct = sub(ntf, ns + "Acct")
        ident = sub(acct, ns + "Id")
        if n.iban:
            sub(ident, ns + "IBAN").text = n.iban
        else:
            othr = sub(ident, ns + "Othr")
            sub(othr, ns + "Id").text = n.account
            sub(sub(othr, ns + "SchmeNm"), ns + "Cd").text = "BBAN"
        sub(acct, ns + "Ccy").text = "NOK"
        for e in n.entries:
            ntry = sub(ntf, ns + "Ntry")
            sub(ntry, ns + "Amt", Ccy=e.currency).text = f"{e.amount:.2f}"
            sub(ntry, ns + "CdtDbtInd").text = e.credit_debit
            sub(ntry, ns + "Sts").text = e.status
            if e.booking is not None:
                _date_choice(ntry, ns, "BookgDt", e.booking)
            if e.value is not None:
                _date_choice(ntry, ns, "ValDt", e.value)
            if e.acct_svcr_ref:
                sub(ntry, ns + "AcctSvcrRef").text = e.acct_svcr_ref
            code = sub(sub(ntry, ns + "BkTxCd"), ns + "Domn")
            sub(code, ns + "Cd").text = "PMNT"
            fmly = sub(code, ns + "Fmly")
            sub(fmly, ns + "Cd").text = "ICDT"
            sub(fmly, ns + "SubFmlyCd").text = "DMCT"
            if e.transactions or e.batch_pmt_inf_id:
                dtls = sub(ntry, ns + "NtryDtls")
                if e.batch_pmt_inf_id:
                    btch = sub(dtls, ns + "Btch")
                    sub(btch, ns + "PmtInfId").text = e.batch_pmt_inf_id
                    sub(btch, ns + "NbOfTxs").text = str(len(e.transactions))
                for t in e.transactions:
                    tx = sub(dtls, ns + "TxDtls")
                    refs = sub(tx, ns + "Refs")
                    if t.pmt_inf_id:
                        sub(refs, ns + "PmtInfId").text = t.pmt_inf_id
                    if t.end_to_end_id:
                        sub(refs, ns + "EndToEndId").text = t.end_to_end_id
                    if t.amount is not None:
                        amt = sub(sub(tx, ns + "AmtDtls"), ns + t.amount_element)
                        sub(amt, ns + "Amt", Ccy=e.currency).text = f"{t.amount:.2f}"
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + etree.tostring(root, encoding="UTF-8")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--payments", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    result = measure_pain001(args.payments, args.repeat)
    print(
        f"pain.001 with {args.payments:,} payments: build+validate {result['build_and_validate_s']:.3f} s, "
        f"plain lxml {result['baseline_s']:.3f} s, ratio {result['ratio']:.2f} (target ≤ 3)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

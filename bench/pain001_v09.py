"""pain.001.001.09 (issue 25): 10,000 mixed domestic / SEPA / abroad payments to an XSD-valid
file (build, every field checked, the official XSD and the rules it cannot check), against a
bare lxml write of the same document from the same data (no checks, no validation)."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

from lxml import etree

from bench.common import ratio_at_most

N = 10_000
IBANS = (
    "DE89370400440532013000",
    "FR1420041010050500013M02606",
    "NL91ABNA0417164300",
    "GB29NWBK60161331926819",
    "SE4550000000058398257466",
)


def _message():
    from iso20022.pain001 import Pain001Batch, Pain001Message, Pain001Payment, PostalAddress, RegulatoryReport
    from tests.remittance.isofiles import DEBTOR_ACCOUNT, ORG_NUMBER, bban, kid_mod10

    address = PostalAddress(
        town="New York", country="US", street="5th Avenue", building_number="350", postcode="10118"
    )
    payments = []
    for i in range(N):
        kind = i % 3
        if kind == 0:  # domestic NOK, KID or message
            payments.append(
                Pain001Payment(
                    f"D{i:07d}",
                    Decimal(f"{100 + i}.{i % 100:02d}"),
                    f"Leverandør {i} AS",
                    bban(i % 200 + 1, "1503"),
                    kid=kid_mod10(i) if i % 2 else None,
                    message=None if i % 2 else f"Faktura {i}",
                )
            )
        elif kind == 1:  # SEPA: EUR to an IBAN
            payments.append(
                Pain001Payment(
                    f"S{i:07d}",
                    Decimal(f"{20 + i % 900}.50"),
                    f"Lieferant {i} GmbH",
                    IBANS[i % len(IBANS)],
                    currency="EUR",
                    nok_equivalent=Decimal(11 * (20 + i % 900)),
                    message=f"Rechnung {i}",
                )
            )
        else:  # abroad: USD with BIC, address, UETR; every 10th above the reporting threshold
            big = i % 10 == 2
            payments.append(
                Pain001Payment(
                    f"A{i:07d}",
                    Decimal("12000.00") if big else Decimal(f"{50 + i % 500}.25"),
                    f"Supplier {i} Inc.",
                    f"{100000 + i}",
                    currency="USD",
                    creditor_bic="CHASUS33",
                    creditor_address=address,
                    uetr=str(uuid.UUID(int=i, version=4)),
                    nok_equivalent=Decimal("130000") if big else Decimal("5000"),
                    regulatory_report=RegulatoryReport("14", "Import av varer") if big else None,
                    message=f"Invoice {i}",
                )
            )
    batches = [
        Pain001Batch(
            f"B-{b}", date(2027, 3, 1), "Firma AS", ORG_NUMBER, DEBTOR_ACCOUNT, payments=payments[b::4]
        )
        for b in range(4)
    ]
    return Pain001Message(
        "MSG-BENCH-V09", datetime(2027, 3, 1, 9, 0, tzinfo=UTC), "Firma AS", ORG_NUMBER, batches
    )


def _bare(msg) -> bytes:
    """The same pain.001.001.09 written with plain lxml from the same data: no checks, no XSD."""
    from iso20022.pain001.abroad import SEPA, payment_kind
    from iso20022.xsd import NS_PAIN001_V09

    ns = "{" + NS_PAIN001_V09 + "}"
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

    root = etree.Element(ns + "Document", nsmap={None: NS_PAIN001_V09})
    initn = el(root, "CstmrCdtTrfInitn")
    hdr = el(initn, "GrpHdr")
    el(hdr, "MsgId", msg.msg_id)
    el(hdr, "CreDtTm", msg.created_at.isoformat(timespec="seconds"))
    el(hdr, "NbOfTxs", str(sum(len(b.payments) for b in msg.batches)))
    el(hdr, "CtrlSum", str(sum(p.amount for b in msg.batches for p in b.payments)))
    party(hdr, "InitgPty", msg.initiating_party_name, msg.initiating_party_org_number)
    for b in msg.batches:
        pmt = el(initn, "PmtInf")
        el(pmt, "PmtInfId", b.pmt_inf_id)
        el(pmt, "PmtMtd", "TRF")
        el(pmt, "BtchBookg", "false")
        el(pmt, "NbOfTxs", str(len(b.payments)))
        el(pmt, "CtrlSum", str(sum(p.amount for p in b.payments)))
        el(el(pmt, "ReqdExctnDt"), "Dt", b.execution_date.isoformat())
        party(pmt, "Dbtr", b.debtor_name, b.debtor_org_number)
        acct = el(pmt, "DbtrAcct")
        othr = el(el(acct, "Id"), "Othr")
        el(othr, "Id", b.debtor_account)
        el(el(othr, "SchmeNm"), "Cd", "BBAN")
        el(acct, "Ccy", "NOK")
        el(el(el(pmt, "DbtrAgt"), "FinInstnId"), "BICFI", b.debtor_bic)
        for p in b.payments:
            tx = el(pmt, "CdtTrfTxInf")
            pid = el(tx, "PmtId")
            el(pid, "EndToEndId", p.end_to_end_id)
            if p.uetr:
                el(pid, "UETR", p.uetr)
            kind = payment_kind(p)
            if kind == SEPA:
                el(el(el(tx, "PmtTpInf"), "SvcLvl"), "Cd", "SEPA")
            el(el(tx, "Amt"), "InstdAmt", f"{p.amount:f}", Ccy=p.currency)
            if p.currency == "NOK":
                el(el(tx, "Cdtr"), "Nm", p.creditor_name)
                othr = el(el(el(tx, "CdtrAcct"), "Id"), "Othr")
                el(othr, "Id", p.creditor_account)
                el(el(othr, "SchmeNm"), "Cd", "BBAN")
            else:
                el(tx, "ChrgBr", "SLEV" if kind == SEPA else "SHAR")
                if p.creditor_bic:
                    el(el(el(tx, "CdtrAgt"), "FinInstnId"), "BICFI", p.creditor_bic)
                cdtr = el(tx, "Cdtr")
                el(cdtr, "Nm", p.creditor_name)
                if p.creditor_address:
                    a = p.creditor_address
                    adr = el(cdtr, "PstlAdr")
                    for tag, value in (
                        ("StrtNm", a.street),
                        ("BldgNb", a.building_number),
                        ("PstCd", a.postcode),
                        ("TwnNm", a.town),
                        ("Ctry", a.country),
                    ):
                        el(adr, tag, value)
                ident = el(el(tx, "CdtrAcct"), "Id")
                if kind == SEPA:
                    el(ident, "IBAN", p.creditor_account)
                else:
                    el(el(ident, "Othr"), "Id", p.creditor_account)
                if p.regulatory_report:
                    dtls = el(el(tx, "RgltryRptg"), "Dtls")
                    el(dtls, "Cd", p.regulatory_report.code)
                    el(dtls, "Inf", p.regulatory_report.text)
            if p.kid:
                ref = el(el(el(tx, "RmtInf"), "Strd"), "CdtrRefInf")
                el(el(el(ref, "Tp"), "CdOrPrtry"), "Cd", "SCOR")
                el(ref, "Ref", p.kid)
            elif p.message:
                el(el(tx, "RmtInf"), "Ustrd", p.message)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + etree.tostring(root, encoding="UTF-8")


def run(Row):
    from iso20022.pain001 import build_pain001_v09

    msg = _message()
    build_pain001_v09(msg)  # the XSD loaded and compiled once, as in a running worker
    build = base = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        build_pain001_v09(msg)
        t1 = time.perf_counter()
        _bare(msg)
        t2 = time.perf_counter()
        build, base = min(build, t1 - t0), min(base, t2 - t1)
    return [
        ratio_at_most(
            "pain.001.001.09 for 10,000 mixed domestic/SEPA/abroad payments: XSD-valid bytes (build + validate)",
            f"{build:.3f} s",
            f"{base:.3f} s bare lxml write",
            build / base,
            3,
            target="ratio ≤ 3",
        )
    ]

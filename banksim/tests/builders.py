"""Files the tests send to the bank: pain.001.001.03 and .09 written here with lxml.

The tests build their own pain.001 rather than borrowing the portal's writer, so banksim's
suite stays independent of the portal (it must import none of it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from lxml import etree

NS03 = "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"
NS09 = "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"
NS = NS03


@dataclass
class Tx:
    end_to_end_id: str
    amount: str
    creditor_account: str
    creditor_name: str = "Leverandør AS"
    kid: str = ""
    message: str = ""
    currency: str = "NOK"
    # Abroad: the creditor's IBAN (instead of the BBAN), bank, address and the Currency
    # Register's report; street/town/country as a structured address, lines as AdrLine.
    iban: str = ""
    bic: str = ""
    street: str = ""
    town: str = ""
    country: str = ""
    address_lines: tuple[str, ...] = ()
    regulatory_code: str = ""
    regulatory_text: str = ""
    uetr: str = ""


@dataclass
class Batch:
    pmt_inf_id: str
    debtor_account: str
    execution_date: date
    transactions: list[Tx] = field(default_factory=list)
    nb_of_txs: int | None = None  # override to provoke AM18
    ctrl_sum: str | None = None  # override to provoke AM10


_ns = [NS03]


def _sub(parent, tag, text=None, **attrib):
    el = etree.SubElement(parent, f"{{{_ns[0]}}}{tag}", **attrib)
    if text is not None:
        el.text = text
    return el


def _acct(parent, tag, number):
    othr = _sub(_sub(_sub(parent, tag), "Id"), "Othr")
    _sub(othr, "Id", number)
    _sub(_sub(othr, "SchmeNm"), "Cd", "BBAN")


def pain001(
    msg_id: str,
    batches: list[Batch],
    *,
    org_number: str = "123456785",
    created_at: str = "2026-03-02T09:00:00",
    nb_of_txs: int | None = None,
    ctrl_sum: str | None = None,
    version: str = "03",
) -> bytes:
    _ns[0] = NS09 if version == "09" else NS03
    v09 = version == "09"
    root = etree.Element(f"{{{_ns[0]}}}Document", nsmap={None: _ns[0]})
    init = _sub(root, "CstmrCdtTrfInitn")
    grp = _sub(init, "GrpHdr")
    all_txs = [t for b in batches for t in b.transactions]
    _sub(grp, "MsgId", msg_id)
    _sub(grp, "CreDtTm", created_at)
    _sub(grp, "NbOfTxs", str(nb_of_txs if nb_of_txs is not None else len(all_txs)))
    _sub(grp, "CtrlSum", ctrl_sum or str(sum((Decimal(t.amount) for t in all_txs), Decimal(0))))
    party = _sub(grp, "InitgPty")
    _sub(party, "Nm", "Demo Regnskap AS")
    _sub(_sub(_sub(_sub(party, "Id"), "OrgId"), "Othr"), "Id", org_number)
    for b in batches:
        pmt = _sub(init, "PmtInf")
        _sub(pmt, "PmtInfId", b.pmt_inf_id)
        _sub(pmt, "PmtMtd", "TRF")
        _sub(pmt, "BtchBookg", "false")
        _sub(pmt, "NbOfTxs", str(b.nb_of_txs if b.nb_of_txs is not None else len(b.transactions)))
        _sub(pmt, "CtrlSum", b.ctrl_sum or str(sum((Decimal(t.amount) for t in b.transactions), Decimal(0))))
        _sub(_sub(_sub(pmt, "PmtTpInf"), "SvcLvl"), "Cd", "NURG")
        if v09:
            _sub(_sub(pmt, "ReqdExctnDt"), "Dt", b.execution_date.isoformat())
        else:
            _sub(pmt, "ReqdExctnDt", b.execution_date.isoformat())
        _sub(_sub(pmt, "Dbtr"), "Nm", "Demo Regnskap AS")
        _acct(pmt, "DbtrAcct", b.debtor_account)
        _sub(_sub(_sub(pmt, "DbtrAgt"), "FinInstnId"), "BICFI" if v09 else "BIC", "DNBANOKK")
        for t in b.transactions:
            tx = _sub(pmt, "CdtTrfTxInf")
            pid = _sub(tx, "PmtId")
            _sub(pid, "InstrId", t.end_to_end_id)
            _sub(pid, "EndToEndId", t.end_to_end_id)
            if v09 and t.uetr:
                _sub(pid, "UETR", t.uetr)
            _sub(_sub(tx, "Amt"), "InstdAmt", t.amount, Ccy=t.currency)
            if t.iban:
                _sub(tx, "ChrgBr", "SLEV" if t.currency == "EUR" else "SHAR")
            if t.bic:
                _sub(_sub(_sub(tx, "CdtrAgt"), "FinInstnId"), "BICFI" if v09 else "BIC", t.bic)
            cdtr = _sub(tx, "Cdtr")
            _sub(cdtr, "Nm", t.creditor_name)
            if t.street or t.town or t.country or t.address_lines:
                adr = _sub(cdtr, "PstlAdr")
                for tag, value in (("StrtNm", t.street), ("TwnNm", t.town), ("Ctry", t.country)):
                    if value:
                        _sub(adr, tag, value)
                for line in t.address_lines:
                    _sub(adr, "AdrLine", line)
            if t.iban:
                _sub(_sub(_sub(tx, "CdtrAcct"), "Id"), "IBAN", t.iban)
            else:
                _acct(tx, "CdtrAcct", t.creditor_account)
            if t.regulatory_code:
                dtls = _sub(_sub(tx, "RgltryRptg"), "Dtls")
                _sub(dtls, "Cd", t.regulatory_code)
                _sub(dtls, "Inf", t.regulatory_text)
            if t.kid:
                ref = _sub(_sub(_sub(tx, "RmtInf"), "Strd"), "CdtrRefInf")
                _sub(_sub(_sub(ref, "Tp"), "CdOrPrtry"), "Cd", "SCOR")
                _sub(ref, "Ref", t.kid)
            elif t.message:
                _sub(_sub(tx, "RmtInf"), "Ustrd", t.message)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")

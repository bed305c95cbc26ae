"""A minimal pain.001.001.03 writer for the contract tests (lxml, independent of both sides)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from lxml import etree

NS = "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"


def _sub(parent, tag, text=None, **attrib):
    el = etree.SubElement(parent, f"{{{NS}}}{tag}", **attrib)
    if text is not None:
        el.text = text
    return el


def _acct(parent, tag, number):
    othr = _sub(_sub(_sub(parent, tag), "Id"), "Othr")
    _sub(othr, "Id", number)
    _sub(_sub(othr, "SchmeNm"), "Cd", "BBAN")


def pain001(
    msg_id: str, debtor: str, execution: date, txs: list[tuple[str, str, str, str]], org: str = "123456785"
) -> bytes:
    """``txs``: (EndToEndId, amount, creditor account, KID or "")."""
    root = etree.Element(f"{{{NS}}}Document", nsmap={None: NS})
    init = _sub(root, "CstmrCdtTrfInitn")
    grp = _sub(init, "GrpHdr")
    total = str(sum((Decimal(t[1]) for t in txs), Decimal(0)))
    _sub(grp, "MsgId", msg_id)
    _sub(grp, "CreDtTm", "2026-03-02T09:00:00")
    _sub(grp, "NbOfTxs", str(len(txs)))
    _sub(grp, "CtrlSum", total)
    _sub(_sub(_sub(_sub(_sub(grp, "InitgPty"), "Id"), "OrgId"), "Othr"), "Id", org)
    pmt = _sub(init, "PmtInf")
    _sub(pmt, "PmtInfId", f"{msg_id}-1")
    _sub(pmt, "PmtMtd", "TRF")
    _sub(pmt, "NbOfTxs", str(len(txs)))
    _sub(pmt, "CtrlSum", total)
    _sub(pmt, "ReqdExctnDt", execution.isoformat())
    _sub(_sub(pmt, "Dbtr"), "Nm", "Demo Regnskap AS")
    _acct(pmt, "DbtrAcct", debtor)
    _sub(_sub(_sub(pmt, "DbtrAgt"), "FinInstnId"), "BIC", "DNBANOKK")
    for e2e, amount, creditor, kid in txs:
        tx = _sub(pmt, "CdtTrfTxInf")
        _sub(_sub(tx, "PmtId"), "EndToEndId", e2e)
        _sub(_sub(tx, "Amt"), "InstdAmt", amount, Ccy="NOK")
        _sub(_sub(tx, "Cdtr"), "Nm", "Leverandør AS")
        _acct(tx, "CdtrAcct", creditor)
        if kid:
            ref = _sub(_sub(_sub(tx, "RmtInf"), "Strd"), "CdtrRefInf")
            _sub(_sub(_sub(ref, "Tp"), "CdOrPrtry"), "Cd", "SCOR")
            _sub(ref, "Ref", kid)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")

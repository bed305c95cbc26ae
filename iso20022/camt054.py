"""Parser for camt.054 debit notifications (.001.02, .04 and .08): the bank's word that our payments were booked.

Why it exists: a payment is only *booked* — the voucher posted (credit the bank's ledger
account, debit payables) and the bill marked paid — when DNB's camt.054 debit notification
echoes it. The notification names our batch (``Refs/PmtInfId``, or
``NtryDtls/Btch/PmtInfId``) and our payment (``Refs/EndToEndId``) with the amount booked, so
the service can find each payment without guessing.

Shapes this reads, all seen in Norwegian banks' files:

* one entry per payment (``BtchBookg`` false) with a single ``TxDtls``;
* one entry for a whole batch (``BtchBookg`` true) with one ``TxDtls`` per payment, each with
  its own amount in ``AmtDtls/TxAmt`` (or ``InstdAmt``). Charges can make the entry total
  differ from the sum of the transactions, so each payment's amount comes from its own
  ``TxDtls``; only a single ``TxDtls`` may fall back to the entry amount (or several that
  all name one EndToEndId: one payment whose details come in parts). A batch entry whose
  transactions carry no amounts is refused rather than split by guesswork;
* the booking date as ``BookgDt/Dt`` or ``BookgDt/DtTm`` (likewise the value date, which
  may be missing). A ``DtTm`` is turned into the Oslo business date by the rule every reader
  follows (:func:`iso20022.dates.business_date`): ``2025-06-30T22:30:00Z`` is booked on
  1 July, as camt.053 reads it; a ``Dt`` is taken as written;
* the account as a BBAN in ``Acct/Id/Othr/Id`` or as a Norwegian IBAN, which is turned into
  its BBAN (the portal keys bank accounts on the 11-digit number).

The version is the root's namespace: .001.02 (2009), .001.04 and .001.08 (2019) name the
elements this reads alike, each in its own namespace, and each file is checked against its
own version's XSD. What .08 adds or shapes otherwise: ``Ntry/Sts`` is a choice (``Sts/Cd``),
``Refs/UETR`` is the payment's id across banks (kept as :attr:`Camt054Transaction.uetr`),
``Ntfctn/CreDtTm`` may be missing.

The file is untrusted input: safe parser and official XSD first (:mod:`iso20022.xsd`),
then one :class:`IsoFormatError` for anything wrong. Credits and non-booked entries are
reported as they are (``credit_debit``, ``status``): which ones to act on is the service's
decision.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from lxml import etree
from stdnum.no import iban as no_iban

from .camt053.model import Camt053Fx
from .dates import business_date, parse_iso_date, parse_iso_datetime
from .errors import IsoFormatError
from .xsd import NS_CAMT054, Tags, assert_valid, namespace_of, parse_xml

__all__ = [
    "Camt054Entry",
    "Camt054Notification",
    "Camt054Report",
    "Camt054Transaction",
    "parse_camt054",
]


@dataclass(frozen=True, slots=True)
class Camt054Transaction:
    """One ``TxDtls``: one of our payments inside a booked entry."""

    pmt_inf_id: str | None
    end_to_end_id: str | None
    amount: Decimal
    currency: str
    instruction_id: str | None = None
    account_servicer_ref: str | None = None
    msg_id: str | None = None
    uetr: str | None = None  # Refs/UETR (.08): the payment's id across banks
    # An amount in another currency than the entry's (InstdAmt USD of a payment abroad
    # debited in NOK), with the bank's exchange (CcyXchg): kept, never booked.
    foreign: Camt053Fx | None = None


@dataclass(frozen=True, slots=True)
class Camt054Entry:
    """One ``Ntry``: one booking on the account, for one payment or a whole batch."""

    amount: Decimal
    currency: str
    credit_debit: str  # "DBIT" or "CRDT"
    status: str  # "BOOK", "PDNG" or "INFO"
    reversal: bool
    booking_date: date | None  # the Oslo business date
    booking_at: datetime | None  # set when the bank sent BookgDt/DtTm, as the bank wrote it
    value_date: date | None
    account_servicer_ref: str | None
    entry_ref: str | None
    batch_pmt_inf_id: str | None
    batch_msg_id: str | None
    transactions: tuple[Camt054Transaction, ...]
    additional_info: str | None = None


@dataclass(frozen=True, slots=True)
class Camt054Notification:
    """One ``Ntfctn``: the bookings on one account."""

    id: str
    created_at: datetime | None  # optional from .08
    account_bban: str | None
    account_iban: str | None
    currency: str | None
    entries: tuple[Camt054Entry, ...]


@dataclass(frozen=True, slots=True)
class Camt054Report:
    """A parsed camt.054 file."""

    msg_id: str
    created_at: datetime
    notifications: tuple[Camt054Notification, ...]
    version: str = "camt.054.001.02"

    def transactions(self) -> Iterator[tuple[Camt054Notification, Camt054Entry, Camt054Transaction]]:
        for ntf in self.notifications:
            for entry in ntf.entries:
                for tx in entry.transactions:
                    yield ntf, entry, tx


# The versions read, and the tags of each (chosen once per file by its root's namespace).
VERSIONS = ("camt.054.001.02", "camt.054.001.04", "camt.054.001.08")
_TAGS = {namespace_of(version): (version, Tags(namespace_of(version))) for version in VERSIONS}

_BASE = "/Document/BkToCstmrDbtCdtNtfctn"


def _(text: str) -> str:
    """Marks a message for translation; the service translates it (``bankint.errors.reason_of``)."""
    return text


def _amount(el: etree._Element, where: str) -> tuple[Decimal, str]:
    """An ActiveOrHistoricCurrencyAndAmount; NOK is booked to the øre, so >2 decimals is wrong."""
    amount = Decimal(el.text)
    currency = el.get("Ccy")
    if currency == "NOK" and amount != amount.quantize(Decimal("0.01")):
        raise IsoFormatError(
            _("The NOK amount %(amount)s has more than two decimals."), where, {"amount": el.text}
        )
    return amount, currency


def _date_choice(el: etree._Element, where: str, T: Tags) -> tuple[date, datetime | None]:
    choice = el[0]  # DateAndDateTimeChoice: exactly one of Dt or DtTm
    if choice.tag == T.Dt:
        return parse_iso_date(choice.text, f"{where}/Dt"), None
    at = parse_iso_datetime(choice.text, f"{where}/DtTm")
    return business_date(at, f"{where}/DtTm"), at


def _account(acct: etree._Element, where: str, T: Tags) -> tuple[str | None, str | None]:
    ident = acct[0][0]  # CashAccount20/Id is a choice of IBAN or Othr
    if ident.tag == T.IBAN:
        iban = ident.text
        if iban.startswith("NO"):
            if not no_iban.is_valid(iban):
                raise IsoFormatError(
                    _("The IBAN %(iban)s is not a valid Norwegian IBAN."), f"{where}/Id/IBAN", {"iban": iban}
                )
            return no_iban.to_kontonr(iban), iban
        return None, iban
    other = ident.findtext(T.Id)
    compact = other.replace(".", "").replace(" ", "")
    return (compact if compact.isdigit() and len(compact) == 11 else None), None


def _transaction(
    tx: etree._Element, batch_pmt_inf_id: str | None, where: str, T: Tags, currency: str
) -> tuple[dict[str, str], tuple[Decimal, str] | None, Camt053Fx | None]:
    """One ``TxDtls``: its references, its own amount in the entry's currency if the bank gave
    one, and an amount in another currency with its exchange (kept, never booked)."""
    refs: dict[str, str] = {}
    amounts: list[tuple[int, etree._Element]] = []  # (rank, Amt element), rank as _AMOUNT_RANK
    for child in tx:
        tag = child.tag
        if tag == T.Refs:
            refs = {ref.tag: ref.text for ref in child}
        elif tag == T.AmtDtls:
            for detail in child:
                rank = _AMOUNT_RANK.get(etree.QName(detail).localname)
                if rank is not None:
                    amounts.append((rank, detail))
        elif tag == T.Amt:  # TxDtls/Amt, from .04: the transaction's amount as booked
            amounts.append((3, child))
    if batch_pmt_inf_id and not refs.get(T.PmtInfId):
        refs[T.PmtInfId] = batch_pmt_inf_id
    amounts.sort(key=lambda found: found[0])
    amount = foreign = None
    for rank, found in amounts:
        amt = found if rank == 3 else found.find(T.Amt)
        # TxAmt is what was booked for this transaction, InstdAmt what we asked for; only one
        # in the entry's currency is the transaction's amount (a payment abroad debits NOK).
        if amt.get("Ccy") == currency:
            if amount is None:
                amount = _amount(amt, f"{where}/AmtDtls")
        elif foreign is None:
            foreign = _foreign(amt, found if rank != 3 else None, amounts, T)
    return refs, amount, foreign


# AmtDtls's amounts in the order one in the entry's currency is taken (then TxDtls/Amt, rank 3).
_AMOUNT_RANK = {"TxAmt": 0, "InstdAmt": 1, "CntrValAmt": 2}


def _foreign(amt: etree._Element, holder, amounts, T: Tags) -> Camt053Fx:
    """An amount in another currency and the exchange the bank gave for it (its own
    ``CcyXchg``, else the first one of the transaction's amounts)."""
    xchg = holder.find(T.CcyXchg) if holder is not None else None
    if xchg is None:
        xchg = next((h.find(T.CcyXchg) for r, h in amounts if r != 3 and h.find(T.CcyXchg) is not None), None)
    rate = source = target = None
    if xchg is not None:
        rate_text = xchg.findtext(T.XchgRate)
        rate = Decimal(rate_text) if rate_text is not None else None
        source, target = xchg.findtext(T.SrcCcy), xchg.findtext(T.TrgtCcy)
    return Camt053Fx(Decimal(amt.text), amt.get("Ccy"), rate, source, target)


def _transactions(
    tx_elements: list[etree._Element],
    entry_amount: tuple[Decimal, str],
    batch_pmt_inf_id: str | None,
    where: str,
    T: Tags,
) -> tuple[Camt054Transaction, ...]:
    read = [
        _transaction(tx, batch_pmt_inf_id, f"{where}/NtryDtls/TxDtls[{i}]", T, entry_amount[1])
        for i, tx in enumerate(tx_elements, start=1)
    ]
    if len(read) > 1 and all(amount is None for _refs, amount, _fx in read):
        # Several TxDtls of one payment (its remittance information in parts, as in the ISO
        # example): when they all name the same EndToEndId, they are one booking of the entry
        # amount, not a batch to split.
        ids = {refs.get(T.EndToEndId) for refs, _amount, _fx in read}
        if len(ids) == 1 and None not in ids:
            read = read[:1]
    if len(read) == 1 and read[0][1] is None:
        read = [(read[0][0], entry_amount, read[0][2])]
    txs = []
    for i, (refs, amount, foreign) in enumerate(read, start=1):
        if amount is None:
            raise IsoFormatError(
                _(
                    "An entry with several transactions gives no amount (AmtDtls/TxAmt) for transaction "
                    "%(number)s; the booking cannot be split safely."
                ),
                f"{where}/NtryDtls/TxDtls[{i}]/AmtDtls",
                {"number": i},
            )
        txs.append(
            Camt054Transaction(
                pmt_inf_id=refs.get(T.PmtInfId),
                end_to_end_id=refs.get(T.EndToEndId),
                amount=amount[0],
                currency=amount[1],
                instruction_id=refs.get(T.InstrId),
                account_servicer_ref=refs.get(T.AcctSvcrRef),
                msg_id=refs.get(T.MsgId),
                uetr=refs.get(T.UETR),
                foreign=foreign,
            )
        )
    return tuple(txs)


def _entry(ntry: etree._Element, where: str, T: Tags) -> Camt054Entry:
    values: dict[str, str] = {}
    amount = None
    booking: tuple[date | None, datetime | None] = (None, None)
    value_date = None
    details: list[etree._Element] = []
    for child in ntry:
        tag = child.tag
        if tag == T.Amt:
            amount = _amount(child, f"{where}/Amt")
        elif tag == T.BookgDt:
            booking = _date_choice(child, f"{where}/BookgDt", T)
        elif tag == T.ValDt:
            value_date = _date_choice(child, f"{where}/ValDt", T)[0]
        elif tag == T.NtryDtls:
            details.append(child)
        elif tag == T.Sts and len(child):  # .08: EntryStatus1Choice, Sts/Cd (or Sts/Prtry)
            values[tag] = child[0].text
        else:
            values[tag] = child.text
    batch_pmt_inf_id = batch_msg_id = None
    tx_elements: list[etree._Element] = []
    for d in details:
        for child in d:
            if child.tag == T.Btch:
                batch_pmt_inf_id = child.findtext(T.PmtInfId) or batch_pmt_inf_id
                batch_msg_id = child.findtext(T.MsgId) or batch_msg_id
            elif child.tag == T.TxDtls:
                tx_elements.append(child)
    txs = _transactions(tx_elements, amount, batch_pmt_inf_id, where, T)
    return Camt054Entry(
        amount=amount[0],
        currency=amount[1],
        credit_debit=values[T.CdtDbtInd],
        status=values[T.Sts],
        reversal=values.get(T.RvslInd) in ("true", "1"),
        booking_date=booking[0],
        booking_at=booking[1],
        value_date=value_date,
        account_servicer_ref=values.get(T.AcctSvcrRef),
        entry_ref=values.get(T.NtryRef),
        batch_pmt_inf_id=batch_pmt_inf_id,
        batch_msg_id=batch_msg_id,
        transactions=txs,
        additional_info=values.get(T.AddtlNtryInf),
    )


def parse_camt054(xml_bytes: bytes) -> Camt054Report:
    """Parse and validate a camt.054 debit/credit notification (.001.02, .04 or .08), or raise
    ``IsoFormatError``."""
    root = parse_xml(xml_bytes, expected_ns=NS_CAMT054, kind="camt.054.001.02", versions=VERSIONS)
    version, T = _TAGS[etree.QName(root).namespace]
    assert_valid(root, version)
    doc = root[0]
    hdr = doc[0]
    msg_id = hdr.findtext(T.MsgId)
    created_at = parse_iso_datetime(hdr.findtext(T.CreDtTm), f"{_BASE}/GrpHdr/CreDtTm")
    notifications = []
    for n, ntf in enumerate(doc.iterchildren(T.Ntfctn), start=1):
        nw = f"{_BASE}/Ntfctn[{n}]"
        acct = ntf.find(T.Acct)
        bban, iban = _account(acct, f"{nw}/Acct", T)
        entries = tuple(
            _entry(ntry, f"{nw}/Ntry[{i}]", T) for i, ntry in enumerate(ntf.iterchildren(T.Ntry), start=1)
        )
        notifications.append(
            Camt054Notification(
                id=ntf.findtext(T.Id),
                created_at=_created_at(ntf.findtext(T.CreDtTm), f"{nw}/CreDtTm"),
                account_bban=bban,
                account_iban=iban,
                currency=acct.findtext(T.Ccy),
                entries=entries,
            )
        )
    return Camt054Report(
        msg_id=msg_id, created_at=created_at, notifications=tuple(notifications), version=version
    )


def _created_at(text: str | None, where: str) -> datetime | None:
    return parse_iso_datetime(text, where) if text is not None else None

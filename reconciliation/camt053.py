"""Streaming parser for camt.053.001.02 bank statements (kontoutskrift), the input of reconciliation.

Why it exists: every morning the bank sends what it booked on each account; reconciliation
(issue 8, DOMAIN.md §6) matches those entries against the ledger. Statement files reach
100,000 entries, come from a network we do not control, and decide what the customer sees as
"reconciled", so this module reads them

* **streaming**: ``lxml.etree.iterparse`` on ``Ntry``/``Stmt``/``GrpHdr`` only, each element
  cleared and its processed siblings deleted, so the tree never holds more than one entry
  (:func:`iter_camt053` yields as it goes; :func:`parse_camt053` collects for callers that
  want whole statements);
* **safely**: no entity expansion, no DTD, no network, ``huge_tree`` off (which also caps the
  nesting depth), any ``DOCTYPE`` refused, a bounded input size, never ``recover=True``;
* **strictly**: one domain error, :class:`CamtParseError`, naming the element and its line,
  for anything a bank file must not contain (more than two decimals, negative or non-numeric
  amounts, missing ``Acct``/``Bal``/``Amt``/``CdtDbtInd``/``BookgDt``, the wrong message).
  Its message is a template and its values, kept apart, so the service shows it in the
  user's language (this module imports no Django; ``_`` only marks the text);
* **whole or not at all**: a file is whole when its bytes end with the root's end tag (and
  nothing but whitespace, comments and processing instructions after it), whatever the
  parser reports (:meth:`_BoundedReader.ends_the_document`); a file libxml2 refuses is read
  again, whole, up to 8 MB, to tell "not XML" from "breaks the schema" and to name the
  element, the rule and the line (:func:`_diagnosed`).

Rules this module decides, each from the standard or from importers that learned it the hard
way (DOMAIN.md §6):

* **Balances.** Opening = ``OPBD``, else ``PRCD`` (the previous statement's closing balance,
  which is by definition this one's opening). Closing = ``CLBD``, else the last ``ITBD``
  (banks that send intraday statements only). ``balance_types_used`` says which were used.
* **Reversals.** ISO 20022 defines ``RvslInd`` as "the entry is the result of a reversal"
  and ``CdtDbtInd`` as the direction of *this* operation (CRDT an increase, DBIT a
  decrease); the message definition's usage note adds that with ``RvslInd`` true a CRDT
  entry undoes an original debit and a DBIT entry an original credit. So a reversed credit
  arrives as ``DBIT`` + ``RvslInd`` and reduces the balance: the sign always follows
  ``CdtDbtInd`` (which is also what makes opening + entries = closing hold), and
  :attr:`Camt053Entry.original_credit_debit` gives the flipped direction of the booking
  being undone.
* **Batch entries.** An entry with several ``TxDtls`` is split by each transaction's own
  amount in the entry's currency (``AmtDtls/TxAmt/Amt``, else ``InstdAmt``, else
  ``CntrValAmt``, else ``Amt``), never by the entry total. A single ``TxDtls`` without such an
  amount takes the entry's amount (and one that states the entry's amount among others is
  that amount); several without any amount are refused (splitting by guesswork would invent
  money). When the transactions do not add up to the entry, the difference is the bank's
  charges: ``entry.charges = Σ signed tx amounts − entry.signed_amount`` (positive = the bank
  took a fee, e.g. a debit of 1,010.00 for payments of 1,000.00; negative = the bank added
  money). Each transaction's own ``Chrgs/Amt`` (in the entry's currency) are reported in
  :attr:`Camt053Tx.charges`.
* **Other currencies.** An amount in another currency than the entry's (a card purchase of
  USD 140.00 booked as NOK 1,249.85) is kept, with the exchange the bank gave (``CcyXchg``),
  as :attr:`Camt053Tx.foreign`, and is never booked, split by or compared with the entry: the
  entry's amount, in the account's currency, is what is booked. A batch's payment known only
  in another currency has no amount (``None``), and its entry then no charges (the split in
  the entry's currency is unknown, so none is guessed).
* **References.** Every ``Strd/CdtrRefInf/Ref`` of a transaction is kept
  (:attr:`Camt053Tx.kids`): one payment may settle several invoices.
* **Dates.** ``BookgDt``/``ValDt`` as ``Dt`` or ``DtTm``; a ``DtTm`` with an offset is turned
  into the Norwegian business date (Europe/Oslo), a naive one is taken as local. ``ValDt`` may
  be missing (``value_date=None``).
* **Accounts.** ``Acct/Id/Othr/Id`` (a BBAN, separators dropped) or ``Acct/Id/IBAN``; a
  Norwegian IBAN becomes its 11-digit BBAN because the portal keys accounts on it. A foreign
  IBAN is returned as the IBAN, which the importer then reports as an unknown account.
* **Deduplication** (:func:`entry_key`, :func:`statement_entry_keys`): see there.

XSD validation: the official schema is checked *during* the same streaming pass
(``validate=True``, the default; schema from the installed ``camt053`` package, found by
:func:`remittance.xsd.get_schema` without importing it). Measured on
a generated 100,000-entry file (67 MB, a 2-core machine whose speed moves by a third from
hour to hour): plain lxml parse + XPath over the entries 2.8–3.9 s; the parsing process
alone (:class:`ParseProcess`'s child, entries read into their wire form) 3.1 s without and
4.3–4.7 s with validation; peak RSS 27 and 28 MB streaming (flat: 2,000 and 20,000 entries
peak alike), 158 MB when :func:`parse_camt053` keeps all 100,000 entries. Validation stays
on: it costs 1.2–1.6 s per 100,000 entries, and it is what turns "a bank sent something
odd" into a clear message naming the element instead of a wrong balance or a silently
skipped field (RELIABILITY.md row 8). ``validate=False`` exists for benchmarks and for
callers that have validated already. The importer has a big file parsed and checked by
:class:`ParseProcess` in a process of its own while it does its own work per entry; the
checks this module makes itself (mandatory elements, amounts, dates, indicators, a file that
ends before its Document does) apply either way.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from typing import BinaryIO, NamedTuple
from zoneinfo import ZoneInfo

from lxml import etree

from remittance.xsd import get_schema

__all__ = [
    "DEFAULT_MAX_BYTES",
    "NS_CAMT053",
    "Camt053Entry",
    "Camt053Fx",
    "Camt053Statement",
    "Camt053Tx",
    "CamtParseError",
    "ParseProcess",
    "ParseProcessFailed",
    "entry_key",
    "iter_camt053",
    "parse_camt053",
    "statement_balance_check",
    "statement_entry_keys",
]

NS_CAMT053 = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"
_NS = "{" + NS_CAMT053 + "}"
DEFAULT_MAX_BYTES = 200 * 1024 * 1024  # the upload limit; a year of daily statements is far less
OSLO = ZoneInfo("Europe/Oslo")
_T_DT, _T_DTTM, _T_IBAN, _T_ID = (_NS + name for name in ("Dt", "DtTm", "IBAN", "Id"))
_T_DOMN, _T_FMLY, _T_PRTRY, _T_CD, _T_SUBFMLYCD = (
    _NS + name for name in ("Domn", "Fmly", "Prtry", "Cd", "SubFmlyCd")
)
_T_AMT, _T_CHRGS, _T_TXDTLS, _T_USTRD, _T_REF, _T_NM = (
    _NS + name for name in ("Amt", "Chrgs", "TxDtls", "Ustrd", "Ref", "Nm")
)
ZERO = Decimal("0.00")
# Qualified tags of the children the parser looks up, by local name.
_Q = {
    name: _NS + name
    for name in (
        "AcctSvcrRef",
        "AddtlNtryInf",
        "AddtlTxInf",
        "Amt",
        "AmtDtls",
        "BkTxCd",
        "BookgDt",
        "CdtDbtInd",
        "Cdtr",
        "CdtrAcct",
        "CcyXchg",
        "Chrgs",
        "CntrValAmt",
        "Dbtr",
        "DbtrAcct",
        "EndToEndId",
        "InstdAmt",
        "NtryDtls",
        "Refs",
        "RltdPties",
        "RmtInf",
        "RvslInd",
        "SrcCcy",
        "Sts",
        "TrgtCcy",
        "TxAmt",
        "ValDt",
        "XchgRate",
    )
}

# ISO 20022 bank transaction sub-families that are the bank's own fees and commissions
# (ExternalBankTransactionSubFamily1Code): they go to the fee account, not to a payment.
CHARGE_SUBFAMILIES = frozenset({"CHRG", "COMM", "COME", "COMI", "COMT", "FEES"})

# ISO 20022 amounts allow 18 digits and 5 decimals, but a NOK statement has øre at most. A
# third decimal that is not zero means the file is not what we think it is, so it is refused,
# not rounded; trailing zeros (``8.850``, ``5442.09000``, as some banks write) are the same
# amount and are read by value. The usual form, checked first, is two decimals at most.
_AMOUNT_RE = re.compile(r"[0-9]{1,18}(?:\.[0-9]{1,2})?")
# xs:decimal without a sign, as the schema allows it: "12", "12.", ".5", "+12.50000".
_DECIMAL_RE = re.compile(r"\+?([0-9]*)(?:\.([0-9]*))?")


def _(text: str) -> str:
    """Marks a message for translation (makemessages finds it); this module imports no Django,
    so the service that shows the message translates it (``bankint.errors.reason_of``)."""
    return text


# Messages someone may hand us instead of a camt.053.001.02, so the error can say what it is:
# by the message name in the namespace, whatever its version.
_OTHER_MESSAGE_RE = re.compile(
    r"urn:iso:std:iso:20022:tech:xsd:((camt\.05[234]|pain\.00[12])\.[0-9]{3}\.[0-9]{2})"
)
_OTHER_MESSAGES = {
    "camt.053": _(
        "This is a %(version)s bank statement; only camt.053.001.02 bank statements can be imported. "
        "Ask the bank to deliver statements as camt.053.001.02."
    ),
    "camt.052": _("This is a %(version)s intraday account report, not a camt.053.001.02 bank statement."),
    "camt.054": _("This is a %(version)s debit/credit notification, not a camt.053.001.02 bank statement."),
    "pain.001": _("This is a %(version)s payment order, not a camt.053.001.02 bank statement."),
    "pain.002": _("This is a %(version)s payment status report, not a camt.053.001.02 bank statement."),
}


class CamtParseError(Exception):
    """The file is not a camt.053.001.02 statement we can trust; nothing of it may be imported.

    ``template`` is the English message with ``%(name)s`` placeholders (marked with ``_``)
    and ``params`` its values, kept apart so that the service shows it in the user's language
    (``bankint.errors.reason_of``); ``message`` and ``str()`` are the English text, the latter
    with the place (:meth:`location`). ``element`` and ``line`` say where, when known.
    """

    def __init__(
        self,
        template: str,
        params: dict | None = None,
        element: str | None = None,
        line: int | None = None,
    ):
        self.template = template
        self.params = dict(params) if params else {}
        self.element = element
        self.line = line or None
        self.undiagnosed = False  # told from a stream's report alone (see _syntax_error)
        super().__init__(template, self.params, element, self.line)

    @property
    def message(self) -> str:
        return self.template % self.params if self.params else self.template

    def location(self) -> tuple[str, dict] | None:
        """Where in the file, as a template and its params (``None`` when unknown)."""
        if self.element and self.line:
            return _("element %(element)s, line %(line)s"), {"element": self.element, "line": self.line}
        if self.element:
            return _("element %(element)s"), {"element": self.element}
        if self.line:
            return _("line %(line)s"), {"line": self.line}
        return None

    def __str__(self) -> str:
        where = self.location()
        return f"{self.message} ({where[0] % where[1]})" if where else self.message


class Camt053Fx(NamedTuple):
    """A transaction's amount in another currency than its entry's (``AmtDtls``: ``TxAmt``,
    ``InstdAmt`` or ``CntrValAmt``), with the exchange the bank gave (``CcyXchg``), if any.

    Kept as information: it is never booked, split or compared with the entry's amount.
    """

    amount: Decimal  # as the bank gave it (up to five decimals, as ISO 20022 allows)
    currency: str
    rate: Decimal | None = None  # XchgRate
    source_currency: str | None = None  # SrcCcy
    target_currency: str | None = None  # TrgtCcy


class Camt053Tx(NamedTuple):
    """One ``TxDtls``: one payment inside a (possibly batched) entry.

    Entries and their transactions are named tuples, immutable like the frozen dataclasses
    they were and made several times faster: a 100,000-entry file builds 210,000 of them.
    """

    amount: Decimal | None  # in the entry's currency; None: a batch's payment given only in another
    credit_debit: str
    end_to_end_id: str | None
    kids: tuple[str, ...]  # every Strd/CdtrRefInf/Ref: one payment may cover several invoices
    unstructured: str | None
    acct_svcr_ref: str | None
    counterparty_name: str | None
    counterparty_account: str | None
    charges: Decimal = ZERO  # Σ Chrgs/Amt in the entry's currency
    foreign: Camt053Fx | None = None
    additional_info: str | None = None  # AddtlTxInf

    @property
    def kid(self) -> str | None:
        """The first structured reference (KID), or None."""
        return self.kids[0] if self.kids else None

    @property
    def signed_amount(self) -> Decimal | None:
        if self.amount is None:
            return None
        return self.amount if self.credit_debit == "CRDT" else -self.amount


class Camt053Entry(NamedTuple):
    """One ``Ntry``: one booking on the account."""

    index: int  # 0-based position within its statement
    amount: Decimal  # positive, as in the file
    credit_debit: str  # "CRDT" | "DBIT": the direction of this booking
    signed_amount: Decimal  # + credit, − debit: what it does to the balance
    reversal: bool
    status: str  # BOOK | PDNG | INFO
    booking_date: date
    value_date: date | None
    acct_svcr_ref: str | None
    bank_tx_code: str  # "Domn/Fmly/SubFmly", e.g. "PMNT/RCDT/ESCT", or ""
    bank_tx_proprietary: str | None  # BkTxCd/Prtry/Cd
    additional_info: str | None
    is_charge: bool
    transactions: tuple[Camt053Tx, ...]
    line: int
    currency: str = "NOK"
    charges: Decimal = ZERO  # Σ signed tx amounts − signed_amount (positive = a fee the bank took)

    @property
    def original_credit_debit(self) -> str | None:
        """For a reversal, the direction of the booking it undoes (ISO 20022: the opposite)."""
        if not self.reversal:
            return None
        return "DBIT" if self.credit_debit == "CRDT" else "CRDT"

    @property
    def end_to_end_ids(self) -> tuple[str, ...]:
        return tuple(tx.end_to_end_id for tx in self.transactions if tx.end_to_end_id)

    @property
    def kids(self) -> tuple[str, ...]:
        return tuple(kid for tx in self.transactions for kid in tx.kids)

    @property
    def unstructured(self) -> tuple[str, ...]:
        return tuple(tx.unstructured for tx in self.transactions if tx.unstructured)


@dataclass(frozen=True, slots=True)
class Camt053Statement:
    """One ``Stmt``: usually one account and one day. ``entries`` is empty from :func:`iter_camt053`."""

    statement_id: str
    electronic_seq_nb: int | None
    created_at: datetime | None
    from_date: date | None
    to_date: date | None
    account: str
    currency: str
    opening_balance: Decimal
    closing_balance: Decimal
    opening_balance_date: date | None
    closing_balance_date: date | None
    balance_types_used: tuple[str, str]
    entries: tuple[Camt053Entry, ...] = ()
    message_id: str | None = None
    line: int = 0
    iban: str | None = None


# --- the input --------------------------------------------------------------------------


# XML whitespace, and the NUL bytes of its UTF-16 forms: a read of nothing else cannot end a document.
_BLANK_BYTES = b" \t\r\n\x00"


class _BoundedReader:
    """A file object for iterparse that refuses to read past ``limit`` bytes.

    Counting as we read (rather than trusting a stat) also bounds pipes and uploads whose
    size is unknown, and lets us look at the first bytes for a ``DOCTYPE`` before libxml2
    parses its internal subset at all.
    """

    TAIL = 4096  # bytes kept from the end: the root's end tag and what may follow it

    def __init__(self, raw: BinaryIO, limit: int):
        self._raw = raw
        self._limit = limit
        self._read = 0
        self._head = True
        self.head = b""  # the first bytes read: the root's start tag is in them
        self.tail = b""  # the last TAIL bytes read so far
        self.at_eof = False  # the source said it has nothing more

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            size = 64 * 1024
        chunk = self._raw.read(min(size, self._limit - self._read + 1))
        if not isinstance(chunk, bytes | bytearray):
            raise CamtParseError(_("The statement must be given as bytes, not text."))
        self._read += len(chunk)
        if self._read > self._limit:
            raise CamtParseError(
                _("The file is larger than the limit of %(limit)s bytes and was not read."),
                {"limit": f"{self._limit:,}"},
            )
        chunk = bytes(chunk)
        if self._head:
            self._head = False
            self.head = chunk[:65536]
            _refuse_doctype(chunk[:4096])
        # Once per read of 32 KB, not per element: what proves the file ended (ends_the_document).
        if not chunk:
            self.at_eof = True
        else:
            # Whitespace after the root may be of any length: the tail keeps what came before it
            # (and up to 4 bytes of it, so a UTF-16/32 character is never cut in half).
            content = len(chunk.rstrip(_BLANK_BYTES))
            if content:
                kept = chunk[: content + 4]
                self.tail = kept[-self.TAIL :] if len(kept) >= self.TAIL else (self.tail + kept)[-self.TAIL :]
        return chunk

    def root(self):
        """The root element as the first bytes start it (``None`` if they do not): what a
        parse that stopped before its first event (a schema that knows no such root, a file cut
        short) did not show."""
        parser = etree.XMLPullParser(
            events=("start",), resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
        )
        with contextlib.suppress(etree.LxmlError):
            parser.feed(self.head)
        with contextlib.suppress(etree.LxmlError):
            for _event, element in parser.read_events():
                return element
        return None

    def ends_the_document(self, root) -> bool:
        """Whether the file was read to its end and its last bytes close ``root``.

        What proves a file whole is its bytes, not the parser's events: lxml 6.2's validating
        iterparse, given a file cut in the middle, ends quietly and even reports the end of
        every element still open (Document included), where 6.0/6.1 raised. After the root's
        end tag XML allows only whitespace, comments and processing instructions, so the last
        bytes must be the root's end tag (``</Document>``, with the root's prefix if it has
        one) and such trailing matter, nothing else.
        """
        if not self.at_eof or root is None:
            return False
        encoding = (root.getroottree().docinfo.encoding or "UTF-8").upper()
        if encoding in ("UTF-16", "UTF-32", "UCS-2", "UCS-4"):
            # Named without a byte order: the BOM says which (libxml2 read it, so it is there).
            width = "16" if encoding in ("UTF-16", "UCS-2") else "32"
            marks = (b"\xfe\xff", b"\x00<") if width == "16" else (b"\x00\x00\xfe\xff", b"\x00\x00\x00<")
            big = self.head.startswith(marks)
            encoding = f"UTF-{width}-{'BE' if big else 'LE'}"
        try:
            text = self.tail.decode(encoding, "replace")
        except LookupError:  # a charset Python does not know: its markup is ASCII-compatible
            text = self.tail.decode("latin-1")
        name = f"{root.prefix}:" if root.prefix else ""
        name += etree.QName(root).localname
        return re.search(_END_OF_DOCUMENT.replace("NAME", re.escape(name)), text, re.DOTALL) is not None


# The root's end tag, then only whitespace, comments and processing instructions to the end.
_END_OF_DOCUMENT = r"</NAME\s*>(?:\s|<!--(?:(?!-->).)*-->|<\?(?:(?!\?>).)*\?>)*\Z"


def _refuse_doctype(head: bytes) -> None:
    # A bank statement has no DTD. A DOCTYPE is how entity bombs (billion laughs) and external
    # entities (file:///etc/passwd) get in, so it is refused before libxml2 reads it. One
    # hidden further in (after a long comment) is caught when the root starts (docinfo, see
    # _check_root); by then nothing was expanded or fetched, as the parser options forbid it.
    probe = head.replace(b"\x00", b"").upper()
    if b"<!DOCTYPE" in probe or b"<!ENTITY" in probe:
        raise CamtParseError(
            _("The file contains a DOCTYPE/entity declaration, which a bank statement never has."),
            element="DOCTYPE",
            line=1,
        )


def _open(source) -> tuple[BinaryIO, bool]:
    """A binary file object for ``source`` (bytes, a path, or a binary file object) and whether we opened it."""
    if isinstance(source, bytes | bytearray | memoryview):
        return io.BytesIO(bytes(source)), True
    if isinstance(source, str | os.PathLike):
        try:
            return open(source, "rb"), True
        except OSError as exc:
            raise CamtParseError(_("Cannot read the file: %(error)s"), {"error": exc.strerror}) from exc
    if hasattr(source, "read"):
        return source, False
    raise CamtParseError(_("Cannot read a statement from a %(type)s."), {"type": type(source).__name__})


# --- small readers over an element ------------------------------------------------------


def _local(tag) -> str:
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _text(element, path: str) -> str | None:
    found = element.find(path)
    if found is None or found.text is None:
        return None
    text = found.text.strip()
    return text or None


def _required(element, path: str, what: str) -> etree._Element:
    found = element.find(path)
    if found is None:
        raise _missing(what, _local(element.tag), element.sourceline)
    return found


def _missing(what: str, parent: str, line: int | None) -> CamtParseError:
    return CamtParseError(
        _("Missing mandatory element %(element)s in %(parent)s."),
        {"element": what, "parent": parent},
        what,
        line,
    )


def _amount(element, what: str) -> Decimal:
    text = (element.text or "").strip()
    if _AMOUNT_RE.fullmatch(text):
        return Decimal(text)
    found = _DECIMAL_RE.fullmatch(text)
    if found is not None and (found.group(1) or found.group(2)):
        whole = found.group(1).lstrip("0") or "0"
        decimals = (found.group(2) or "").rstrip("0")
        if len(decimals) <= 2 and len(whole) <= 18:
            return Decimal(f"{whole}.{decimals:0<2}")  # by value, to the øre
        if len(decimals) > 2:
            template = _("%(what)s %(value)s has more than two decimals (only zeros may follow the second).")
        else:
            template = _("%(what)s %(value)s is not an amount.")
    elif text.startswith("-"):
        template = _("%(what)s %(value)s is negative (the sign belongs in CdtDbtInd).")
    else:
        template = _("%(what)s %(value)s is not an amount.")
    raise CamtParseError(template, {"what": what, "value": repr(text)}, what, element.sourceline)


def _credit_debit(element, parent_what: str) -> str:
    found = element.find(_NS + "CdtDbtInd")
    value = found.text.strip() if found is not None and found.text else None
    if value not in ("CRDT", "DBIT"):
        if found is None:
            raise _missing("CdtDbtInd", parent_what, element.sourceline)
        raise CamtParseError(
            _("CdtDbtInd must be CRDT or DBIT, not %(value)s."),
            {"value": repr(value)},
            "CdtDbtInd",
            found.sourceline,
        )
    return value


def _date_choice(element, what: str) -> date:
    """A ``DateAndDateTimeChoice``: ``Dt`` or ``DtTm`` (the latter as an Oslo business date)."""
    for child in element:
        tag = child.tag
        text = (child.text or "").strip()
        try:
            if tag == _T_DT:
                # xs:date may carry a zone suffix; the calendar date is what the bank booked.
                return date.fromisoformat(text[:10])
            if tag == _T_DTTM:
                return _business_date(datetime.fromisoformat(text))
        except ValueError:
            name = _local(tag)
            raise CamtParseError(
                _("%(what)s %(value)s is not a valid date."),
                {"what": f"{what}/{name}", "value": repr(text)},
                f"{what}/{name}",
                child.sourceline,
            ) from None
    raise CamtParseError(_("%(what)s has neither Dt nor DtTm."), {"what": what}, what, element.sourceline)


def _business_date(moment: datetime | None) -> date | None:
    """The Norwegian business date of a moment: with an offset (``Z``, ``+02:00``) it is turned
    into Europe/Oslo time; without one it is taken as Oslo time already. One rule for every
    date a bank file gives (issue 20 item 10): 22:30 UTC on the 4th is the 5th in Oslo."""
    if moment is None:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(OSLO)
    return moment.date()


def _datetime(text: str | None, what: str, line: int | None) -> datetime | None:
    if text is None:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise CamtParseError(
            _("%(what)s %(value)s is not a valid date and time."),
            {"what": what, "value": repr(text)},
            what,
            line,
        ) from None


def _account_id(acct, what: str) -> tuple[str, str | None]:
    """(BBAN or foreign IBAN, IBAN or None) from a ``CashAccount`` element's ``Id``."""
    iban = other_id = None
    # CashAccount/Id holds either IBAN or Othr (whose first child is Id); the container Id
    # itself has no text, so the first Id or IBAN with text is the account.
    for found in acct.iter(_T_IBAN, _T_ID):
        text = (found.text or "").strip()
        if not text:
            continue
        if found.tag == _T_IBAN:
            iban = text
        else:
            other_id = text
        break
    if iban is not None:
        compact = iban.replace(" ", "").upper()
        # NOkk + 11 digits: the BBAN is the last 11 (ISO 13616, Norwegian format).
        if compact.startswith("NO") and len(compact) == 15 and compact[2:].isdigit():
            return compact[4:], compact
        return compact, compact
    if other_id is None:
        raise CamtParseError(
            _("%(what)s has neither IBAN nor Othr/Id."), {"what": what}, f"{what}/Id", acct.sourceline
        )
    if other_id.isdigit():
        return other_id, None
    digits = re.sub(r"[ .\-]", "", other_id)  # "8601.11.17947" as some banks print it
    return (digits if digits.isdigit() else other_id), None


# --- the statement header ---------------------------------------------------------------


def _statement_header(stmt, message_id: str | None) -> Camt053Statement:
    statement_id = _text(stmt, _NS + "Id")
    if statement_id is None:
        raise _missing("Id", "Stmt", stmt.sourceline)
    seq_text = _text(stmt, _NS + "ElctrncSeqNb")
    # ASCII digits (str.isdigit also passes "²", which int() refuses) of at most 18 significant
    # digits, as the XSD's Number allows; the column is a bigint.
    if seq_text is not None and not (
        seq_text.isascii() and seq_text.isdigit() and len(seq_text.lstrip("0")) <= 18
    ):
        raise CamtParseError(
            _("ElctrncSeqNb %(value)s is not a number."),
            {"value": repr(seq_text)},
            "ElctrncSeqNb",
            stmt.sourceline,
        )
    created_at = _datetime(_text(stmt, _NS + "CreDtTm"), "Stmt/CreDtTm", stmt.sourceline)
    from_at = _datetime(_text(stmt, f"{_NS}FrToDt/{_NS}FrDtTm"), "FrToDt/FrDtTm", stmt.sourceline)
    to_at = _datetime(_text(stmt, f"{_NS}FrToDt/{_NS}ToDtTm"), "FrToDt/ToDtTm", stmt.sourceline)

    acct = _required(stmt, _NS + "Acct", "Acct")
    account, iban = _account_id(acct, "Acct")
    currency = _text(acct, _NS + "Ccy")

    opening: dict[str, tuple[Decimal, date, str, str | None, int | None]] = {}
    closing: dict[str, tuple[Decimal, date, str, str | None, int | None]] = {}
    for bal in stmt.iterchildren(_NS + "Bal"):
        code = _text(bal, f"{_NS}Tp/{_NS}CdOrPrtry/{_NS}Cd") or _text(
            bal, f"{_NS}Tp/{_NS}CdOrPrtry/{_NS}Prtry"
        )
        amt = _required(bal, _NS + "Amt", "Bal/Amt")
        amount = _amount(amt, "Bal/Amt")
        if _credit_debit(bal, "Bal") == "DBIT":
            amount = -amount  # an overdrawn account
        when = _date_choice(_required(bal, _NS + "Dt", "Bal/Dt"), "Bal/Dt")
        ccy = amt.get("Ccy")
        if currency is None:
            currency = ccy
        found = (amount, when, code, ccy, amt.sourceline)
        if code in ("OPBD", "PRCD"):
            opening.setdefault(code, found)
        elif code == "CLBD":
            closing.setdefault(code, found)
        elif code == "ITBD" and ("ITBD" not in closing or when >= closing["ITBD"][1]):
            closing["ITBD"] = found  # several intraday balances: the latest one
    open_bal = opening.get("OPBD") or opening.get("PRCD")
    close_bal = closing.get("CLBD") or closing.get("ITBD")
    if open_bal is None or close_bal is None:
        # Both are needed to tell whether the entries add up (RELIABILITY row 6).
        template = (
            _("Statement %(id)s has no opening balance (OPBD or PRCD).")
            if open_bal is None
            else _("Statement %(id)s has no closing balance (CLBD or ITBD).")
        )
        raise CamtParseError(template, {"id": statement_id}, "Bal", stmt.sourceline)
    for balance, template in (
        (
            open_bal,
            _(
                "Statement %(id)s gives its opening balance in %(ccy)s, but its account is kept in %(account_ccy)s."
            ),
        ),
        (
            close_bal,
            _(
                "Statement %(id)s gives its closing balance in %(ccy)s, but its account is kept in %(account_ccy)s."
            ),
        ),
    ):
        # A balance in another currency cannot be compared with the entries (genkgo's files
        # give a SEK closing balance on a EUR account): it is not read as the account's.
        if balance[3] is not None and balance[3] != currency:
            params = {"id": statement_id, "ccy": balance[3], "account_ccy": currency}
            raise CamtParseError(template, params, "Bal/Amt", balance[4])

    return Camt053Statement(
        statement_id=statement_id,
        electronic_seq_nb=int(seq_text) if seq_text is not None else None,
        created_at=created_at,
        from_date=_business_date(from_at),
        to_date=_business_date(to_at),
        account=account,
        currency=currency or "NOK",
        opening_balance=open_bal[0],
        closing_balance=close_bal[0],
        opening_balance_date=open_bal[1],
        closing_balance_date=close_bal[1],
        balance_types_used=(open_bal[2], close_bal[2]),
        message_id=message_id,
        line=stmt.sourceline or 0,
        iban=iban,
    )


# --- one entry --------------------------------------------------------------------------


# Qualified tags the entry readers compare each child's tag with (one comparison of
# interned strings per child, instead of a dict of the children per element).
_E_AMT, _E_CDTDBT, _E_RVSL, _E_STS, _E_BOOKG, _E_VALDT, _E_ACCTSVCRREF, _E_BKTXCD, _E_ADDTL, _E_DTLS = (
    _Q[name]
    for name in (
        "Amt",
        "CdtDbtInd",
        "RvslInd",
        "Sts",
        "BookgDt",
        "ValDt",
        "AcctSvcrRef",
        "BkTxCd",
        "AddtlNtryInf",
        "NtryDtls",
    )
)
_X_REFS, _X_AMTDTLS, _X_RLTDPTIES, _X_RMTINF, _X_TXAMT, _X_INSTDAMT, _X_E2E, _X_ADDTL = (
    _Q[name]
    for name in ("Refs", "AmtDtls", "RltdPties", "RmtInf", "TxAmt", "InstdAmt", "EndToEndId", "AddtlTxInf")
)
# AmtDtls's amounts, in the order one in the entry's currency is taken: what was booked for the
# transaction, what was instructed, the counter value (ISO 20022 AmountAndCurrencyExchange3).
_AMOUNT_DETAILS = {
    _X_TXAMT: (0, "TxDtls/AmtDtls/TxAmt/Amt"),
    _X_INSTDAMT: (1, "TxDtls/AmtDtls/InstdAmt/Amt"),
    _Q["CntrValAmt"]: (2, "TxDtls/AmtDtls/CntrValAmt/Amt"),
}
_X_CCYXCHG = _Q["CcyXchg"]
_XCHG_RATE, _XCHG_SRC, _XCHG_TRGT = _Q["XchgRate"], _Q["SrcCcy"], _Q["TrgtCcy"]
_FOREIGN_AMOUNT_RE = re.compile(r"[0-9]{1,18}(?:\.[0-9]{1,5})?")  # ActiveOrHistoricCurrencyAndAmount
_RATE_RE = re.compile(r"[0-9]{1,11}(?:\.[0-9]{1,10})?")  # BaseOneRate
# The counterparty is the payer of a credit and the payee of a debit: (party, its account).
_PARTY = {
    "CRDT": (_Q["Dbtr"], _Q["DbtrAcct"], "RltdPties/DbtrAcct"),
    "DBIT": (_Q["Cdtr"], _Q["CdtrAcct"], "RltdPties/CdtrAcct"),
}


def _amount_text(element, what: str) -> str:
    """:func:`_amount` as its text (the usual case, digits only, checked once, no Decimal made)."""
    text = element.text
    if text is not None and _AMOUNT_RE.fullmatch(text):
        return text
    return str(_amount(element, what))


def _date_of(element, what: str) -> date:
    """:func:`_date_choice`, with the usual case (a plain ``Dt``) read directly."""
    for child in element:
        if child.tag == _T_DT:
            text = child.text
            if text is not None and len(text) == 10:
                with contextlib.suppress(ValueError):
                    return date.fromisoformat(text)
        break
    return _date_choice(element, what)


_ORDINALS: dict[str, int] = {}  # a plain Dt's text → its day's ordinal: a file has few distinct days


def _day_of(element, what: str) -> int:
    """:func:`_date_of` as the day's ordinal; a plain ``Dt`` seen before costs a dict look-up."""
    for child in element:
        if child.tag == _T_DT:
            text = child.text
            found = _ORDINALS.get(text)
            if found is not None:
                return found
            day = _date_of(element, what).toordinal()
            if text is not None and len(text) == 10:
                if len(_ORDINALS) >= 4096:  # bounded, whatever a file holds
                    _ORDINALS.clear()
                _ORDINALS[text] = day
            return day
        break
    return _date_of(element, what).toordinal()


def _clean(text: str | None) -> str | None:
    return (text.strip() or None) if text is not None else None


def _foreign_amount(element, what: str) -> str:
    """An amount in another currency, as text: up to five decimals (a yen or dinar amount is
    no NOK amount, so the two-decimal rule does not apply), never negative."""
    text = (element.text or "").strip()
    if not _FOREIGN_AMOUNT_RE.fullmatch(text):
        raise CamtParseError(
            _("%(what)s %(value)s is not an amount."),
            {"what": what, "value": repr(text)},
            what,
            element.sourceline,
        )
    return text


def _exchange(xchg) -> tuple[str | None, str | None, str | None]:
    """(XchgRate as text, SrcCcy, TrgtCcy) of a ``CcyXchg``."""
    rate = source = target = None
    for part in xchg:
        tag = part.tag
        if tag == _XCHG_RATE:
            rate = (part.text or "").strip()
            if not _RATE_RE.fullmatch(rate):
                raise CamtParseError(
                    _("%(what)s %(value)s is not an exchange rate."),
                    {"what": "CcyXchg/XchgRate", "value": repr(rate)},
                    "CcyXchg/XchgRate",
                    part.sourceline,
                )
        elif tag == _XCHG_SRC:
            source = _clean(part.text)
        elif tag == _XCHG_TRGT:
            target = _clean(part.text)
    return rate, source, target


def _amount_details(amt_dtls, currency: str | None, single_amount: str | None) -> tuple:
    """(amount in the entry's currency as text or None, the foreign wire tuple or None).

    Only an amount in the entry's currency (or without one) can split a batch or show
    charges; the first other one is kept, with the exchange rate, as information. For the one
    transaction of an entry, a stated amount equal to the entry's is the transaction's (a bank
    may add others: a Swiss file gives InstdAmt 4500.00 and TxAmt 0.04 for 4500.00 booked).
    """
    own: list[tuple[int, str]] = []
    foreign = exchange = None
    for part in amt_dtls:
        known = _AMOUNT_DETAILS.get(part.tag)
        if known is None:
            continue
        amt = xchg = None
        for sub in part:
            if sub.tag == _T_AMT:
                amt = sub
            elif sub.tag == _X_CCYXCHG:
                xchg = sub
        if amt is None:
            continue
        ccy = amt.get("Ccy")
        if ccy is None or ccy == currency:
            own.append((known[0], _amount_text(amt, known[1])))
        elif foreign is None or known[0] < foreign[0]:
            foreign = (known[0], _foreign_amount(amt, known[1]), ccy, xchg)
        if xchg is not None and exchange is None:
            exchange = xchg
    amount = None
    if own:
        if len(own) > 1:
            own.sort()
            if single_amount is not None:
                wanted = Decimal(single_amount)
                if any(Decimal(text) == wanted for _rank, text in own):
                    return single_amount, _fx_wire(foreign, exchange)
        amount = own[0][1]
    return amount, _fx_wire(foreign, exchange)


def _fx_wire(foreign, exchange) -> tuple | None:
    if foreign is None:
        return None
    xchg = foreign[3] if foreign[3] is not None else exchange
    rate, source, target = _exchange(xchg) if xchg is not None else (None, None, None)
    return (foreign[1], foreign[2], rate, source, target)


def _tx_wire(txd, credit_debit: str, entry_amount: str, single: bool, currency: str | None) -> tuple:
    """One ``TxDtls`` as its wire tuple (see :func:`_entry_wire`): the amount and charges as
    text, the rest as :class:`Camt053Tx` holds it."""
    # One pass over the children (this runs for each of 100,000 entries' transactions).
    amt = amt_dtls = rmt = parties = refs = additional = None
    has_charges = False
    for child in txd:
        tag = child.tag
        if tag == _X_REFS:
            refs = child
        elif tag == _X_AMTDTLS:
            amt_dtls = child
        elif tag == _X_RLTDPTIES:
            parties = child
        elif tag == _X_RMTINF:
            rmt = child
        elif tag == _T_CHRGS:
            has_charges = True
        elif tag == _T_AMT:
            amt = child
        elif tag == _X_ADDTL:
            additional = child.text
    amount = fx = None
    if amt_dtls is not None:
        amount, fx = _amount_details(amt_dtls, currency, entry_amount if single else None)
    if amount is None and amt is not None:  # TxDtls/Amt: later versions of the message
        ccy = amt.get("Ccy")
        if ccy is None or ccy == currency:
            amount = _amount_text(amt, "TxDtls/Amt")
        elif fx is None:
            fx = (_foreign_amount(amt, "TxDtls/Amt"), ccy, None, None, None)
    if amount is None:
        if single:
            # The entry's one transaction, in the entry's currency, is the entry's amount,
            # whatever other currency it was instructed in.
            amount = entry_amount
        elif fx is None:
            raise CamtParseError(
                _("A batch entry's TxDtls has no amount (AmtDtls/TxAmt/Amt), so it cannot be split."),
                element="TxDtls/AmtDtls",
                line=txd.sourceline,
            )
        # else: a batch's payment known only in another currency: no amount to split by
    charges = None
    if has_charges:
        # A charge is what Chrgs says, in the entry's currency (one in another is not summed
        # with it).
        total = ZERO
        for chrg in txd.iterchildren(_T_CHRGS):
            for found in chrg.iterchildren(_T_AMT):
                ccy = found.get("Ccy")
                if ccy is None or ccy == currency:
                    total += _amount(found, "Chrgs/Amt")
        charges = str(total)

    kids: tuple[str, ...] = ()
    unstructured = []
    if rmt is not None:
        # RmtInf holds Ustrd lines and Strd blocks; in Strd the only Ref is CdtrRefInf/Ref (KID),
        # one per Strd: a payment covering several invoices gives each its own.
        found_kids = []
        for found in rmt.iter(_T_USTRD, _T_REF):
            text = (found.text or "").strip()
            if not text:
                continue
            if found.tag == _T_USTRD:
                unstructured.append(text)
            else:
                found_kids.append(text)
        if found_kids:
            kids = tuple(found_kids) if len(found_kids) == 1 else tuple(dict.fromkeys(found_kids))

    counterparty_name = counterparty_account = None
    if parties is not None:
        party, party_account, what = _PARTY[credit_debit]
        for part in parties:
            tag = part.tag
            if tag == party:
                for nm in part.iterchildren(_T_NM):
                    counterparty_name = (nm.text or "").strip() or None
            elif tag == party_account:
                # The last one wins, as for every repeated element (the XSD allows one).
                counterparty_account = part
        if counterparty_account is not None:
            counterparty_account = _account_id(counterparty_account, what)[0]

    end_to_end_id = tx_ref = None
    if refs is not None:
        for ref in refs:
            tag = ref.tag
            if tag == _X_E2E:
                end_to_end_id = ref.text
            elif tag == _E_ACCTSVCRREF:
                tx_ref = ref.text
        end_to_end_id, tx_ref = _clean(end_to_end_id), _clean(tx_ref)

    return (
        amount,
        credit_debit,
        end_to_end_id,
        kids,
        " ".join(unstructured) or None,
        tx_ref,
        counterparty_name,
        counterparty_account,
        charges,
        fx,
        _clean(additional),
    )


def _entry(ntry, index: int) -> Camt053Entry:
    return _from_wire(_entry_wire(ntry, index))


def _entry_wire(ntry, index: int) -> tuple:
    """One ``Ntry`` as plain values for ``marshal``, read and checked as :class:`Camt053Entry`
    says: amounts as their text, dates as ordinals, charges as text or None for none.

    The parsing process sends this as it is; :func:`_from_wire` makes the entry of it. No
    Decimal or date is made here for what only travels (the parse is the import's bottleneck).
    """
    # One pass over the entry's children, each compared with the tags read below; a repeated
    # element (the XSD allows none of these twice) counts by its last occurrence.
    amt = booking = value = btc = details = None
    credit_debit = reversal = status = acct_svcr_ref = additional = None
    for child in ntry:
        tag = child.tag
        if tag == _E_AMT:
            amt = child
        elif tag == _E_CDTDBT:
            credit_debit = child.text
        elif tag == _E_STS:
            status = child.text
        elif tag == _E_BOOKG:
            booking = child
        elif tag == _E_VALDT:
            value = child
        elif tag == _E_ACCTSVCRREF:
            acct_svcr_ref = child.text
        elif tag == _E_BKTXCD:
            btc = child
        elif tag == _E_DTLS:
            details = child
        elif tag == _E_RVSL:
            reversal = child.text
        elif tag == _E_ADDTL:
            additional = child.text
    if amt is None:
        raise _missing("Ntry/Amt", "Ntry", ntry.sourceline)
    amount = _amount_text(amt, "Ntry/Amt")
    if credit_debit != "CRDT" and credit_debit != "DBIT":
        credit_debit = _clean(credit_debit)
        if credit_debit not in ("CRDT", "DBIT"):
            _credit_debit(ntry, "Ntry")  # raises with the right message
    if booking is None:
        raise _missing("Ntry/BookgDt", "Ntry", ntry.sourceline)
    booking_day = _day_of(booking, "BookgDt")
    value_day = _day_of(value, "ValDt") if value is not None else None
    reversal = (_clean(reversal) or "false").lower() in ("true", "1")

    bank_tx_code = ""
    subfamily = proprietary = None
    if btc is not None:
        domain_code = family_code = None
        # BkTxCd is Domn(Cd, Fmly(Cd, SubFmlyCd)) and Prtry(Cd, Issr).
        for part in btc:
            if part.tag == _T_DOMN:
                for sub in part:
                    if sub.tag == _T_CD:
                        domain_code = (sub.text or "").strip() or None
                    elif sub.tag == _T_FMLY:
                        for leaf in sub:
                            if leaf.tag == _T_CD:
                                family_code = (leaf.text or "").strip() or None
                            elif leaf.tag == _T_SUBFMLYCD:
                                subfamily = (leaf.text or "").strip() or None
            elif part.tag == _T_PRTRY:
                for sub in part:
                    if sub.tag == _T_CD:
                        proprietary = (sub.text or "").strip() or None
        if domain_code or family_code or subfamily:
            bank_tx_code = f"{domain_code or ''}/{family_code or ''}/{subfamily or ''}"

    currency = amt.get("Ccy")
    charges = None
    if details is not None:
        txds = list(details.iterchildren(_T_TXDTLS))
        single = len(txds) == 1
        transactions = tuple([_tx_wire(txd, credit_debit, amount, single, currency) for txd in txds])
        if transactions:
            # Σ signed tx amounts − the entry's signed amount: zero, the usual case, when one
            # transaction carries the entry's own amount.
            if single and transactions[0][0] == amount:
                charges = "0.00"
            elif any(tx[0] is None for tx in transactions):
                # Some payments are known only in another currency: the split, and so any
                # charges, cannot be told in the entry's currency. None is guessed.
                charges = "0.00"
            else:  # signed as Camt053Tx.signed_amount signs them (unary minus: never −0.00)
                debit = credit_debit != "CRDT"
                signed = [-Decimal(tx[0]) if debit else Decimal(tx[0]) for tx in transactions]
                charges = str(sum(signed, ZERO) - (-Decimal(amount) if debit else Decimal(amount)))
    else:
        transactions = ()

    return (
        index,
        amount,
        credit_debit,
        reversal,
        _clean(status) or "BOOK",
        booking_day,
        value_day,
        _clean(acct_svcr_ref),
        bank_tx_code,
        proprietary,
        _clean(additional),
        subfamily in CHARGE_SUBFAMILIES,
        transactions,
        ntry.sourceline or 0,
        currency or "NOK",
        charges,
    )


# --- the stream -------------------------------------------------------------------------


def _check_root(root) -> None:
    docinfo = root.getroottree().docinfo
    if docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise CamtParseError(
            _("The file contains a DOCTYPE/entity declaration, which a bank statement never has."),
            element="DOCTYPE",
            line=1,
        )
    qname = etree.QName(root)
    if qname.namespace == NS_CAMT053 and qname.localname == "Document":
        return
    raise _wrong_message(qname.namespace, qname.localname, root.sourceline)


def _wrong_message(namespace: str | None, localname: str, line: int | None) -> CamtParseError:
    known = _OTHER_MESSAGE_RE.fullmatch(namespace or "")
    if known:
        template, params = _OTHER_MESSAGES[known.group(2)], {"version": known.group(1)}
    elif namespace:
        template = _("This is a document in namespace %(namespace)s, not a camt.053.001.02 bank statement.")
        params = {"namespace": namespace}
    else:
        template = _(
            "This is an XML document with root element <%(root)s> and no namespace, "
            "not a camt.053.001.02 bank statement."
        )
        params = {"root": localname}
    return CamtParseError(template, params, localname, line)


def iter_camt053(
    source, *, max_bytes: int = DEFAULT_MAX_BYTES, validate: bool = True, wire: bool = False
) -> Iterator[Camt053Statement | Camt053Entry]:
    """Stream a camt.053.001.02 file: each statement's header (``entries=()``), then its entries.

    ``source`` is bytes, a path, or a binary file object. The header comes before its entries
    because the XSD puts ``Acct`` and ``Bal`` before ``Ntry``; a statement without entries is
    yielded on its own. Memory stays flat: one ``Ntry`` subtree at a time. Raises
    :class:`CamtParseError` and nothing else for a bad file; the error may come after some
    items were yielded, so an importer must treat the file as a whole (one transaction).
    ``wire=True`` yields each entry as its :func:`_entry_wire` tuple instead (the parsing
    process's form, for :class:`ParseProcess`).
    """
    raw, opened = _open(source)
    reread = _rereader(source, raw)
    yield from _guarded(_iterate(_BoundedReader(raw, max_bytes), validate, wire, reread), raw, opened)


def _guarded(items, raw, opened: bool):
    """``items`` with every way a file can be bad turned into :class:`CamtParseError` (what
    libxml2 refuses is turned into it where the parse runs, in :func:`_iterate`)."""
    try:
        yield from items
    except (etree.LxmlError, UnicodeError, LookupError) as exc:
        raise CamtParseError(_("The file cannot be read as XML: %(error)s"), {"error": str(exc)}) from None
    finally:
        if opened:
            raw.close()


def _rereader(source, raw) -> Callable[[], bytes | None]:
    """How to read the file once more, whole, to say where a schema error is (see
    :func:`_diagnosed`): its bytes, its path, or a seekable file from where it started; a pipe
    cannot be read twice (its reader, :class:`ParseProcess`, locates the error itself)."""
    if isinstance(source, bytes | bytearray | memoryview):
        return lambda: bytes(source) if len(source) <= LOCATE_BYTES else None
    if isinstance(source, str | os.PathLike):

        def from_path() -> bytes | None:
            with contextlib.suppress(OSError), open(source, "rb") as handle:
                data = handle.read(LOCATE_BYTES + 1)
                return data if len(data) <= LOCATE_BYTES else None
            return None

        return from_path
    start = None
    with contextlib.suppress(AttributeError, OSError, ValueError):
        if raw.seekable():
            start = raw.tell()
    if start is None:
        return lambda: None

    def from_file() -> bytes | None:
        try:
            raw.seek(start)
            data = raw.read(LOCATE_BYTES + 1)
        except (OSError, ValueError):
            return None
        return data if isinstance(data, bytes) and len(data) <= LOCATE_BYTES else None

    return from_file


# What broke the schema, by libxml2's error type (numbers, stable across versions; never by
# the wording of its message), worded for a person; the message itself follows as the detail.
_SCHEMA_RULES: dict[int, str] = {}
for _names, _template in (
    (
        ("SCHEMAV_ELEMENT_CONTENT",),
        _(
            "The file does not match the camt.053.001.02 schema: element %(element)s is not allowed where "
            "it is, or an element the schema requires is missing there (%(detail)s)."
        ),
    ),
    (
        ("SCHEMAV_CVC_MINLENGTH_VALID",),
        _(
            "The file does not match the camt.053.001.02 schema: element %(element)s is shorter than the "
            "schema allows, or empty (%(detail)s)."
        ),
    ),
    (
        ("SCHEMAV_CVC_MAXLENGTH_VALID", "SCHEMAV_CVC_LENGTH_VALID"),
        _(
            "The file does not match the camt.053.001.02 schema: element %(element)s is longer or shorter "
            "than the schema allows (%(detail)s)."
        ),
    ),
    (
        ("SCHEMAV_CVC_PATTERN_VALID",),
        _(
            "The file does not match the camt.053.001.02 schema: the value of element %(element)s does not "
            "have the form the schema requires (%(detail)s)."
        ),
    ),
    (
        ("SCHEMAV_CVC_ENUMERATION_VALID",),
        _(
            "The file does not match the camt.053.001.02 schema: the value of element %(element)s is not "
            "one of the codes the schema allows (%(detail)s)."
        ),
    ),
    (
        (
            "SCHEMAV_CVC_DATATYPE_VALID_1_2_1",
            "SCHEMAV_CVC_DATATYPE_VALID_1_2_2",
            "SCHEMAV_CVC_DATATYPE_VALID_1_2_3",
            "SCHEMAV_CVC_TYPE_3_1_1",
            "SCHEMAV_CVC_TYPE_3_1_2",
        ),
        _(
            "The file does not match the camt.053.001.02 schema: the value of element %(element)s is not "
            "of the type the schema requires (%(detail)s)."
        ),
    ),
    (
        (
            "SCHEMAV_CVC_TOTALDIGITS_VALID",
            "SCHEMAV_CVC_FRACTIONDIGITS_VALID",
            "SCHEMAV_CVC_MININCLUSIVE_VALID",
            "SCHEMAV_CVC_MAXINCLUSIVE_VALID",
            "SCHEMAV_CVC_MINEXCLUSIVE_VALID",
            "SCHEMAV_CVC_MAXEXCLUSIVE_VALID",
        ),
        _(
            "The file does not match the camt.053.001.02 schema: the value of element %(element)s has more "
            "digits than the schema allows or is out of its range (%(detail)s)."
        ),
    ),
    (
        ("SCHEMAV_CVC_COMPLEX_TYPE_4", "SCHEMAV_CVC_COMPLEX_TYPE_3_2_1", "SCHEMAV_CVC_COMPLEX_TYPE_3_2_2"),
        _(
            "The file does not match the camt.053.001.02 schema: element %(element)s lacks an attribute the "
            "schema requires, or has one it does not allow (%(detail)s)."
        ),
    ),
):
    for _name in _names:
        if hasattr(etree.ErrorTypes, _name):
            _SCHEMA_RULES[getattr(etree.ErrorTypes, _name)] = _template
_SCHEMA_OTHER = _(
    "The file does not match the camt.053.001.02 schema: element %(element)s breaks a rule of the schema "
    "(%(detail)s)."
)
_SCHEMA_UNPLACED = _("The file does not match the camt.053.001.02 schema: %(detail)s.")
LOCATE_BYTES = 8 * 2**20  # a file up to this size is read again, whole, to place a schema error


def _schema_error(kind: int, message: str, element: str | None, line: int | None) -> CamtParseError:
    """The error for libxml2's schema error of type ``kind``; ``message`` becomes its detail."""
    # libxml2 names the element in its message: it is the detail, shorn of namespaces; the
    # element itself comes from the validated tree when the file can be read again.
    detail = re.sub(r"\{[^}]*\}", "", message or "").strip().rstrip(".")
    shown = re.sub(r"^Element '[^']*': (?:\[[^]]*\] )?", "", detail) or detail
    if element is None:
        found = re.match(r"Element '([^']+)'", detail)
        element = found.group(1) if found else None
    if element is None:
        return CamtParseError(_SCHEMA_UNPLACED, {"detail": shown}, None, line)
    template = _SCHEMA_RULES.get(kind, _SCHEMA_OTHER)
    return CamtParseError(template, {"element": element, "detail": shown}, element, line)


def _not_xml(detail: str, line: int | None) -> CamtParseError:
    # lxml adds the place to the message it raises: it is given apart, as the line.
    detail = re.sub(r",? line [0-9]+, column [0-9]+$", "", (detail or "").strip())
    return CamtParseError(_("The file is not well-formed XML: %(detail)s"), {"detail": detail}, None, line)


def _diagnosed(data: bytes | None, validate: bool) -> CamtParseError | None:
    """What is wrong with a file a validating stream refused, found by reading it again whole:
    parsed without the schema (is it XML at all?), then its tree validated (where does it
    break the schema?). The stream's own report cannot be trusted for either: lxml 6.2 drops
    the parser's error when a schema validates during the parse ("no element found", no
    line), and a streaming validation knows neither the line nor the element of a schema
    error (libxml2 gives them for a tree only). Only for files up to :data:`LOCATE_BYTES`;
    ``None`` when the file cannot be read again or shows no error now."""
    if data is None:
        return None
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_pis=True
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        return _not_xml(exc.msg or str(exc), exc.position[0] if exc.position else exc.lineno)
    except (etree.LxmlError, ValueError):
        return None
    if not validate:
        return None
    tree = root.getroottree()
    schema = get_schema("camt.053.001.02")
    if schema.validate(tree):
        return None
    for entry in schema.error_log:
        if entry.type == etree.ErrorTypes.SCHEMAV_CVC_ELT_1:  # no such root in the schema
            name = etree.QName(root)
            return _wrong_message(name.namespace, name.localname, root.sourceline)
        element = None
        with contextlib.suppress(etree.LxmlError, IndexError, TypeError):
            element = etree.QName(tree.xpath(entry.path)[0]).localname if entry.path else None
        return _schema_error(entry.type, entry.message, element, entry.line or None)
    return None


def _syntax_error(
    exc: etree.XMLSyntaxError, error_log, root, reread: Callable[[], bytes | None], validate: bool
) -> CamtParseError:
    """What libxml2 refused: a file that is not XML, or one that is XML but breaks the schema,
    naming the element and the rule. Told apart by reading the file again (:func:`_diagnosed`)
    or, when it cannot be, by the domain of the stream's errors (never by their wording)."""
    found = _diagnosed(reread(), validate)
    if found is not None:
        return found
    log = [e for e in error_log if e.level >= etree.ErrorLevels.ERROR]
    schema = [e for e in log if e.domain == etree.ErrorDomains.SCHEMASV]
    other = [e for e in log if e.domain != etree.ErrorDomains.SCHEMASV]
    if other or not schema:
        if other:
            error = _not_xml(other[0].message, other[0].line)
        else:
            error = _not_xml(exc.msg or str(exc), exc.position[0] if exc.position else exc.lineno)
    elif schema[0].type == etree.ErrorTypes.SCHEMAV_CVC_ELT_1 and root is not None:
        # The schema has no such root element: say which message this is instead.
        name = etree.QName(root)
        return _wrong_message(name.namespace, name.localname, root.sourceline)
    else:
        error = _schema_error(schema[0].type, schema[0].message, None, None)
    error.undiagnosed = True  # a reader that can read the file again says more (ParseProcess)
    return error


def _iterate(
    reader: _BoundedReader, validate: bool, wire: bool, reread: Callable[[], bytes | None]
) -> Iterator[Camt053Statement | Camt053Entry | tuple]:
    # End events of three tags only: a start event per entry as well would double the
    # events. The header is read when the statement's first Ntry ends, because the XSD puts
    # Id, Acct and Bal before the first Ntry, so they are complete by then.
    ntry, stmt, grp_hdr, document = _NS + "Ntry", _NS + "Stmt", _NS + "GrpHdr", _NS + "Document"
    events = etree.iterparse(
        reader,
        events=("end",),
        tag=(grp_hdr, stmt, ntry, document),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
        schema=get_schema("camt.053.001.02") if validate else None,
    )
    root_checked = False
    message_id = None
    header: Camt053Statement | None = None
    index = 0
    statements = 0
    read = _entry_wire if wire else _entry
    try:
        for _event, element in events:
            if not root_checked:
                # The root must be a camt.053.001.02 Document (and no DOCTYPE), before anything
                # of the file is yielded.
                _check_root(element.getroottree().getroot())
                root_checked = True
            tag = element.tag
            if tag == ntry:
                if header is None:
                    header = _statement_header(element.getparent(), message_id)
                    statements += 1
                    yield header
                entry = read(element, index)
                index += 1
                yield entry
                # Flat memory: drop this entry's subtree and every sibling already processed
                # (the header elements included, which were read at the first Ntry).
                element.clear(keep_tail=False)
                parent = element.getparent()
                while element.getprevious() is not None:
                    del parent[0]
            elif tag == stmt:
                if header is None:
                    statements += 1
                    yield _statement_header(element, message_id)  # a day without entries
                header = None
                index = 0
                element.clear(keep_tail=False)
                parent = element.getparent()
                while element.getprevious() is not None:
                    del parent[0]
            elif tag == grp_hdr:
                message_id = _text(element, _NS + "MsgId")
    except (CamtParseError, etree.XMLSyntaxError) as exc:
        # An element the parser closed itself at the end of a cut-off file (see
        # ends_the_document) lacks what it was cut from, and a schema may refuse it or a root
        # cut in its name: the cut is the problem to report.
        root = events.root if events.root is not None else reader.root()
        if reader.at_eof and root is not None and not reader.ends_the_document(root):
            raise _truncated(root) from None
        if isinstance(exc, etree.XMLSyntaxError):
            raise _syntax_error(exc, events.error_log, root, reread, validate) from None
        raise
    if not root_checked:
        root = events.root if events.root is not None else reader.root()
        if root is not None:
            if not reader.ends_the_document(root):
                raise _truncated(root)
            _check_root(root)
        raise CamtParseError(_("The file has no root element."))
    if not reader.ends_the_document(events.root):
        # A parser reports a file cut off in the middle as not well-formed, but not every
        # version does when a schema validates during the parse (see ends_the_document).
        raise _truncated(events.root)
    if statements == 0:
        raise CamtParseError(_("The file holds no statement (BkToCstmrStmt/Stmt)."), element="Stmt")


def _truncated(root) -> CamtParseError:
    return CamtParseError(
        _("The file is not well-formed XML: it ends before its Document element does (truncated)."),
        element="Document",
        line=getattr(root, "sourceline", None),
    )


def parse_camt053(
    source, *, max_bytes: int = DEFAULT_MAX_BYTES, validate: bool = True
) -> list[Camt053Statement]:
    """Parse a whole camt.053.001.02 file into statements with their entries.

    Holds every entry as a small frozen dataclass (about 1 KB each); for the biggest files an
    importer should consume :func:`iter_camt053` in batches instead.
    """
    statements: list[Camt053Statement] = []
    current: Camt053Statement | None = None
    entries: list[Camt053Entry] = []
    for item in iter_camt053(source, max_bytes=max_bytes, validate=validate):
        if isinstance(item, Camt053Statement):
            if current is not None:
                statements.append(_with_entries(current, entries))
            current, entries = item, []
        else:
            entries.append(item)
    if current is not None:
        statements.append(_with_entries(current, entries))
    return statements


def _with_entries(header: Camt053Statement, entries: list[Camt053Entry]) -> Camt053Statement:
    return replace(header, entries=tuple(entries))


# --- the parse in a process of its own: the child process ------------------------------


class _ChildProcess:
    """A plain interpreter running this module (``python -m reconciliation.camt053 ARGS``).

    It reads the file by its path, or from a pipe this process feeds from a thread, bounded
    as every read is, and writes to its stdout. Should it fail to start, ``_proc`` is None.
    """

    def __init__(self, args: list[str], *, path=None, chunks=None):
        import subprocess
        import sys
        import threading

        self._chunks = chunks
        self._writer = None
        self.peak_mb = 0.0  # the child's peak resident memory, as it reports it
        root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        try:
            self._proc = subprocess.Popen(  # noqa: S603 - our own interpreter and module, no shell
                [sys.executable, "-m", "reconciliation.camt053", *args],
                cwd=root,
                stdin=subprocess.PIPE if path is None else subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                bufsize=0,
            )
        except OSError:
            self._proc = None
            return
        if path is None:
            self._writer = threading.Thread(target=self._feed, daemon=True)
            self._writer.start()

    def _feed(self) -> None:
        stdin = self._proc.stdin
        try:
            for chunk in self._chunks():
                stdin.write(chunk)
        except (BrokenPipeError, OSError):  # the child stopped reading: it found an error
            pass
        finally:
            with contextlib.suppress(OSError):
                stdin.close()

    def close(self) -> None:
        """Stop the child if it still runs (the import stopped early or failed)."""
        if self._proc is not None:
            if self._proc.poll() is None:
                self._proc.kill()
            self._proc.wait()
            with contextlib.suppress(OSError):
                self._proc.stdout.close()
        if self._writer is not None:
            self._writer.join(5)


# --- the parse in a process of its own ----------------------------------------------------


class ParseProcessFailed(Exception):
    """The parsing process stopped without a verdict (it could not start, crashed, hung or
    was killed): the caller parses the file itself instead."""


_DAYS: dict[int, date] = {}  # ordinal → date: the few distinct days of a file, shared


def _day(ordinal: int | None) -> date | None:
    if ordinal is None:
        return None
    found = _DAYS.get(ordinal)
    if found is None:
        if len(_DAYS) >= 4096:  # bounded, whatever a file holds
            _DAYS.clear()
        found = _DAYS[ordinal] = date.fromordinal(ordinal)
    return found


def _fx(w: tuple) -> Camt053Fx:
    return Camt053Fx(Decimal(w[0]), w[1], None if w[2] is None else Decimal(w[2]), w[3], w[4])


def _from_wire(w: tuple) -> Camt053Entry:
    """The entry of an :func:`_entry_wire` tuple."""
    amount = Decimal(w[1])
    credit_debit = w[2]
    return Camt053Entry(
        w[0],
        amount,
        credit_debit,
        amount if credit_debit == "CRDT" else -amount,
        w[3],
        w[4],
        _day(w[5]),
        _day(w[6]),
        w[7],
        w[8],
        w[9],
        w[10],
        w[11],
        tuple(
            [
                Camt053Tx(
                    None if t[0] is None else Decimal(t[0]),
                    *t[1:8],
                    ZERO if t[8] is None else Decimal(t[8]),
                    None if t[9] is None else _fx(t[9]),
                    t[10],
                )
                for t in w[12]
            ]
        ),
        w[13],
        w[14],
        ZERO if w[15] is None else Decimal(w[15]),
    )


class ParseProcess(_ChildProcess):
    """:func:`iter_camt053` of one file, run in a process of its own.

    The importer's own work per entry (its key, its row, what the matcher needs) then runs
    beside the parse, on the machine's other core, instead of after it: lxml holds the
    interpreter lock while it parses, so a thread could not. The child checks the schema
    in the same pass (one process of 28 MB rather than a parsing one and a checking one,
    and no slower on two cores). It sends what it parsed in
    batches (``marshal`` of plain values, framed by their length), in file order, and ends
    with either "done" or the :class:`CamtParseError` it met, which :meth:`items` raises
    with the same message, element and line as a parse here would: the importer sees the
    same items and the same errors either way. Should the child fail to start, stop without
    either, or send nothing for :attr:`TIMEOUT` seconds, :meth:`items` raises
    :class:`ParseProcessFailed` and the importer parses the file itself.
    """

    BATCH = 500  # entries per message: small enough to keep both sides busy
    TIMEOUT = 120  # seconds without a byte from the child; a whole 100,000-entry file takes 3

    def __init__(self, *, path=None, chunks=None, max_bytes: int = DEFAULT_MAX_BYTES, validate: bool = True):
        import queue
        import threading

        target = os.fspath(path) if path is not None else "-"
        mode = "validate" if validate else "no-validate"
        self._validate = validate
        super().__init__(["--parse", target, str(max_bytes), mode], path=path, chunks=chunks)
        # The child's messages are taken off the pipe as they come, by a thread, so that it
        # never waits on a full pipe while the importer does something else (the importer
        # starts it before hashing, claiming and storing the file). Only the messages the
        # importer has not read yet are held: a few MB at the start, then next to none.
        self._messages: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        self._reader = None
        if self._proc is not None:
            self._reader = threading.Thread(target=self._pump, daemon=True)
            self._reader.start()

    def _pump(self) -> None:
        """Whole messages from the child into the queue; ``None`` when it ends or goes quiet."""
        try:
            while True:
                head = self._read(4)
                if len(head) < 4:
                    break
                size = int.from_bytes(head, "little")
                payload = self._read(size)
                if len(payload) < size:
                    break
                self._messages.put(payload)
        except (OSError, ValueError):  # the pipe was closed under us: the import stopped the child
            pass
        finally:
            self._messages.put(None)

    def close(self) -> None:
        # The child stopped first, so that the reader sees the pipe's end, then the pipe closed.
        if self._proc is not None:
            if self._proc.poll() is None:
                self._proc.kill()
            self._proc.wait()
        if self._reader is not None:
            self._reader.join(5)
        super().close()

    def _read(self, size: int) -> bytes:
        """Exactly ``size`` bytes from the child, or fewer where it stopped or went quiet."""
        import select

        fd = self._proc.stdout.fileno()
        parts: list[bytes] = []
        left = size
        while left:
            ready, _w, _x = select.select([fd], [], [], self.TIMEOUT)
            if not ready:
                break
            part = os.read(fd, min(left, 1 << 20))
            if not part:
                break
            parts.append(part)
            left -= len(part)
        return b"".join(parts)

    def _error(self, template, params, element, line, undiagnosed) -> CamtParseError:
        """The child's error as a parse here would raise it. What libxml2 refused in a file the
        child read from a pipe (so could not read again) is diagnosed here, where it can be."""
        if undiagnosed and self._chunks is not None:
            found = _diagnosed(self._whole(), self._validate)
            if found is not None:
                return found
        error = CamtParseError(template, params, element, line)
        error.undiagnosed = undiagnosed
        return error

    def _whole(self) -> bytes | None:
        parts, size = [], 0
        for chunk in self._chunks():
            size += len(chunk)
            if size > LOCATE_BYTES:
                return None
            parts.append(bytes(chunk))
        return b"".join(parts)

    def items(self) -> Iterator[Camt053Statement | Camt053Entry]:
        import marshal
        import pickle

        if self._proc is None:
            raise ParseProcessFailed("the parsing process could not start")
        entry = _from_wire
        messages = self._messages
        while True:
            payload = messages.get()
            if payload is None:
                break
            for item in marshal.loads(payload):  # noqa: S302 - written by our own child process
                kind = item[0]
                if kind.__class__ is int:
                    yield entry(item)
                elif kind == "S":
                    yield pickle.loads(item[1])  # noqa: S301 - written by our own child process
                elif kind == "X":
                    raise self._error(*item[1:])
                else:  # "E": the whole file was read
                    self.peak_mb = item[1]
                    return
        raise ParseProcessFailed("the parsing process stopped before the end of the file")


def _peak_mb() -> float:
    with open("/proc/self/status") as fh:  # VmHWM: this process's peak resident memory
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _parse_main(argv: list[str]) -> int:
    """``python -m reconciliation.camt053 --parse PATH|- MAX_BYTES [no-]validate``: the child
    of :class:`ParseProcess`."""
    import marshal
    import pickle
    import sys

    source = sys.stdin.buffer if argv[0] == "-" else argv[0]
    out = sys.stdout.buffer
    batch: list = []

    def send() -> None:
        data = marshal.dumps(batch)
        out.write(len(data).to_bytes(4, "little"))
        out.write(data)
        batch.clear()

    try:
        validate = argv[2:3] != ["no-validate"]
        for item in iter_camt053(source, max_bytes=int(argv[1]), validate=validate, wire=True):
            if item.__class__ is tuple:
                batch.append(item)
                if len(batch) >= ParseProcess.BATCH:
                    send()
            else:
                batch.append(("S", pickle.dumps(item)))
    except CamtParseError as exc:
        batch.append(("X", exc.template, exc.params, exc.element, exc.line, exc.undiagnosed))
    else:
        batch.append(("E", _peak_mb()))
    with contextlib.suppress(BrokenPipeError):  # the importer stopped reading (a problem of its own)
        send()
        out.flush()
    return 0


# --- checks and keys --------------------------------------------------------------------


def statement_balance_check(
    stmt: Camt053Statement, entries: list[Camt053Entry] | tuple[Camt053Entry, ...] | None = None
) -> tuple[bool, Decimal, Decimal]:
    """``(ok, expected_closing, difference)``: does opening + booked entries equal closing?

    Only ``BOOK`` entries move the booked balance (pending and information entries do not);
    ``difference = closing_balance − expected_closing``. ``entries`` defaults to the
    statement's own (pass them when streaming).
    """
    rows = stmt.entries if entries is None else entries
    expected = stmt.opening_balance + sum((e.signed_amount for e in rows if e.status == "BOOK"), ZERO)
    difference = stmt.closing_balance - expected
    return difference == 0, expected, difference


@dataclass(slots=True)
class _Occurrences:
    seen: dict[str, int] = field(default_factory=dict)

    def next(self, base: str) -> int:
        count = self.seen.get(base, 0)
        self.seen[base] = count + 1
        return count


def _base_hash(account: str, entry: Camt053Entry) -> str:
    parts = [
        account,
        entry.booking_date.isoformat(),
        f"{entry.amount:.2f}",
        entry.credit_debit,
        "R" if entry.reversal else "",
        ",".join(entry.end_to_end_ids),
        # Each transaction's first KID only: keys made before every KID was kept stay the same.
        ",".join(tx.kids[0] for tx in entry.transactions if tx.kids),
        ",".join(entry.unstructured),
    ]
    # Unit separators cannot occur in XML text, so the join is unambiguous.
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def entry_key(account: str, entry: Camt053Entry, occurrence: int = 0) -> str:
    """The per-entry deduplication key: the same booking gets the same key in every file.

    * ``ref:<AcctSvcrRef>`` when the bank gave its own reference (unique per account).
    * Otherwise ``sha256:<hash>:<occurrence>``: a SHA-256 of account, booking date, amount,
      direction, reversal flag and the references (EndToEndIds, KIDs, Ustrd), plus the
      occurrence number among identical entries in the same statement (0 for the first), so
      that two genuinely identical payments on one day stay two rows.

    Limits: the hash cannot tell identical entries apart across *different* statements, so
    two files that each show only part of a day's identical entries, and not the same part
    from its start, can collapse or double them; and a bank that changes references or the
    booking date between exports defeats it. Both are why AcctSvcrRef wins when present.
    Use :func:`statement_entry_keys` to number the occurrences.
    """
    if entry.acct_svcr_ref:
        return f"ref:{entry.acct_svcr_ref}"
    return f"sha256:{_base_hash(account, entry)}:{occurrence}"


def statement_entry_keys(stmt: Camt053Statement, entries=None) -> list[str]:
    """The :func:`entry_key` of each entry of a statement, with occurrences counted in file order."""
    counter = _Occurrences()
    keys = []
    for entry in stmt.entries if entries is None else entries:
        if entry.acct_svcr_ref:
            keys.append(entry_key(stmt.account, entry))
        else:
            base = _base_hash(stmt.account, entry)
            keys.append(f"sha256:{base}:{counter.next(base)}")
    return keys


if __name__ == "__main__":  # the child of ParseProcess
    import sys

    if sys.argv[1:2] == ["--parse"]:
        # From the module by its import name, so what it pickles names its classes there.
        from reconciliation.camt053 import _parse_main as parse_main

        sys.exit(parse_main(sys.argv[2:]))
    sys.exit(
        f"usage: python -m reconciliation.camt053 --parse PATH|- MAX_BYTES validate|no-validate, not {sys.argv[1:]}"
    )

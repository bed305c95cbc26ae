"""The qualified tags of each camt.053 version the reader takes, chosen once per file.

The one version-specific part of the reader: the elements it reads are the same in
camt.053.001.02, .03, .04 and .08, each in its own namespace, with three differences of shape
the reader asks its :class:`CamtTags` about (``Ntry/Sts`` a code or, from .08, a choice
``Sts/Cd``; the counterparty's name in ``Dbtr/Nm`` or, from .08, ``Dbtr/Pty/Nm``; charges in
``Chrgs/Amt`` or, from .03, ``Chrgs/Rcrd/Amt``) and one addition (``Refs/UETR``, from .08).

The tags are strings made once per version, so a child's tag is told by one comparison of
interned strings, not by a look-up per element; the hot readers unpack the tuples they
compare with into locals once per entry (:attr:`CamtTags.entry`, :attr:`CamtTags.tx`).
"""

from __future__ import annotations

from ..xsd import NS_CAMT053

PREFIX = "urn:iso:std:iso:20022:tech:xsd:"
# The versions the reader takes, oldest first: the schema's name in iso20022.xsd for each.
VERSIONS = ("camt.053.001.02", "camt.053.001.03", "camt.053.001.04", "camt.053.001.08")
SCHEMA = VERSIONS[0]  # the version named where a file's own is unknown (not XML, no root)
NS = "{" + NS_CAMT053 + "}"

_ENTRY = ("Amt", "CdtDbtInd", "RvslInd", "Sts", "BookgDt", "ValDt", "AcctSvcrRef", "BkTxCd", "AddtlNtryInf")
_TX = ("Refs", "AmtDtls", "RltdPties", "RmtInf", "Chrgs", "Amt", "AddtlTxInf")


class CamtTags:
    """The qualified tags of one camt.053 version, by the names the readers use.

    ``T_*`` are leaves read anywhere, ``E_*`` an entry's children, ``X_*`` a transaction's;
    :attr:`entry` and :attr:`tx` are the tuples the hot loops unpack (in the order of
    ``_ENTRY`` + ``NtryDtls``, and of ``_TX``).
    """

    def __init__(self, version: str) -> None:
        self.version = self.schema = version
        self.namespace = PREFIX + version
        ns = self.NS = "{" + self.namespace + "}"
        later = version >= "camt.053.001.08"
        self.T_DT, self.T_DTTM, self.T_IBAN, self.T_ID = (ns + n for n in ("Dt", "DtTm", "IBAN", "Id"))
        self.T_DOMN, self.T_FMLY, self.T_PRTRY, self.T_CD, self.T_SUBFMLYCD = (
            ns + n for n in ("Domn", "Fmly", "Prtry", "Cd", "SubFmlyCd")
        )
        self.T_AMT, self.T_CHRGS, self.T_TXDTLS, self.T_USTRD, self.T_REF, self.T_NM = (
            ns + n for n in ("Amt", "Chrgs", "TxDtls", "Ustrd", "Ref", "Nm")
        )
        self.entry = (*(ns + n for n in _ENTRY), ns + "NtryDtls")
        self.tx = tuple(ns + n for n in _TX)
        # Ntry/Sts: a plain code up to .04, EntryStatus1Choice (Cd or Prtry) from .08.
        self.status_is_choice = later
        # The counterparty: Dbtr/Nm up to .04, Party40Choice (Dbtr/Pty/Nm or Dbtr/Agt) from .08.
        self.party_holder = ns + "Pty" if later else None
        # Chrgs: repeated ChargesInformation6 with its Amt in .02, one Charges with Rcrd/Amt after.
        self.charge_record = ns + "Rcrd" if version > "camt.053.001.02" else None
        self.X_E2E, self.X_UETR, self.X_ACCTSVCRREF = ns + "EndToEndId", ns + "UETR", ns + "AcctSvcrRef"
        # AmtDtls's amounts, in the order one in the entry's currency is taken: what was booked
        # for the transaction, what was instructed, the counter value (AmountAndCurrencyExchange3).
        self.amount_details = {
            ns + "TxAmt": (0, "TxDtls/AmtDtls/TxAmt/Amt"),
            ns + "InstdAmt": (1, "TxDtls/AmtDtls/InstdAmt/Amt"),
            ns + "CntrValAmt": (2, "TxDtls/AmtDtls/CntrValAmt/Amt"),
        }
        self.X_CCYXCHG = ns + "CcyXchg"
        self.XCHG_RATE, self.XCHG_SRC, self.XCHG_TRGT = ns + "XchgRate", ns + "SrcCcy", ns + "TrgtCcy"
        # The counterparty is the payer of a credit and the payee of a debit: (party, its account).
        self.party = {
            "CRDT": (ns + "Dbtr", ns + "DbtrAcct", "RltdPties/DbtrAcct"),
            "DBIT": (ns + "Cdtr", ns + "CdtrAcct", "RltdPties/CdtrAcct"),
        }


BY_NAMESPACE = {PREFIX + version: CamtTags(version) for version in VERSIONS}
DEFAULT = BY_NAMESPACE[NS_CAMT053]


def tags_for(namespace: str | None) -> CamtTags | None:
    """The tags of the version whose namespace this is, or ``None`` for one the reader does not take."""
    return BY_NAMESPACE.get(namespace or "")


def schema_of(namespace: str | None) -> str:
    """The schema a file in ``namespace`` is checked against (camt.053.001.02 for any other)."""
    return (BY_NAMESPACE.get(namespace or "") or DEFAULT).schema

"""The qualified tags of camt.053.001.02 the reader compares elements with.

The one version-specific part of the reader besides the schema's name: the elements it reads
are the same in camt.053.001.08, in another namespace. The tags are strings made once, so a
child's tag is told by one comparison of interned strings, not by a look-up per element.
"""

from __future__ import annotations

from ..xsd import NS_CAMT053

NS = "{" + NS_CAMT053 + "}"
SCHEMA = "camt.053.001.02"  # the schema's name in iso20022.xsd, and the version the reader takes

T_DT, T_DTTM, T_IBAN, T_ID = (NS + name for name in ("Dt", "DtTm", "IBAN", "Id"))

T_DOMN, T_FMLY, T_PRTRY, T_CD, T_SUBFMLYCD = (
    NS + name for name in ("Domn", "Fmly", "Prtry", "Cd", "SubFmlyCd")
)

T_AMT, T_CHRGS, T_TXDTLS, T_USTRD, T_REF, T_NM = (
    NS + name for name in ("Amt", "Chrgs", "TxDtls", "Ustrd", "Ref", "Nm")
)

# Qualified tags of the children the parser looks up, by local name.
Q = {
    name: NS + name
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

# Qualified tags the entry readers compare each child's tag with (one comparison of
# interned strings per child, instead of a dict of the children per element).
E_AMT, E_CDTDBT, E_RVSL, E_STS, E_BOOKG, E_VALDT, E_ACCTSVCRREF, E_BKTXCD, E_ADDTL, E_DTLS = (
    Q[name]
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

X_REFS, X_AMTDTLS, X_RLTDPTIES, X_RMTINF, X_TXAMT, X_INSTDAMT, X_E2E, X_ADDTL = (
    Q[name]
    for name in ("Refs", "AmtDtls", "RltdPties", "RmtInf", "TxAmt", "InstdAmt", "EndToEndId", "AddtlTxInf")
)

# AmtDtls's amounts, in the order one in the entry's currency is taken: what was booked for the
# transaction, what was instructed, the counter value (ISO 20022 AmountAndCurrencyExchange3).
AMOUNT_DETAILS = {
    X_TXAMT: (0, "TxDtls/AmtDtls/TxAmt/Amt"),
    X_INSTDAMT: (1, "TxDtls/AmtDtls/InstdAmt/Amt"),
    Q["CntrValAmt"]: (2, "TxDtls/AmtDtls/CntrValAmt/Amt"),
}

X_CCYXCHG = Q["CcyXchg"]

XCHG_RATE, XCHG_SRC, XCHG_TRGT = Q["XchgRate"], Q["SrcCcy"], Q["TrgtCcy"]

# The counterparty is the payer of a credit and the payee of a debit: (party, its account).
PARTY = {
    "CRDT": (Q["Dbtr"], Q["DbtrAcct"], "RltdPties/DbtrAcct"),
    "DBIT": (Q["Cdtr"], Q["CdtrAcct"], "RltdPties/CdtrAcct"),
}

"""One ``Ntry``: a booking on the account, read into its wire tuple (see :mod:`.wire`)."""

from __future__ import annotations

from decimal import Decimal

from .errors import _missing
from .model import CHARGE_SUBFAMILIES, ZERO, Camt053Entry
from .tags import CamtTags
from .transaction import _tx_wire
from .values import _amount_text, _clean, _credit_debit, _day_of
from .wire import TX_AMOUNT, _from_wire


def _entry(ntry, index: int, t: CamtTags) -> Camt053Entry:
    return _from_wire(_entry_wire(ntry, index, t))


def _entry_wire(ntry, index: int, t: CamtTags) -> tuple:
    """One ``Ntry`` as plain values for ``marshal``, read and checked as :class:`Camt053Entry`
    says: amounts as their text, dates as ordinals, charges as text or None for none.

    The parsing process sends this as it is; :func:`_from_wire` makes the entry of it. No
    Decimal or date is made here for what only travels (the parse is the import's bottleneck).
    """
    # One pass over the entry's children, each compared with the tags read below; a repeated
    # element (the XSD allows none of these twice) counts by its last occurrence.
    E_AMT, E_CDTDBT, E_RVSL, E_STS, E_BOOKG, E_VALDT, E_ACCTSVCRREF, E_BKTXCD, E_ADDTL, E_DTLS = t.entry
    amt = booking = value = btc = details = None
    credit_debit = reversal = status = acct_svcr_ref = additional = None
    for child in ntry:
        tag = child.tag
        if tag == E_AMT:
            amt = child
        elif tag == E_CDTDBT:
            credit_debit = child.text
        elif tag == E_STS:
            status = child.text if not t.status_is_choice else _status_choice(child)
        elif tag == E_BOOKG:
            booking = child
        elif tag == E_VALDT:
            value = child
        elif tag == E_ACCTSVCRREF:
            acct_svcr_ref = child.text
        elif tag == E_BKTXCD:
            btc = child
        elif tag == E_DTLS:
            details = child
        elif tag == E_RVSL:
            reversal = child.text
        elif tag == E_ADDTL:
            additional = child.text
    if amt is None:
        raise _missing("Ntry/Amt", "Ntry", ntry.sourceline)
    amount = _amount_text(amt, "Ntry/Amt")
    if credit_debit != "CRDT" and credit_debit != "DBIT":
        credit_debit = _credit_debit(ntry, "Ntry", t)  # the indicator with blanks round it, or an error
    if booking is None:
        raise _missing("Ntry/BookgDt", "Ntry", ntry.sourceline)
    booking_day = _day_of(booking, "BookgDt", t)
    value_day = _day_of(value, "ValDt", t) if value is not None else None
    reversal = (_clean(reversal) or "false").lower() in ("true", "1")

    bank_tx_code, proprietary, subfamily = _bank_tx_code(btc, t) if btc is not None else _NO_BTC
    currency = amt.get("Ccy")
    transactions, charges = (
        _transactions(details, credit_debit, amount, currency, t) if details is not None else _NO_DETAILS
    )
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


_NO_BTC = ("", None, None)


def _status_choice(sts) -> str | None:
    """``Sts/Cd`` (or ``Sts/Prtry``) of an EntryStatus1Choice, camt.053.001.08's form of the status."""
    for choice in sts:
        return choice.text
    return sts.text


_NO_DETAILS = ((), None)


def _bank_tx_code(btc, t: CamtTags) -> tuple[str, str | None, str | None]:
    """``("Domn/Fmly/SubFmly", Prtry/Cd, SubFmlyCd)`` of a ``BkTxCd``: Domn(Cd, Fmly(Cd, SubFmlyCd))
    and Prtry(Cd, Issr). The code is ``""`` when the bank gave no domain part."""
    T_DOMN, T_FMLY, T_PRTRY, T_CD, T_SUBFMLYCD = t.T_DOMN, t.T_FMLY, t.T_PRTRY, t.T_CD, t.T_SUBFMLYCD
    domain_code = family_code = subfamily = proprietary = None
    for part in btc:
        if part.tag == T_DOMN:
            for sub in part:
                if sub.tag == T_CD:
                    domain_code = (sub.text or "").strip() or None
                elif sub.tag == T_FMLY:
                    for leaf in sub:
                        if leaf.tag == T_CD:
                            family_code = (leaf.text or "").strip() or None
                        elif leaf.tag == T_SUBFMLYCD:
                            subfamily = (leaf.text or "").strip() or None
        elif part.tag == T_PRTRY:
            for sub in part:
                if sub.tag == T_CD:
                    proprietary = (sub.text or "").strip() or None
    if domain_code or family_code or subfamily:
        return f"{domain_code or ''}/{family_code or ''}/{subfamily or ''}", proprietary, subfamily
    return "", proprietary, subfamily


def _transactions(
    details, credit_debit: str, amount: str, currency: str | None, t: CamtTags
) -> tuple[tuple, str | None]:
    """The wire tuples of an entry's ``TxDtls`` and the entry's charges as text (``None``: none).

    Charges are Σ signed tx amounts − the entry's signed amount: zero, the usual case, when
    one transaction carries the entry's own amount.
    """
    txds = list(details.iterchildren(t.T_TXDTLS))
    single = len(txds) == 1
    transactions = tuple([_tx_wire(txd, credit_debit, amount, single, currency, t) for txd in txds])
    if not transactions:
        return transactions, None
    if single and transactions[0][TX_AMOUNT] == amount:
        return transactions, "0.00"
    if any(tx[TX_AMOUNT] is None for tx in transactions):
        # Some payments are known only in another currency: the split, and so any charges,
        # cannot be told in the entry's currency. None is guessed.
        return transactions, "0.00"
    # Signed as Camt053Tx.signed_amount signs them (unary minus: never −0.00).
    debit = credit_debit != "CRDT"
    signed = [-Decimal(tx[TX_AMOUNT]) if debit else Decimal(tx[TX_AMOUNT]) for tx in transactions]
    return transactions, str(sum(signed, ZERO) - (-Decimal(amount) if debit else Decimal(amount)))

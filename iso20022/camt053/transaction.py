"""One ``TxDtls``: a payment inside an entry, read into its wire tuple (see :mod:`.wire`)."""

from __future__ import annotations

from decimal import Decimal

from .errors import CamtParseError, _
from .model import ZERO
from .tags import CamtTags
from .values import _RATE_RE, _account_id, _amount, _amount_text, _clean, _foreign_amount


def _exchange(xchg, t: CamtTags) -> tuple[str | None, str | None, str | None]:
    """(XchgRate as text, SrcCcy, TrgtCcy) of a ``CcyXchg``."""
    XCHG_RATE, XCHG_SRC, XCHG_TRGT = t.XCHG_RATE, t.XCHG_SRC, t.XCHG_TRGT
    rate = source = target = None
    for part in xchg:
        tag = part.tag
        if tag == XCHG_RATE:
            rate = (part.text or "").strip()
            if not _RATE_RE.fullmatch(rate):
                raise CamtParseError(
                    _("%(what)s %(value)s is not an exchange rate."),
                    {"what": "CcyXchg/XchgRate", "value": repr(rate)},
                    "CcyXchg/XchgRate",
                    part.sourceline,
                )
        elif tag == XCHG_SRC:
            source = _clean(part.text)
        elif tag == XCHG_TRGT:
            target = _clean(part.text)
    return rate, source, target


def _amount_details(amt_dtls, currency: str | None, single_amount: str | None, t: CamtTags) -> tuple:
    """(amount in the entry's currency as text or None, the foreign wire tuple or None).

    Only an amount in the entry's currency (or without one) can split a batch or show
    charges; the first other one is kept, with the exchange rate, as information. For the one
    transaction of an entry, a stated amount equal to the entry's is the transaction's (a bank
    may add others: a Swiss file gives InstdAmt 4500.00 and TxAmt 0.04 for 4500.00 booked).
    """
    AMOUNT_DETAILS, T_AMT, X_CCYXCHG = t.amount_details, t.T_AMT, t.X_CCYXCHG
    own: list[tuple[int, str]] = []
    foreign = exchange = None
    for part in amt_dtls:
        known = AMOUNT_DETAILS.get(part.tag)
        if known is None:
            continue
        amt = xchg = None
        for sub in part:
            if sub.tag == T_AMT:
                amt = sub
            elif sub.tag == X_CCYXCHG:
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
                    return single_amount, _fx_wire(foreign, exchange, t)
        amount = own[0][1]
    return amount, _fx_wire(foreign, exchange, t)


def _fx_wire(foreign, exchange, t: CamtTags) -> tuple | None:
    if foreign is None:
        return None
    xchg = foreign[3] if foreign[3] is not None else exchange
    rate, source, target = _exchange(xchg, t) if xchg is not None else (None, None, None)
    return (foreign[1], foreign[2], rate, source, target)


def _tx_wire(
    txd, credit_debit: str, entry_amount: str, single: bool, currency: str | None, t: CamtTags
) -> tuple:
    """One ``TxDtls`` as its wire tuple (see :func:`_entry_wire`): the amount and charges as
    text, the rest as :class:`Camt053Tx` holds it."""
    # One pass over the children (this runs for each of 100,000 entries' transactions).
    X_REFS, X_AMTDTLS, X_RLTDPTIES, X_RMTINF, T_CHRGS, T_AMT, X_ADDTL = t.tx
    amt = amt_dtls = rmt = parties = refs = additional = None
    has_charges = False
    for child in txd:
        tag = child.tag
        if tag == X_REFS:
            refs = child
        elif tag == X_AMTDTLS:
            amt_dtls = child
        elif tag == X_RLTDPTIES:
            parties = child
        elif tag == X_RMTINF:
            rmt = child
        elif tag == T_CHRGS:
            has_charges = True
        elif tag == T_AMT:
            amt = child
        elif tag == X_ADDTL:
            additional = child.text
    amount = fx = None
    if amt_dtls is not None:
        amount, fx = _amount_details(amt_dtls, currency, entry_amount if single else None, t)
    if amount is None:
        amount, fx = _amount_otherwise(txd, amt, fx, entry_amount, single, currency)
    charges = _charges(txd, currency, t) if has_charges else None

    kids: tuple[str, ...] = ()
    unstructured = []
    if rmt is not None:
        # RmtInf holds Ustrd lines and Strd blocks; in Strd the only Ref is CdtrRefInf/Ref (KID),
        # one per Strd: a payment covering several invoices gives each its own.
        found_kids = []
        T_USTRD = t.T_USTRD
        for found in rmt.iter(T_USTRD, t.T_REF):
            text = (found.text or "").strip()
            if not text:
                continue
            if found.tag == T_USTRD:
                unstructured.append(text)
            else:
                found_kids.append(text)
        if found_kids:
            kids = tuple(found_kids) if len(found_kids) == 1 else tuple(dict.fromkeys(found_kids))

    counterparty_name = counterparty_account = None
    if parties is not None:
        party, party_account, what = t.party[credit_debit]
        for part in parties:
            tag = part.tag
            if tag == party:
                holder = part if t.party_holder is None else part.find(t.party_holder)
                for nm in holder.iterchildren(t.T_NM) if holder is not None else ():
                    counterparty_name = (nm.text or "").strip() or None
            elif tag == party_account:
                # The last one wins, as for every repeated element (the XSD allows one).
                counterparty_account = part
        if counterparty_account is not None:
            counterparty_account = _account_id(counterparty_account, what, t)[0]

    end_to_end_id, tx_ref, uetr = _references(refs, t) if refs is not None else _NO_REFS

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
        uetr,
    )


_NO_REFS = (None, None, None)


def _amount_otherwise(
    txd, amt, fx: tuple | None, entry_amount: str, single: bool, currency: str | None
) -> tuple[str | None, tuple | None]:
    """``(amount, fx)`` of a ``TxDtls`` whose ``AmtDtls`` gave no amount in the entry's currency."""
    if amt is not None:  # TxDtls/Amt: later versions of the message
        ccy = amt.get("Ccy")
        if ccy is None or ccy == currency:
            return _amount_text(amt, "TxDtls/Amt"), fx
        if fx is None:
            fx = (_foreign_amount(amt, "TxDtls/Amt"), ccy, None, None, None)
    if single:
        # The entry's one transaction, in the entry's currency, is the entry's amount,
        # whatever other currency it was instructed in.
        return entry_amount, fx
    if fx is None:
        raise CamtParseError(
            _("A batch entry's TxDtls has no amount (AmtDtls/TxAmt/Amt), so it cannot be split."),
            element="TxDtls/AmtDtls",
            line=txd.sourceline,
        )
    return None, fx  # a batch's payment known only in another currency: no amount to split by


def _charges(txd, currency: str | None, t: CamtTags) -> str:
    """Σ ``Chrgs/Amt`` (from .03: ``Chrgs/Rcrd/Amt``) in the entry's currency, as text (one in
    another is not summed with it)."""
    total = ZERO
    for chrg in txd.iterchildren(t.T_CHRGS):
        records = (chrg,) if t.charge_record is None else chrg.iterchildren(t.charge_record)
        for record in records:
            for found in record.iterchildren(t.T_AMT):
                ccy = found.get("Ccy")
                if ccy is None or ccy == currency:
                    total += _amount(found, "Chrgs/Amt")
    return str(total)


def _references(refs, t: CamtTags) -> tuple[str | None, str | None, str | None]:
    """``(EndToEndId, AcctSvcrRef, UETR)`` of a transaction's ``Refs`` (UETR from .08)."""
    end_to_end_id = tx_ref = uetr = None
    for ref in refs:
        tag = ref.tag
        if tag == t.X_E2E:
            end_to_end_id = ref.text
        elif tag == t.X_ACCTSVCRREF:
            tx_ref = ref.text
        elif tag == t.X_UETR:
            uetr = ref.text
    return _clean(end_to_end_id), _clean(tx_ref), _clean(uetr)

"""The statement header: its id, account, currency, period and the balances that frame it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from .errors import CamtParseError, _, _missing
from .model import Camt053Statement
from .tags import CamtTags
from .values import (
    _account_id,
    _amount,
    _business_date,
    _credit_debit,
    _date_choice,
    _datetime,
    _required,
    _text,
)


def _statement_header(stmt, message_id: str | None, t: CamtTags) -> Camt053Statement:
    NS = t.NS
    statement_id = _text(stmt, NS + "Id")
    if statement_id is None:
        raise _missing("Id", "Stmt", stmt.sourceline)
    seq_text = _text(stmt, NS + "ElctrncSeqNb")
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
    created_at = _datetime(_text(stmt, NS + "CreDtTm"), "Stmt/CreDtTm", stmt.sourceline)
    from_at = _datetime(_text(stmt, f"{NS}FrToDt/{NS}FrDtTm"), "FrToDt/FrDtTm", stmt.sourceline)
    to_at = _datetime(_text(stmt, f"{NS}FrToDt/{NS}ToDtTm"), "FrToDt/ToDtTm", stmt.sourceline)

    acct = _required(stmt, NS + "Acct", "Acct")
    account, iban = _account_id(acct, "Acct", t)
    currency = _text(acct, NS + "Ccy")

    opening: dict[str, tuple[Decimal, date, str, str | None, int | None]] = {}
    closing: dict[str, tuple[Decimal, date, str, str | None, int | None]] = {}
    for bal in stmt.iterchildren(NS + "Bal"):
        code = _text(bal, f"{NS}Tp/{NS}CdOrPrtry/{NS}Cd") or _text(bal, f"{NS}Tp/{NS}CdOrPrtry/{NS}Prtry")
        amt = _required(bal, NS + "Amt", "Bal/Amt")
        amount = _amount(amt, "Bal/Amt")
        if _credit_debit(bal, "Bal", t) == "DBIT":
            amount = -amount  # an overdrawn account
        when = _date_choice(_required(bal, NS + "Dt", "Bal/Dt"), "Bal/Dt", t)
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
        # Both are needed to tell whether the entries add up; a statement without them cannot be checked.
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

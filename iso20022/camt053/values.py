"""Small readers over an element: amounts, dates, accounts, indicators, each checked.

Shared by the statement header (:mod:`.header`), the entry (:mod:`.entry`) and its
transactions (:mod:`.transaction`). Each raises :class:`~.errors.CamtParseError` naming the
element and its line.
"""

from __future__ import annotations

import contextlib
import re
from datetime import date, datetime
from decimal import Decimal

from lxml import etree

from ..dates import OSLO
from .errors import CamtParseError, _, _missing
from .tags import CamtTags

# ISO 20022 amounts allow 18 digits and 5 decimals, but a NOK statement has øre at most. A
# third decimal that is not zero means the file is not what we think it is, so it is refused,
# not rounded; trailing zeros (``8.850``, ``5442.09000``, as some banks write) are the same
# amount and are read by value. The usual form, checked first, is two decimals at most.
_AMOUNT_RE = re.compile(r"[0-9]{1,18}(?:\.[0-9]{1,2})?")
# xs:decimal without a sign, as the schema allows it: "12", "12.", ".5", "+12.50000".
_DECIMAL_RE = re.compile(r"\+?([0-9]*)(?:\.([0-9]*))?")

_FOREIGN_AMOUNT_RE = re.compile(r"[0-9]{1,18}(?:\.[0-9]{1,5})?")  # ActiveOrHistoricCurrencyAndAmount
_RATE_RE = re.compile(r"[0-9]{1,11}(?:\.[0-9]{1,10})?")  # BaseOneRate


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


def _credit_debit(element, parent_what: str, t: CamtTags) -> str:
    found = element.find(t.NS + "CdtDbtInd")
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


def _date_choice(element, what: str, t: CamtTags) -> date:
    """A ``DateAndDateTimeChoice``: ``Dt`` or ``DtTm`` (the latter as an Oslo business date)."""
    T_DT, T_DTTM = t.T_DT, t.T_DTTM
    for child in element:
        tag = child.tag
        text = (child.text or "").strip()
        try:
            if tag == T_DT:
                # xs:date may carry a zone suffix; the calendar date is what the bank booked.
                return date.fromisoformat(text[:10])
            if tag == T_DTTM:
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


def _account_id(acct, what: str, t: CamtTags) -> tuple[str, str | None]:
    """(BBAN or foreign IBAN, IBAN or None) from a ``CashAccount`` element's ``Id``."""
    T_IBAN = t.T_IBAN
    iban = other_id = None
    # CashAccount/Id holds either IBAN or Othr (whose first child is Id); the container Id
    # itself has no text, so the first Id or IBAN with text is the account.
    for found in acct.iter(T_IBAN, t.T_ID):
        text = (found.text or "").strip()
        if not text:
            continue
        if found.tag == T_IBAN:
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


def _amount_text(element, what: str) -> str:
    """:func:`_amount` as its text (the usual case, digits only, checked once, no Decimal made)."""
    text = element.text
    if text is not None and _AMOUNT_RE.fullmatch(text):
        return text
    return str(_amount(element, what))


def _date_of(element, what: str, t: CamtTags) -> date:
    """:func:`_date_choice`, with the usual case (a plain ``Dt``) read directly."""
    for child in element:
        if child.tag == t.T_DT:
            text = child.text
            if text is not None and len(text) == 10:
                with contextlib.suppress(ValueError):
                    return date.fromisoformat(text)
        break
    return _date_choice(element, what, t)


_ORDINALS: dict[str, int] = {}  # a plain Dt's text → its day's ordinal: a file has few distinct days


def _day_of(element, what: str, t: CamtTags) -> int:
    """:func:`_date_of` as the day's ordinal; a plain ``Dt`` seen before costs a dict look-up."""
    for child in element:
        if child.tag == t.T_DT:
            text = child.text
            found = _ORDINALS.get(text)
            if found is not None:
                return found
            day = _date_of(element, what, t).toordinal()
            if text is not None and len(text) == 10:
                if len(_ORDINALS) >= 4096:  # bounded, whatever a file holds
                    _ORDINALS.clear()
                _ORDINALS[text] = day
            return day
        break
    return _date_of(element, what, t).toordinal()


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

"""The checks on a payment file's data before any XML is written, for every version of pain.001.

Bad input is refused with an :class:`~iso20022.errors.IsoFormatError` that names the field
(``batches[0].payments[3].amount``). The rules are the bank's, not a version's: Latin-1 text
(:func:`bank_text`), MOD10/MOD11 KIDs (:func:`is_valid_kid`), Norwegian account and
organisation numbers, NOK amounts to the øre, identifiers unique in the file.
"""

from __future__ import annotations

import operator
import re
import unicodedata
from datetime import date, datetime
from decimal import Decimal

from stdnum.no import kontonr, orgnr

from ..errors import IsoFormatError
from .model import (
    CENT,
    MAX_AMOUNT,
    MAX_APPROVAL_REF_LENGTH,
    MAX_ID_LENGTH,
    MAX_MESSAGE_LENGTH,
    MAX_NAME_LENGTH,
    Pain001Batch,
    Pain001Message,
    Pain001Payment,
)

__all__ = ["AMOUNT_TEXT", "bank_text", "check_batch", "check_header", "check_payment", "is_valid_kid"]

_ID = re.compile(r"[!-~](?:[ -~]{0,33}[!-~])?")
_BIC = re.compile(r"[A-Z]{6}[A-Z2-9][A-NP-Z0-9](?:[A-Z0-9]{3})?")
# A NOK amount as a file writes it: plain digits, at most two decimals.
AMOUNT_TEXT = re.compile(r"\d{1,13}(?:\.\d{1,2})?")
_KID = re.compile(r"\d{2,25}")
_APPROVAL_REF = re.compile(r"[!-~](?:[ -~]{0,126}[!-~])?")


# ------------------------------------------------------------------------------ characters

# Plain equivalents for characters outside Latin-1 that people paste from word processors.
_REPLACEMENTS = {
    "\u2018": "'",
    "\u2019": "'",
    "\u201a": "'",
    "\u201b": "'",
    "\u2032": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u201f": '"',
    "\u2033": '"',
    "\u2010": "-",
    "\u2011": "-",
    "\u2012": "-",
    "\u2013": "-",
    "\u2014": "-",
    "\u2015": "-",
    "\u2212": "-",
    "\u2026": "...",
    "\u20ac": "EUR",
    "\u2022": "-",
    "\u00a0": " ",  # no-break space: printable Latin-1, but banks' matching treats it as a letter
    "\u00ad": "",  # soft hyphen: invisible, only confuses
    "\u0141": "L",  # Ł and ł have no decomposition, unlike most accented letters
    "\u0142": "l",
    "\u0110": "D",
    "\u0111": "d",
    "\u0152": "OE",
    "\u0153": "oe",
}


def _latin1_char(ch: str) -> str:
    mapped = _REPLACEMENTS.get(ch)
    if mapped is not None:
        return mapped
    code = ord(ch)
    if 0x20 <= code <= 0x7E or 0xA1 <= code <= 0xFF:
        return ch
    category = unicodedata.category(ch)
    if code < 0x20 or 0x7F <= code <= 0x9F or category in ("Zs", "Zl", "Zp"):
        return " "
    if category in ("Mn", "Me", "Cf"):
        return ""  # a stray accent or an invisible format character (zero-width space, BOM)
    base = unicodedata.normalize("NFKD", ch)
    kept = "".join(c for c in base if 0x20 <= ord(c) <= 0x7E or 0xA1 <= ord(c) <= 0xFF)
    return kept or "?"


# Everything outside printable Latin-1, plus the no-break space and the soft hyphen.
_NOT_BANK_TEXT = re.compile(r"[^\x20-\x7e\xa1-\xac\xae-\xff]")


def _replace_char(match: re.Match[str]) -> str:
    return _latin1_char(match.group())


def bank_text(value: str) -> str:
    """``value`` reduced to what Norwegian banks accept in text fields (see the module notes)."""
    # Nearly every real name and message is already fine: one regex scan, no per-character work.
    # (NFC cannot change a string of Latin-1 characters: it has no combining marks.)
    if _NOT_BANK_TEXT.search(value) is None:
        return value.strip()
    value = unicodedata.normalize("NFC", value)
    return _NOT_BANK_TEXT.sub(_replace_char, value).strip()


# ------------------------------------------------------------------------------- numbers


_LUHN_DOUBLED = str.maketrans("0123456789", "0246813579")  # digit → digit sum of twice it
_MOD11_WEIGHTS = (2, 3, 4, 5, 6, 7) * 5  # from the right, repeating, enough for 25 digits


def is_valid_kid(kid: str) -> bool:
    """A KID of 2–25 digits whose last digit is a valid MOD10 (Luhn) or MOD11 check digit.

    Written out rather than through python-stdnum's generic Luhn because it runs twice per
    payment on files of 10,000 payments; a property test holds it equal to stdnum's.
    """
    if not _KID.fullmatch(kid):
        return False
    rev = kid[::-1]
    if (sum(map(int, rev[0::2])) + sum(map(int, rev[1::2].translate(_LUHN_DOUBLED)))) % 10 == 0:
        return True
    check = (11 - sum(map(operator.mul, map(int, rev[1:]), _MOD11_WEIGHTS)) % 11) % 11
    # Remainder 10 would need a "-" check character, which is not a digit: no valid KID.
    return check != 10 and int(kid[-1]) == check


def _bban(value: object, where: str) -> str:
    if not isinstance(value, str):
        raise IsoFormatError("The account number must be given as text.", where)
    # Numbers usually arrive as 11 plain digits already; python-stdnum's clean-up is the slow part.
    compact = value if len(value) == 11 and value.isdigit() else kontonr.compact(value)
    if len(compact) != 11 or not compact.isdigit():
        raise IsoFormatError(f"Account number {value!r} must have 11 digits.", where)
    if not kontonr.is_valid(compact):
        raise IsoFormatError(f"Account number {value!r} has a wrong check digit (MOD11).", where)
    return compact


def _org_number(value: object, where: str) -> str:
    if not isinstance(value, str) or not orgnr.is_valid(value):
        raise IsoFormatError(f"Organisation number {value!r} is not a valid 9-digit number (MOD11).", where)
    return orgnr.compact(value)


def _identifier(value: object, label: str, where: str) -> str:
    if not isinstance(value, str) or not _ID.fullmatch(value):
        raise IsoFormatError(
            f"{label} {value!r} must be 1–{MAX_ID_LENGTH} printable ASCII characters, not starting or ending with a space.",
            where,
        )
    return value


def _name(value: object, label: str, where: str) -> str:
    if not isinstance(value, str):
        raise IsoFormatError(f"{label} must be text.", where)
    text = bank_text(value)[:MAX_NAME_LENGTH].rstrip()
    if not text:
        raise IsoFormatError(f"{label} is empty.", where)
    return text


def _amount_text(value: object, where: str) -> str:
    # Money is Decimal kroner end to end; a float here means someone lost øre on the way.
    if not isinstance(value, Decimal):
        raise IsoFormatError(f"The amount must be a Decimal in kroner, not {type(value).__name__}.", where)
    if not value.is_finite():
        raise IsoFormatError(f"The amount {value} is not a number.", where)
    if value <= 0:
        raise IsoFormatError(f"The amount must be more than zero, not {value}.", where)
    if value > MAX_AMOUNT:
        raise IsoFormatError(f"The amount {value} is more than the largest allowed ({MAX_AMOUNT}).", where)
    cents = value.quantize(CENT)
    if cents != value:
        raise IsoFormatError(f"The amount {value} has more than two decimals; NOK is paid to the øre.", where)
    return f"{cents:f}"


# ---------------------------------------------------------------------------- the whole input


def check_header(msg: Pain001Message) -> tuple[str, datetime, str, str, str | None]:
    """``(msg_id, created_at, initiator, initiator's org number, approval reference)``, checked."""
    msg_id = _identifier(msg.msg_id, "MsgId", "msg_id")
    created_at = msg.created_at
    if not isinstance(created_at, datetime) or created_at.utcoffset() is None:
        raise IsoFormatError("created_at must be a timezone-aware datetime.", "created_at")
    initiator = _name(msg.initiating_party_name, "The initiating party's name", "initiating_party_name")
    initiator_org = _org_number(msg.initiating_party_org_number, "initiating_party_org_number")
    if not msg.batches:
        raise IsoFormatError("A payment file needs at least one batch.", "batches")
    if not isinstance(msg.pre_approved, bool):
        raise IsoFormatError("pre_approved must be True or False.", "pre_approved")
    reference = msg.approval_reference
    if reference is not None:
        if not msg.pre_approved:
            # A signature on a file the bank will ask to approve again would be misleading.
            raise IsoFormatError(
                "An approval reference belongs only to a pre-approved (RgB) file.", "approval_reference"
            )
        if not isinstance(reference, str) or not _APPROVAL_REF.fullmatch(reference):
            raise IsoFormatError(
                f"The approval reference {reference!r} must be 1–{MAX_APPROVAL_REF_LENGTH} printable ASCII characters.",
                "approval_reference",
            )
    return msg_id, created_at, initiator, initiator_org, reference


def check_batch(batch: object, bw: str, seen: set[str]) -> tuple[str, date, str, str, str]:
    """``(pmt_inf_id, execution date, debtor, debtor's org number, debtor's account)`` of the
    batch at ``bw`` (``batches[0]``), checked; its PmtInfId is added to ``seen``."""
    if not isinstance(batch, Pain001Batch):
        raise IsoFormatError(f"Expected a Pain001Batch, got {type(batch).__name__}.", bw)
    pmt_inf_id = _identifier(batch.pmt_inf_id, "PmtInfId", f"{bw}.pmt_inf_id")
    if pmt_inf_id in seen:
        raise IsoFormatError(
            f"PmtInfId {pmt_inf_id!r} is used by two batches in one file.", f"{bw}.pmt_inf_id"
        )
    seen.add(pmt_inf_id)
    exec_date = batch.execution_date
    # datetime is a subclass of date; a time of day here means the caller mixed them up.
    if not isinstance(exec_date, date) or isinstance(exec_date, datetime):
        raise IsoFormatError("The execution date must be a date (not a datetime).", f"{bw}.execution_date")
    debtor = _name(batch.debtor_name, "The debtor's name", f"{bw}.debtor_name")
    debtor_org = _org_number(batch.debtor_org_number, f"{bw}.debtor_org_number")
    debtor_acct = _bban(batch.debtor_account, f"{bw}.debtor_account")
    if not isinstance(batch.debtor_bic, str) or not _BIC.fullmatch(batch.debtor_bic):
        raise IsoFormatError(f"BIC {batch.debtor_bic!r} is not a valid BIC.", f"{bw}.debtor_bic")
    if not isinstance(batch.batch_booking, bool):
        raise IsoFormatError("batch_booking must be True or False.", f"{bw}.batch_booking")
    if not batch.payments:
        raise IsoFormatError(f"Batch {pmt_inf_id!r} has no payments.", f"{bw}.payments")
    return pmt_inf_id, exec_date, debtor, debtor_org, debtor_acct


def check_payment(
    p: object, pw: str, seen_e2e: set[str], accounts: dict[str, str]
) -> tuple[str, str, str, str, str | None, str | None]:
    """``(EndToEndId, amount text, creditor, creditor's account, KID, message)`` of the payment
    at ``pw``, checked. ``seen_e2e`` gains its EndToEndId; ``accounts`` maps each account
    number as given to its checked form (suppliers are paid to the same accounts again and
    again: each number is checked once per file)."""
    if not isinstance(p, Pain001Payment):
        raise IsoFormatError(f"Expected a Pain001Payment, got {type(p).__name__}.", pw)
    e2e = _identifier(p.end_to_end_id, "EndToEndId", f"{pw}.end_to_end_id")
    if e2e in seen_e2e:
        raise IsoFormatError(f"EndToEndId {e2e!r} is used twice in one file.", f"{pw}.end_to_end_id")
    seen_e2e.add(e2e)
    amount = _amount_text(p.amount, f"{pw}.amount")
    creditor = _name(p.creditor_name, "The creditor's name", f"{pw}.creditor_name")
    creditor_acct = accounts.get(p.creditor_account)
    if creditor_acct is None:
        creditor_acct = accounts[p.creditor_account] = _bban(p.creditor_account, f"{pw}.creditor_account")
    kid = p.kid.strip() if isinstance(p.kid, str) else p.kid
    message = bank_text(p.message) if isinstance(p.message, str) else p.message
    if kid is not None and not isinstance(kid, str):
        raise IsoFormatError("The KID must be text.", f"{pw}.kid")
    if message is not None and not isinstance(message, str):
        raise IsoFormatError("The message must be text.", f"{pw}.message")
    kid = kid or None
    message = message or None
    if kid and message:
        # The bank would drop one of them; the creditor's matching depends on which.
        raise IsoFormatError("A payment carries a KID or a message, never both.", pw)
    if kid is not None and not is_valid_kid(kid):
        raise IsoFormatError(
            f"KID {kid!r} is not valid: 2–25 digits with a MOD10 or MOD11 check digit.", f"{pw}.kid"
        )
    if message is not None and len(message) > MAX_MESSAGE_LENGTH:
        raise IsoFormatError(
            f"The message is {len(message)} characters; the bank accepts at most {MAX_MESSAGE_LENGTH}.",
            f"{pw}.message",
        )
    return e2e, amount, creditor, creditor_acct, kid, message

"""Shape checks for Norwegian account numbers, with the messages users see.

Shared by bank accounts and suppliers: a wrong account number is the most expensive typo in
the product (the payment goes to someone else or bounces), so each way of getting it wrong
has its own message, in Norwegian and English.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from stdnum.no import kontonr

from bankint.errors import ValidationFailed


def clean_account_number(value, *, field: str = "account_number") -> str:
    """11 digits, MOD11; spaces and dots are accepted on input (``8601.11.17947``)."""
    raw = "" if value is None else str(value)
    digits = "".join(ch for ch in raw if ch not in " .\t")
    if not digits:
        message = _("Enter the account number (11 digits).")
    elif not digits.isascii() or not digits.isdigit():
        message = _("An account number has digits only: “%(value)s” contains other characters.") % {
            "value": raw
        }
    elif len(digits) != 11:
        message = _("An account number has 11 digits; “%(value)s” has %(count)d.") % {
            "value": raw,
            "count": len(digits),
        }
    elif not kontonr.is_valid(digits):
        message = _(
            "“%(value)s” has the wrong check digit (MOD11): check the account number for typing errors."
        ) % {"value": raw}
    elif digits[:4] == "0000":
        # 00000000000 passes MOD11, but no bank has the registry number 0000.
        message = _("“%(value)s” is not an account at any bank (the first four digits are 0000).") % {
            "value": raw
        }
    else:
        return digits
    raise ValidationFailed(message, fields={field: [message]})


def format_account_number(digits: str) -> str:
    """``86011117947`` → ``8601.11.17947``, the way Norwegians write it."""
    return kontonr.format(digits) if digits and len(digits) == 11 else digits or ""


def iban_for(digits: str) -> str:
    return kontonr.to_iban(digits) if digits and len(digits) == 11 else ""

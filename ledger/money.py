"""Amounts as users and integrations type them, checked before a service sees them.

Kroner are ``Decimal`` with at most two decimals (øre). Three decimals are refused rather
than rounded: rounding a typed 10.005 silently would book an amount nobody entered.
"""

from __future__ import annotations

import re
from decimal import Decimal

from django.utils.translation import gettext as _

from bankint.errors import ValidationFailed

MAX_AMOUNT = Decimal("9999999999999.99")  # max_digits=15, decimal_places=2


# The shape an integration sends: ASCII digits and a point. clean_amount then narrows it to the
# API's documented pattern ^-?[0-9]{1,13}(\.[0-9]{1,2})?$, with a message for each way it is not.
API_AMOUNT = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")
# What a Norwegian types in a form: "12 345,67", "12345,67", "12345.67" (spaces group thousands).
_UI_AMOUNT = re.compile(r"-?(?:[0-9]{1,3}(?: [0-9]{3})+|[0-9]+)(?:[,.][0-9]+)?")


def clean_amount(value, *, field: str = "amount", allow_negative: bool = False, allow_zero: bool = False):
    """A Decimal kroner amount from a typed string, an int or a Decimal; a specific message otherwise.

    Strings are read as people write amounts, nothing looser: ASCII digits, spaces between
    thousands, a comma or point before the øre. ``1E3``, ``1_000.00``, ``١٢٣`` (other scripts'
    digits), ``NaN`` and floats are refused, because ``Decimal()`` would take them and book an
    amount nobody typed. The API is stricter still (:data:`API_AMOUNT`, in ``AmountField``).
    """
    if isinstance(value, Decimal):
        amount = value if value.is_finite() else None
        text = str(value)
    elif isinstance(value, int) and not isinstance(value, bool):
        amount, text = Decimal(value), str(value)
    elif isinstance(value, str):
        text = value.strip().replace("\u00a0", " ").replace("\u202f", " ")
        amount = Decimal(text.replace(" ", "").replace(",", ".")) if _UI_AMOUNT.fullmatch(text) else None
    else:  # a float (a JSON number), a bool, a list …: never guessed at
        amount, text = None, "" if value is None else str(value)
    if not text:
        message = _("Enter an amount.")
    elif amount is None:
        message = _("“%(value)s” is not an amount: use digits and a decimal point, e.g. 1250.50.") % {
            "value": value
        }
    elif amount.as_tuple().exponent < -2 and amount != amount.quantize(Decimal("0.01")):
        message = _("Amounts have at most two decimals (øre): %(value)s has more.") % {"value": text}
    elif amount < 0 and not allow_negative:
        message = _("The amount cannot be negative.")
    elif amount == 0 and not allow_zero:
        message = _("The amount must be greater than zero.")
    elif abs(amount) > MAX_AMOUNT:
        message = _("The amount is too large.")
    else:
        return amount.quantize(Decimal("0.01"))
    raise ValidationFailed(message, fields={field: [message]})

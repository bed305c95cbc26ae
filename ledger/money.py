"""Amounts as users and integrations type them, checked before a service sees them.

Kroner are ``Decimal`` with at most two decimals (øre). Three decimals are refused rather
than rounded: rounding a typed 10.005 silently would book an amount nobody entered.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from bankint.errors import ValidationFailed

MAX_AMOUNT = Decimal("9999999999999.99")  # max_digits=15, decimal_places=2


def clean_amount(value, *, field: str = "amount", allow_negative: bool = False, allow_zero: bool = False):
    """A Decimal kroner amount from a string, int or Decimal; a specific message otherwise."""
    if isinstance(value, float):
        value = repr(value)  # JSON numbers arrive as floats; their shortest repr is what was typed
    text = str(value).strip().replace(" ", "").replace("\u00a0", "") if value is not None else ""
    if "," in text and "." not in text:
        text = text.replace(",", ".")  # Norwegians write 1250,50
    try:
        amount = Decimal(text)
    except (InvalidOperation, ValueError):
        amount = None
    if not text:
        message = _("Enter an amount.")
    elif amount is None or not amount.is_finite():
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

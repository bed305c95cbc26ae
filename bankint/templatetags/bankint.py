"""``{% load bankint %}``: the filters of :mod:`bankint.formatting`."""

from django import template

from bankint import formatting, stored_text

register = template.Library()

register.filter("amount", formatting.amount, is_safe=True)
register.filter("rate", formatting.rate, is_safe=True)
register.filter("day", formatting.day, is_safe=True)
register.filter("moment", formatting.moment, is_safe=True)
register.filter("account", formatting.account, is_safe=True)


@register.filter(is_safe=True)
def money(value, currency="NOK"):
    return formatting.money(value, currency or "NOK")


# Text stored as a message id and its values (notifications, reasons, notes): worded now.
register.filter("words", stored_text.render, is_safe=False)

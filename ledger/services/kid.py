"""Invoice settings: KID on or off, and its layout (the rules are in ``ledger.kid``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from bankint.errors import ValidationFailed
from companies.services import audit_record

from .. import kid as kidrules
from ..models import (
    InvoiceSettings,
    NumberSeries,
)
from .chart import number_peek


@dataclass(frozen=True)
class KidBankSide:
    """What the company's bank accounts say about KID.

    The rule spans two apps: KID needs an account that takes Nets OCR, and the bank must hear
    of a new KID layout once OCR is ordered. Bank accounts sit a layer above the ledger (they
    name its ledger accounts), so ``accounts`` hands these two questions down in its
    ``AppConfig.ready`` (``kid_bank_side_set``) instead of the ledger importing it.
    """

    takes_nets_ocr: Callable[[object], bool]  # an active account has Nets OCR among its incoming methods
    ocr_ordered: Callable[[object], bool]  # an active account has the OCR service ordered at the bank


_BANK_SIDE: list[KidBankSide] = []


def kid_bank_side_set(side: KidBankSide) -> None:
    _BANK_SIDE[:] = [side]


def _bank_side() -> KidBankSide:
    if not _BANK_SIDE:
        raise RuntimeError("no KidBankSide: the accounts app registers it in AccountsConfig.ready")
    return _BANK_SIDE[0]


def _layout_or_error(length: int, algorithm: str, customer_digits: int) -> kidrules.Layout:
    try:
        return kidrules.Layout(length, kidrules.Algorithm(algorithm), customer_digits)
    except ValueError:
        message = _(
            "With a KID of %(length)d digits and %(customer)d digits for the customer number there is no room "
            "for the invoice number."
        ) % {"length": length, "customer": customer_digits}
        raise ValidationFailed(message, fields={"kid_customer_digits": [message]}) from None


@transaction.atomic
def invoice_settings_update(company, **changes) -> tuple[InvoiceSettings, list[str]]:
    """Change KID settings; returns the settings and warnings the user must read.

    KID can be switched on only when an active account has Nets OCR among its incoming
    payment methods: payments by KID reach the ledger only through Nets OCR. Changing the KID
    structure after OCR has been ordered warns, because the bank rejects OCR payments whose
    KID does not match the agreement it holds, and only says so after processing.
    """
    bank = _bank_side()
    allowed = {"kid_enabled", "kid_length", "kid_algorithm", "kid_customer_digits"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationFailed(_("Unknown setting."), fields={k: [_("Unknown field.")] for k in unknown})
    current = InvoiceSettings.objects.select_for_update().filter(company=company).first()
    settings = current or InvoiceSettings(company=company)
    before = {k: getattr(settings, k) for k in allowed}
    for key, value in changes.items():
        setattr(settings, key, value)
    length = settings.kid_length
    if not isinstance(length, int) or not kidrules.GENERATED_MIN <= length <= kidrules.GENERATED_MAX:
        message = _("The KID length must be between %(min)d and %(max)d digits.") % {
            "min": kidrules.GENERATED_MIN,
            "max": kidrules.GENERATED_MAX,
        }
        raise ValidationFailed(message, fields={"kid_length": [message]})
    if settings.kid_algorithm not in {a.value for a in kidrules.Algorithm}:
        message = _("The check digit must be MOD10 or MOD11.")
        raise ValidationFailed(message, fields={"kid_algorithm": [message]})
    layout = _layout_or_error(length, settings.kid_algorithm, settings.kid_customer_digits)
    if settings.kid_enabled:
        if not before["kid_enabled"] and not bank.takes_nets_ocr(company):
            message = _(
                "KID can only be switched on when at least one active bank account has “Nets OCR” among its "
                "incoming payment methods."
            )
            raise ValidationFailed(message, code="nets_ocr_required", fields={"kid_enabled": [message]})
        next_invoice = number_peek(company, NumberSeries.Kind.INVOICE)
        if next_invoice > layout.max_invoice_number():
            message = _(
                "The next invoice number is %(next)d, but this KID layout holds invoice numbers up to %(max)d: "
                "choose a longer KID."
            ) % {"next": next_invoice, "max": layout.max_invoice_number()}
            raise ValidationFailed(message, fields={"kid_length": [message]})
        if layout.customer_digits and number_peek(company, NumberSeries.Kind.CUSTOMER) - 1 > (
            layout.max_customer_number()
        ):
            message = _("Customer numbers no longer fit in %(digits)d digits: allow more digits.") % {
                "digits": layout.customer_digits
            }
            raise ValidationFailed(message, fields={"kid_customer_digits": [message]})
    settings.save()
    after = {k: getattr(settings, k) for k in allowed}
    warnings: list[str] = []
    structure = ("kid_length", "kid_algorithm", "kid_customer_digits")
    structure_changed = current is not None and any(before[k] != after[k] for k in structure)
    if structure_changed and settings.kid_enabled and bank.ocr_ordered(company):
        warnings.append(
            _(
                "Nets OCR is already ordered: the KID structure in the bank's OCR agreement must match the new "
                "one (%(length)d digits, %(algorithm)s), or the bank will not accept the KIDs."
            )
            % {"length": settings.kid_length, "algorithm": settings.kid_algorithm}
        )
    diff = {k: {"before": before[k], "after": after[k]} for k in allowed if before[k] != after[k]}
    if diff:
        audit_record("invoice_settings.update", obj=settings, company=company, changes=diff)
    return settings, warnings

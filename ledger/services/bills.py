"""Suppliers and their bills, one at a time and a whole bank answer (pain.002, camt.054) at once."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bankint.errors import IllegalTransition, ValidationFailed
from companies.services import audit_record
from iso20022.pain001.abroad import CURRENCY_DECIMALS

from .. import kid as kidrules
from ..models import (
    Bill,
    ReferenceKind,
    Supplier,
    Voucher,
)
from ..money import clean_amount
from .chart import PAYABLES, PURCHASES
from .checks import check_dates
from .rates import rate_on
from .suppliers import clean_currency
from .vouchers import LineSpec, VoucherSpec, vouchers_insert


def clean_payment_reference(kid: str, message: str) -> tuple[str, str]:
    """The KID (compacted) and the message of a payment to a supplier, checked for what the bank
    carries: one of them, never both, and a message of at most 140 characters. The KID's own
    checks are the caller's (a bill and a payment word them differently)."""
    kid_value = kidrules.compact(kid or "")
    text = (message or "").strip()
    if kid_value and text:
        msg = _("Give either a KID or a message, not both: the bank carries only one of them.")
        raise ValidationFailed(msg, fields={"kid": [msg], "message": [msg]})
    if len(text) > 140:
        msg = _("The message can be at most 140 characters (it has %(count)d).") % {"count": len(text)}
        raise ValidationFailed(msg, fields={"message": [msg]})
    return kid_value, text


def clean_bill_reference(kid: str, message: str) -> tuple[str, str]:
    kid_value, text = clean_payment_reference(kid, message)
    if not kid_value and not text:
        msg = _("Give the KID or a message for the supplier.")
        raise ValidationFailed(msg, fields={"kid": [msg]})
    if kid_value:
        problem = kidrules.problem(kid_value)
        if problem is not None:
            msg = {
                kidrules.KidProblem.NOT_DIGITS: _("A KID has digits only (the last may be “-”): “%(kid)s”."),
                kidrules.KidProblem.LENGTH: _("A KID has 2 to 25 digits; “%(kid)s” has %(count)d."),
                kidrules.KidProblem.CHECK_DIGIT: _(
                    "KID “%(kid)s” has the wrong check digit (neither MOD10 nor MOD11): check it against the invoice."
                ),
            }.get(problem, _("Enter the KID.")) % {"kid": kid, "count": len(kid_value)}
            raise ValidationFailed(msg, fields={"kid": [msg]})
    return kid_value, text


def bill_create(
    company,
    *,
    supplier_id: int,
    amount,
    due_date: datetime.date,
    issue_date: datetime.date | None = None,
    kid: str = "",
    message: str = "",
    supplier_invoice_number: str = "",
    currency: str = "",
) -> Bill:
    """Register a supplier's invoice and book it: debit 4000 purchases, credit 2400 payables.

    A bill in another currency (by default the supplier's) is booked in NOK at the bank's rate
    on its issue date, kept on the bill (``nok_amount``, ``exchange_rate``): what its payment
    is later compared with, the difference being agio or disagio. The rate is looked up (and
    if need be asked of the bank) before the bill's transaction opens: no bank call inside it.
    """
    supplier = Supplier.objects.filter(company=company, pk=supplier_id).first()
    if supplier is None:
        msg = _("Supplier #%(id)s is not one of this company's suppliers.") % {"id": supplier_id}
        raise ValidationFailed(msg, fields={"supplier": [msg]})
    code = clean_currency(currency or supplier.currency)
    issue = issue_date or timezone.localdate()
    rate = None
    if code != "NOK" and isinstance(issue, datetime.date):
        rate = rate_on(code, min(issue, timezone.localdate()))
    return _bill_create(
        company,
        supplier=supplier,
        amount=amount,
        currency=code,
        rate=rate,
        due_date=due_date,
        issue=issue,
        kid=kid,
        message=message,
        supplier_invoice_number=supplier_invoice_number,
    )


def clean_currency_amount(amount, currency: str, field: str = "amount") -> Decimal:
    """An amount with no more decimals than its currency has (ISO 4217: the yen has none)."""
    decimals = CURRENCY_DECIMALS.get(currency, 2)
    # Said before the general amount check, whose øre message is NOK's.
    if _has_more_decimals(amount, decimals):
        if decimals == 0:
            msg = _("An amount in %(currency)s has no decimals: %(value)s has some.")
        else:
            msg = _("An amount in %(currency)s has at most %(decimals)d decimals: %(value)s has more.")
        msg = msg % {"currency": currency, "decimals": decimals, "value": amount}
        raise ValidationFailed(msg, fields={field: [msg]})
    return clean_amount(amount, field=field)


def _has_more_decimals(amount, decimals: int) -> bool:
    try:
        if isinstance(amount, Decimal):
            value = amount
        elif isinstance(amount, str):
            value = Decimal(amount.strip().replace(" ", "").replace("\u00a0", "").replace(",", "."))
        else:
            return False
    except InvalidOperation:
        return False
    return value.is_finite() and value != value.quantize(Decimal(1).scaleb(-decimals))


@transaction.atomic
def _bill_create(
    company, *, supplier, amount, currency, rate, due_date, issue, kid, message, supplier_invoice_number
) -> Bill:
    value = clean_currency_amount(amount, currency)
    if due_date is None:
        msg = _("Enter the due date.")
        raise ValidationFailed(msg, fields={"due_date": [msg]})
    check_dates(issue, due_date)
    kid_value, text = clean_bill_reference(kid, message)
    if currency == "NOK":
        nok = value
    elif rate is None:
        msg = _(
            "The bank's exchange rate for %(currency)s on %(date)s is not known yet, so the bill cannot "
            "be booked in NOK: try again in a while."
        ) % {"currency": currency, "date": issue.isoformat()}
        raise ValidationFailed(msg, fields={"currency": [msg]}, code="no_exchange_rate")
    else:
        nok = (value * rate).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    bill = Bill.objects.create(
        company=company,
        supplier=supplier,
        supplier_invoice_number=(supplier_invoice_number or "").strip()[:50],
        amount=value,
        currency=currency,
        nok_amount=None if currency == "NOK" else nok,
        exchange_rate=None if currency == "NOK" else rate,
        issue_date=issue,
        due_date=due_date,
        kid=kid_value,
        message=text,
    )
    voucher = vouchers_insert(
        company,
        [
            VoucherSpec(
                date=issue,
                text=_("Bill from %(supplier)s") % {"supplier": supplier.name},
                kind=Voucher.Kind.BILL,
                lines=[
                    LineSpec(PURCHASES, nok, bill_id=bill.pk),
                    LineSpec(PAYABLES, -nok, bill_id=bill.pk),
                ],
            )
        ],
        audit=False,
    )[0]
    Bill.objects.filter(pk=bill.pk).update(voucher=voucher)
    bill.voucher = voucher
    after = {"amount": f"{value:f}", "kid": kid_value}
    if currency != "NOK":
        after.update(currency=currency, nok_amount=f"{nok:.2f}", exchange_rate=f"{rate:f}")
    audit_record("bill.create", obj=bill, changes={"after": after})
    return bill


def _bill_transition(bill: Bill, target: str, **stamps) -> Bill:
    """Conditional update from the current state: two workers cannot both move the bill."""
    allowed_from = [s for s, targets in Bill.TRANSITIONS.items() if target in targets]
    claimed = Bill.objects.filter(pk=bill.pk, status__in=allowed_from).update(status=target, **stamps)
    if not claimed:
        current = Bill.objects.filter(pk=bill.pk).values_list("status", flat=True).first()
        raise IllegalTransition(
            _("The bill is %(current)s and cannot become %(target)s.")
            % {"current": Bill.Status(current).label, "target": Bill.Status(target).label}
        )
    before = bill.status
    bill.refresh_from_db()
    audit_record(f"bill.{target.lower()}", obj=bill, changes={"status": {"before": before, "after": target}})
    return bill


@transaction.atomic
def bill_schedule(bill: Bill) -> Bill:
    """The bill is in a payment on its way to the bank (the remittance issue calls this)."""
    return _bill_transition(bill, Bill.Status.SCHEDULED, scheduled_at=timezone.now())


@transaction.atomic
def bill_unschedule(bill: Bill) -> Bill:
    """The payment was withdrawn or rejected by the bank: the bill is open again."""
    return _bill_transition(bill, Bill.Status.OPEN, scheduled_at=None)


@transaction.atomic
def bill_mark_paid(bill: Bill, *, bank_account, date: datetime.date, end_to_end_id: str = "") -> Bill:
    """The bank booked the payment (camt.054): debit payables, credit the bank's ledger account.

    The bank line carries the EndToEndId, which is what the camt.053 entry echoes and
    reconciliation matches on.
    """
    if bank_account.company_id != bill.company_id:
        message = _("The bank account is not one of this company's accounts.")
        raise ValidationFailed(message, fields={"bank_account": [message]})
    bill = _bill_transition(bill, Bill.Status.PAID, paid_at=timezone.now())
    voucher = vouchers_insert(
        bill.company,
        [
            VoucherSpec(
                date=date,
                text=_("Payment to %(supplier)s") % {"supplier": bill.supplier.name},
                kind=Voucher.Kind.PAYMENT_OUT,
                lines=[
                    LineSpec(PAYABLES, bill.amount, bill_id=bill.pk),
                    LineSpec(
                        bank_account.ledger_account,
                        -bill.amount,
                        bank_account=bank_account,
                        reference_kind=ReferenceKind.E2E if end_to_end_id else ReferenceKind.NONE,
                        reference=end_to_end_id,
                        bill_id=bill.pk,
                    ),
                ],
            )
        ],
        audit=False,
    )[0]
    Bill.objects.filter(pk=bill.pk).update(payment_voucher=voucher)
    bill.payment_voucher = voucher
    return bill


# --- bulk bill transitions for the remittance issue (a whole pain.002 or camt.054 at once) -----


@transaction.atomic
def bills_unschedule_bulk(company, bill_ids: Sequence[int]) -> int:
    """Rejected payments: their bills are open again (only those still SCHEDULED)."""
    ids = sorted(set(bill_ids))
    if not ids:
        return 0
    count = Bill.objects.filter(company=company, pk__in=ids, status=Bill.Status.SCHEDULED).update(
        status=Bill.Status.OPEN, scheduled_at=None
    )
    if count:
        audit_record("bill.open_bulk", company=company, changes={"bill_ids": ids, "count": count})
    return count


@transaction.atomic
def bills_mark_paid_bulk(company, payment_vouchers: dict[int, int]) -> int:
    """Booked payments (camt.054): bill id → the payment voucher already posted for it."""
    if not payment_vouchers:
        return 0
    bills = list(
        Bill.objects.filter(company=company, pk__in=list(payment_vouchers), status=Bill.Status.SCHEDULED)
    )
    now = timezone.now()
    for bill in bills:
        bill.status, bill.paid_at = Bill.Status.PAID, now
        bill.payment_voucher_id = payment_vouchers[bill.pk]
    Bill.objects.bulk_update(bills, ["status", "paid_at", "payment_voucher"], batch_size=1000)
    if bills:
        audit_record(
            "bill.paid_bulk",
            company=company,
            changes={"bill_ids": [b.pk for b in bills], "count": len(bills)},
        )
    return len(bills)


# --- bills paid outside the ERP (in the online bank), found on the bank statement -------------


def _booked(bill: Bill) -> Decimal:
    """What the bill's voucher credited payables with, in NOK."""
    return bill.nok_amount if bill.nok_amount is not None else bill.amount


@transaction.atomic
def bills_pay_from_bank(
    company,
    bill_ids: Sequence[int],
    *,
    bank_account,
    date: datetime.date,
    text: str,
    adjustments: Sequence[LineSpec] = (),
) -> Voucher:
    """Open bills the bank statement shows paid (paid in the online bank, not through the ERP).

    One payment voucher debits payables (2400) per bill and credits the bank's ledger account
    with what balances it after ``adjustments`` (a small difference to the rounding account: a
    bill paid 0.50 short credits it 0.50, and the bank is credited the 0.50 less); the
    bills become PAID with it as their payment voucher. Only OPEN bills: a SCHEDULED one is on
    its way to the bank in a batch, which books it. A bill is paid in full (a bill has no
    partly paid state). ``bills_payment_undo`` is the way back.
    """
    if bank_account.company_id != company.pk:
        message = _("The bank account is not one of this company's accounts.")
        raise ValidationFailed(message, fields={"bank_account": [message]})
    ids = sorted(set(bill_ids))
    bills = list(
        Bill.objects.select_for_update().filter(company=company, pk__in=ids).select_related("supplier")
    )
    if not ids or len(bills) != len(ids):
        message = _("Some of the selected bills are not this company's bills.")
        raise ValidationFailed(message, fields={"bills": [message]})
    not_open = [b for b in bills if b.status != Bill.Status.OPEN]
    if not_open:
        raise IllegalTransition(
            _("The bill %(bill)s is %(status)s, not open.")
            % {"bill": not_open[0], "status": not_open[0].get_status_display().lower()}
        )
    # A bill in currency was booked in NOK (nok_amount): that is what payables holds for it.
    total = sum((_booked(b) for b in bills), Decimal("0.00"))
    bank_amount = total + sum((line.amount for line in adjustments), Decimal("0.00"))
    voucher = vouchers_insert(
        company,
        [
            VoucherSpec(
                date=date,
                text=text,
                kind=Voucher.Kind.PAYMENT_OUT,
                lines=[
                    *(LineSpec(PAYABLES, _booked(b), bill_id=b.pk) for b in bills),
                    *adjustments,
                    LineSpec(bank_account.ledger_account, -bank_amount, bank_account=bank_account),
                ],
            )
        ],
        audit=False,
    )[0]
    Bill.objects.filter(pk__in=ids).update(
        status=Bill.Status.PAID, paid_at=timezone.now(), payment_voucher=voucher
    )
    audit_record(
        "bill.paid_from_bank",
        obj=voucher,
        company=company,
        changes={"bill_ids": ids, "total": f"{total:.2f}", "bank": f"{bank_amount:.2f}"},
    )
    return voucher


@transaction.atomic
def bills_payment_undo(company, voucher: Voucher) -> int:
    """The bills ``bills_pay_from_bank`` paid with ``voucher`` are open again (its reversal is the caller's)."""
    ids = sorted(
        Bill.objects.select_for_update()
        .filter(company=company, payment_voucher=voucher, status=Bill.Status.PAID)
        .values_list("pk", flat=True)
    )
    Bill.objects.filter(pk__in=ids).update(status=Bill.Status.OPEN, paid_at=None, payment_voucher=None)
    if ids:
        audit_record("bill.open_bulk", company=company, changes={"bill_ids": ids, "count": len(ids)})
    return len(ids)

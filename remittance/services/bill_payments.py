"""Pay many open bills at once: one payment per bill, then the payments in draft batches.

All or nothing, in one transaction: a bill that cannot be paid (not open, not this company's,
a supplier account the bank would refuse, a possible duplicate) stops the whole run and names
the bill, so nothing is half-paid. Each bill is paid on its own due date unless one date is
given for all; a bill already due is paid on the first banking day from today, and the result
says which bills those are.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from bankint.errors import Conflict, DomainError, ValidationFailed
from bankint.formatting import day
from ledger.models import Bill
from ledger.services.rates import rate_on

from ..banking_days import NoBankingDay, banking_day_on_or_after
from ..models import Payment, PaymentBatch
from .batches import payment_batches_build
from .payments import payment_create_from_bill

# Enough for a month's supplier bills; more at once is a job for the API, page by page.
MAX_BILLS = 500
MAX_LISTED = 5


@dataclass
class BillsPaid:
    payments: list[Payment]
    batches: list[PaymentBatch]
    warnings: list[str] = field(default_factory=list)


def _bill_label(bill: Bill) -> str:
    number = bill.supplier_invoice_number or f"#{bill.pk}"
    return _("%(supplier)s, invoice %(number)s") % {"supplier": bill.supplier.name, "number": number}


def _listed(labels: list[str]) -> str:
    shown = "; ".join(labels[:MAX_LISTED])
    more = len(labels) - MAX_LISTED
    if more > 0:
        shown += " " + ngettext("and %(n)d more", "and %(n)d more", more) % {"n": more}
    return shown


def _bills(company, bill_ids) -> list[Bill]:
    ids = []
    for value in bill_ids or ():
        try:
            pk = int(value)
        except (TypeError, ValueError):
            continue
        if pk not in ids:
            ids.append(pk)
    if not ids:
        msg = _("Choose at least one bill to pay.")
        raise ValidationFailed(msg, fields={"bill_ids": [msg]}, code="no_bills")
    if len(ids) > MAX_BILLS:
        msg = _("Choose at most %(max)d bills at a time.") % {"max": MAX_BILLS}
        raise ValidationFailed(msg, fields={"bill_ids": [msg]})
    # Locked, so two people paying the same bills at once cannot both get past the checks.
    bills = list(
        Bill.objects.select_for_update(of=("self",))
        .select_related("supplier")
        .filter(company=company, pk__in=ids)
        .order_by("due_date", "pk")
    )
    if len(bills) != len(ids):
        msg = _("Some of the chosen bills are not this company's bills: reload the page and choose again.")
        raise ValidationFailed(msg, fields={"bill_ids": [msg]})
    taken = [b for b in bills if b.status != Bill.Status.OPEN]
    if taken:
        raise Conflict(
            _("These bills are already in a payment or paid: %(bills)s. Reload the page and choose again.")
            % {"bills": _listed([_bill_label(b) for b in taken])},
            code="bill_not_open",
        )
    return bills


def bills_pay(
    company,
    *,
    bill_ids,
    bank_account_id,
    execution_date: date | None = None,
    confirm_duplicate: bool = False,
    user=None,
    charge_bearer: str = "",
    urgent: bool = False,
    regulatory_code: str = "",
    regulatory_text: str = "",
) -> BillsPaid:
    """Pay the chosen open bills from one account and put the payments in draft batches.

    Without ``execution_date`` each bill is paid on its due date (moved to a banking day); a
    bill whose due date has passed is paid on the first banking day from today, and the
    result's ``warnings`` list those bills. The duplicate check of a single payment applies
    to each (``confirm_duplicate`` to pay anyway). One batch per account, execution date and
    currency. Bills to suppliers abroad are paid to their IBAN in the bill's currency; the
    charges, urgency and the Currency Register's code and text given apply to each of them
    (a bill above NOK 100 000 without them stops the run and is named).

    The bank's rates for the bills' currencies are fetched first, outside the transaction
    (no bank call inside it); the payments then read them from the table.
    """
    today = timezone.localdate()
    currencies = set(
        Bill.objects.filter(company=company, pk__in=_ids(bill_ids))
        .exclude(currency="NOK")
        .values_list("currency", flat=True)
    )
    for code in sorted(currencies):
        rate_on(code, today)
    return _bills_pay(
        company,
        bill_ids=bill_ids,
        bank_account_id=bank_account_id,
        execution_date=execution_date,
        confirm_duplicate=confirm_duplicate,
        user=user,
        options={
            "charge_bearer": charge_bearer,
            "urgent": urgent,
            "regulatory_code": regulatory_code,
            "regulatory_text": regulatory_text,
        },
    )


def _ids(bill_ids) -> list[int]:
    ids = []
    for value in bill_ids or ():
        try:
            ids.append(int(value))
        except (TypeError, ValueError):
            continue
    return ids


@transaction.atomic
def _bills_pay(
    company, *, bill_ids, bank_account_id, execution_date, confirm_duplicate, user, options
) -> BillsPaid:
    bills = _bills(company, bill_ids)
    today = timezone.localdate()
    overdue = [b for b in bills if b.due_date < today] if execution_date is None else []
    if overdue:
        try:
            first = banking_day_on_or_after(today)
        except NoBankingDay:  # not reachable from a real today: leave the refusal to the payment
            first = today
    payments = []
    notices: list[str] = []
    for bill in bills:
        # A bill already due is paid on the first banking day (said once, in the warning below).
        wanted = execution_date or (bill.due_date if bill.due_date >= today else first)
        try:
            payment = payment_create_from_bill(
                company,
                bill_id=bill.pk,
                bank_account_id=bank_account_id,
                execution_date=wanted,
                confirm_duplicate=confirm_duplicate,
                user=user,
                fetch_rates=False,
                **(options if bill.supplier.is_abroad else {}),
            )
        except DomainError as exc:
            # The same error, saying which bill: the whole run is undone with it.
            def named(text: str, bill=bill) -> str:
                return _("%(bill)s: %(error)s") % {"bill": _bill_label(bill), "error": text}

            fields = {name: [named(m) for m in messages] for name, messages in exc.fields.items()}
            raise type(exc)(named(exc.message), code=exc.code, fields=fields) from exc
        payments.append(payment)
        notices.extend(n for n in payment.notices if n not in notices)
    batches = payment_batches_build(company, payment_ids=[p.pk for p in payments], user=user)
    warnings = []
    if overdue:
        warnings.append(
            ngettext(
                "%(count)d bill is already due and is paid on the first banking day, %(date)s: %(bills)s.",
                "%(count)d bills are already due and are paid on the first banking day, %(date)s: %(bills)s.",
                len(overdue),
            )
            % {
                "count": len(overdue),
                "date": day(first),
                "bills": _listed(
                    [
                        _("%(bill)s (due %(date)s)") % {"bill": _bill_label(b), "date": day(b.due_date)}
                        for b in overdue
                    ]
                ),
            }
        )
    return BillsPaid(payments=payments, batches=batches, warnings=warnings + notices)

"""Payments executed on their execution date: each accepted payment is booked on the
debtor's account with its fee (or rejected AM04 when the account does not cover it),
credited the same day if the creditor's account is in the simulator, and told to the
customer in a camt.054 debit notification per batch.

A payment in another currency than the account's is bought at the bank's published rate of
the booking day (``rates``): the account is debited round(amount × rate, 2) kroner, half up,
and the entry keeps the instructed amount and the rate for camt.054/053 (``AmtDtls``)."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import transaction

from banksim import clock, formats
from banksim.models import (
    Account,
    DebitNotification,
    Entry,
    IncomingKidPayment,
    Payment,
    PaymentBatch,
    PaymentFile,
    SimState,
)
from banksim.services.books import book, camt_store
from banksim.services.payment_status import refresh_file
from banksim.services.rates import rate as exchange_rate

CENT = Decimal("0.01")


def debit_amount(payment: Payment, account: Account, day: date) -> tuple[Decimal, Decimal | None]:
    """What ``payment`` costs ``account`` on ``day`` in the account's currency, and the rate
    used (None when the payment is in the account's own currency). A NOK account buys the
    currency at the day's rate; a currency account pays only its own currency (AM03 on entry)."""
    if payment.currency == account.currency:
        return payment.amount.quantize(CENT, rounding=ROUND_HALF_UP), None
    rate = exchange_rate(payment.currency, day) / exchange_rate(account.currency, day)
    return (payment.amount * rate).quantize(CENT, rounding=ROUND_HALF_UP), rate


def fee_amount(account: Account, day: date) -> Decimal:
    """The NOK fee per payment, in the account's currency (a currency account is charged the
    fee's value at the day's rate)."""
    fee = settings.BANKSIM_PAYMENT_FEE
    if account.currency == "NOK" or not fee:
        return fee
    return (fee / exchange_rate(account.currency, day)).quantize(CENT, rounding=ROUND_HALF_UP)


def book_today() -> None:
    """Book what has fallen due today at once, on a banking day: a file received or approved
    after the day's bookings ran must not wait for tomorrow's."""
    with transaction.atomic():
        st = SimState.objects.select_for_update().get(pk=1)
        today = clock.today(st)
        if clock.is_banking_day(today):
            book_payments(day=today)


def book_payments(day: date) -> None:
    """Book every accepted payment due on ``day``; an uncovered one is rejected AM04."""
    batches = (
        PaymentBatch.objects.filter(payments__status="ACSP", execution_date__lte=day)
        .distinct()
        .select_related("file")
        .order_by("pk")
    )
    touched: dict[int, PaymentFile] = {}
    for batch in batches:
        account = Account.objects.get(number=batch.debtor_account)
        fee = fee_amount(account, day)
        booked: list[Entry] = []
        for payment in batch.payments.filter(status="ACSP").order_by("pk"):
            amount, rate = debit_amount(payment, account, day)
            if account.balance < amount + fee:
                payment.status, payment.reason = "RJCT", "AM04"
                payment.reason_text = f"Ikke dekning på konto {account.number}."
                payment.save()
                continue
            booked.append(
                book(
                    account,
                    -amount,
                    Entry.Kind.PAYMENT,
                    day,
                    text=(payment.message or payment.creditor_name or "Betaling")[:140],
                    msg_id=batch.file.msg_id,
                    pmt_inf_id=batch.pmt_inf_id,
                    end_to_end_id=payment.end_to_end_id,
                    kid=payment.kid[:25],
                    counterparty_name=payment.creditor_name,
                    counterparty_account=payment.creditor_account,
                    payment=payment,
                    uetr=payment.uetr,
                    **_instructed(payment, rate),
                )
            )
            if fee:
                book(account, -fee, Entry.Kind.FEE, day, text=f"Gebyr betaling {payment.end_to_end_id}"[:140])
            payment.status, payment.booked_date = "ACSC", day
            payment.booked_amount, payment.exchange_rate = amount, rate
            payment.save()
            _credit_internal(payment, account, day)
        if booked:
            _debit_notification(account, batch, booked)
        touched[batch.file_id] = batch.file
    for payment_file in touched.values():
        refresh_file(payment_file)


def _instructed(payment: Payment, rate: Decimal | None) -> dict:
    """An entry's foreign part: the amount instructed in its currency and the rate, if any."""
    if rate is None:
        return {}
    return {
        "instructed_amount": payment.amount,
        "instructed_currency": payment.currency,
        "exchange_rate": rate,
    }


def _credit_internal(payment: Payment, debtor: Account, day: date) -> None:
    """A payment to another account in the simulator arrives there the same day (in the
    payee's currency, at the day's rate when the payment was in another one)."""
    payee = Account.objects.filter(number=payment.creditor_account).first()
    if payee is None:
        return
    amount, _rate = debit_amount(payment, payee, day)
    if payment.kid and payee.has_ocr:
        IncomingKidPayment.objects.create(
            account=payee, amount=amount, kid=payment.kid, payer_account=debtor.number, received_date=day
        )
    else:
        book(
            payee,
            amount,
            Entry.Kind.INCOMING,
            day,
            text=(payment.message or f"Fra {debtor.customer.name}")[:140],
            end_to_end_id=payment.end_to_end_id,
            kid=payment.kid[:25],
            counterparty_name=debtor.customer.name,
            counterparty_account=debtor.number,
        )


def _debit_notification(account: Account, batch: PaymentBatch, entries: list[Entry]) -> None:
    note = DebitNotification.objects.create(
        account=account,
        msg_id=batch.file.msg_id,
        pmt_inf_id=batch.pmt_inf_id,
        booking_date=entries[0].booking_date,
        xml=b"",
        created_at=clock.now(),
    )
    camt_store(
        note,
        formats.write_camt054,
        "C54",
        entries,
        "debit_notification.created",
        {"msg_id": note.msg_id, "pmt_inf_id": note.pmt_inf_id, "booking_date": note.booking_date.isoformat()},
    )

"""camt.054 debit notifications: the payments the bank debited, booked once each (vouchers,
bills paid), a payment in currency at the amount the bank debited with the difference to its
bill as agio or disagio, in a constant number of queries per notification."""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_

from bankint.errors import BankFileRejected
from bankint.stored_text import stored
from companies.services import audit_record
from iso20022.camt053 import Camt053Fx
from iso20022.camt054 import Camt054Report, parse_camt054
from iso20022.errors import IsoFormatError
from ledger.models import ReferenceKind, Voucher
from ledger.services import (
    PAYABLES,
    LineSpec,
    VoucherSpec,
    bills_mark_paid_bulk,
    ledger_account_ensure,
    vouchers_post_bulk,
)
from notifications.models import Notification
from notifications.services import notify

from ..models import BankReport, Payment, PaymentBatch
from .bank_answers import _batch_status_from, _move_batch
from .common import B, P, file_reason

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class _Booked:
    """What a camt.054 says the bank debited for one payment: the day, the amount in the
    account's currency, and (a payment in currency) the amount sent with the bank's exchange."""

    day: date
    amount: Decimal
    currency: str
    foreign: Camt053Fx | None = None


def _notify_booked_otherwise(company, payments: list[Payment], booked: dict[int, _Booked], sha: str) -> None:
    lines = [
        stored(
            N_("%(e2e)s: %(currency)s %(amount)s booked, the payment is %(own_currency)s %(own_amount)s"),
            e2e=p.end_to_end_id,
            currency=booked[p.pk].currency,
            amount=booked[p.pk].amount,
            own_currency=p.currency,
            own_amount=p.amount,
        )
        for p in payments
    ]
    notify(
        company,
        title=stored(N_("The bank booked payments at another amount")),
        body=stored(
            N_(
                "A debit notification from the bank books %(count)d payment(s) at an amount or currency other "
                "than the payment's: %(lines)s. They are not booked in the ledger; check them with the bank."
            ),
            count=len(payments),
            lines=lines,
        ),
        level=Notification.Level.WARNING,
        link="/payments/batches/",
        dedup_key=f"remittance:camt054-amount:{sha[:16]}",
    )


def payment_batch_book_camt054(company, content: bytes, *, notification_id: str = "") -> list[PaymentBatch]:
    """Book the payments a camt.054 debit notification reports: vouchers, bills paid, EndToEndIds.

    A payment is found by its EndToEndId, or by its UETR when the bank gives none
    (``NOTPROVIDED``). It is booked for what it is only when the bank booked that: the same
    amount in the same currency, or, for a payment in another currency than the account's,
    that amount sent (``AmtDtls``) and what it cost in the account's currency, which is what
    is booked (with the exchange difference against the bill). Anything else (another amount,
    another currency) is left unbooked and said in a warning, never posted at the payment's
    amount as if the bank had agreed.
    """
    report = _read_camt054(content)
    sha = hashlib.sha256(content).hexdigest()
    by_e2e, by_uetr = _booked_debits(report)
    with transaction.atomic():
        found = Q(end_to_end_id__in=list(by_e2e))
        if by_uetr:
            found |= Q(uetr__in=list(by_uetr))
        payments = list(
            Payment.objects.select_for_update(of=("self",))
            .filter(found, company=company)
            .select_related("bank_account", "batch", "bill")
            .order_by("id")
        )
        booked = {p.pk: by_e2e.get(p.end_to_end_id) or by_uetr[str(p.uetr)] for p in payments}
        batch_ids = sorted({p.batch_id for p in payments if p.batch_id})
        batches = {
            b.pk: b
            for b in PaymentBatch.objects.select_for_update(of=("self",))
            .filter(pk__in=batch_ids)
            .select_related("bank_account", "company")
        }
        known = set(
            BankReport.objects.filter(
                batch_id__in=batch_ids, kind=BankReport.Kind.CAMT054, sha256=sha
            ).values_list("batch_id", flat=True)
        )
        to_book = [p for p in payments if p.status != P.BOOKED and p.batch_id not in known]
        to_book = _booked_as_paid(company, to_book, booked, sha)
        _book_payments(company, to_book, booked)
        reference = str(notification_id or report.msg_id)[:64]
        BankReport.objects.bulk_create(
            _camt054_reports(
                company, [b for b in batch_ids if b not in known], to_book, reference, content, sha
            ),
            ignore_conflicts=True,
        )
        out = _batches_follow_payments(batches, batch_ids)
        if to_book:
            audit_record(
                "payment.book_bulk",
                company=company,
                changes={"count": len(to_book), "batches": batch_ids, "notification": str(notification_id)},
            )
    return out


def _read_camt054(content: bytes) -> Camt054Report:
    try:
        return parse_camt054(content)
    except IsoFormatError as exc:
        raise BankFileRejected(
            _("The bank's debit notification could not be read: %(error)s") % {"error": file_reason(exc)}
        ) from exc


def _uetr(text: str | None) -> str | None:
    """A UETR as ``Payment.uetr`` reads back (lower-case, hyphenated), or None if it is not one."""
    try:
        return str(uuid.UUID(text)) if text else None
    except ValueError:
        return None


def _booked_debits(report: Camt054Report) -> tuple[dict[str, _Booked], dict[str, _Booked]]:
    """EndToEndId → booking, and UETR → booking for the transactions the bank names without an
    EndToEndId, of the booked debits the notification reports (not reversals, not pending)."""
    by_e2e: dict[str, _Booked] = {}
    by_uetr: dict[str, _Booked] = {}
    for _ntf, entry, tx in report.transactions():
        if entry.credit_debit != "DBIT" or entry.reversal or entry.status != "BOOK":
            continue
        booking = _Booked(entry.booking_date or timezone.localdate(), tx.amount, tx.currency, tx.foreign)
        if tx.end_to_end_id and tx.end_to_end_id != "NOTPROVIDED":
            by_e2e[tx.end_to_end_id] = booking
        elif (uetr := _uetr(tx.uetr)) is not None:
            by_uetr[uetr] = booking
    return by_e2e, by_uetr


def _converted(p: Payment, b: _Booked) -> bool:
    """A payment in another currency than its account's, which the bank sent as asked and
    debited in the account's currency."""
    return (
        p.currency != b.currency
        and b.currency == p.bank_account.currency
        and b.foreign is not None
        and (b.foreign.amount, b.foreign.currency) == (p.amount, p.currency)
    )


def _booked_as_paid(company, to_book: list[Payment], booked: dict[int, _Booked], sha: str) -> list[Payment]:
    """The payments the bank booked at their own amount and currency (or, in currency, sent at
    it); the others are left unbooked and said in one warning."""
    differing = [
        p
        for p in to_book
        if (booked[p.pk].amount, booked[p.pk].currency) != (p.amount, p.currency)
        and not _converted(p, booked[p.pk])
    ]
    if differing:
        to_book = [p for p in to_book if p not in differing]
        _notify_booked_otherwise(company, differing, booked, sha)
    return to_book


RATE_PLACES = Decimal("1E-10")  # Payment.exchange_rate's decimal places


def exchange_rate(amount: Decimal, foreign: Camt053Fx) -> Decimal:
    """Units of the account's currency for one unit of the payment's, as the bank debited it.

    Banks quote ``CcyXchg`` either way round (SrcCcy NOK, TrgtCcy USD, XchgRate 0.0903 or
    SrcCcy EUR, TrgtCcy NOK, XchgRate 11.72): the bank's own rate is taken the way that
    agrees with what it debited, and without one the rate is what it debited per unit sent.
    """
    actual = amount / foreign.amount
    given = foreign.rate
    rate = min((given, 1 / given), key=lambda r: abs(r - actual)) if given else actual
    return rate.quantize(RATE_PLACES)


def _payables_value(p: Payment, nok: Decimal) -> Decimal:
    """What paying the payment takes off payables, in the ledger's currency: the bill's value
    in NOK as it was booked (``Bill.nok_amount``; a share of it for a part), else what the bank
    debited (no exchange difference without a booked value)."""
    bill = p.bill
    if bill is None or bill.nok_amount is None or bill.currency != p.currency or not bill.amount:
        return nok
    if p.amount == bill.amount:
        return bill.nok_amount
    return (bill.nok_amount * p.amount / bill.amount).quantize(Decimal("0.01"))


def _lines(p: Payment, b: _Booked) -> list[LineSpec]:
    """The payment voucher's lines: payables debited, the bank account credited with what the
    bank debited (the EndToEndId on its line, for reconciliation), and for a payment in
    currency the difference to the bill's booked value as agio (a gain, credited) or disagio
    (a loss, debited) on the account's exchange accounts, never as a bank fee."""
    account = p.bank_account
    paid = b.amount if _converted(p, b) else p.amount
    payables = _payables_value(p, paid) if _converted(p, b) else p.amount
    lines = [LineSpec(PAYABLES, payables, bill_id=p.bill_id)]
    difference = paid - payables
    if difference > 0:
        lines.append(LineSpec(account.exchange_loss_account, difference, text=_("Exchange loss (disagio)")))
    elif difference < 0:
        lines.append(LineSpec(account.exchange_gain_account, difference, text=_("Exchange gain (agio)")))
    lines.append(
        LineSpec(
            account.ledger_account,
            -paid,
            bank_account=account,
            reference_kind=ReferenceKind.E2E,
            reference=p.end_to_end_id,
            bill_id=p.bill_id,
        )
    )
    return lines


# Norwegian standard chart (NS 4102) names of the exchange accounts a company may not have yet.
_EXCHANGE_ACCOUNT_NAMES = {"gain": "Valutagevinst (agio)", "loss": "Valutatap (disagio)"}


def _exchange_accounts_ensure(company, specs: list[VoucherSpec], to_book: list[Payment]) -> None:
    """The agio/disagio accounts the vouchers use join the chart (a company whose chart predates
    them has neither): one look-up per account used, not per payment."""
    wanted: dict[str, str] = {}
    for p in to_book:
        wanted.setdefault(p.bank_account.exchange_gain_account, _EXCHANGE_ACCOUNT_NAMES["gain"])
        wanted.setdefault(p.bank_account.exchange_loss_account, _EXCHANGE_ACCOUNT_NAMES["loss"])
    used = {line.ledger_account for spec in specs for line in spec.lines}
    for number, name in wanted.items():
        if number in used:
            ledger_account_ensure(company, number, name)


def _book_payments(company, to_book: list[Payment], booked: dict[int, _Booked]) -> None:
    """One voucher per payment (payables debited, the bank account credited with the
    EndToEndId, an exchange difference where a payment in currency cost more or less than its
    bill was booked at), the payments BOOKED with what the bank debited and its rate, and their
    bills paid: a bulk statement each."""
    specs = [
        VoucherSpec(
            date=booked[p.pk].day,
            text=(_("Payment to %(creditor)s") % {"creditor": p.creditor_name})[:200],
            kind=Voucher.Kind.PAYMENT_OUT,
            lines=_lines(p, booked[p.pk]),
        )
        for p in to_book
    ]
    if any(len(spec.lines) > 2 for spec in specs):
        _exchange_accounts_ensure(company, specs, to_book)
    vouchers = vouchers_post_bulk(company, specs) if specs else []
    now = timezone.now()
    for p, v in zip(to_book, vouchers, strict=True):
        b = booked[p.pk]
        p.status, p.voucher, p.booked_at, p.booked_date, p.bank_status = (P.BOOKED, v, now, b.day, "ACSC")
        p.booked_amount = b.amount
        p.exchange_rate = exchange_rate(b.amount, b.foreign) if _converted(p, b) else None
    Payment.objects.bulk_update(
        to_book,
        ["status", "voucher", "booked_at", "booked_date", "bank_status", "booked_amount", "exchange_rate"],
        batch_size=2000,
    )
    bills_mark_paid_bulk(
        company, {p.bill_id: v.pk for p, v in zip(to_book, vouchers, strict=True) if p.bill_id}
    )


def _camt054_reports(
    company, batch_ids: list[int], booked: list[Payment], reference: str, content: bytes, sha: str
) -> list[BankReport]:
    """The notification as received, stored once for each batch it books payments of."""
    return [
        BankReport(
            company=company,
            batch_id=bid,
            kind=BankReport.Kind.CAMT054,
            bank_reference=reference,
            content=content,
            sha256=sha,
            status="BOOK",
            summary=_("%(count)d payment(s) booked") % {"count": sum(1 for p in booked if p.batch_id == bid)},
        )
        for bid in batch_ids
    ]


def _batches_follow_payments(batches: dict[int, PaymentBatch], batch_ids: list[int]) -> list[PaymentBatch]:
    """Each batch moved to the state its payments now add up to (one query for the counts)."""
    counts: dict[int, Counter] = {bid: Counter() for bid in batch_ids}
    for bid, status in Payment.objects.filter(batch_id__in=batch_ids).values_list("batch_id", "status"):
        counts[bid][status] += 1
    out = []
    for bid in batch_ids:
        batch = batches[bid]
        out.append(_move_batch(batch, _batch_status_from(counts[bid], batch.status == B.REJECTED)))
    return out

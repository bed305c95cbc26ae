"""The ``/sim/`` controls behind tests and demos: move the clock, reset the bank, show its
whole state."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from banksim import clock
from banksim.models import (
    Account,
    BankUser,
    Customer,
    DebitNotification,
    Entry,
    Event,
    Fault,
    IncomingKidPayment,
    KidPayee,
    OcrFile,
    OnlineBankApplication,
    Payment,
    PaymentBatch,
    PaymentFile,
    RgbOrder,
    SbankenActivation,
    ServiceOrder,
    SigningSession,
    SimState,
    Statement,
)
from banksim.services.customers import customer_public
from banksim.services.due import process_due

# Every table of the bank, in an order that deletes each one before what it points to.
_RESET_ORDER = (
    Event,
    Fault,
    Entry,
    IncomingKidPayment,
    Statement,
    DebitNotification,
    OcrFile,
    Payment,
    PaymentBatch,
    PaymentFile,
    ServiceOrder,
    SbankenActivation,
    RgbOrder,
    OnlineBankApplication,
    SigningSession,
    BankUser,
    Account,
    Customer,
    KidPayee,
    SimState,
)


def clock_advance(seconds: float, days: float = 0) -> dict:
    """Move the clock ``days`` (whole days: to the same Oslo wall-clock time, 23 or 25 hours
    on the nights the clocks change; a fraction: 24 hours' worth) and ``seconds`` on."""
    process_due()  # what was due before the jump happens at its own time
    whole = int(days)
    seconds += (days - whole) * 86400
    if whole:
        current = clock.now()
        local = timezone.localtime(current)
        later = datetime.combine(local.date() + timedelta(days=whole), local.time(), local.tzinfo)
        # Subtract in UTC: two datetimes in one zone subtract as wall-clock times.
        seconds += (later.astimezone(UTC) - current.astimezone(UTC)).total_seconds()
    SimState.objects.filter(pk=1).update(offset_seconds=F("offset_seconds") + seconds)
    process_due()
    return clock_public()


def clock_public() -> dict:
    current = clock.now()
    return {
        "now": timezone.localtime(current).isoformat(),
        "today": timezone.localdate(current).isoformat(),
        "banking_day": clock.is_banking_day(timezone.localdate(current)),
    }


def sim_reset(at: datetime | None = None) -> None:
    with transaction.atomic():
        for model in _RESET_ORDER:
            model.objects.all().delete()
        offset = (at - timezone.now()).total_seconds() if at else 0.0
        SimState.objects.create(pk=1, offset_seconds=offset)
    process_due()


def _by_status(qs, field: str = "status") -> dict[str, int]:
    out: dict[str, int] = {}
    for value in qs.values_list(field, flat=True):
        out[value] = out.get(value, 0) + 1
    return out


def sim_state() -> dict:
    return {
        "clock": clock_public(),
        "customers": [customer_public(c) for c in Customer.objects.order_by("org_number")],
        "kid_payees": list(KidPayee.objects.order_by("account").values_list("account", flat=True)),
        "service_orders": _by_status(ServiceOrder.objects.all()),
        "online_bank_applications": _by_status(OnlineBankApplication.objects.all()),
        "rgb_orders": _by_status(RgbOrder.objects.all()),
        "signings": _by_status(SigningSession.objects.all()),
        "payment_files": _by_status(PaymentFile.objects.all(), "group_status"),
        "payments": _by_status(Payment.objects.all()),
        "debit_notifications": DebitNotification.objects.count(),
        "statements": Statement.objects.count(),
        "ocr_files": OcrFile.objects.count(),
        "pending_kid_payments": IncomingKidPayment.objects.filter(ocr_file__isnull=True).count(),
        "faults": [
            {
                "endpoint": f.endpoint,
                "mode": f.mode,
                "rate": f.rate,
                "seed": f.seed,
                "limit": f.limit,
                "hits": f.hits,
                "injected": f.injected,
            }
            for f in Fault.objects.order_by("endpoint")
        ],
        "fault_tally": SimState.objects.filter(pk=1).values_list("fault_tally", flat=True).first() or {},
        "last_event": Event.objects.order_by("-pk").values_list("pk", flat=True).first() or 0,
    }

"""What falls due on the simulated clock. ``process_due`` runs at the start of every request
and after the clock moves: orders are carried out, BankID sessions expire, applications move
on, and the days since the last run are processed one at a time (payments booked on each
banking day, each day closed once the clock has left it), so that jumping 60 days books and
closes each of those days in order."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from banksim import clock
from banksim.models import SimState
from banksim.services import online_bank, orders
from banksim.services.execution import book_payments
from banksim.services.incoming import ocr_files_for
from banksim.services.statements import statements_for


def process_due() -> None:
    """Process everything that has fallen due on the simulated clock."""
    with transaction.atomic():
        st, _ = SimState.objects.get_or_create(pk=1)
        st = SimState.objects.select_for_update().get(pk=1)
        current = clock.now(st)
        today = timezone.localdate(current)
        if st.booked_through is None:
            # A fresh bank has no history: the first day it books and closes is today.
            st.booked_through = st.closed_through = today - timedelta(days=1)
            st.save()
        orders.complete_due(current)
        online_bank.signings_expire(current)
        online_bank.applications_advance(current)
        _run_days(st, today)
        online_bank.online_banks_create(today)


def _run_days(st: SimState, today: date) -> None:
    """Book and close every day from the last one closed up to ``today`` (booked, not closed)."""
    day = st.closed_through + timedelta(days=1)
    while day <= today:
        if day > st.booked_through:
            if clock.is_banking_day(day):
                book_payments(day)
            st.booked_through = day
        if day < today:
            _close_day(day)
            st.closed_through = day
        st.save(update_fields=["booked_through", "closed_through"])
        day += timedelta(days=1)


def _close_day(day: date) -> None:
    # Entries are booked "today"; a day is closed only once the clock has left it, so no
    # entry can land on a statement that has already been delivered.
    ocr_files_for(day)
    statements_for(day)

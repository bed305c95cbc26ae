"""The bank's calendar on the days that are easy to get wrong: a Saturday, the year's end,
Easter week and the nights the clocks change (the same days as the portal's tests/clock.py).

Banking days are checked against a table written out by hand (not against the rule the
code uses), and a bank started on each of those days is run for twelve days: a statement
for every calendar day, and every payment booked on the first banking day on or after its
execution date.
"""

from datetime import date, datetime, timedelta

import pytest

from banksim import clock, services
from banksim.models import Account, Payment, Statement
from banksim.tests.builders import Batch, Tx, pain001
from banksim.tests.conftest import DRIFT, SKATT, SUPPLIER, Api
from tests.clock import CALENDAR_SPAN, CLOSED_WEEKDAYS, DAYS

# The portal's hand-written table (tests/clock.py), so both sides are held to one calendar.
FIRST, LAST = CALENDAR_SPAN
RUN_DAYS = 12


def _banking(day: date) -> bool:
    return day.weekday() < 5 and day not in CLOSED_WEEKDAYS


def _first_banking_day_from(day: date) -> date:
    while not _banking(day):
        day += timedelta(days=1)
    return day


def test_banking_days_are_the_norwegian_banks():
    day, wrong = FIRST, []
    while day <= LAST:
        if clock.is_banking_day(day) != _banking(day):
            wrong.append(day.isoformat())
        day += timedelta(days=1)
    assert not wrong, wrong


def test_next_banking_day_over_christmas_and_easter():
    assert clock.next_banking_day(date(2026, 12, 23)) == date(2026, 12, 28)
    assert clock.next_banking_day(date(2026, 12, 30)) == date(2027, 1, 4)
    assert clock.next_banking_day(date(2027, 3, 24)) == date(2027, 3, 30)
    assert clock.banking_day_on_or_after(date(2027, 10, 31)) == date(2027, 11, 1)


@pytest.mark.parametrize("bank", list(DAYS.values()), ids=list(DAYS), indirect=True)
def test_statements_every_day_and_payments_on_banking_days(bank, integrated):
    start = bank.advance(seconds=0)["today"]
    start = date.fromisoformat(start)
    assert start in DAYS.values()
    executions = [start + timedelta(days=n) for n in range(RUN_DAYS - 2)]
    xml = pain001(
        "CAL1",
        [
            Batch(f"B{n}", DRIFT, day, [Tx(f"E{n}", f"{100 + n}.00", SUPPLIER)])
            for n, day in enumerate(executions)
        ],
        created_at=f"{start.isoformat()}T09:00:00",
    )
    assert integrated.submit(xml, "CAL1", "rgb", "TB12345").status_code == 201
    flags = {}
    for n in range(RUN_DAYS):
        moment = integrated.advance(seconds=0) if n == 0 else integrated.advance(days=1)
        today = date.fromisoformat(moment["today"])
        assert today == start + timedelta(days=n)  # one calendar day per 24 hours, DST or not
        assert moment["now"][11:13] in ("09", "10", "11")  # 10:00, an hour off across DST
        flags[today] = moment["banking_day"]
    assert flags == {day: _banking(day) for day in flags}

    for n, execution in enumerate(executions):
        payment = Payment.objects.get(end_to_end_id=f"E{n}")
        assert payment.status == "ACSC", (execution, payment.status)
        assert payment.booked_date == _first_banking_day_from(execution), execution
    for number in (DRIFT, SKATT):
        account = Account.objects.get(number=number)
        statements = list(Statement.objects.filter(account=account).order_by("sequence"))
        # every calendar day the clock has left, banking day or not, in order
        assert [s.statement_date for s in statements] == [
            start + timedelta(days=n) for n in range(RUN_DAYS - 1)
        ]
        assert [s.sequence for s in statements] == list(range(1, RUN_DAYS))
        for s in statements:
            booked = account.entries.filter(booking_date=s.statement_date)
            assert s.entries == booked.count()
            if not _banking(s.statement_date):
                assert not booked.filter(kind="PAYMENT").exists(), s.statement_date


@pytest.mark.parametrize(
    ("start", "after"),
    [
        # the nights summer time starts (23 hours) and ends (25 hours): the next day, same time
        ("2027-03-27T23:30:00+01:00", "2027-03-28T23:30:00+02:00"),
        ("2027-10-31T00:30:00+02:00", "2027-11-01T00:30:00+01:00"),
        ("2027-10-30T09:00:00+02:00", "2027-10-31T09:00:00+01:00"),
        ("2026-12-31T23:59:00+01:00", "2027-01-01T23:59:00+01:00"),
    ],
)
def test_a_day_on_the_clock_is_a_calendar_day(db, start, after):
    services.sim_reset(datetime.fromisoformat(start))
    api = Api()

    def moved(**kw):
        now = datetime.fromisoformat(api.advance(**kw)["now"])
        return now.replace(microsecond=0) - timedelta(seconds=now.second % 10), now.utcoffset()

    expected = datetime.fromisoformat(after)
    assert moved(days=1) == (expected, expected.utcoffset())
    half, _offset = moved(days=0.5)  # a fraction of a day: 24 hours' worth
    assert half == expected + timedelta(hours=12)

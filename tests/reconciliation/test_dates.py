"""Statement days on the days the calendar is hard (tests/clock.py): the simulated bank's
clock and the portal's at a Saturday, the year's end, Easter week and both DST days, just
after and just before midnight. Every calendar day the bank closes brings one statement,
dated that Oslo day, its entries on the day they were booked, balances continuous.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from itertools import pairwise

import pytest
from django.utils import timezone

from accounts.services import bank_account_create
from bankclient import BankClient
from reconciliation.models import Statement, StatementEntry, StatementFile
from tests import banksim_server
from tests.feedfetch import poll_and_fetch

pytestmark = pytest.mark.django_db
DRIFT = "15032080119"
DAYS = 4


def test_one_statement_per_day_dated_by_the_bank(any_day, banksim_url, sim, settings, company_a):
    settings.BANK_API_URL, settings.BANK_API_KEY = banksim_url, banksim_server.KEY
    sim.sim_reset(timezone.now())
    banksim_server._seed(sim)
    account = bank_account_create(company_a, account_number=DRIFT, name="Drift", ledger_account="1920")
    today = any_day.date()
    for n in range(DAYS):
        sim.sim_inject_transaction(
            account=DRIFT, amount=f"{100 + n}.00", payer_account="86011117947", text="Inn"
        )
        assert sim.sim_advance_clock(days=1)["today"] == (today + timedelta(days=n + 1)).isoformat()
    client = BankClient(banksim_url, banksim_server.KEY, timeout=10)
    try:
        poll_and_fetch(client, force=True)
    finally:
        client.close()

    files = StatementFile.objects.filter(company=company_a)
    assert set(files.values_list("status", flat=True)) == {StatementFile.Status.IMPORTED}
    statements = list(Statement.objects.filter(bank_account=account).order_by("closing_date"))
    days = [today + timedelta(days=n) for n in range(DAYS)]
    assert [s.closing_date for s in statements] == days
    assert all(s.balance_ok for s in statements)
    for before, after in pairwise(statements):
        assert after.opening_balance == before.closing_balance
    booked = sorted(StatementEntry.objects.filter(bank_account=account).values_list("booking_date", "amount"))
    assert booked == [(day, Decimal(f"{100 + n}.00")) for n, day in enumerate(days)]

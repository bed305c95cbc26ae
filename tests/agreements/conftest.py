"""Shared set-up: the portal pointed at the real simulated bank, and the demo company's accounts."""

from __future__ import annotations

import pytest

from accounts.services import bank_account_create
from bankclient import BankClient
from tests.banksim_server import KEY
from tests.feedfetch import poll_and_fetch


@pytest.fixture
def bank(settings, banksim_url, sim):
    settings.BANK_API_URL, settings.BANK_API_KEY = banksim_url, KEY
    client = BankClient(banksim_url, KEY, timeout=5)
    yield client
    client.close()


@pytest.fixture
def demo_accounts(company_a):
    """company_a has the org number of the bank's Demo Regnskap AS (123456785)."""
    drift = bank_account_create(
        company_a,
        account_number="15032080119",
        name="Driftskonto",
        ledger_account="1920",
        incoming_payment_methods=["NETS_OCR"],
    )
    skatt = bank_account_create(
        company_a, account_number="15032080127", name="Skattetrekk", ledger_account="1950"
    )
    return drift, skatt


def poll(bank):
    report = poll_and_fetch(bank, force=True)
    assert report.ran and report.error == "", report.summary()
    return report


def confirm_and_process(sim, order, *, hours: int = 2):
    sim.sim_confirm_order(order.wizard_url)
    sim.sim_advance_clock(seconds=hours * 3600)

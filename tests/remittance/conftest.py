"""Remittance fixtures: a company the simulated bank knows, with an RgB account and people."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.utils import timezone

import tests.banksim_server
from accounts.models import BankAccount, BankService, PaymentFileVersion
from accounts.services import bank_account_create, bank_approval_rights_replace
from bankclient import BankClient
from companies.roles import Role
from companies.services import user_profile_update
from ledger.services import supplier_create

DEBIT = "15032080119"
PLAIN_PAYEE = "15032080135"  # Demo Klient AS's account: no KID agreement
KID_PAYEE = "86011117947"  # requires KID


@dataclass
class Setup:
    company: object
    account: BankAccount
    preparer: object
    approver: object
    supplier: object


def connect_bank(settings, banksim_url, sim) -> BankClient:
    """Point the portal at the real simulator and set its clock to the portal's today."""
    settings.BANK_API_URL, settings.BANK_API_KEY = banksim_url, tests.banksim_server.KEY
    settings.BANK_TIMEOUT_SECONDS = 5
    sim.sim_reset(timezone.now())
    tests.banksim_server._seed(sim)
    sim.sim_upsert_customer(
        {
            "org_number": "123456785",
            "name": "Alfa AS",
            "subscription": "integrated",
            "accounts": [{"number": DEBIT, "remittance": True, "rgb_enabled": True}],
        }
    )
    return BankClient(banksim_url, tests.banksim_server.KEY, timeout=5)


@pytest.fixture
def bank(settings, banksim_url, sim):
    client = connect_bank(settings, banksim_url, sim)
    yield client
    client.close()


def make_setup(company, make_user, *, mode=BankAccount.ApprovalMode.RGB, rights=("TB12345",), suffix="a"):
    account = bank_account_create(company, account_number=DEBIT, name="Driftskonto", ledger_account="1920")
    # The 2009 file, as the agreements made before issue 25 (a test of the 2019 file says so).
    BankAccount.objects.filter(pk=account.pk).update(
        services=[BankService.REMITTANCE], approval_mode=mode, payment_file_version=PaymentFileVersion.V03
    )
    account.refresh_from_db()
    preparer = make_user(f"preparer-{suffix}", company=company, roles=[Role.SYSADMIN])
    approver = make_user(f"approver-{suffix}", company=company, roles=[Role.APPROVER], first_name="Anne")
    user_profile_update(user=approver, bank_user_id="TB12345", national_id="15108695088")
    bank_approval_rights_replace(account, list(rights))
    supplier = supplier_create(company, name="Leverandør AS", account_number=PLAIN_PAYEE)
    return Setup(company, account, preparer, approver, supplier)


@pytest.fixture
def setup(company_a, make_user):
    return make_setup(company_a, make_user)


@pytest.fixture
def post_setup(company_a, make_user):
    return make_setup(company_a, make_user, mode=BankAccount.ApprovalMode.POST_APPROVAL)

"""The fleet day's bank side, in banksim's own settings and database (``bench/fleet_day.py`` runs
it as a child process): ``python bench/fleet_day_bank.py seed COMPANIES DAY OUT.json``.

Resets the simulator, sets its clock to 09:00 on ``DAY`` (a banking day) and writes, in bulk,
what the day needs: each company as an integrated customer with three accounts (remittance,
reconciliation, RgB, Nets OCR), a bank user with payment rights on them, the day's KID payments
(delivered in the night's one transmission to the data recipient), and for every tenth company
a confirmed service order that completes during the day. Writes the service orders' ids to
``OUT.json`` for the portal's seeder.
"""

from __future__ import annotations

import json
import os
import sys
import uuid
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def seed(companies: int, day: date) -> dict:
    from django.db import transaction

    from banksim.models import Account, BankUser, Customer, IncomingKidPayment, ServiceOrder
    from banksim.services.controls import sim_reset
    from bench import fleet_day_data as data

    oslo = ZoneInfo("Europe/Oslo")
    start = datetime.combine(day, time(9, 0), oslo)
    sim_reset(start)
    numbers = data.account_numbers(companies)
    with transaction.atomic():
        customers = Customer.objects.bulk_create(
            [
                Customer(
                    org_number=data.org_number(i),
                    name=f"Flåte {i} AS",
                    subscription=Customer.Subscription.INTEGRATED,
                )
                for i in range(companies)
            ],
            batch_size=5_000,
        )
        accounts = Account.objects.bulk_create(
            [
                Account(
                    customer=c,
                    number=n,
                    name=("Driftskonto", "Skattetrekk", "Innbetalinger")[k],
                    initial_balance=data.OPENING_BALANCE,
                    balance=data.OPENING_BALANCE,
                    opened_date=day - timedelta(days=30),
                    remittance=True,
                    reconciliation=True,
                    agreement_id=f"{40_000_000 + i * 3 + k}",
                    rgb_enabled=True,
                    ocr_agreement_id=f"{i * 3 + k + 1:09d}",
                    kid_length=data.KID_LENGTH,
                    kid_check=Account.KidCheck.MOD10,
                )
                for i, c in enumerate(customers)
                for k, n in enumerate(numbers[i])
            ],
            batch_size=5_000,
        )
        users = BankUser.objects.bulk_create(
            [
                BankUser(user_id=data.bank_user_id(i), name=f"Godkjenner {i}", customer=c)
                for i, c in enumerate(customers)
            ],
            batch_size=5_000,
        )
        through = BankUser.approval_accounts.through
        through.objects.bulk_create(
            [
                through(bankuser_id=u.pk, account_id=accounts[i * data.ACCOUNTS_PER_COMPANY + k].pk)
                for i, u in enumerate(users)
                for k in range(data.ACCOUNTS_PER_COMPANY)
            ],
            batch_size=10_000,
        )
        IncomingKidPayment.objects.bulk_create(
            [
                IncomingKidPayment(
                    account=accounts[i * data.ACCOUNTS_PER_COMPANY + p.account_index],
                    amount=p.amount,
                    kid=p.kid,
                    payer_account="",
                    received_date=day,
                )
                for i in range(companies)
                for p in data.kid_payments(i)
            ],
            batch_size=10_000,
        )
        orders = ServiceOrder.objects.bulk_create(
            [
                ServiceOrder(
                    token=uuid.uuid4().hex,
                    reference=f"fleet-{i}",
                    org_number=data.org_number(i),
                    accounts=[numbers[i][2]],
                    services=["remittance"],
                    status=ServiceOrder.Status.PROCESSING,
                    created_at=start - timedelta(days=1),
                    confirmed_at=start - timedelta(days=1),
                    due_at=start + timedelta(hours=2),
                )
                for i in range(0, companies, data.SERVICE_ORDERS_EVERY)
            ],
            batch_size=5_000,
        )
    return {"orders": {o.reference.removeprefix("fleet-"): o.pk for o in orders}}


def main() -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "banksim.settings"
    import django

    django.setup()
    _cmd, companies, day, out = sys.argv[1:5]
    result = seed(int(companies), date.fromisoformat(day))
    Path(out).write_text(json.dumps(result))


if __name__ == "__main__":
    main()

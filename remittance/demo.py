"""Demo payments for `seed_demo`: three open bills put in a payment, once remittance is active."""

from __future__ import annotations

from accounts.models import BankAccount, BankService
from ledger.models import Bill

from .models import Payment
from .services import payment_create_from_bill


def seed(companies, stdout) -> None:
    main = companies["main"]
    account = BankAccount.objects.filter(company=main, account_number="15032080119").first()
    if account is None or BankService.REMITTANCE not in (account.services or []):
        stdout.write(
            "remittance: no demo payments until remittance is ordered for 1503.20.80119 (Avtaler tab)"
        )
        return
    if Payment.objects.filter(company=main).exists():
        return
    bills = Bill.objects.filter(company=main, status=Bill.Status.OPEN).order_by("due_date", "id")[:3]
    for bill in bills:
        payment_create_from_bill(main, bill_id=bill.pk, bank_account_id=account.pk, confirm_duplicate=True)
    stdout.write(f"remittance: {len(bills)} demo payment(s) from bills")

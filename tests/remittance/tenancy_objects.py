"""One object of every company-owned remittance model, for the tenancy walkers."""

from __future__ import annotations

import secrets

from django.utils import timezone

from accounts.models import BankAccount
from remittance.models import Payment, PaymentBatch


def populate(company) -> dict:
    account = BankAccount.objects.filter(company=company).order_by("id").first()
    token = secrets.token_hex(6).upper()
    batch = PaymentBatch.objects.create(
        company=company,
        bank_account=account,
        execution_date=timezone.localdate(),
        approval_mode=PaymentBatch.ApprovalMode.RGB,
        msg_id=f"PROBE{token}",
        pmt_inf_id=f"PROBE{token}-1",
        payment_count=1,
        total="10.00",
    )
    payment = Payment.objects.create(
        company=company,
        bank_account=account,
        batch=batch,
        status=Payment.Status.REJECTED,
        creditor_name="Probe",
        creditor_account="15032080135",
        amount="10.00",
        message="Probe",
        execution_date=batch.execution_date,
        requested_date=batch.execution_date,
        end_to_end_id=f"EPROBE{token}",
        reason_code="AC01",
    )
    return {PaymentBatch: batch, Payment: payment}


UI_OBJECT_ROUTES = {
    "payments/<int:pk>/correct/": Payment,
    "payments/<int:pk>/cancel/": Payment,
    "payments/batches/<int:pk>/": PaymentBatch,
    "payments/batches/<int:pk>/approve/": PaymentBatch,
    "payments/batches/<int:pk>/approve/complete/": PaymentBatch,
    "payments/batches/<int:pk>/send/": PaymentBatch,
    "payments/batches/<int:pk>/pain001/": PaymentBatch,
}

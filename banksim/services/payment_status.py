"""A payment file's status: derived from its transactions' statuses, and the pain.002 that
answers it, written again (a new version) every time the status changes."""

from __future__ import annotations

from django.utils import timezone

from banksim import clock, formats
from banksim.models import PaymentFile
from banksim.services.feed import event


def derive_status(statuses: list[str]) -> str:
    """The status of a batch or file from its transactions' statuses."""
    if not statuses or all(s == "RJCT" for s in statuses):
        return "RJCT"
    if "RJCT" in statuses:
        return "PART"
    if all(s == "ACSC" for s in statuses):
        return "ACSC"
    if "PDNG" in statuses:
        return "ACTC"  # technically accepted, waiting for approval in the online bank
    return "ACSP"


def refresh_file(payment_file: PaymentFile) -> None:
    """Recompute the file's status and store the pain.002 that answers it from now on."""
    batches = list(payment_file.batches.prefetch_related("payments").order_by("pk"))
    statuses = [p.status for b in batches for p in b.payments.all()]
    if payment_file.group_reason:
        payment_file.group_status = "RJCT"
    else:
        payment_file.group_status = derive_status(statuses)
    for b in batches:
        if not b.reason:
            new = derive_status([p.status for p in b.payments.all()])
            if new != b.status:
                b.status = new
                b.save(update_fields=["status"])
    payment_file.pain002_version += 1
    payment_file.pain002 = formats.write_pain002(
        msg_id=f"DNB{payment_file.pk:010d}V{payment_file.pain002_version:04d}",
        created_at=timezone.localtime(clock.now()),
        original_msg_id=payment_file.msg_id,
        original_created_at=payment_file.original_created_at,
        original_nb_of_txs=payment_file.nb_of_txs,
        original_ctrl_sum=payment_file.ctrl_sum,
        group_status=payment_file.group_status,
        group_reason=payment_file.group_reason,
        group_reason_text=payment_file.group_reason_text,
        original_version=payment_file.message_version,
        batches=[
            formats.BatchStatus(
                pmt_inf_id=b.pmt_inf_id,
                nb_of_txs=b.nb_of_txs,
                ctrl_sum=b.ctrl_sum,
                status=b.status,
                reason=b.reason,
                reason_text=b.reason_text,
                transactions=[
                    formats.TxStatus(p.end_to_end_id, p.instr_id, p.status, p.reason, p.reason_text, p.uetr)
                    for p in b.payments.order_by("pk")
                ],
            )
            for b in batches
        ],
    )
    payment_file.save()
    event(
        "payment_file.updated",
        payment_file.org_number,
        payment_file.msg_id,
        {
            "msg_id": payment_file.msg_id,
            "status": payment_file.group_status,
            "version": payment_file.pain002_version,
        },
    )

"""Every write in remittance, one module per job:

* ``payments``: register, cancel and correct payments;
* ``bill_payments``: pay many open bills at once, into draft batches;
* ``batches``: group payments into draft batches, and a batch's pain.001 file;
* ``approval``: the approval checks, the RgB approval with BankID, the four-eyes setting;
* ``submission``: send a batch to the bank at most once, and find interrupted sends again;
* ``bank_answers``: apply the bank's pain.002, once each;
* ``debit_notifications``: book the payments a camt.054 reports, once each (in currency: agio/disagio);
* ``bank_events``: the bank's change-feed events that lead to those;
* ``common``: the batch's conditional state change and the request to send it.

The money rules: a batch is sent at most once (a conditional claim, the file built and
stored once, the bank called outside any transaction with the batch's fixed MsgId, which
the bank deduplicates on a resend); every state change is a conditional update, so two
requests racing on one batch cannot both move it; the bank's reports are stored as received
and applied once. The services never import the tasks: a batch ready to send is announced
with ``remittance.signals.payment_batch_ready_to_send``, and ``remittance.tasks`` queues it.

The names below are re-exported for the views, the API and the tests; new code may import
from the module that does the job.
"""

from .approval import (
    FOUR_EYES_OFF,
    ApprovalCheck,
    SigningPending,
    payment_batch_approval_check,
    payment_batch_approve,
    payment_batch_approve_complete,
    payment_batch_approve_start,
    payment_settings_check_may_change,
    payment_settings_update,
)
from .bank_answers import payment_batch_apply_pain002
from .bank_events import feed_debit_notification_created, feed_payment_file_updated, feed_signing_updated
from .batches import (
    payment_batch_build_file,
    payment_batch_message,
    payment_batch_pain001,
    payment_batches_build,
)
from .bill_payments import BillsPaid, bills_pay
from .debit_notifications import payment_batch_book_camt054
from .payments import payment_cancel, payment_correct, payment_create, payment_create_from_bill
from .submission import (
    payment_batch_resolve,
    payment_batch_send,
    payment_batch_submit,
    payment_batches_resolve_stale,
)

__all__ = [
    "FOUR_EYES_OFF",
    "ApprovalCheck",
    "BillsPaid",
    "SigningPending",
    "bills_pay",
    "feed_debit_notification_created",
    "feed_payment_file_updated",
    "feed_signing_updated",
    "payment_batch_apply_pain002",
    "payment_batch_approval_check",
    "payment_batch_approve",
    "payment_batch_approve_complete",
    "payment_batch_approve_start",
    "payment_batch_book_camt054",
    "payment_batch_build_file",
    "payment_batch_message",
    "payment_batch_pain001",
    "payment_batch_resolve",
    "payment_batch_send",
    "payment_batch_submit",
    "payment_batches_build",
    "payment_batches_resolve_stale",
    "payment_cancel",
    "payment_correct",
    "payment_create",
    "payment_create_from_bill",
    "payment_settings_check_may_change",
    "payment_settings_update",
]

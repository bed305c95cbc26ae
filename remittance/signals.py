"""Signals the remittance services send, so that they need not import the tasks.

``payment_batch_ready_to_send`` is sent inside the transaction that makes a batch sendable
(approved with BankID, sent for post-approval, or found unanswered by the sweep).
``remittance.tasks`` receives it and queues the send once that transaction commits; the
app config imports the tasks, so the receiver is connected in every process.
"""

from django.dispatch import Signal

# Sent with ``batch_id``.
payment_batch_ready_to_send = Signal()

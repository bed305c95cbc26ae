"""The two ways a bank call can fail, and what the caller may do about each.

``BankUnavailable``: the bank could not be reached or gave no usable answer (timeout,
dropped connection, 5xx, 429, an HTML page or cut-off JSON on a 200). The request may or
may not have been executed, so it is safe to retry only with the same idempotency key
(MsgId, order reference). ``BankRejected``: the bank understood and said no; retrying the
same request can never succeed, so the portal shows the code and message instead.
"""

from __future__ import annotations


class BankError(Exception):
    """Base of every error bankclient raises."""


class BankUnavailable(BankError):
    def __init__(self, message: str, *, status: int | None = None, retry_after: float | None = None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.retry_after = retry_after


class BankRejected(BankError):
    def __init__(self, code: str, message: str, *, status: int | None = None):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status

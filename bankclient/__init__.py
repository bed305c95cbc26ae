"""bankclient: the portal's one door to DNB, Nets and BankID.

No app imports ``banksim`` and ``banksim`` imports no app (an import-linter contract in
``pyproject.toml``): both sides speak the wire formats on their own, so a format bug on one
side is caught by the other.

A plain package (no models, no app): ``get_client()`` builds a ``BankClient`` from the
settings ``BANK_API_URL``, ``BANK_API_KEY`` and ``BANK_TIMEOUT_SECONDS``; every failure is
either ``BankUnavailable`` (retry with the same idempotency key) or ``BankRejected``
(permanent). The wire contract is in ``bankclient/README.md``.
"""

from bankclient.client import BankClient
from bankclient.errors import BankError, BankRejected, BankUnavailable

__all__ = ["BankClient", "BankError", "BankRejected", "BankUnavailable", "get_client"]


def get_client() -> BankClient:
    # Imported here so that the package can be used (and tested) without Django configured.
    from django.conf import settings

    return BankClient(settings.BANK_API_URL, settings.BANK_API_KEY, float(settings.BANK_TIMEOUT_SECONDS))

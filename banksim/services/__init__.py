"""Everything the simulated bank does: every write to its books goes through here.

Views (API, pages, /sim/ controls) only parse input and call these functions, so a rule
such as "the same MsgId is never executed twice" or "a statement adds up" holds whichever
door a request came in by. This package is their one public surface: callers import
``banksim.services`` and use the names below; the modules behind it, one per job, import
each other directly, never this package.

- ``common``: ``BankError`` and the checks every job shares (organisation and account
  numbers, amounts, KID structure, return URLs, a partner's reference, a user's login).
- ``public``: how the partner API shows the bank's rows (fields, null for blank, ISO dates, URLs).
- ``feed``: the change feed (``event`` writes it, ``changes`` reads it).
- ``books``: ``book``, the one way an amount lands on an account.
- ``customers``: customers, accounts and users (the ``seed_demo_customer``
  command, ``/sim/customers``).
- ``orders``: service orders, the order wizard's confirmation, kontofullmakt.
- ``online_bank``: "Opprett nettbankavtale" and BankID signing.
- ``rgb``: ordering regnskapsgodkjente betalinger.
- ``payments``: pain.001 received and checked, approval in the online bank.
- ``payment_status``: a payment file's status and its pain.002.
- ``execution``: payments booked on their execution date, camt.054.
- ``incoming``: money arriving, Nets OCR files.
- ``statements``: camt.053 for each closed day.
- ``rates``: the bank's exchange rates (NOK per unit), deterministic per date.
- ``due``: ``process_due``, what falls due on the simulated clock, day by day.
- ``controls``: the ``/sim/`` clock, reset and state.
"""

from banksim.services.common import (
    BankError,
    bank_user_login,
    clean_return_url,
    mask_national_id,
    token,
    validate_org_number,
)
from banksim.services.controls import clock_advance, clock_public, sim_reset, sim_state
from banksim.services.customers import customer_public, customer_upsert, kid_payee_add
from banksim.services.due import process_due
from banksim.services.feed import changes, event
from banksim.services.incoming import incoming_inject
from banksim.services.online_bank import (
    BANKID_TEST_OTP,
    MAX_ONLINE_BANK_USERS,
    application_create,
    application_public,
    application_start_signing,
    application_submit,
    signing_finish,
    signing_public,
    signing_start,
)
from banksim.services.orders import (
    kontofullmakt_request,
    order_create,
    order_request,
    partner_order_public,
    service_order_cancel,
    service_order_confirm,
    service_order_create,
    service_order_public,
)
from banksim.services.payments import (
    payment_file_approve,
    payment_file_public,
    payment_file_submit,
    pending_approval_for,
)
from banksim.services.public import iso_or_none, public_url
from banksim.services.rates import rates_public
from banksim.services.rgb import (
    ERP_VENDORS,
    UNSUPPORTED_VENDORS,
    rgb_choose,
    rgb_confirm,
    rgb_customers_for,
    rgb_login,
    rgb_order_create,
    rgb_order_public,
)

__all__ = [
    "BANKID_TEST_OTP",
    "ERP_VENDORS",
    "MAX_ONLINE_BANK_USERS",
    "UNSUPPORTED_VENDORS",
    "BankError",
    "application_create",
    "application_public",
    "application_start_signing",
    "application_submit",
    "bank_user_login",
    "changes",
    "clean_return_url",
    "clock_advance",
    "clock_public",
    "customer_public",
    "customer_upsert",
    "event",
    "incoming_inject",
    "iso_or_none",
    "kid_payee_add",
    "kontofullmakt_request",
    "mask_national_id",
    "order_create",
    "order_request",
    "partner_order_public",
    "payment_file_approve",
    "payment_file_public",
    "payment_file_submit",
    "pending_approval_for",
    "process_due",
    "public_url",
    "rates_public",
    "rgb_choose",
    "rgb_confirm",
    "rgb_customers_for",
    "rgb_login",
    "rgb_order_create",
    "rgb_order_public",
    "service_order_cancel",
    "service_order_confirm",
    "service_order_create",
    "service_order_public",
    "signing_finish",
    "signing_public",
    "signing_start",
    "sim_reset",
    "sim_state",
    "token",
    "validate_org_number",
]

"""Every write to the ledger, one module per job:

- ``chart``: the chart of accounts and the number series;
- ``vouchers``: the only code that creates a voucher (``voucher_post``, ``vouchers_insert``),
  reversals, and the open bank lines reconciliation works through;
- ``kid``: invoice settings (KID on or off, and its layout);
- ``invoices``: customers, invoices and their settlement;
- ``payments_in``: one bank credit made of many payments (an OCR assignment), and allocation;
- ``suppliers``: suppliers, Norwegian (account number) or abroad (IBAN, BIC, address);
- ``bills``: bills, one at a time and a whole bank answer at once;
- ``rates``: the bank's exchange rates, and an amount's value in NOK.

The names below are re-exported so that views, the API and the other apps say
``from ledger.services import voucher_post``; a test that monkeypatches one patches it in the
module that uses it.
"""

from .bills import (
    bill_create,
    bill_mark_paid,
    bill_schedule,
    bill_unschedule,
    bills_mark_paid_bulk,
    bills_pay_from_bank,
    bills_payment_undo,
    bills_unschedule_bulk,
    clean_bill_reference,
    clean_payment_reference,
)
from .chart import (
    PAYABLES,
    PURCHASES,
    RECEIVABLES,
    SALES,
    ZERO,
    clean_ledger_account,
    ledger_account_ensure,
    ledger_chart_ensure,
    number_allocate,
)
from .invoices import (
    InvoiceSpec,
    Settlement,
    customer_create,
    customers_create_bulk,
    invoice_create,
    invoice_settle,
    invoices_create_bulk,
    invoices_settle_bulk,
)
from .kid import invoice_settings_update
from .payments_in import payment_allocate, payments_in_post_bulk
from .rates import nok_value, rate_on
from .suppliers import supplier_create, supplier_update
from .vouchers import (
    LineSpec,
    VoucherSpec,
    voucher_lines_mark_reconciled,
    voucher_post,
    voucher_reverse,
    vouchers_post_bulk,
)

__all__ = [
    "PAYABLES",
    "PURCHASES",
    "RECEIVABLES",
    "SALES",
    "ZERO",
    "InvoiceSpec",
    "LineSpec",
    "Settlement",
    "VoucherSpec",
    "bill_create",
    "bill_mark_paid",
    "bill_schedule",
    "bill_unschedule",
    "bills_mark_paid_bulk",
    "bills_pay_from_bank",
    "bills_payment_undo",
    "bills_unschedule_bulk",
    "clean_bill_reference",
    "clean_ledger_account",
    "clean_payment_reference",
    "customer_create",
    "customers_create_bulk",
    "invoice_create",
    "invoice_settings_update",
    "invoice_settle",
    "invoices_create_bulk",
    "invoices_settle_bulk",
    "ledger_account_ensure",
    "ledger_chart_ensure",
    "nok_value",
    "number_allocate",
    "payment_allocate",
    "payments_in_post_bulk",
    "rate_on",
    "supplier_create",
    "supplier_update",
    "voucher_lines_mark_reconciled",
    "voucher_post",
    "voucher_reverse",
    "vouchers_post_bulk",
]

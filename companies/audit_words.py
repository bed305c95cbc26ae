"""The audit trail's action codes in words, for the people who read it (support, the admin).

The codes stay as they are in the table (code and tests search them); this is what a reader sees.
A code not listed here shows as itself, so nothing is hidden: ``tests/companies/test_support_admin.py``
checks that every code the services write has its words.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

ACTION_WORDS = {
    # companies, people, API tokens
    "company.create": _("Company created"),
    "user.create": _("User created"),
    "user_profile.update": _("User profile changed"),
    "user_profile.national_id_read": _("National identity number read for a bank call"),
    "membership.grant": _("Role given"),
    "membership.revoke": _("Role removed"),
    "api_token.create": _("API token created"),
    "api_token.revoke": _("API token revoked"),
    "api_token.used": _("API token used"),
    "support.view": _("Viewed by support"),
    "support.view_list": _("List viewed by support"),
    # bank accounts and who may approve
    "bank_account.create": _("Bank account registered"),
    "bank_account.update": _("Bank account changed"),
    "bank_account.delete": _("Bank account deleted"),
    "bank_account.deactivate": _("Bank account deactivated"),
    "bank_account.reactivate": _("Bank account reactivated"),
    "bank_account.agreement_set": _("Agreement data from the bank filled in"),
    "bank_rights.replace": _("Approval rights in the bank updated"),
    "authorisation.create": _("Approval authorisation given"),
    "authorisation.delete": _("Approval authorisation removed"),
    # ledger
    "customer.create": _("Customer created"),
    "supplier.create": _("Supplier created"),
    "supplier.update": _("Supplier changed"),
    "invoice.issue": _("Invoice issued"),
    "invoice.settle": _("Invoice settled"),
    "invoice.settle_bulk": _("Invoices settled"),
    "invoice.allocate": _("Payment allocated to an invoice"),
    "invoice_settings.update": _("Invoice settings (KID) changed"),
    "bill.create": _("Bill registered"),
    "bill.open": _("Bill open again"),
    "bill.open_bulk": _("Bills open again"),
    "bill.scheduled": _("Bill scheduled for payment"),
    "bill.paid": _("Bill paid"),
    "bill.paid_bulk": _("Bills paid"),
    "bill.paid_from_bank": _("Bill paid (booked by the bank)"),
    "voucher.post": _("Voucher posted"),
    "voucher.post_bulk": _("Vouchers posted"),
    "voucher.reverse": _("Voucher reversed"),
    # agreements with the bank
    "service_order.create": _("Service order created"),
    "service_order.status": _("Service order status changed"),
    "online_bank_application.create": _("Online bank application created"),
    "online_bank_application.status": _("Online bank application status changed"),
    "rgb_order.create": _("RgB order created"),
    "rgb_order.status": _("RgB order status changed"),
    "bank_feed.failure_retry": _("Bank message to be tried again"),
    "bank_feed.failure_resolved": _("Bank message marked as handled"),
    "bank_file_fetch.retry": _("Bank file to be fetched again"),
    "bank_file_fetch.resolved": _("Bank file marked as handled"),
    # payments
    "payment.create": _("Payment created"),
    "payment.cancel": _("Payment cancelled"),
    "payment.book_bulk": _("Payments booked"),
    "payment_settings.update": _("Payment settings changed"),
    "payment_batch.create": _("Batch created"),
    "payment_batch.draft": _("Batch back to draft"),
    "payment_batch.signing_start": _("BankID signing started"),
    "payment_batch.signing_cancelled": _("BankID signing cancelled"),
    "payment_batch.signing_expired": _("BankID signing expired"),
    "payment_batch.signing_failed": _("BankID signing failed"),
    "payment_batch.signing_refused": _("BankID signing refused: the four-eyes rule applies"),
    "payment_batch.execution_date_moved": _("Execution date moved to the next banking day"),
    "payment_batch.approved": _("Batch approved (RgB)"),
    "payment_batch.post_approval": _("Batch sent for post-approval"),
    "payment_batch.submitting": _("Batch being sent to the bank"),
    "payment_batch.unknown": _("Batch sent, the bank's answer awaited"),
    "payment_batch.submitted": _("Batch sent to the bank"),
    "payment_batch.awaiting_approval": _("Batch awaiting approval in the online bank"),
    "payment_batch.accepted": _("Batch accepted by the bank"),
    "payment_batch.partly_accepted": _("Batch partly accepted by the bank"),
    "payment_batch.rejected": _("Batch rejected by the bank"),
    "payment_batch.booked": _("Batch booked"),
    # bank files
    "ocr_file.import": _("OCR file imported"),
    "ocr_file.duplicate": _("OCR file received again (duplicate)"),
    "ocr_file.reject": _("OCR file refused"),
    "ocr_transaction.allocate": _("OCR payment allocated to an invoice"),
    "statement_file.import": _("Bank statement imported"),
    "statement_file.duplicate": _("Bank statement received again (duplicate)"),
    "statement_file.reject": _("Bank statement refused"),
    # reconciliation
    "reconciliation.auto_match": _("Matched automatically"),
    "reconciliation.match": _("Matched by hand"),
    "reconciliation.unmatch": _("Match undone"),
    "reconciliation.settle_open_items": _("Matched to open invoices or bills"),
}


def action_words(code: str) -> str:
    """The action in words, in the active language; an unknown code as itself."""
    return str(ACTION_WORDS.get(code, code))

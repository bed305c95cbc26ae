"""Fixtures for the OCR import: a company with a Nets OCR account, invoices with KID, files."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from accounts.models import PaymentMethod
from accounts.services import bank_account_create
from ledger.services import InvoiceSpec, customer_create, invoice_settings_update, invoices_create_bulk
from tests.ocr.ocrgen import AssignmentSpec, TransmissionSpec, TxSpec, account_number, fast_ocr

OCR_ACCOUNT = "15032080119"
OTHER_ACCOUNT = account_number(1234_56_78901)
DAY = date(2026, 3, 2)


def setup_ocr_company(company):
    """A Nets OCR account (the simulated bank's 1503.20.80119) and KID on invoices (9, MOD10)."""
    bank_account_create(
        company,
        account_number=OCR_ACCOUNT,
        name="Driftskonto",
        ledger_account="1920",
        incoming_payment_methods=[PaymentMethod.NETS_OCR],
    )
    invoice_settings_update(company, kid_enabled=True, kid_length=9, kid_algorithm="MOD10")
    return company


def invoice_maker(company):
    customer = customer_create(company, name="Kunde AS")

    def _make(*amounts):
        return invoices_create_bulk(
            company, [InvoiceSpec(customer_id=customer.pk, amount=Decimal(a)) for a in amounts]
        )

    return _make


@pytest.fixture
def ocr_company(company_a):
    return setup_ocr_company(company_a)


@pytest.fixture
def make_invoices(ocr_company):
    return invoice_maker(ocr_company)


def tx(number: int, amount_ore: int, kid: str = "", *, type: int = 10, text=None, payer="86011117947"):
    return TxSpec(
        type=type,
        number=number,
        nets_date=DAY,
        amount_ore=amount_ore,
        kid=kid,
        bank_date=DAY,
        debit_account=payer,
        text=text,
        reference="000000001",
    )


def ocr_file(*assignments, number: str = "0000001", recipient: str = "00105625") -> bytes:
    """``assignments``: (account, [TxSpec...]) pairs, numbered 1, 2, …"""
    spec = TransmissionSpec(number=number, date=DAY, recipient=recipient)
    for index, (account, transactions) in enumerate(assignments, start=1):
        spec.assignments.append(
            AssignmentSpec(number=f"{index:07d}", account=account, date=DAY, transactions=list(transactions))
        )
    return (fast_ocr(spec) + "\r\n").replace("\n", "\r\n").replace("\r\r\n", "\r\n").encode("latin-1")

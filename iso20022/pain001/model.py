"""The data of a payment file, whatever version of pain.001 carries it.

The remittance services fill these plain frozen dataclasses from the database; a writer for a
version of the message (:mod:`iso20022.pain001.v03`) checks them field by field
(:mod:`iso20022.pain001.fields`) and writes the XML.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

__all__ = [
    "BBAN_SCHEME",
    "CENT",
    "CURRENCY",
    "DNB_BIC",
    "MAX_AMOUNT",
    "MAX_APPROVAL_REF_LENGTH",
    "MAX_ID_LENGTH",
    "MAX_MESSAGE_LENGTH",
    "MAX_NAME_LENGTH",
    "ORG_ID_SCHEME",
    "Pain001Batch",
    "Pain001Message",
    "Pain001Payment",
    "PostalAddress",
    "RegulatoryReport",
]

DNB_BIC = "DNBANOKK"
ORG_ID_SCHEME = "CUST"
BBAN_SCHEME = "BBAN"
CURRENCY = "NOK"
MAX_ID_LENGTH = 35
MAX_NAME_LENGTH = 70
MAX_MESSAGE_LENGTH = 140
MAX_APPROVAL_REF_LENGTH = 128  # Authstn/Prtry is Max128Text
# The ledger stores money as DecimalField(max_digits=15, decimal_places=2).
MAX_AMOUNT = Decimal("9999999999999.99")
CENT = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class PostalAddress:
    """A structured postal address (ISO 20022 PostalAddress24): town and country are required
    whenever an address is sent (the SEPA and SWIFT rule from 15 November 2026)."""

    town: str
    country: str  # ISO 3166 alpha-2
    street: str | None = None
    building_number: str | None = None
    postcode: str | None = None


@dataclass(frozen=True, slots=True)
class RegulatoryReport:
    """Norway's report to the Currency Register (``RgltryRptg``) of a payment abroad above the
    threshold: the payment type code ("betalingsart", e.g. ``"14"``) and what it is for."""

    code: str
    text: str


@dataclass(frozen=True, slots=True)
class Pain001Payment:
    """One credit transfer: ``amount`` in ``currency``, and a KID or a message (or neither).

    A domestic payment is NOK to a Norwegian account number (BBAN) and needs nothing more; the
    fields after ``message`` are for payments abroad and in currency, which only
    pain.001.001.09 writes (:mod:`.v09`; v03 refuses them): the creditor's IBAN (in
    ``creditor_account``) and bank (BIC), a structured address, who bears the charges
    (SHAR by default, DEBT or CRED by choice; a SEPA payment is always SLEV), urgency, a
    UETR, and the Currency Register report with what decides whether it is needed: the
    amount's value in NOK, or the caller's own word (``reporting_required``).
    """

    end_to_end_id: str
    amount: Decimal
    creditor_name: str
    creditor_account: str
    kid: str | None = None
    message: str | None = None
    currency: str = CURRENCY
    creditor_bic: str | None = None
    creditor_address: PostalAddress | None = None
    charge_bearer: str | None = None  # "SHAR" (default abroad), "DEBT" or "CRED"
    urgent: bool = False
    uetr: str | None = None  # a UUID v4, when the bank asks for one
    nok_equivalent: Decimal | None = None  # the amount's value in NOK (for the reporting threshold)
    reporting_required: bool | None = None  # None: decided from nok_equivalent
    regulatory_report: RegulatoryReport | None = None


@dataclass(frozen=True, slots=True)
class Pain001Batch:
    """One PmtInf: the payments from one debit account on one execution date."""

    pmt_inf_id: str
    execution_date: date
    debtor_name: str
    debtor_org_number: str
    debtor_account: str
    debtor_bic: str = DNB_BIC
    # True: the statement shows one debit for the whole batch; False: one per payment.
    batch_booking: bool = False
    payments: Sequence[Pain001Payment] = ()

    def __post_init__(self) -> None:
        # Frozen means frozen: a list passed in could still be changed behind our back.
        object.__setattr__(self, "payments", tuple(self.payments))


@dataclass(frozen=True, slots=True)
class Pain001Message:
    """One pain.001 file. ``msg_id`` is the bank's idempotency key: reuse it on every retry."""

    msg_id: str
    created_at: datetime
    initiating_party_name: str
    initiating_party_org_number: str
    batches: Sequence[Pain001Batch]
    # RgB: the payments were approved in the ERP with BankID, so the bank must not ask for a
    # second approval (GrpHdr/Authstn/Cd AUTH, "pre-authorised file"), and the signing
    # reference travels with the file (Authstn/Prtry). False: post-approval in the online bank.
    pre_approved: bool = False
    approval_reference: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "batches", tuple(self.batches))

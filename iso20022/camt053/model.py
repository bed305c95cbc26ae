"""What the camt.053 reader gives: statements, their entries and the entries' transactions.

Entries and transactions are named tuples, immutable and several times faster to make than
frozen dataclasses: a 100,000-entry file builds 210,000 of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import NamedTuple

__all__ = ["CHARGE_SUBFAMILIES", "ZERO", "Camt053Entry", "Camt053Fx", "Camt053Statement", "Camt053Tx"]

ZERO = Decimal("0.00")

# ISO 20022 bank transaction sub-families that are the bank's own fees and commissions
# (ExternalBankTransactionSubFamily1Code): they go to the fee account, not to a payment.
CHARGE_SUBFAMILIES = frozenset({"CHRG", "COMM", "COME", "COMI", "COMT", "FEES"})


class Camt053Fx(NamedTuple):
    """A transaction's amount in another currency than its entry's (``AmtDtls``: ``TxAmt``,
    ``InstdAmt`` or ``CntrValAmt``), with the exchange the bank gave (``CcyXchg``), if any.

    Kept as information: it is never booked, split or compared with the entry's amount.
    """

    amount: Decimal  # as the bank gave it (up to five decimals, as ISO 20022 allows)
    currency: str
    rate: Decimal | None = None  # XchgRate
    source_currency: str | None = None  # SrcCcy
    target_currency: str | None = None  # TrgtCcy


class Camt053Tx(NamedTuple):
    """One ``TxDtls``: one payment inside a (possibly batched) entry.

    Entries and their transactions are named tuples, immutable like the frozen dataclasses
    they were and made several times faster: a 100,000-entry file builds 210,000 of them.
    """

    amount: Decimal | None  # in the entry's currency; None: a batch's payment given only in another
    credit_debit: str
    end_to_end_id: str | None
    kids: tuple[str, ...]  # every Strd/CdtrRefInf/Ref: one payment may cover several invoices
    unstructured: str | None
    acct_svcr_ref: str | None
    counterparty_name: str | None
    counterparty_account: str | None
    charges: Decimal = ZERO  # Σ Chrgs/Amt in the entry's currency
    foreign: Camt053Fx | None = None
    additional_info: str | None = None  # AddtlTxInf
    uetr: str | None = None  # Refs/UETR (camt.053.001.08): the payment's id across banks

    @property
    def kid(self) -> str | None:
        """The first structured reference (KID), or None."""
        return self.kids[0] if self.kids else None

    @property
    def signed_amount(self) -> Decimal | None:
        if self.amount is None:
            return None
        return self.amount if self.credit_debit == "CRDT" else -self.amount


class Camt053Entry(NamedTuple):
    """One ``Ntry``: one booking on the account."""

    index: int  # 0-based position within its statement
    amount: Decimal  # positive, as in the file
    credit_debit: str  # "CRDT" | "DBIT": the direction of this booking
    signed_amount: Decimal  # + credit, − debit: what it does to the balance
    reversal: bool
    status: str  # BOOK | PDNG | INFO
    booking_date: date
    value_date: date | None
    acct_svcr_ref: str | None
    bank_tx_code: str  # "Domn/Fmly/SubFmly", e.g. "PMNT/RCDT/ESCT", or ""
    bank_tx_proprietary: str | None  # BkTxCd/Prtry/Cd
    additional_info: str | None
    is_charge: bool
    transactions: tuple[Camt053Tx, ...]
    line: int
    currency: str = "NOK"
    charges: Decimal = ZERO  # Σ signed tx amounts − signed_amount (positive = a fee the bank took)

    @property
    def original_credit_debit(self) -> str | None:
        """For a reversal, the direction of the booking it undoes (ISO 20022: the opposite)."""
        if not self.reversal:
            return None
        return "DBIT" if self.credit_debit == "CRDT" else "CRDT"

    @property
    def end_to_end_ids(self) -> tuple[str, ...]:
        return tuple(tx.end_to_end_id for tx in self.transactions if tx.end_to_end_id)

    @property
    def kids(self) -> tuple[str, ...]:
        return tuple(kid for tx in self.transactions for kid in tx.kids)

    @property
    def unstructured(self) -> tuple[str, ...]:
        return tuple(tx.unstructured for tx in self.transactions if tx.unstructured)


@dataclass(frozen=True, slots=True)
class Camt053Statement:
    """One ``Stmt``: usually one account and one day. ``entries`` is empty from :func:`iter_camt053`."""

    statement_id: str
    electronic_seq_nb: int | None
    created_at: datetime | None
    from_date: date | None
    to_date: date | None
    account: str
    currency: str
    opening_balance: Decimal
    closing_balance: Decimal
    opening_balance_date: date | None
    closing_balance_date: date | None
    balance_types_used: tuple[str, str]
    entries: tuple[Camt053Entry, ...] = ()
    message_id: str | None = None
    line: int = 0
    iban: str | None = None

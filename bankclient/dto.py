"""What the bank answers, as frozen dataclasses with ``Decimal`` money and ``date`` dates.

The portal never sees the wire JSON: a field renamed on the wire is fixed here once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _d(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


@dataclass(frozen=True)
class ChangeEvent:
    id: int
    type: str
    org_number: str | None
    resource_id: str
    data: dict[str, Any]
    created_at: datetime

    @classmethod
    def from_json(cls, d: dict) -> ChangeEvent:
        return cls(
            d["id"],
            d["type"],
            d.get("org_number"),
            str(d["resource_id"]),
            d.get("data") or {},
            _dt(d["created_at"]),
        )


@dataclass(frozen=True)
class ChangePage:
    events: tuple[ChangeEvent, ...]
    next_cursor: int
    has_more: bool


@dataclass(frozen=True)
class ServiceResult:
    service: str
    status: str  # ok | failed
    code: str | None
    message: str | None


@dataclass(frozen=True)
class AccountResult:
    account: str
    agreement_id: str | None
    division_name: str | None
    division_number: str | None
    services: tuple[ServiceResult, ...]
    # The pain.001 version the account's remittance agreement takes ("pain.001.001.09" for
    # new agreements, ".03" for old ones); None without remittance.
    payment_file_version: str | None = None


@dataclass(frozen=True)
class ServiceOrder:
    id: int
    status: str
    code: str | None
    message: str | None
    org_number: str
    accounts: tuple[str, ...]
    services: tuple[str, ...]
    wizard_url: str
    subscription_upgraded: bool
    kontofullmakt_accounts: tuple[str, ...]
    results: tuple[AccountResult, ...]
    completed_at: datetime | None

    @classmethod
    def from_json(cls, d: dict) -> ServiceOrder:
        return cls(
            id=d["id"],
            status=d["status"],
            code=d.get("code"),
            message=d.get("message"),
            org_number=d["org_number"],
            accounts=tuple(d["accounts"]),
            services=tuple(d["services"]),
            wizard_url=d["wizard_url"],
            subscription_upgraded=bool(d.get("subscription_upgraded")),
            kontofullmakt_accounts=tuple(d.get("kontofullmakt_accounts") or ()),
            results=tuple(
                AccountResult(
                    r["account"],
                    r.get("agreement_id"),
                    r.get("division_name"),
                    r.get("division_number"),
                    tuple(
                        ServiceResult(s["service"], s["status"], s.get("code"), s.get("message"))
                        for s in r["services"]
                    ),
                    r.get("payment_file_version"),
                )
                for r in d.get("results") or ()
            ),
            completed_at=_dt(d.get("completed_at")),
        )


@dataclass(frozen=True)
class SigningSession:
    id: int
    status: str  # PENDING | COMPLETE | CANCELLED | EXPIRED
    url: str
    name: str
    national_id: str | None  # masked: 151086 *****
    signature_ref: str | None
    expires_at: datetime

    @classmethod
    def from_json(cls, d: dict) -> SigningSession:
        return cls(
            d["id"],
            d["status"],
            d["url"],
            d["name"],
            d.get("national_id"),
            d.get("signature_ref"),
            _dt(d["expires_at"]),
        )


@dataclass(frozen=True)
class OnlineBankApplication:
    id: int
    status: str  # DRAFT | RECEIVED | READY_FOR_SIGNING | SIGNED | CREATED | CANCELLED
    url: str
    org_number: str | None
    signing_method: str | None
    created_user_ids: tuple[str, ...]
    signing: SigningSession | None
    bank_created_date: date | None

    @classmethod
    def from_json(cls, d: dict) -> OnlineBankApplication:
        return cls(
            d["id"],
            d["status"],
            d["url"],
            d.get("org_number"),
            d.get("signing_method"),
            tuple(u["user_id"] for u in d.get("created_users") or ()),
            SigningSession.from_json(d["signing"]) if d.get("signing") else None,
            _d(d.get("bank_created_date")),
        )


@dataclass(frozen=True)
class RgbAccountResult:
    account: str
    status: str  # enabled | refused
    code: str | None
    message: str | None


@dataclass(frozen=True)
class RgbOrder:
    id: int
    status: str  # AWAITING_USER | CONFIRMED | CANCELLED
    url: str
    org_number: str | None
    vendor: str | None
    results: tuple[RgbAccountResult, ...]

    @classmethod
    def from_json(cls, d: dict) -> RgbOrder:
        return cls(
            d["id"],
            d["status"],
            d["url"],
            d.get("org_number"),
            d.get("vendor"),
            tuple(
                RgbAccountResult(r["account"], r["status"], r.get("code"), r.get("message"))
                for r in d.get("results") or ()
            ),
        )


@dataclass(frozen=True)
class PaymentStatus:
    end_to_end_id: str
    amount: Decimal
    creditor_account: str
    status: str
    reason: str | None
    reason_text: str | None
    booked_date: date | None


@dataclass(frozen=True)
class BatchStatus:
    pmt_inf_id: str
    debtor_account: str
    execution_date: date
    status: str
    reason: str | None
    approvals: tuple[str, ...]
    payments: tuple[PaymentStatus, ...]


@dataclass(frozen=True)
class PaymentFileStatus:
    msg_id: str
    status: str
    reason: str | None
    approval_mode: str
    pain002_version: int
    batches: tuple[BatchStatus, ...] = field(default_factory=tuple)

    @classmethod
    def from_json(cls, d: dict) -> PaymentFileStatus:
        return cls(
            d["msg_id"],
            d["status"],
            d.get("reason"),
            d["approval_mode"],
            d["pain002_version"],
            tuple(
                BatchStatus(
                    b["pmt_inf_id"],
                    b["debtor_account"],
                    date.fromisoformat(b["execution_date"]),
                    b["status"],
                    b.get("reason"),
                    tuple(b.get("approvals") or ()),
                    tuple(
                        PaymentStatus(
                            p["end_to_end_id"],
                            Decimal(p["amount"]),
                            p["creditor_account"],
                            p["status"],
                            p.get("reason"),
                            p.get("reason_text"),
                            _d(p.get("booked_date")),
                        )
                        for p in b["payments"]
                    ),
                )
                for b in d["batches"]
            ),
        )


@dataclass(frozen=True)
class Pain002Answer:
    """The bank's answer to a pain.001: the pain.002 bytes (the portal parses them itself)."""

    content: bytes
    duplicate: bool  # True: the bank had this MsgId already and answered from its record


@dataclass(frozen=True)
class BankAccount:
    number: str
    name: str
    balance: Decimal
    agreement_id: str | None
    division_name: str | None
    division_number: str | None
    rgb_enabled: bool
    ocr_kid_length: int | None
    ocr_kid_check: str | None
    currency: str = "NOK"
    payment_file_version: str | None = None  # as AccountResult's


@dataclass(frozen=True)
class BankCustomer:
    org_number: str
    name: str
    subscription: str
    dual_approval: bool
    accounts: tuple[BankAccount, ...]
    # (bank user id, accounts that user may approve payments from), as the bank reports it
    approval_rights: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @classmethod
    def from_json(cls, d: dict) -> BankCustomer:
        return cls(
            d["org_number"],
            d["name"],
            d["subscription"],
            d["dual_approval"],
            tuple(
                BankAccount(
                    a["number"],
                    a["name"],
                    Decimal(a["balance"]),
                    a.get("agreement_id"),
                    a.get("division_name"),
                    a.get("division_number"),
                    a["rgb_enabled"],
                    (a.get("ocr") or {}).get("kid_length"),
                    (a.get("ocr") or {}).get("kid_check"),
                    a.get("currency") or "NOK",
                    a.get("payment_file_version"),
                )
                for a in d["accounts"]
            ),
            tuple((u["user_id"], tuple(u.get("approval_accounts") or ())) for u in d.get("users") or ()),
        )


@dataclass(frozen=True)
class Download:
    """A downloaded bank file: exact bytes, plus the fault marker banksim may set."""

    content: bytes
    content_type: str
    fault: str | None = None

"""``BankClient``: one typed method per bank operation, over HTTP, with a timeout on every call.

It never retries: a retry decision needs the caller's state (is there an idempotency key,
has the batch been marked UNKNOWN?), so Celery tasks own retries with backoff. What it does
is sort every failure into ``BankUnavailable`` (maybe executed, retry with the same key) or
``BankRejected`` (permanent), so no caller ever has to look at a status code.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

import requests

from bankclient.dto import (
    BankCustomer,
    ChangeEvent,
    ChangePage,
    Download,
    OnlineBankApplication,
    Pain002Answer,
    PaymentFileStatus,
    RgbOrder,
    ServiceOrder,
    SigningSession,
)
from bankclient.errors import BankRejected, BankUnavailable

API_KEY_HEADER = "X-Api-Key"


class _Http:
    """The shared plumbing: a Session, the timeout, and the error mapping."""

    def __init__(self, base_url: str, api_key: str = "", timeout: float = 10.0):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.session = requests.Session()
        if api_key:
            self.session.headers[API_KEY_HEADER] = api_key

    def close(self) -> None:
        self.session.close()

    def _send(self, method: str, path: str, **kwargs) -> requests.Response:
        try:
            url = path if path.startswith(("http://", "https://")) else f"{self.base_url}{path}"
            response = self.session.request(method, url, timeout=self.timeout, **kwargs)
            # Read the whole body inside the try: a connection dropped mid-body is "unavailable".
            _ = response.content
        except requests.Timeout as exc:
            raise BankUnavailable(
                f"The bank did not answer within {self.timeout} s ({method} {path})."
            ) from exc
        except requests.RequestException as exc:
            raise BankUnavailable(
                f"No answer from the bank ({method} {path}): {exc.__class__.__name__}."
            ) from exc
        if response.status_code == 429 or response.status_code >= 500:
            raise BankUnavailable(
                f"The bank answered {response.status_code} ({method} {path}).",
                status=response.status_code,
                retry_after=_retry_after(response),
            )
        if response.status_code >= 400:
            code, detail = f"http_{response.status_code}", response.reason or "rejected"
            try:
                body = response.json()
                code, detail = str(body.get("code") or code), str(body.get("detail") or detail)
            except (ValueError, AttributeError):
                pass
            raise BankRejected(code, detail, status=response.status_code)
        return response

    def json(self, method: str, path: str, **kwargs) -> Any:
        response = self._send(method, path, **kwargs)
        if "json" not in response.headers.get("Content-Type", ""):
            # A 200 with an HTML maintenance page is not an answer: treat it as the bank being away
            # (retried with the same idempotency key), never as success.
            raise BankUnavailable(
                f"The bank answered {path} with {response.headers.get('Content-Type')!r}, not JSON."
            )
        try:
            return json.loads(response.content)
        except ValueError as exc:
            raise BankUnavailable(f"The bank's answer to {path} was cut off or not JSON.") from exc

    def file(self, path: str, expected: tuple[str, ...]) -> Download:
        response = self._send("GET", path)
        content_type = response.headers.get("Content-Type", "")
        if not any(e in content_type for e in expected):
            raise BankUnavailable(f"The bank answered {path} with {content_type!r}, not a bank file.")
        return Download(response.content, content_type, response.headers.get("X-Banksim-Fault"))


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


class BankClient(_Http):
    """The portal's one door to DNB, Nets and BankID (the wire contract is in README.md)."""

    def health(self) -> bool:
        """True when the bank answers and accepts our key; raises BankUnavailable otherwise."""
        return self.json("GET", "/api/v1/health").get("status") == "ok"

    # --- change feed -------------------------------------------------------------------------

    def changes(self, cursor: int = 0, limit: int = 100, org_number: str | None = None) -> ChangePage:
        params: dict[str, Any] = {"cursor": cursor, "limit": limit}
        if org_number:
            params["org_number"] = org_number
        data = self.json("GET", "/api/v1/changes", params=params)
        return ChangePage(
            tuple(ChangeEvent.from_json(e) for e in data["events"]),
            int(data["next_cursor"]),
            bool(data["has_more"]),
        )

    def get_customer(self, org_number: str) -> BankCustomer:
        return BankCustomer.from_json(self.json("GET", f"/api/v1/customers/{org_number}"))

    # --- exchange rates -------------------------------------------------------------------------------

    def exchange_rates(self, day: date | None = None) -> dict[str, Decimal]:
        """The bank's published rates on ``day`` (today on the bank's clock if None): NOK per one
        unit, e.g. ``{"EUR": Decimal("11.7210"), ...}``."""
        params = {"date": day.isoformat()} if day else {}
        data = self.json("GET", "/api/v1/fx/rates", params=params)
        try:
            rates = {str(c): Decimal(str(r)) for c, r in data["rates"].items()}
        except (KeyError, TypeError, AttributeError, InvalidOperation) as exc:
            raise BankUnavailable("The bank's exchange rates were not a list of rates.") from exc
        if any(not r.is_finite() or r <= 0 for r in rates.values()):
            raise BankUnavailable("The bank published a rate that is not a positive number.")
        return rates

    # --- service orders (bestillingsveileder) -------------------------------------------------------

    def create_service_order(
        self,
        *,
        org_number: str,
        accounts: Iterable[str],
        services: Iterable[str],
        fee_account: str = "",
        kid_length: int | None = None,
        kid_check: str | None = None,
        reference: str | None = None,
        return_url: str = "",
    ) -> ServiceOrder:
        body: dict[str, Any] = {
            "org_number": org_number,
            "accounts": list(accounts),
            "services": list(services),
            "fee_account": fee_account,
            "return_url": return_url,
        }
        if kid_length is not None:
            body["kid"] = {"length": kid_length, "check": kid_check}
        if reference is not None:
            body["reference"] = reference
        return ServiceOrder.from_json(self.json("POST", "/api/v1/service-orders", json=body))

    def get_service_order(self, order_id: int) -> ServiceOrder:
        return ServiceOrder.from_json(self.json("GET", f"/api/v1/service-orders/{int(order_id)}"))

    # --- S'banken bedrift: API-based activation with a consent step ---------------------------------

    def create_sbanken_activation(
        self,
        *,
        org_number: str,
        accounts: Iterable[str],
        services: Iterable[str],
        reference: str | None = None,
        return_url: str = "",
    ) -> ServiceOrder:
        """Same answer shape as a DNB order; ``wizard_url`` is S'banken's consent page."""
        body: dict[str, Any] = {
            "org_number": org_number,
            "accounts": list(accounts),
            "services": list(services),
            "return_url": return_url,
        }
        if reference is not None:
            body["reference"] = reference
        return ServiceOrder.from_json(self.json("POST", "/api/v1/sbanken/activations", json=body))

    def get_sbanken_activation(self, activation_id: int) -> ServiceOrder:
        return ServiceOrder.from_json(self.json("GET", f"/api/v1/sbanken/activations/{int(activation_id)}"))

    # --- online bank agreement, RgB, BankID ----------------------------------------------------------

    def create_online_bank_application(
        self,
        *,
        org_number: str = "",
        company_name: str = "",
        reference: str | None = None,
        return_url: str = "",
    ) -> OnlineBankApplication:
        body = {
            "org_number": org_number,
            "company_name": company_name,
            "reference": reference,
            "return_url": return_url,
        }
        return OnlineBankApplication.from_json(
            self.json("POST", "/api/v1/online-bank-applications", json=body)
        )

    def get_online_bank_application(self, application_id: int) -> OnlineBankApplication:
        return OnlineBankApplication.from_json(
            self.json("GET", f"/api/v1/online-bank-applications/{int(application_id)}")
        )

    def create_rgb_order(
        self,
        *,
        org_number: str = "",
        accounts: Iterable[str] = (),
        vendor: str = "",
        reference: str | None = None,
        return_url: str = "",
    ) -> RgbOrder:
        body = {
            "org_number": org_number,
            "accounts": list(accounts),
            "vendor": vendor,
            "reference": reference,
            "return_url": return_url,
        }
        return RgbOrder.from_json(self.json("POST", "/api/v1/rgb-orders", json=body))

    def get_rgb_order(self, order_id: int) -> RgbOrder:
        return RgbOrder.from_json(self.json("GET", f"/api/v1/rgb-orders/{int(order_id)}"))

    def start_signing(
        self, *, name: str, text: str, national_id: str = "", return_url: str = ""
    ) -> SigningSession:
        body = {"name": name, "text": text, "national_id": national_id, "return_url": return_url}
        return SigningSession.from_json(self.json("POST", "/api/v1/signing-sessions", json=body))

    def get_signing(self, session_id: int) -> SigningSession:
        return SigningSession.from_json(self.json("GET", f"/api/v1/signing-sessions/{int(session_id)}"))

    # --- payments ----------------------------------------------------------------------------------

    def submit_pain001(
        self,
        xml: bytes,
        *,
        msg_id: str,
        approval_mode: str = "post_approval",
        approved_by: Iterable[str] = (),
    ) -> Pain002Answer:
        """Send a pain.001; MsgId is the idempotency key (resend with the same one after a timeout)."""
        headers = {
            "Content-Type": "application/xml",
            "Idempotency-Key": msg_id,
            "X-Approval-Mode": approval_mode,
        }
        approvers = ",".join(approved_by)
        if approvers:
            headers["X-Approved-By"] = approvers
        response = self._send("POST", "/api/v1/payment-files", data=xml, headers=headers)
        if "xml" not in response.headers.get("Content-Type", ""):
            raise BankUnavailable("The bank answered the payment file without a pain.002.")
        return Pain002Answer(response.content, response.headers.get("X-Duplicate") == "true")

    def get_payment_file(self, msg_id: str) -> PaymentFileStatus:
        return PaymentFileStatus.from_json(self.json("GET", f"/api/v1/payment-files/{_seg(msg_id)}"))

    def get_pain002(self, msg_id: str) -> bytes:
        return self.file(f"/api/v1/payment-files/{_seg(msg_id)}/pain002", ("xml",)).content

    # --- files ---------------------------------------------------------------------------------------

    def download_debit_notification(self, notification_id: int) -> bytes:
        return self.file(f"/api/v1/debit-notifications/{int(notification_id)}", ("xml",)).content

    def download_statement(self, statement_id: int) -> bytes:
        return self.file(f"/api/v1/statements/{int(statement_id)}", ("xml",)).content

    def download_ocr_file(self, ocr_file_id: int) -> bytes:
        return self.file(f"/api/v1/ocr-files/{int(ocr_file_id)}", ("text/plain",)).content


def _seg(value: str) -> str:
    """A MsgId as one URL path segment."""
    return requests.utils.quote(value, safe="")

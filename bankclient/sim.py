"""Controls of the simulated bank (``/sim/``), for tests and demos only.

Kept apart from ``BankClient`` because production code must never move the bank's clock
or switch faults on; only tests, ``make run`` demos and scripts import this module.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from typing import Any

from bankclient.client import _Http
from bankclient.dto import PaymentFileStatus


class BankSim(_Http):
    def sim_advance_clock(self, *, seconds: float = 0, days: float = 0) -> dict:
        return self.json("POST", "/sim/clock/advance", json={"seconds": seconds, "days": days})

    def sim_set_fault(
        self,
        endpoint: str,
        mode: str,
        rate: float = 1.0,
        *,
        seed: int | None = None,
        delay_seconds: float | None = None,
        limit: int | None = None,
    ) -> dict:
        body: dict[str, Any] = {"endpoint": endpoint, "mode": mode, "rate": rate, "seed": seed}
        if delay_seconds is not None:
            body["delay_seconds"] = delay_seconds
        if limit is not None:
            body["limit"] = limit
        return self.json("POST", "/sim/faults", json=body)

    def sim_clear_faults(self) -> dict:
        return self.json("DELETE", "/sim/faults")

    def sim_reset(self, now: datetime | None = None) -> dict:
        return self.json("POST", "/sim/reset", json={"now": now.isoformat() if now else None})

    def sim_state(self) -> dict:
        return self.json("GET", "/sim/state")

    def sim_upsert_customer(self, customer: dict) -> dict:
        return self.json("POST", "/sim/customers", json=customer)

    def sim_add_kid_payee(self, account: str, name: str = "") -> dict:
        return self.json("POST", "/sim/kid-payees", json={"account": account, "name": name})

    def sim_inject_transaction(
        self,
        *,
        account: str,
        amount: Decimal | str,
        kid: str = "",
        payer_account: str = "",
        payer_name: str = "",
        text: str = "",
    ) -> dict:
        body = {
            "account": account,
            "amount": f"{Decimal(amount):.2f}",
            "kid": kid,
            "payer_account": payer_account,
            "payer_name": payer_name,
            "text": text,
        }
        return self.json("POST", "/sim/transactions", json=body)

    def sim_approve_payments(
        self, msg_id: str, user_id: str, pmt_inf_id: str | None = None
    ) -> PaymentFileStatus:
        """Approve post-approval payments as a user in the online bank (needs the API key)."""
        body = {"user_id": user_id, "pmt_inf_id": pmt_inf_id}
        return PaymentFileStatus.from_json(
            self.json("POST", f"/api/v1/payment-files/{msg_id}/approve", json=body)
        )

    # --- driving the bank's pages, as the user would --------------------------------------------

    def _form(self, url: str, data: dict) -> str:
        """GET a page for its CSRF token, then POST the form; returns the final page's HTML."""
        page = self._send("GET", url)
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        token = match.group(1) if match else ""
        response = self._send(
            "POST", url, data={"csrfmiddlewaretoken": token, **data}, headers={"Referer": url}
        )
        return response.text

    def sim_confirm_order(self, wizard_url: str) -> str:
        return self._form(wizard_url, {"action": "confirm"})

    def sim_sign(self, signing_url: str, otp: str = "123456", cancel: bool = False) -> str:
        return self._form(signing_url, {"otp": otp, "action": "cancel" if cancel else "confirm"})

"""Everything the simulated bank does: every write to its books goes through here.

Views (API, pages, /sim/ controls) only parse input and call these functions, so a rule
such as "the same MsgId is never executed twice" or "a statement adds up" holds whichever
door a request came in by. ``process_due`` runs at the start of every request and after
the clock moves: it processes what has fallen due on the simulated clock, one day at a
time, so that jumping 60 days books and closes each of those days in order.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone
from stdnum.no import fodselsnummer, orgnr

from banksim import clock, formats
from banksim.models import (
    Account,
    BankUser,
    Customer,
    DebitNotification,
    Entry,
    Event,
    Fault,
    IncomingKidPayment,
    KidPayee,
    OcrFile,
    OnlineBankApplication,
    Payment,
    PaymentBatch,
    PaymentFile,
    RgbOrder,
    SbankenActivation,
    ServiceOrder,
    SigningSession,
    SimState,
    Statement,
)

log = logging.getLogger("banksim")

SERVICES = ("remittance", "incoming_reconciliation", "nets_ocr", "rgb")
ERP_VENDORS = (
    "24SevenOffice",
    "PowerOffice GO",
    "Tripletex",
    "Visma.net AutoPay",
    "Xledger",
    "ZData",
    "Zirius",
)
UNSUPPORTED_VENDORS = ("Visma eAccounting",)
KONTOFULLMAKT_MAX_ACCOUNTS = 6
MAX_ONLINE_BANK_USERS = 5
BANKID_TEST_OTP = "123456"
# A registry code no bank uses: creditor accounts there pass MOD11 but "do not exist",
# which lets tests provoke AC01 deterministically.
UNKNOWN_REGISTRY = "9999"


class BankError(Exception):
    """A request the bank refuses; views answer it as 4xx JSON ``{"code", "detail"}``."""

    def __init__(self, code: str, detail: str, status: int = 400):
        super().__init__(detail)
        self.code = code
        self.detail = detail
        self.status = status


def token() -> str:
    return secrets.token_urlsafe(18)


def mask_national_id(value: str) -> str:
    """Fødselsnummer is sensitive personal data: only the birth date is ever shown (151086 *****).

    The last five digits are what make the number usable by someone else, so they are the
    ones hidden.
    """
    digits = re.sub(r"\D", "", value or "")
    if not digits:
        return ""
    return f"{digits[:6]} *****" if len(digits) == 11 else "*****"


def public_url(path: str) -> str:
    return f"{settings.BANKSIM_PUBLIC_URL}{path}"


def event(type_: str, org_number: str, resource_id, data: dict) -> None:
    Event.objects.create(
        type=type_,
        org_number=org_number or "",
        resource_id=str(resource_id),
        data=data,
        created_at=clock.now(),
    )


def validate_org_number(value: str) -> str:
    value = re.sub(r"\s", "", str(value or ""))
    if not orgnr.is_valid(value):
        raise BankError(
            "invalid_org_number", f"Organisasjonsnummeret {value!r} er ugyldig (9 siffer, MOD11)."
        )
    return value


def validate_account(value: str) -> str:
    value = re.sub(r"[\s.]", "", str(value or ""))
    if not formats.account_valid(value):
        raise BankError("invalid_account", f"Kontonummeret {value!r} er ugyldig (11 siffer, MOD11).")
    return value


def parse_money(value, field: str = "amount") -> Decimal:
    try:
        amount = Decimal(str(value))
    except Exception:
        raise BankError("invalid_amount", f'{field} må være et beløp i kroner, f.eks. "1250.50".') from None
    if not amount.is_finite() or amount.as_tuple().exponent < -2:
        raise BankError("invalid_amount", f"{field} må ha høyst to desimaler.")
    return amount


# --- customers -----------------------------------------------------------------------------


def _list(value, name: str, item_type: type = str) -> list:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, item_type) for v in value):
        raise BankError("invalid_parameter", f"{name} må være en liste.")
    return value


def customer_upsert(data: dict) -> Customer:
    """Create or update a customer with accounts and users (seed command and /sim/customers)."""
    org = validate_org_number(data.get("org_number"))
    subscription = data.get("subscription", Customer.Subscription.NONE)
    if subscription not in Customer.Subscription.values:
        raise BankError("invalid_subscription", "subscription må være none, basic eller integrated.")
    today = clock.today()
    with transaction.atomic():
        customer, _ = Customer.objects.update_or_create(
            org_number=org,
            defaults={
                "name": str(data.get("name") or org)[:200],
                "subscription": subscription,
                "dual_approval": bool(data.get("dual_approval", False)),
            },
        )
        for raw in _list(data.get("accounts"), "accounts", dict):
            number = validate_account(raw.get("number"))
            balance = parse_money(raw.get("balance", "0"), "balance")
            account = Account.objects.filter(number=number).first()
            if account and account.customer_id != customer.pk:
                raise BankError("account_taken", f"Kontoen {number} tilhører en annen kunde.", 409)
            if account is None:
                account = Account.objects.create(
                    customer=customer,
                    number=number,
                    name=str(raw.get("name") or "")[:100],
                    initial_balance=balance,
                    balance=balance,
                    opened_date=today,
                )
            else:
                account.name = str(raw.get("name") or account.name)[:100]
                account.save(update_fields=["name"])
                if "balance" in raw and balance != account.balance:
                    # A changed balance is booked as an adjustment so statements still add up.
                    _book(account, balance - account.balance, Entry.Kind.ADJUSTMENT, text="Korreksjon")
            ocr = raw.get("ocr")
            if ocr is not None and not isinstance(ocr, dict):
                raise BankError("invalid_kid_structure", 'ocr må være {"length": 9, "check": "MOD10"}.')
            if ocr:
                length, check = _kid_structure(ocr)
                account.ocr_agreement_id = account.ocr_agreement_id or f"{100000000 + account.pk:09d}"
                account.kid_length, account.kid_check = length, check
            for flag in ("remittance", "reconciliation", "rgb_enabled"):
                if flag in raw:
                    setattr(account, flag, bool(raw[flag]))
            account.save()
        for raw in _list(data.get("users"), "users", dict):
            user_id = str(raw.get("user_id") or "").upper()
            if not re.fullmatch(r"[A-Z]{2}\d{5}", user_id):
                raise BankError("invalid_user_id", f"Bruker-ID {user_id!r} må se ut som TB12345.")
            user, _ = BankUser.objects.update_or_create(
                user_id=user_id,
                defaults={
                    "name": str(raw.get("name") or user_id)[:200],
                    "customer": customer,
                    "email": str(raw.get("email") or "")[:200],
                },
            )
            rights = [validate_account(a) for a in _list(raw.get("approval_accounts"), "approval_accounts")]
            user.approval_accounts.set(Account.objects.filter(number__in=rights))
            clients = [validate_org_number(o) for o in _list(raw.get("clients"), "clients")]
            user.clients.set(Customer.objects.filter(org_number__in=clients))
    return customer


def _kid_structure(raw: dict) -> tuple[int, str]:
    try:
        length = int(raw.get("length"))
    except (TypeError, ValueError):
        raise BankError("invalid_kid_structure", "KID-lengde må være et tall mellom 2 og 25.") from None
    check = str(raw.get("check") or "").upper()
    if not 2 <= length <= 25 or check not in ("MOD10", "MOD11"):
        raise BankError("invalid_kid_structure", "KID-struktur: lengde 2–25 og kontroll MOD10 eller MOD11.")
    return length, check


def kid_payee_add(account: str, name: str = "") -> KidPayee:
    payee, _ = KidPayee.objects.update_or_create(account=validate_account(account), defaults={"name": name})
    return payee


def customer_public(customer: Customer) -> dict:
    return {
        "org_number": customer.org_number,
        "name": customer.name,
        "subscription": customer.subscription,
        "dual_approval": customer.dual_approval,
        "accounts": [
            {
                "number": a.number,
                "name": a.name,
                "balance": f"{a.balance:.2f}",
                "remittance": a.remittance,
                "reconciliation": a.reconciliation,
                "rgb_enabled": a.rgb_enabled,
                "agreement_id": a.agreement_id or None,
                "division_name": a.division_name or None,
                "division_number": a.division_number or None,
                "ocr": {
                    "agreement_id": a.ocr_agreement_id,
                    "kid_length": a.kid_length,
                    "kid_check": a.kid_check,
                }
                if a.has_ocr
                else None,
            }
            for a in customer.accounts.order_by("number")
        ],
        "users": [
            {
                "user_id": u.user_id,
                "name": u.name,
                "approval_accounts": sorted(a.number for a in u.approval_accounts.all()),
                "clients": sorted(c.org_number for c in u.clients.all()),
            }
            for u in customer.users.order_by("user_id")
        ],
    }


# --- service orders --------------------------------------------------------------------------


def clean_return_url(value) -> str:
    """A partner's page to send the user back to: http(s) only, never a script URL."""
    url = str(value or "").strip()
    if not url:
        return ""
    if len(url) > 500 or not re.fullmatch(r"https?://[^\s<>\"']+", url):
        raise BankError("invalid_return_url", "return_url må være en http(s)-adresse på inntil 500 tegn.")
    return url


def order_request(data: dict, model, allowed_services) -> tuple[str | None, object | None, str, list, list]:
    """What every partner order starts with: its reference (an order already made under it is
    returned as is: a retried request never orders twice), organisation, accounts, services."""
    reference = data.get("reference")
    if reference is not None:
        reference = str(reference)[:100]
        existing = model.objects.filter(reference=reference).first()
        if existing:
            return reference, existing, "", [], []
    org = validate_org_number(data.get("org_number"))
    accounts = data.get("accounts")
    if not isinstance(accounts, list) or not accounts:
        raise BankError("accounts_required", "Velg minst én konto.")
    accounts = sorted({validate_account(a) for a in accounts})
    services = data.get("services")
    if not isinstance(services, list) or not services or any(s not in allowed_services for s in services):
        raise BankError(
            "invalid_services", f"services må være en ikke-tom liste av {', '.join(allowed_services)}."
        )
    return reference, None, org, accounts, services


def service_order_create(data: dict) -> tuple[ServiceOrder, bool]:
    reference, existing, org, accounts, services = order_request(data, ServiceOrder, SERVICES)
    if existing:
        return existing, False
    kid_length = kid_check = None
    if "nets_ocr" in services:
        if not isinstance(data.get("kid"), dict):
            raise BankError(
                "kid_structure_required",
                "Bestilling av Nets OCR krever KID-struktur (lengde og MOD10/MOD11).",
            )
        kid_length, kid_check = _kid_structure(data["kid"])
    fee_account = str(data.get("fee_account") or "")
    if fee_account and not re.fullmatch(r"\d{4,8}", fee_account):
        raise BankError(
            "invalid_fee_account", "Konto for bankgebyr må være et hovedbokskontonummer, f.eks. 7770."
        )
    try:
        with transaction.atomic():
            order = ServiceOrder.objects.create(
                token=token(),
                reference=reference,
                org_number=org,
                accounts=accounts,
                services=sorted(set(services)),
                fee_account=fee_account,
                kid_length=kid_length,
                kid_check=kid_check or "",
                return_url=clean_return_url(data.get("return_url")),
                created_at=clock.now(),
            )
            event("service_order.updated", org, order.pk, {"status": order.status})
    except IntegrityError:  # the same reference raced in: the first one wins
        return ServiceOrder.objects.get(reference=reference), False
    return order, True


def service_order_public(order: ServiceOrder) -> dict:
    return {
        "id": order.pk,
        "reference": order.reference,
        "org_number": order.org_number,
        "accounts": order.accounts,
        "services": order.services,
        "fee_account": order.fee_account or None,
        "kid": {"length": order.kid_length, "check": order.kid_check} if order.kid_length else None,
        "status": order.status,
        "code": order.code or None,
        "message": order.message or None,
        "subscription_upgraded": order.subscription_upgraded,
        "kontofullmakt_accounts": order.kontofullmakt,
        "wizard_url": public_url(f"/bestilling/{order.token}/"),
        "created_at": order.created_at.isoformat(),
        "confirmed_at": order.confirmed_at.isoformat() if order.confirmed_at else None,
        "completed_at": order.completed_at.isoformat() if order.completed_at else None,
        "results": order.result,
    }


def service_order_confirm(order: ServiceOrder) -> None:
    with transaction.atomic():
        order = ServiceOrder.objects.select_for_update().get(pk=order.pk)
        if order.status != ServiceOrder.Status.AWAITING_CONFIRMATION:
            raise BankError(
                "order_not_awaiting_confirmation", "Bestillingen er allerede bekreftet eller avbrutt.", 409
            )
        current = clock.now()
        order.status = ServiceOrder.Status.PROCESSING
        order.confirmed_at = current
        order.due_at = current + timedelta(seconds=settings.BANKSIM_ORDER_DELAY_SECONDS)
        order.save()
        event("service_order.updated", order.org_number, order.pk, {"status": order.status})


def service_order_cancel(order: ServiceOrder) -> None:
    with transaction.atomic():
        order = ServiceOrder.objects.select_for_update().get(pk=order.pk)
        if order.status != ServiceOrder.Status.AWAITING_CONFIRMATION:
            raise BankError("order_not_awaiting_confirmation", "Bestillingen kan ikke avbrytes nå.", 409)
        order.status = ServiceOrder.Status.CANCELLED
        order.save()
        event("service_order.updated", order.org_number, order.pk, {"status": order.status})


def kontofullmakt_request(order: ServiceOrder, accounts: list[str]) -> None:
    accounts = [validate_account(a) for a in accounts if str(a).strip()]
    if not accounts:
        raise BankError("accounts_required", "Oppgi minst én konto.")
    if len(set(accounts)) > KONTOFULLMAKT_MAX_ACCOUNTS:
        raise BankError(
            "too_many_accounts",
            f"En regnskapsfører kan be om kontofullmakt for høyst {KONTOFULLMAKT_MAX_ACCOUNTS} kontoer om gangen "
            f"(du valgte {len(set(accounts))}). Send resten i en ny forespørsel.",
        )
    order.kontofullmakt = sorted(set(order.kontofullmakt) | set(accounts))
    order.save(update_fields=["kontofullmakt"])


def _order_complete(order: ServiceOrder, current: datetime) -> None:
    customer = Customer.objects.filter(org_number=order.org_number).first()
    order.completed_at = current
    if customer is None:
        order.status, order.code = ServiceOrder.Status.REJECTED, "unknown_customer"
        order.message = f"Organisasjonsnummer {order.org_number} er ikke kunde i DNB."
    elif customer.subscription == Customer.Subscription.NONE:
        order.status, order.code = ServiceOrder.Status.REJECTED, "no_online_bank"
        order.message = (
            f"{customer.name} har ikke bedriftsnettbank i DNB. Opprett en nettbankavtale "
            "(integrert med regnskapssystem) før du bestiller tjenester."
        )
    else:
        owned = {a.number: a for a in customer.accounts.filter(number__in=order.accounts)}
        missing = [a for a in order.accounts if a not in owned]
        if missing:
            order.status, order.code = ServiceOrder.Status.REJECTED, "account_not_owned"
            order.message = (
                f"Kontoene {', '.join(missing)} tilhører ikke {customer.name} ({customer.org_number})."
            )
        else:
            if customer.subscription == Customer.Subscription.BASIC:
                # DNB upgrades a free basic subscription on the first digital order (seed).
                customer.subscription = Customer.Subscription.INTEGRATED
                customer.save(update_fields=["subscription"])
                order.subscription_upgraded = True
            order.result = [_order_account(order, customer, owned[n]) for n in order.accounts]
            failed = [s for r in order.result for s in r["services"] if s["status"] == "failed"]
            order.status = (
                ServiceOrder.Status.PARTIALLY_COMPLETED if failed else ServiceOrder.Status.COMPLETED
            )
            order.code = failed[0]["code"] if failed else ""
            order.message = " ".join(s["message"] for s in failed)
    order.save()
    event(
        "service_order.updated",
        order.org_number,
        order.pk,
        {"status": order.status, "code": order.code or None},
    )


def _order_account(order: ServiceOrder, customer: Customer, account: Account) -> dict:
    results = []
    bank_services = [s for s in order.services if s != "nets_ocr"]
    for service in order.services:
        ok = {"service": service, "status": "ok", "code": None, "message": None}
        if service == "remittance":
            account.remittance = True
        elif service == "incoming_reconciliation":
            account.reconciliation = True
        elif service == "rgb":
            if customer.dual_approval:
                ok.update(
                    status="failed",
                    code="dual_approval_required",
                    message=(
                        f"Konto {account.number}: avtalen krever dobbel godkjenning, så regnskapsgodkjente "
                        "betalinger er ikke tillatt. Kontoen må bruke ettergodkjenning i nettbank."
                    ),
                )
            else:
                account.rgb_enabled = True
        elif service == "nets_ocr":
            wanted = (order.kid_length, order.kid_check)
            if account.has_ocr and (account.kid_length, account.kid_check) != wanted:
                ok.update(
                    status="failed",
                    code="kid_mismatch",
                    message=(
                        f"Konto {account.number}: KID-strukturen i bestillingen (lengde {order.kid_length}, "
                        f"{order.kid_check}) stemmer ikke med Nets-avtalen (lengde {account.kid_length}, "
                        f"{account.kid_check}). Endre KID-oppsettet i fakturainnstillingene og bestill på nytt."
                    ),
                )
            elif not account.has_ocr:
                account.ocr_agreement_id = f"{100000000 + account.pk:09d}"
                account.kid_length, account.kid_check = wanted
        results.append(ok)
    if bank_services and not account.agreement_id:
        # AvtaleID and division identify the file-transfer agreement; Nets OCR has none at DNB.
        account.agreement_id = f"{30000000 + account.pk}"
        account.division_number = f"{customer.pk:06d}"
        account.division_name = f"{customer.name[:40]} ERP"
    account.save()
    return {
        "account": account.number,
        "agreement_id": account.agreement_id or None if bank_services else None,
        "division_name": account.division_name or None if bank_services else None,
        "division_number": account.division_number or None if bank_services else None,
        "services": results,
    }


# --- BankID ------------------------------------------------------------------------------------


def signing_start(data: dict, purpose: str = "") -> SigningSession:
    name = str(data.get("name") or "").strip()
    text = str(data.get("text") or "").strip()
    if not name or not text:
        raise BankError(
            "invalid_signing_request", "Oppgi navn på den som skal signere og teksten som signeres."
        )
    national_id = re.sub(r"\D", "", str(data.get("national_id") or ""))
    if national_id and not fodselsnummer.is_valid(national_id):
        raise BankError("invalid_national_id", f"Fødselsnummeret {mask_national_id(national_id)} er ugyldig.")
    current = clock.now()
    session = SigningSession.objects.create(
        token=token(),
        name=name[:200],
        national_id_masked=mask_national_id(national_id),
        text=text[:2000],
        purpose=purpose or str(data.get("purpose") or "")[:60],
        return_url=clean_return_url(data.get("return_url")),
        created_at=current,
        expires_at=current + timedelta(seconds=settings.BANKSIM_BANKID_EXPIRY_SECONDS),
    )
    event("signing.updated", "", session.pk, {"status": session.status})
    return session


def signing_public(session: SigningSession) -> dict:
    return {
        "id": session.pk,
        "name": session.name,
        "national_id": session.national_id_masked or None,
        "text": session.text,
        "status": session.status,
        "signature_ref": session.signature_ref or None,
        "url": public_url(f"/bankid/{session.token}/"),
        "expires_at": session.expires_at.isoformat(),
        "finished_at": session.finished_at.isoformat() if session.finished_at else None,
    }


def signing_finish(session: SigningSession, *, confirm: bool, otp: str = "") -> SigningSession:
    with transaction.atomic():
        session = SigningSession.objects.select_for_update().get(pk=session.pk)
        if session.status != SigningSession.Status.PENDING:
            raise BankError("signing_not_pending", "Signeringen er allerede avsluttet.", 409)
        if confirm and otp.strip() != BANKID_TEST_OTP:
            raise BankError("wrong_otp", "Feil engangskode. Prøv igjen.")
        session.status = SigningSession.Status.COMPLETE if confirm else SigningSession.Status.CANCELLED
        session.finished_at = clock.now()
        if confirm:
            session.signature_ref = f"BID-{secrets.token_hex(8).upper()}"
        session.save()
        event("signing.updated", "", session.pk, {"status": session.status})
        if confirm and session.purpose.startswith("application:"):
            _application_signed(int(session.purpose.split(":", 1)[1]), session.finished_at)
    return session


# --- online bank applications ---------------------------------------------------------------


def application_create(data: dict) -> tuple[OnlineBankApplication, bool]:
    reference = data.get("reference")
    if reference is not None:
        reference = str(reference)[:100]
        existing = OnlineBankApplication.objects.filter(reference=reference).first()
        if existing:
            return existing, False
    org = validate_org_number(data["org_number"]) if data.get("org_number") else ""
    app = OnlineBankApplication.objects.create(
        token=token(),
        reference=reference,
        org_number=org,
        company_name=str(data.get("company_name") or "")[:200],
        created_at=clock.now(),
    )
    event("online_bank_application.updated", org, app.pk, {"status": app.status})
    return app, True


def _masked_person(person: dict) -> dict:
    out = {k: v for k, v in person.items() if k != "national_id"}
    out["national_id"] = mask_national_id(person.get("national_id", "")) or None
    return out


def application_public(app: OnlineBankApplication) -> dict:
    return {
        "id": app.pk,
        "reference": app.reference,
        "org_number": app.org_number or None,
        "company_name": app.company_name or None,
        "status": app.status,
        "signing_method": app.signing_method or None,
        "contact": _masked_person(app.contact) if app.contact else None,
        "users": [_masked_person(u) for u in app.users],
        "created_users": app.created_users,
        "signing": signing_public(app.signing) if app.signing else None,
        "url": public_url(f"/nettbankavtale/{app.token}/firma/"),
        "received_at": app.received_at.isoformat() if app.received_at else None,
        "signed_at": app.signed_at.isoformat() if app.signed_at else None,
        "bank_created_date": app.bank_created_date.isoformat() if app.bank_created_date else None,
    }


def application_submit(app: OnlineBankApplication, signing_method: str) -> None:
    with transaction.atomic():
        app = OnlineBankApplication.objects.select_for_update().get(pk=app.pk)
        if app.status != OnlineBankApplication.Status.DRAFT:
            raise BankError("application_not_draft", "Søknaden er allerede sendt.", 409)
        if not app.org_number or not app.users:
            raise BankError("application_incomplete", "Fyll ut firma og brukere før du bekrefter.")
        current = clock.now()
        app.signing_method = signing_method
        app.status = OnlineBankApplication.Status.RECEIVED
        app.received_at = current
        app.due_at = current + timedelta(seconds=settings.BANKSIM_APPLICATION_DELAY_SECONDS)
        app.save()
        event("online_bank_application.updated", app.org_number, app.pk, {"status": app.status})


def application_start_signing(app: OnlineBankApplication) -> SigningSession:
    if app.status != OnlineBankApplication.Status.READY_FOR_SIGNING or app.signing_method != "bankid":
        raise BankError("not_ready_for_signing", "Avtalen er ikke klar for signering med BankID.", 409)
    if app.signing and app.signing.status == SigningSession.Status.PENDING:
        return app.signing
    contact = app.contact or {}
    session = signing_start(
        {
            "name": contact.get("name") or "Kontaktperson",
            "national_id": contact.get("national_id", ""),
            "text": f"Jeg signerer nettbankavtale (integrert med regnskapssystem) for {app.company_name} ({app.org_number}).",
        },
        purpose=f"application:{app.pk}",
    )
    app.signing = session
    app.save(update_fields=["signing"])
    return session


def _application_signed(app_id: int, at: datetime) -> None:
    app = OnlineBankApplication.objects.select_for_update().get(pk=app_id)
    if app.status != OnlineBankApplication.Status.READY_FOR_SIGNING:
        return
    app.status = OnlineBankApplication.Status.SIGNED
    app.signed_at = at
    # The online bank exists from the next working day (seed flow 4).
    app.bank_created_date = clock.next_banking_day(timezone.localdate(at))
    app.save()
    event("online_bank_application.updated", app.org_number, app.pk, {"status": app.status})


def _application_create_bank(app: OnlineBankApplication) -> None:
    customer, _ = Customer.objects.get_or_create(
        org_number=app.org_number, defaults={"name": app.company_name or app.org_number}
    )
    customer.subscription = Customer.Subscription.INTEGRATED
    customer.save(update_fields=["subscription"])
    created = []
    for person in app.users:
        user_id = _new_user_id()
        BankUser.objects.create(
            user_id=user_id, name=person.get("name", ""), customer=customer, email=person.get("email", "")
        )
        created.append({"user_id": user_id, "name": person.get("name", ""), "role": person.get("role", "")})
    app.created_users = created
    app.status = OnlineBankApplication.Status.CREATED
    app.save()
    event(
        "online_bank_application.updated",
        app.org_number,
        app.pk,
        {"status": app.status, "user_ids": [u["user_id"] for u in created]},
    )


def _new_user_id() -> str:
    n = 10000 + BankUser.objects.count()
    while BankUser.objects.filter(user_id=f"TB{n:05d}").exists():
        n += 1
    return f"TB{n:05d}"


# --- RgB orders -----------------------------------------------------------------------------


def rgb_order_create(data: dict) -> tuple[RgbOrder, bool]:
    reference = data.get("reference")
    if reference is not None:
        reference = str(reference)[:100]
        existing = RgbOrder.objects.filter(reference=reference).first()
        if existing:
            return existing, False
    org = validate_org_number(data["org_number"]) if data.get("org_number") else ""
    accounts = data.get("accounts") or []
    if not isinstance(accounts, list):
        raise BankError("invalid_accounts", "accounts må være en liste av kontonumre.")
    vendor = str(data.get("vendor") or "")
    if vendor and vendor not in ERP_VENDORS:
        raise BankError("unsupported_vendor", f"{vendor} støttes ikke for regnskapsgodkjente betalinger.")
    order = RgbOrder.objects.create(
        token=token(),
        reference=reference,
        org_number=org,
        accounts=sorted({validate_account(a) for a in accounts}),
        vendor=vendor,
        created_at=clock.now(),
    )
    event("rgb_order.updated", org, order.pk, {"status": order.status})
    return order, True


def rgb_order_public(order: RgbOrder) -> dict:
    return {
        "id": order.pk,
        "reference": order.reference,
        "org_number": order.org_number or None,
        "accounts": order.accounts,
        "vendor": order.vendor or None,
        "user_id": order.user_id or None,
        "status": order.status,
        "results": order.result,
        "url": public_url(f"/rgb/{order.token}/"),
        "confirmed_at": order.confirmed_at.isoformat() if order.confirmed_at else None,
    }


def rgb_login(order: RgbOrder, user_id: str) -> BankUser:
    user_id = re.sub(r"\s", "", user_id or "").upper()
    if re.fullmatch(r"\d{11}", user_id):
        # Never a fødselsnummer as login (seed): say so without echoing the number.
        raise BankError(
            "national_id_not_allowed", "Logg inn med bruker-ID (f.eks. TB12345), ikke fødselsnummer."
        )
    user = BankUser.objects.filter(user_id=user_id).first()
    if user is None:
        raise BankError("unknown_user", "Ukjent bruker-ID.")
    order.user_id = user.user_id
    order.save(update_fields=["user_id"])
    return user


def rgb_customers_for(user: BankUser) -> list[Customer]:
    return [user.customer, *user.clients.exclude(pk=user.customer_id).order_by("name")]


def rgb_choose(order: RgbOrder, vendor: str, org_number: str) -> None:
    if vendor in UNSUPPORTED_VENDORS:
        raise BankError("unsupported_vendor", f"{vendor} støttes ikke for regnskapsgodkjente betalinger.")
    if vendor not in ERP_VENDORS:
        raise BankError("vendor_required", "Velg regnskapssystem.")
    user = BankUser.objects.get(user_id=order.user_id)
    allowed = {c.org_number for c in rgb_customers_for(user)}
    if org_number not in allowed:
        raise BankError("client_not_allowed", "Du har ikke tilgang til denne klienten.", 403)
    order.vendor, order.org_number = vendor, org_number
    order.save(update_fields=["vendor", "org_number"])


def rgb_confirm(order: RgbOrder, accounts: list[str]) -> None:
    with transaction.atomic():
        order = RgbOrder.objects.select_for_update().get(pk=order.pk)
        if order.status != RgbOrder.Status.AWAITING_USER:
            raise BankError("rgb_order_closed", "Bestillingen er allerede fullført.", 409)
        if not accounts:
            raise BankError("accounts_required", "Velg minst én konto.")
        customer = Customer.objects.get(org_number=order.org_number)
        owned = {a.number: a for a in customer.accounts.filter(number__in=accounts)}
        result = []
        for number in sorted(set(accounts)):
            account = owned.get(number)
            if account is None:
                result.append(
                    {
                        "account": number,
                        "status": "refused",
                        "code": "account_not_owned",
                        "message": f"Konto {number} tilhører ikke {customer.name}.",
                    }
                )
            elif customer.dual_approval:
                result.append(
                    {
                        "account": number,
                        "status": "refused",
                        "code": "dual_approval_required",
                        "message": (
                            f"Konto {number}: avtalen krever dobbel godkjenning av betalinger. Regnskapsgodkjente "
                            "betalinger har én godkjenner, så kontoen må fortsatt bruke ettergodkjenning i nettbank."
                        ),
                    }
                )
            else:
                account.rgb_enabled = True
                account.save(update_fields=["rgb_enabled"])
                result.append({"account": number, "status": "enabled", "code": None, "message": None})
        order.accounts = sorted(set(accounts))
        order.result = result
        order.status = RgbOrder.Status.CONFIRMED
        order.confirmed_at = clock.now()
        order.save()
        event("rgb_order.updated", order.org_number, order.pk, {"status": order.status})


# --- payments -------------------------------------------------------------------------------


def _derive(statuses: list[str]) -> str:
    """The status of a batch or file from its transactions' statuses."""
    if not statuses or all(s == "RJCT" for s in statuses):
        return "RJCT"
    if "RJCT" in statuses:
        return "PART"
    if all(s == "ACSC" for s in statuses):
        return "ACSC"
    if "PDNG" in statuses:
        return "ACTC"  # technically accepted, waiting for approval in the online bank
    return "ACSP"


@dataclass
class _TxVerdict:
    status: str
    reason: str = ""
    text: str = ""


def payment_file_submit(
    data: bytes, *, msg_id: str, approval_mode: str, approved_by: list[str]
) -> tuple[PaymentFile, bool]:
    """Receive a pain.001: returns the file and whether it was new (False = same MsgId seen)."""
    if approval_mode not in ("rgb", "post_approval"):
        raise BankError("invalid_approval_mode", "X-Approval-Mode må være rgb eller post_approval.")
    doc = formats.parse_pain001(data)
    if msg_id and msg_id != doc.msg_id:
        raise BankError("msgid_mismatch", f"Idempotency-Key {msg_id!r} er ikke filens MsgId {doc.msg_id!r}.")
    existing = PaymentFile.objects.filter(msg_id=doc.msg_id).first()
    if existing:
        # Same MsgId = same file (even if regenerated with a new CreDtTm): never executed twice.
        return existing, False
    try:
        with transaction.atomic():
            payment_file = _payment_file_create(doc, data, approval_mode, approved_by)
    except IntegrityError:
        return PaymentFile.objects.get(msg_id=doc.msg_id), False
    _book_today()
    payment_file.refresh_from_db()
    return payment_file, True


def _payment_file_create(
    doc: formats.Pain001, data: bytes, approval_mode: str, approved_by: list[str]
) -> PaymentFile:
    all_txs = [tx for b in doc.batches for tx in b.transactions]
    amounts = [formats.parse_amount(tx.amount_text) or Decimal(0) for tx in all_txs]
    group_reason = group_text = ""
    if doc.nb_of_txs != len(all_txs):
        group_reason, group_text = (
            "AM18",
            f"NbOfTxs er {doc.nb_of_txs}, men filen har {len(all_txs)} transaksjoner.",
        )
    elif doc.ctrl_sum is not None and doc.ctrl_sum != sum(amounts, Decimal(0)):
        group_reason, group_text = (
            "AM10",
            f"CtrlSum er {doc.ctrl_sum}, men summen av beløpene er {sum(amounts, Decimal(0))}.",
        )
    payment_file = PaymentFile.objects.create(
        msg_id=doc.msg_id,
        org_number=doc.org_number,
        sha256=hashlib.sha256(data).hexdigest(),
        xml=data,
        approval_mode=approval_mode,
        approved_by=",".join(approved_by),
        nb_of_txs=doc.nb_of_txs,
        ctrl_sum=doc.ctrl_sum,
        original_created_at=doc.created_at,
        group_status="RJCT" if group_reason else "ACTC",
        group_reason=group_reason,
        group_reason_text=group_text,
        pain002=b"",
        received_at=clock.now(),
    )
    seen_e2e: set[str] = set()
    for b in doc.batches:
        reason, text = group_reason, group_text
        if not reason:
            reason, text = _batch_verdict(b, approval_mode, approved_by)
        batch = PaymentBatch.objects.create(
            file=payment_file,
            pmt_inf_id=b.pmt_inf_id,
            debtor_account=b.debtor_account,
            execution_date=b.execution_date,
            nb_of_txs=b.nb_of_txs if b.nb_of_txs is not None else len(b.transactions),
            ctrl_sum=b.ctrl_sum,
            status="RJCT" if reason else "ACTC",
            reason=reason,
            reason_text=text,
        )
        payments = []
        for tx in b.transactions:
            if reason:
                verdict = _TxVerdict("RJCT", reason, text)
            else:
                verdict = _tx_verdict(tx, seen_e2e)
                if verdict.status != "RJCT":
                    verdict.status = "ACSP" if approval_mode == "rgb" else "PDNG"
            seen_e2e.add(tx.end_to_end_id)
            payments.append(
                Payment(
                    batch=batch,
                    instr_id=tx.instr_id,
                    end_to_end_id=tx.end_to_end_id,
                    amount=formats.parse_amount(tx.amount_text) or Decimal(0),
                    currency=tx.currency,
                    creditor_name=tx.creditor_name,
                    creditor_account=tx.creditor_account,
                    kid=tx.kid,
                    message=tx.message,
                    status=verdict.status,
                    reason=verdict.reason,
                    reason_text=verdict.text[:105],
                )
            )
        Payment.objects.bulk_create(payments)
        batch.status = "RJCT" if reason else _derive([p.status for p in payments])
        batch.save(update_fields=["status"])
    _refresh_file(payment_file)
    return payment_file


def _batch_verdict(b: formats.Pain001Batch, approval_mode: str, approved_by: list[str]) -> tuple[str, str]:
    amounts = [formats.parse_amount(tx.amount_text) or Decimal(0) for tx in b.transactions]
    if b.nb_of_txs is not None and b.nb_of_txs != len(b.transactions):
        return "AM18", f"NbOfTxs i {b.pmt_inf_id} er {b.nb_of_txs}, men betalingen har {len(b.transactions)}."
    if b.ctrl_sum is not None and b.ctrl_sum != sum(amounts, Decimal(0)):
        return "AM10", f"CtrlSum i {b.pmt_inf_id} er {b.ctrl_sum}, men summen er {sum(amounts, Decimal(0))}."
    account = Account.objects.select_related("customer").filter(number=b.debtor_account).first()
    if account is None:
        return "AC01", f"Debetkontoen {b.debtor_account} finnes ikke i DNB."
    if account.customer.subscription != Customer.Subscription.INTEGRATED:
        return "AG01", "Kunden har ikke integrert bedriftsnettbank."
    if not account.remittance:
        return "AG01", f"Konto {account.number} har ikke avtale om remittering."
    if approval_mode == "rgb":
        if account.customer.dual_approval:
            return (
                "AG01",
                "Avtalen krever dobbel godkjenning: RgB er ikke tillatt, bruk ettergodkjenning i nettbank.",
            )
        if not account.rgb_enabled:
            return "AG01", f"Regnskapsgodkjente betalinger er ikke bestilt for konto {account.number}."
        if not approved_by:
            return "AG08", "Filen mangler godkjenner (X-Approved-By)."
        rights = set(account.approvers.filter(user_id__in=approved_by).values_list("user_id", flat=True))
        lacking = [u for u in approved_by if u not in rights]
        if lacking:
            return "AG08", f"{', '.join(lacking)} har ikke betalingsfullmakt på konto {account.number}."
    return "", ""


def _tx_verdict(tx: formats.Pain001Tx, seen_e2e: set[str]) -> _TxVerdict:
    amount = formats.parse_amount(tx.amount_text)
    if amount is None or amount <= 0:
        return _TxVerdict("RJCT", "AM12", f"Ugyldig beløp {tx.amount_text!r}.")
    if amount.as_tuple().exponent < -2:
        return _TxVerdict("RJCT", "AM12", f"Beløpet {tx.amount_text} har mer enn to desimaler.")
    if tx.currency != "NOK":
        return _TxVerdict("RJCT", "AM03", f"Valuta {tx.currency} støttes ikke; bare NOK.")
    if tx.end_to_end_id in seen_e2e:
        return _TxVerdict("RJCT", "AM05", f"EndToEndId {tx.end_to_end_id} finnes to ganger i filen.")
    if not formats.account_valid(tx.creditor_account):
        return _TxVerdict("RJCT", "AC01", f"Mottakerkonto {tx.creditor_account} er ugyldig (MOD11).")
    if tx.creditor_account.startswith(UNKNOWN_REGISTRY):
        return _TxVerdict("RJCT", "AC01", f"Mottakerkonto {tx.creditor_account} finnes ikke.")
    payee = Account.objects.filter(number=tx.creditor_account).first()
    requires_kid = (payee is not None and payee.has_ocr) or KidPayee.objects.filter(
        account=tx.creditor_account
    ).exists()
    if tx.kid:
        if not requires_kid:
            return _TxVerdict("RJCT", "AC03", f"Mottaker {tx.creditor_account} har ikke KID-avtale.")
        if payee is not None and payee.has_ocr:
            valid = formats.kid_valid(tx.kid, payee.kid_check, payee.kid_length)
        else:
            valid = formats.kid_valid(tx.kid)
        if not valid:
            return _TxVerdict(
                "RJCT", "AC03", f"Ugyldig KID {tx.kid}: kontrollsifferet eller lengden stemmer ikke."
            )
    elif requires_kid:
        return _TxVerdict("RJCT", "AC03", f"Mottaker {tx.creditor_account} krever KID.")
    return _TxVerdict("ACSP")


def _refresh_file(payment_file: PaymentFile) -> None:
    """Recompute the file's status and store the pain.002 that answers it from now on."""
    batches = list(payment_file.batches.prefetch_related("payments").order_by("pk"))
    statuses = [p.status for b in batches for p in b.payments.all()]
    if payment_file.group_reason:
        payment_file.group_status = "RJCT"
    else:
        payment_file.group_status = _derive(statuses)
    for b in batches:
        if not b.reason:
            new = _derive([p.status for p in b.payments.all()])
            if new != b.status:
                b.status = new
                b.save(update_fields=["status"])
    payment_file.pain002_version += 1
    payment_file.pain002 = formats.write_pain002(
        msg_id=f"DNB{payment_file.pk:010d}V{payment_file.pain002_version:04d}",
        created_at=timezone.localtime(clock.now()),
        original_msg_id=payment_file.msg_id,
        original_created_at=payment_file.original_created_at,
        original_nb_of_txs=payment_file.nb_of_txs,
        original_ctrl_sum=payment_file.ctrl_sum,
        group_status=payment_file.group_status,
        group_reason=payment_file.group_reason,
        group_reason_text=payment_file.group_reason_text,
        batches=[
            formats.BatchStatus(
                pmt_inf_id=b.pmt_inf_id,
                nb_of_txs=b.nb_of_txs,
                ctrl_sum=b.ctrl_sum,
                status=b.status,
                reason=b.reason,
                reason_text=b.reason_text,
                transactions=[
                    formats.TxStatus(p.end_to_end_id, p.instr_id, p.status, p.reason, p.reason_text)
                    for p in b.payments.order_by("pk")
                ],
            )
            for b in batches
        ],
    )
    payment_file.save()
    event(
        "payment_file.updated",
        payment_file.org_number,
        payment_file.msg_id,
        {
            "msg_id": payment_file.msg_id,
            "status": payment_file.group_status,
            "version": payment_file.pain002_version,
        },
    )


def payment_file_public(payment_file: PaymentFile) -> dict:
    return {
        "msg_id": payment_file.msg_id,
        "org_number": payment_file.org_number,
        "approval_mode": payment_file.approval_mode,
        "status": payment_file.group_status,
        "reason": payment_file.group_reason or None,
        "reason_text": payment_file.group_reason_text or None,
        "received_at": payment_file.received_at.isoformat(),
        "pain002_version": payment_file.pain002_version,
        "batches": [
            {
                "pmt_inf_id": b.pmt_inf_id,
                "debtor_account": b.debtor_account,
                "execution_date": b.execution_date.isoformat(),
                "status": b.status,
                "reason": b.reason or None,
                "reason_text": b.reason_text or None,
                "approvals": b.approvals,
                "payments": [
                    {
                        "end_to_end_id": p.end_to_end_id,
                        "amount": f"{p.amount.normalize():f}"
                        if p.amount.as_tuple().exponent < -2
                        else f"{p.amount:.2f}",
                        "creditor_account": p.creditor_account,
                        "kid": p.kid or None,
                        "status": p.status,
                        "reason": p.reason or None,
                        "reason_text": p.reason_text or None,
                        "booked_date": p.booked_date.isoformat() if p.booked_date else None,
                    }
                    for p in b.payments.order_by("pk")
                ],
            }
            for b in payment_file.batches.order_by("pk")
        ],
    }


def payment_file_approve(
    payment_file: PaymentFile, user_id: str, pmt_inf_id: str | None = None
) -> PaymentFile:
    """Approval in the online bank of payments sent for post-approval (ettergodkjenning)."""
    user = BankUser.objects.filter(user_id=str(user_id or "").upper()).first()
    if user is None:
        raise BankError("unknown_user", "Ukjent bruker-ID.")
    with transaction.atomic():
        payment_file = PaymentFile.objects.select_for_update().get(pk=payment_file.pk)
        batches = [b for b in payment_file.batches.order_by("pk") if b.status == "ACTC"]
        if pmt_inf_id:
            batches = [b for b in batches if b.pmt_inf_id == pmt_inf_id]
        if not batches:
            raise BankError("nothing_to_approve", "Ingen betalinger venter på godkjenning.", 409)
        rights = set(user.approval_accounts.values_list("number", flat=True))
        for b in batches:
            if b.debtor_account not in rights:
                raise BankError(
                    "no_approval_rights",
                    f"{user.user_id} har ikke betalingsfullmakt på konto {b.debtor_account}.",
                    403,
                )
        for b in batches:
            account = Account.objects.select_related("customer").get(number=b.debtor_account)
            if user.user_id in b.approvals:
                raise BankError(
                    "already_approved", f"{user.user_id} har allerede godkjent {b.pmt_inf_id}.", 409
                )
            b.approvals = [*b.approvals, user.user_id]
            needed = 2 if account.customer.dual_approval else 1
            if len(b.approvals) >= needed:
                b.payments.filter(status="PDNG").update(status="ACSP")
            b.save(update_fields=["approvals"])
        _refresh_file(payment_file)
    _book_today()
    payment_file.refresh_from_db()
    return payment_file


def pending_approval_for(user: BankUser) -> list[PaymentBatch]:
    accounts = list(user.approval_accounts.values_list("number", flat=True))
    return list(
        PaymentBatch.objects.filter(status="ACTC", debtor_account__in=accounts)
        .select_related("file")
        .prefetch_related("payments")
        .order_by("pk")
    )


# --- booking ----------------------------------------------------------------------------------


def _book(account: Account, amount: Decimal, kind: str, day: date | None = None, **fields) -> Entry:
    entry = Entry.objects.create(
        account=account,
        booking_date=day or clock.today(),
        amount=amount,
        kind=kind,
        reference=f"SIM{secrets.token_hex(8).upper()}",
        **fields,
    )
    Account.objects.filter(pk=account.pk).update(balance=F("balance") + amount)
    account.balance += amount
    return entry


def _book_today() -> None:
    with transaction.atomic():
        st = SimState.objects.select_for_update().get(pk=1)
        today = clock.today(st)
        if clock.is_banking_day(today):
            _book_payments(today)


def _book_payments(day: date) -> None:
    """Book every accepted payment due on ``day``; an uncovered one is rejected AM04."""
    fee = settings.BANKSIM_PAYMENT_FEE
    batches = (
        PaymentBatch.objects.filter(payments__status="ACSP", execution_date__lte=day)
        .distinct()
        .select_related("file")
        .order_by("pk")
    )
    touched: dict[int, PaymentFile] = {}
    for batch in batches:
        account = Account.objects.get(number=batch.debtor_account)
        booked: list[Entry] = []
        for payment in batch.payments.filter(status="ACSP").order_by("pk"):
            amount = payment.amount.quantize(Decimal("0.01"))
            if account.balance < amount + fee:
                payment.status, payment.reason = "RJCT", "AM04"
                payment.reason_text = f"Ikke dekning på konto {account.number}."
                payment.save()
                continue
            booked.append(
                _book(
                    account,
                    -amount,
                    Entry.Kind.PAYMENT,
                    day,
                    text=(payment.message or payment.creditor_name or "Betaling")[:140],
                    msg_id=batch.file.msg_id,
                    pmt_inf_id=batch.pmt_inf_id,
                    end_to_end_id=payment.end_to_end_id,
                    kid=payment.kid[:25],
                    counterparty_name=payment.creditor_name,
                    counterparty_account=payment.creditor_account,
                    payment=payment,
                )
            )
            if fee:
                _book(
                    account, -fee, Entry.Kind.FEE, day, text=f"Gebyr betaling {payment.end_to_end_id}"[:140]
                )
            payment.status, payment.booked_date = "ACSC", day
            payment.save()
            _credit_internal(payment, account, day)
        if booked:
            _debit_notification(account, batch, booked)
        touched[batch.file_id] = batch.file
    for payment_file in touched.values():
        _refresh_file(payment_file)


def _credit_internal(payment: Payment, debtor: Account, day: date) -> None:
    """A payment to another account in the simulator arrives there the same day."""
    payee = Account.objects.filter(number=payment.creditor_account).first()
    if payee is None:
        return
    amount = payment.amount.quantize(Decimal("0.01"))
    if payment.kid and payee.has_ocr:
        IncomingKidPayment.objects.create(
            account=payee, amount=amount, kid=payment.kid, payer_account=debtor.number, received_date=day
        )
    else:
        _book(
            payee,
            amount,
            Entry.Kind.INCOMING,
            day,
            text=(payment.message or f"Fra {debtor.customer.name}")[:140],
            end_to_end_id=payment.end_to_end_id,
            kid=payment.kid[:25],
            counterparty_name=debtor.customer.name,
            counterparty_account=debtor.number,
        )


def _debit_notification(account: Account, batch: PaymentBatch, entries: list[Entry]) -> None:
    current = clock.now()
    note = DebitNotification.objects.create(
        account=account,
        msg_id=batch.file.msg_id,
        pmt_inf_id=batch.pmt_inf_id,
        booking_date=entries[0].booking_date,
        xml=b"",
        created_at=current,
    )
    note.xml = formats.write_camt054(
        msg_id=f"C54{note.pk:012d}",
        created_at=timezone.localtime(current),
        account=account.number,
        account_name=account.name,
        entries=[_camt_entry(e) for e in entries],
    )
    note.save(update_fields=["xml"])
    event(
        "debit_notification.created",
        account.customer.org_number,
        note.pk,
        {
            "account": account.number,
            "msg_id": note.msg_id,
            "pmt_inf_id": note.pmt_inf_id,
            "booking_date": note.booking_date.isoformat(),
        },
    )


def _camt_entry(e: Entry) -> formats.CamtEntry:
    return formats.CamtEntry(
        amount=e.amount,
        booking_date=e.booking_date,
        reference=e.reference,
        text=e.text,
        kind=e.kind,
        msg_id=e.msg_id,
        pmt_inf_id=e.pmt_inf_id,
        end_to_end_id=e.end_to_end_id,
        kid=e.kid,
        counterparty_name=e.counterparty_name,
        counterparty_account=e.counterparty_account,
    )


# --- incoming payments, OCR files, statements ---------------------------------------------------


def incoming_inject(data: dict) -> dict:
    """Test control: money arriving on an account, with or without KID."""
    number = validate_account(data.get("account"))
    account = Account.objects.select_related("customer").filter(number=number).first()
    if account is None:
        raise BankError("unknown_account", f"Konto {number} finnes ikke i simulatoren.", 404)
    amount = parse_money(data.get("amount"))
    if amount <= 0:
        raise BankError("invalid_amount", "amount må være større enn 0.")
    kid = str(data.get("kid") or "").strip()
    payer_account = str(data.get("payer_account") or "")
    if payer_account:
        payer_account = validate_account(payer_account)
    if kid and not formats.kid_valid(kid):
        raise BankError("invalid_kid", f"KID {kid} har feil kontrollsiffer.")
    with transaction.atomic():
        if kid and account.has_ocr:
            # Nets collects KID payments and delivers them in the night's OCR file.
            payment = IncomingKidPayment.objects.create(
                account=account,
                amount=amount,
                kid=kid,
                payer_account=payer_account,
                received_date=clock.today(),
            )
            return {
                "kind": "ocr_pending",
                "id": payment.pk,
                "account": number,
                "amount": f"{amount:.2f}",
                "kid": kid,
            }
        entry = _book(
            account,
            amount,
            Entry.Kind.INCOMING,
            text=str(data.get("text") or "Innbetaling")[:140],
            kid=kid[:25],
            counterparty_name=str(data.get("payer_name") or "")[:140],
            counterparty_account=payer_account,
            end_to_end_id=str(data.get("end_to_end_id") or "")[:35],
        )
    return {
        "kind": "booked",
        "id": entry.pk,
        "reference": entry.reference,
        "account": number,
        "amount": f"{amount:.2f}",
    }


def _ocr_files_for(day: date) -> None:
    pending = (
        IncomingKidPayment.objects.filter(ocr_file__isnull=True, received_date__lte=day)
        .select_related("account__customer")
        .order_by("account__customer_id", "account_id", "pk")
    )
    by_customer: dict[str, dict[Account, list[IncomingKidPayment]]] = {}
    for p in pending:
        by_customer.setdefault(p.account.customer.org_number, {}).setdefault(p.account, []).append(p)
    if not by_customer:
        return
    st = SimState.objects.select_for_update().get(pk=1)
    for org, accounts in by_customer.items():
        st.transmission_counter += 1
        assignments = []
        for account, payments in accounts.items():
            st.assignment_counter += 1
            assignments.append(
                formats.OcrAssignment(
                    number=f"{st.assignment_counter:07d}",
                    account=account.number,
                    agreement_id=account.ocr_agreement_id,
                    transactions=[formats.OcrTx(p.amount, p.kid, p.payer_account) for p in payments],
                )
            )
        content = formats.write_ocr(
            transmission_number=f"{st.transmission_counter:07d}", file_date=day, assignments=assignments
        )
        all_payments = [p for ps in accounts.values() for p in ps]
        ocr_file = OcrFile.objects.create(
            org_number=org,
            transmission_number=f"{st.transmission_counter:07d}",
            file_date=day,
            content=content,
            sha256=hashlib.sha256(content.encode("latin-1")).hexdigest(),
            total=sum((p.amount for p in all_payments), Decimal(0)),
            transactions=len(all_payments),
            created_at=clock.now(st),
        )
        IncomingKidPayment.objects.filter(pk__in=[p.pk for p in all_payments]).update(ocr_file=ocr_file)
        for account, payments in accounts.items():
            # One credit per OCR assignment, for its total (DOMAIN §6): it matches the
            # assignment in the OCR file, not the single transactions.
            total = sum((p.amount for p in payments), Decimal(0))
            entry = Entry.objects.create(
                account=account,
                booking_date=day,
                amount=total,
                kind=Entry.Kind.OCR,
                reference=f"OCR{ocr_file.transmission_number}{account.pk:06d}",
                text=f"Nets OCR oppdrag {len(payments)} transaksjoner",
                ocr_file=ocr_file,
            )
            Account.objects.filter(pk=account.pk).update(balance=F("balance") + entry.amount)
        event(
            "ocr_file.created",
            org,
            ocr_file.pk,
            {
                "transmission_number": ocr_file.transmission_number,
                "file_date": day.isoformat(),
                "total": f"{ocr_file.total:.2f}",
                "accounts": sorted(a.number for a in accounts),
            },
        )
    st.save(update_fields=["transmission_counter", "assignment_counter"])


def _statements_for(day: date) -> None:
    for account in Account.objects.select_related("customer").filter(opened_date__lte=day).order_by("pk"):
        if Statement.objects.filter(account=account, statement_date=day).exists():
            continue
        entries = list(account.entries.filter(booking_date=day).order_by("pk"))
        before = account.entries.filter(booking_date__lt=day).aggregate(s=Sum("amount"))["s"] or Decimal(0)
        opening = account.initial_balance + before
        closing = opening + sum((e.amount for e in entries), Decimal(0))
        account.statement_seq += 1
        account.save(update_fields=["statement_seq"])
        current = clock.now()
        statement = Statement.objects.create(
            account=account,
            statement_date=day,
            sequence=account.statement_seq,
            opening_balance=opening,
            closing_balance=closing,
            entries=len(entries),
            xml=b"",
            created_at=current,
        )
        statement.xml = formats.write_camt053(
            msg_id=f"C53{statement.pk:012d}",
            created_at=timezone.localtime(current),
            account=account.number,
            account_name=account.name,
            owner_org=account.customer.org_number,
            statement_date=day,
            sequence=statement.sequence,
            opening=opening,
            closing=closing,
            entries=[_camt_entry(e) for e in entries],
        )
        statement.save(update_fields=["xml"])
        event(
            "statement.created",
            account.customer.org_number,
            statement.pk,
            {
                "account": account.number,
                "date": day.isoformat(),
                "sequence": statement.sequence,
                "opening_balance": f"{opening:.2f}",
                "closing_balance": f"{closing:.2f}",
            },
        )


# --- the clock ------------------------------------------------------------------------------------


def process_due() -> None:
    """Process everything that has fallen due on the simulated clock."""
    with transaction.atomic():
        st, _ = SimState.objects.get_or_create(pk=1)
        st = SimState.objects.select_for_update().get(pk=1)
        current = clock.now(st)
        today = timezone.localdate(current)
        if st.booked_through is None:
            # A fresh bank has no history: the first day it books and closes is today.
            st.booked_through = st.closed_through = today - timedelta(days=1)
            st.save()
        for order in ServiceOrder.objects.filter(status=ServiceOrder.Status.PROCESSING, due_at__lte=current):
            _order_complete(order, current)
        for session in SigningSession.objects.filter(
            status=SigningSession.Status.PENDING, expires_at__lte=current
        ):
            session.status, session.finished_at = SigningSession.Status.EXPIRED, session.expires_at
            session.save()
            event("signing.updated", "", session.pk, {"status": session.status})
        for app in OnlineBankApplication.objects.filter(
            status=OnlineBankApplication.Status.RECEIVED, due_at__lte=current
        ):
            app.status = OnlineBankApplication.Status.READY_FOR_SIGNING
            if app.signing_method == "print":
                app.due_at = app.due_at + timedelta(days=settings.BANKSIM_PAPER_SIGN_DAYS)
            app.save()
            # The customer gets an e-mail/SMS here; the feed event is the simulator's version.
            event("online_bank_application.updated", app.org_number, app.pk, {"status": app.status})
        for app in OnlineBankApplication.objects.filter(
            status=OnlineBankApplication.Status.READY_FOR_SIGNING, signing_method="print", due_at__lte=current
        ):
            _application_signed(app.pk, app.due_at)
        day = st.closed_through + timedelta(days=1)
        while day <= today:
            if day > st.booked_through:
                if clock.is_banking_day(day):
                    _book_payments(day)
                st.booked_through = day
            if day < today:
                _close_day(day)
                st.closed_through = day
            st.save(update_fields=["booked_through", "closed_through"])
            day += timedelta(days=1)
        for app in OnlineBankApplication.objects.filter(
            status=OnlineBankApplication.Status.SIGNED, bank_created_date__lte=today
        ):
            _application_create_bank(app)


def _close_day(day: date) -> None:
    # Entries are booked "today"; a day is closed only once the clock has left it, so no
    # entry can land on a statement that has already been delivered.
    _ocr_files_for(day)
    _statements_for(day)


def clock_advance(seconds: float, days: float = 0) -> dict:
    """Move the clock ``days`` (whole days: to the same Oslo wall-clock time, 23 or 25 hours
    on the nights the clocks change; a fraction: 24 hours' worth) and ``seconds`` on."""
    process_due()  # what was due before the jump happens at its own time
    whole = int(days)
    seconds += (days - whole) * 86400
    if whole:
        current = clock.now()
        local = timezone.localtime(current)
        later = datetime.combine(local.date() + timedelta(days=whole), local.time(), local.tzinfo)
        # Subtract in UTC: two datetimes in one zone subtract as wall-clock times.
        seconds += (later.astimezone(UTC) - current.astimezone(UTC)).total_seconds()
    SimState.objects.filter(pk=1).update(offset_seconds=F("offset_seconds") + seconds)
    process_due()
    return clock_public()


def clock_public() -> dict:
    current = clock.now()
    return {
        "now": timezone.localtime(current).isoformat(),
        "today": timezone.localdate(current).isoformat(),
        "banking_day": clock.is_banking_day(timezone.localdate(current)),
    }


def sim_reset(at: datetime | None = None) -> None:
    with transaction.atomic():
        for model in (
            Event,
            Fault,
            Entry,
            IncomingKidPayment,
            Statement,
            DebitNotification,
            OcrFile,
            Payment,
            PaymentBatch,
            PaymentFile,
            ServiceOrder,
            SbankenActivation,
            RgbOrder,
            OnlineBankApplication,
            SigningSession,
            BankUser,
            Account,
            Customer,
            KidPayee,
            SimState,
        ):
            model.objects.all().delete()
        offset = (at - timezone.now()).total_seconds() if at else 0.0
        SimState.objects.create(pk=1, offset_seconds=offset)
    process_due()


def sim_state() -> dict:
    def by_status(qs, field="status"):
        out: dict[str, int] = {}
        for value in qs.values_list(field, flat=True):
            out[value] = out.get(value, 0) + 1
        return out

    return {
        "clock": clock_public(),
        "customers": [customer_public(c) for c in Customer.objects.order_by("org_number")],
        "kid_payees": list(KidPayee.objects.order_by("account").values_list("account", flat=True)),
        "service_orders": by_status(ServiceOrder.objects.all()),
        "online_bank_applications": by_status(OnlineBankApplication.objects.all()),
        "rgb_orders": by_status(RgbOrder.objects.all()),
        "signings": by_status(SigningSession.objects.all()),
        "payment_files": by_status(PaymentFile.objects.all(), "group_status"),
        "payments": by_status(Payment.objects.all()),
        "debit_notifications": DebitNotification.objects.count(),
        "statements": Statement.objects.count(),
        "ocr_files": OcrFile.objects.count(),
        "pending_kid_payments": IncomingKidPayment.objects.filter(ocr_file__isnull=True).count(),
        "faults": [
            {
                "endpoint": f.endpoint,
                "mode": f.mode,
                "rate": f.rate,
                "seed": f.seed,
                "limit": f.limit,
                "hits": f.hits,
                "injected": f.injected,
            }
            for f in Fault.objects.order_by("endpoint")
        ],
        "fault_tally": SimState.objects.filter(pk=1).values_list("fault_tally", flat=True).first() or {},
        "last_event": Event.objects.order_by("-pk").values_list("pk", flat=True).first() or 0,
    }


def changes(cursor: int, limit: int, org_number: str = "") -> dict:
    qs = Event.objects.filter(pk__gt=cursor).order_by("pk")
    if org_number:
        qs = qs.filter(org_number=org_number)
    events = list(qs[: limit + 1])
    has_more = len(events) > limit
    events = events[:limit]
    return {
        "events": [
            {
                "id": e.pk,
                "type": e.type,
                "org_number": e.org_number or None,
                "resource_id": e.resource_id,
                "data": e.data,
                "created_at": e.created_at.isoformat(),
            }
            for e in events
        ],
        "next_cursor": events[-1].pk if events else cursor,
        "has_more": has_more,
    }

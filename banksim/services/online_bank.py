"""Opening an online bank ("Opprett nettbankavtale") and BankID signing.

The application is filled in on the bank's pages, received, made ready for signing after a
delay, signed with BankID (or on paper, which takes days) and the online bank with its
users is created on the next banking day. BankID lives here too because a completed
signing is what moves an application on; partners may also start a signing of their own.
"""

from __future__ import annotations

import re
import secrets
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from stdnum.no import fodselsnummer

from banksim import clock
from banksim.models import BankUser, Customer, OnlineBankApplication, SigningSession
from banksim.services.common import (
    BankError,
    by_reference,
    clean_return_url,
    mask_national_id,
    token,
    validate_org_number,
)
from banksim.services.feed import event
from banksim.services.public import fields_of, fields_or_none, iso_or_none, public_url

MAX_ONLINE_BANK_USERS = 5
BANKID_TEST_OTP = "123456"
APPLICATION_PURPOSE = "application:"


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
        **fields_of(session, "name", "text", "status"),
        "national_id": session.national_id_masked or None,
        "signature_ref": session.signature_ref or None,
        "url": public_url(f"/bankid/{session.token}/"),
        "expires_at": session.expires_at.isoformat(),
        "finished_at": iso_or_none(session.finished_at),
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
        if confirm and session.purpose.startswith(APPLICATION_PURPOSE):
            _application_signed(int(session.purpose.removeprefix(APPLICATION_PURPOSE)), session.finished_at)
    return session


def signings_expire(current: datetime) -> None:
    for session in SigningSession.objects.filter(
        status=SigningSession.Status.PENDING, expires_at__lte=current
    ):
        session.status, session.finished_at = SigningSession.Status.EXPIRED, session.expires_at
        session.save()
        event("signing.updated", "", session.pk, {"status": session.status})


# --- online bank applications ---------------------------------------------------------------


def application_create(data: dict) -> tuple[OnlineBankApplication, bool]:
    reference, existing = by_reference(OnlineBankApplication, data)
    if existing:
        return existing, False
    org = validate_org_number(data["org_number"]) if data.get("org_number") else ""
    app = OnlineBankApplication.objects.create(
        token=token(),
        reference=reference,
        org_number=org,
        company_name=str(data.get("company_name") or "")[:200],
        return_url=clean_return_url(data.get("return_url")),
        created_at=clock.now(),
    )
    _application_event(app)
    return app, True


def _application_event(app: OnlineBankApplication, **data) -> None:
    event("online_bank_application.updated", app.org_number, app.pk, {"status": app.status, **data})


def _masked_person(person: dict) -> dict:
    out = {k: v for k, v in person.items() if k != "national_id"}
    out["national_id"] = mask_national_id(person.get("national_id", "")) or None
    return out


def application_public(app: OnlineBankApplication) -> dict:
    return {
        "id": app.pk,
        **fields_of(app, "reference", "status", "created_users"),
        **fields_or_none(app, "org_number", "company_name", "signing_method"),
        "contact": _masked_person(app.contact) if app.contact else None,
        "users": [_masked_person(u) for u in app.users],
        "signing": signing_public(app.signing) if app.signing else None,
        "url": public_url(application_step_path(app)),
        "received_at": iso_or_none(app.received_at),
        "signed_at": iso_or_none(app.signed_at),
        "bank_created_date": iso_or_none(app.bank_created_date),
    }


def application_step_path(app: OnlineBankApplication) -> str:
    """The page of the application the user is at: the next step to fill in while it is a
    draft, then its receipt (where it is signed)."""
    if app.status != OnlineBankApplication.Status.DRAFT:
        step = "kvittering"
    else:
        # The users are saved only after the company step (a partner may have prefilled it,
        # but the user still confirms it there).
        step = "bekreft" if app.users else "firma"
    return f"/nettbankavtale/{app.token}/{step}/"


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
        _application_event(app)


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
            # Signed, the user goes back to the partner that started the application.
            "return_url": app.return_url,
        },
        purpose=f"{APPLICATION_PURPOSE}{app.pk}",
    )
    app.signing = session
    app.save(update_fields=["signing"])
    return session


def applications_advance(current: datetime) -> None:
    """Received applications become ready for signing once the bank's delay has passed; one
    signed on paper counts as signed when the post has had time to bring it back."""
    for app in OnlineBankApplication.objects.filter(
        status=OnlineBankApplication.Status.RECEIVED, due_at__lte=current
    ):
        app.status = OnlineBankApplication.Status.READY_FOR_SIGNING
        if app.signing_method == "print":
            app.due_at = app.due_at + timedelta(days=settings.BANKSIM_PAPER_SIGN_DAYS)
        app.save()
        # The customer gets an e-mail/SMS here; the feed event is the simulator's version.
        _application_event(app)
    for app in OnlineBankApplication.objects.filter(
        status=OnlineBankApplication.Status.READY_FOR_SIGNING, signing_method="print", due_at__lte=current
    ):
        _application_signed(app.pk, app.due_at)


def _application_signed(app_id: int, at: datetime) -> None:
    app = OnlineBankApplication.objects.select_for_update().get(pk=app_id)
    if app.status != OnlineBankApplication.Status.READY_FOR_SIGNING:
        return
    app.status = OnlineBankApplication.Status.SIGNED
    app.signed_at = at
    # As at DNB, the online bank exists from the next banking day after the agreement is
    # signed, not at once.
    app.bank_created_date = clock.next_banking_day(timezone.localdate(at))
    app.save()
    _application_event(app)


def online_banks_create(today: date) -> None:
    """Create the online bank of every signed application whose day has come."""
    for app in OnlineBankApplication.objects.filter(
        status=OnlineBankApplication.Status.SIGNED, bank_created_date__lte=today
    ):
        _application_create_bank(app)


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
    _application_event(app, user_ids=[u["user_id"] for u in created])


def _new_user_id() -> str:
    n = 10000 + BankUser.objects.count()
    while BankUser.objects.filter(user_id=f"TB{n:05d}").exists():
        n += 1
    return f"TB{n:05d}"

"""S'banken bedrift: the second bank behind the same partner API and change feed.

Activation is API-based: the partner creates an activation, the customer gives consent on
the bank's page (``/sbanken/samtykke/{token}/``) and the services are active at once —
no order wizard and no processing delay. The answer has the same shape as a DNB service
order (``results`` per account with agreement id and division), so the portal's client
abstraction holds both banks.
"""

from __future__ import annotations

from django.db import transaction

from banksim import clock
from banksim.api import create_view, detail_view
from banksim.models import SbankenActivation
from banksim.pages.common import get_or_404, render_page
from banksim.services import (
    BankError,
    clean_return_url,
    event,
    order_create,
    order_request,
    partner_order_public,
)
from banksim.words import kontoer

SBANKEN_SERVICES = ("remittance", "incoming_reconciliation")
# S'banken's registry codes (first four digits of the account number).
SBANKEN_REGISTRY = tuple(str(code) for code in range(9710, 9720))
EVENT = "sbanken_activation.updated"


def activation_create(data: dict) -> tuple[SbankenActivation, bool]:
    reference, existing, org, accounts, services = order_request(data, SbankenActivation, SBANKEN_SERVICES)
    if existing:
        return existing, False
    return order_create(
        SbankenActivation,
        EVENT,
        reference,
        org_number=org,
        accounts=accounts,
        services=sorted(set(services)),
        return_url=clean_return_url(data.get("return_url")),
    )


def activation_public(a: SbankenActivation) -> dict:
    # S'banken upgrades no subscription and has no kontofullmakt to ask for.
    return {
        **partner_order_public(a, f"/sbanken/samtykke/{a.token}/"),
        "subscription_upgraded": False,
        "kontofullmakt_accounts": [],
    }


def activation_consent(a: SbankenActivation, *, give: bool) -> SbankenActivation:
    with transaction.atomic():
        a = SbankenActivation.objects.select_for_update().get(pk=a.pk)
        if a.status != SbankenActivation.Status.AWAITING_CONSENT:
            raise BankError("activation_closed", "Samtykket er allerede gitt eller avslått.", 409)
        a.completed_at = clock.now()
        if not give:
            a.status = SbankenActivation.Status.CANCELLED
        else:
            foreign = [n for n in a.accounts if not n.startswith(SBANKEN_REGISTRY)]
            if foreign:
                a.status, a.code = SbankenActivation.Status.REJECTED, "account_not_in_bank"
                a.message = (
                    f"Kontoene {kontoer(foreign)} er ikke kontoer i Sbanken."
                    if len(foreign) > 1
                    else f"Kontoen {kontoer(foreign)} er ikke en konto i Sbanken."
                )
            else:
                a.status = SbankenActivation.Status.COMPLETED
                a.result = [
                    {
                        "account": number,
                        "agreement_id": f"SB{a.pk:06d}{i}",
                        "division_name": "Sbanken API",
                        "division_number": a.org_number,
                        "services": [
                            {"service": s, "status": "ok", "code": None, "message": None} for s in a.services
                        ],
                    }
                    for i, number in enumerate(a.accounts)
                ]
        a.save()
        event(EVENT, a.org_number, a.pk, {"status": a.status, "code": a.code or None})
    return a


# --- partner API ------------------------------------------------------------------------------


api_activation_create = create_view(activation_create, activation_public)
api_activation_detail = detail_view(SbankenActivation, activation_public, "Aktivering {pk} finnes ikke.")


# --- the consent page -------------------------------------------------------------------------


def consent_page(request, token):
    activation = get_or_404(SbankenActivation, token=token)
    errors = []
    if request.method == "POST":
        try:
            activation = activation_consent(activation, give=request.POST.get("action") != "cancel")
        except BankError as exc:
            errors.append(exc.detail)
    open_ = activation.status == SbankenActivation.Status.AWAITING_CONSENT
    lead = {
        SbankenActivation.Status.COMPLETED: "Samtykke er gitt. Tjenestene er aktivert.",
        SbankenActivation.Status.CANCELLED: "Du avslo samtykket.",
        SbankenActivation.Status.REJECTED: activation.message,
    }.get(activation.status, "Gi regnskapssystemet tilgang til kontoene gjennom Sbankens API.")
    return render_page(
        request,
        "Sbanken bedrift: samtykke",
        lead=lead,
        rows=[
            ("Organisasjonsnummer", activation.org_number),
            ("Kontoer", ", ".join(activation.accounts)),
            ("Tjenester", ", ".join(activation.services)),
        ],
        errors=errors,
        buttons=[
            {"value": "consent", "text": "Gi samtykke"},
            {"value": "cancel", "text": "Avslå", "secondary": True},
        ]
        if open_
        else [],
        back_url=activation.return_url,
    )

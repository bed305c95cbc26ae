"""URLs of the simulated bank.

``/api/v1/``: the partner API (X-Api-Key); the URL *name* of each view is its stable
endpoint name for fault injection. ``/sim/``: controls for tests and demos. The rest are
the bank's own pages the user is sent to.
"""

from django.http import JsonResponse
from django.urls import path

from banksim import api, sbanken
from banksim.pages import bankid, netbank, online_bank, orders, rgb


def home(request):
    return JsonResponse(
        {
            "service": "banksim",
            "pages": ["/nettbankavtale/ny/", "/rgb/ny/", "/nettbank/"],
            "api": "/api/v1/",
            "controls": "/sim/state",
        }
    )


def _resource(route: str, name: str, create, detail) -> list:
    """A partner resource: POST ``route`` creates one (``<name>_create``), GET ``route/<pk>``
    shows it (``<name>_detail``)."""
    return [
        path(route, create, name=f"{name}_create"),
        path(f"{route}/<int:pk>", detail, name=f"{name}_detail"),
    ]


urlpatterns = [
    path("", home, name="home"),
    # partner API
    path("api/v1/health", api.health, name="health"),
    path("api/v1/changes", api.changes, name="changes"),
    path("api/v1/fx/rates", api.fx_rates, name="fx_rates"),
    path("api/v1/customers/<str:org_number>", api.customer_detail, name="customer_detail"),
    *_resource("api/v1/service-orders", "service_order", api.service_order_create, api.service_order_detail),
    *_resource(
        "api/v1/online-bank-applications", "application", api.application_create, api.application_detail
    ),
    *_resource("api/v1/rgb-orders", "rgb_order", api.rgb_order_create, api.rgb_order_detail),
    *_resource(
        "api/v1/sbanken/activations",
        "sbanken_activation",
        sbanken.api_activation_create,
        sbanken.api_activation_detail,
    ),
    *_resource("api/v1/signing-sessions", "signing", api.signing_create, api.signing_detail),
    path("api/v1/payment-files", api.payment_file_submit, name="payment_file_submit"),
    path("api/v1/payment-files/<str:msg_id>", api.payment_file_detail, name="payment_file_detail"),
    path("api/v1/payment-files/<str:msg_id>/pain002", api.payment_file_pain002, name="payment_file_pain002"),
    path("api/v1/payment-files/<str:msg_id>/approve", api.payment_file_approve, name="payment_file_approve"),
    path(
        "api/v1/debit-notifications/<int:pk>",
        api.debit_notification_download,
        name="debit_notification_download",
    ),
    path("api/v1/statements/<int:pk>", api.statement_download, name="statement_download"),
    path("api/v1/ocr-files/<int:pk>", api.ocr_file_download, name="ocr_file_download"),
    # controls
    path("sim/clock", api.sim_clock, name="sim_clock"),
    path("sim/clock/advance", api.sim_clock_advance, name="sim_clock_advance"),
    path("sim/faults", api.sim_faults, name="sim_faults"),
    path("sim/reset", api.sim_reset, name="sim_reset"),
    path("sim/state", api.sim_state, name="sim_state"),
    path("sim/customers", api.sim_customers, name="sim_customers"),
    path("sim/kid-payees", api.sim_kid_payees, name="sim_kid_payees"),
    path("sim/transactions", api.sim_transactions, name="sim_transactions"),
    # the bank's pages
    path("bestilling/<str:token>/", orders.order_wizard, name="order_wizard"),
    path("sbanken/samtykke/<str:token>/", sbanken.consent_page, name="sbanken_consent"),
    path("bestilling/<str:token>/kontofullmakt/", orders.order_kontofullmakt, name="order_kontofullmakt"),
    path("bestilling/<str:token>/kvittering/", orders.order_receipt, name="order_receipt"),
    path("nettbankavtale/ny/", online_bank.application_new, name="application_new"),
    path("nettbankavtale/<str:token>/firma/", online_bank.application_firma, name="application_firma"),
    path("nettbankavtale/<str:token>/brukere/", online_bank.application_users, name="application_users"),
    path("nettbankavtale/<str:token>/bekreft/", online_bank.application_confirm, name="application_confirm"),
    path(
        "nettbankavtale/<str:token>/kvittering/", online_bank.application_receipt, name="application_receipt"
    ),
    path("nettbankavtale/<str:token>/utskrift/", online_bank.application_print, name="application_print"),
    path("rgb/ny/", rgb.rgb_new, name="rgb_new"),
    path("rgb/<str:token>/", rgb.rgb_login, name="rgb_login"),
    path("rgb/<str:token>/bestilling/", rgb.rgb_choose, name="rgb_choose"),
    path("rgb/<str:token>/kontoer/", rgb.rgb_accounts, name="rgb_accounts"),
    path("rgb/<str:token>/kvittering/", rgb.rgb_receipt, name="rgb_receipt"),
    path("bankid/<str:token>/", bankid.bankid_sign, name="bankid_sign"),
    path("nettbank/", netbank.netbank_login, name="netbank_login"),
    path("nettbank/<str:user_id>/betalinger/", netbank.netbank_payments, name="netbank_payments"),
]


def _json_404(request, exception=None):
    return JsonResponse({"code": "not_found", "detail": "Finnes ikke."}, status=404)


def _json_400(request, exception=None):
    return JsonResponse({"code": "bad_request", "detail": "Ugyldig forespørsel."}, status=400)


handler404 = _json_404
handler400 = _json_400

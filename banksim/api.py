"""The partner API (what the ERP calls, with its API key) and the ``/sim/`` controls.

Plain Django views: they parse and check the shape of a request, call one service, and
answer JSON (or the file's bytes). Every refusal is 4xx JSON ``{"code", "detail"}``; a bad
request must never produce a 500, because the portal treats 5xx as "bank unavailable, try
again" and would retry a request that can never succeed. The URL name of each partner view
is its stable endpoint name for fault injection (listed in bankclient/README.md).
"""

from __future__ import annotations

import functools
import hmac
import json
from datetime import date, datetime

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from banksim import clock, formats, services
from banksim.models import (
    Customer,
    DebitNotification,
    Fault,
    OcrFile,
    OnlineBankApplication,
    PaymentFile,
    RgbOrder,
    ServiceOrder,
    SigningSession,
    Statement,
)
from banksim.services import BankError

MAX_BODY = 20 * 1024 * 1024


def error(status: int, code: str, detail: str) -> JsonResponse:
    return JsonResponse({"code": code, "detail": detail}, status=status)


def json_body(request) -> dict:
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise BankError("invalid_json", "Forespørselen må være et JSON-objekt.") from None
    if not isinstance(data, dict):
        raise BankError("invalid_json", "Forespørselen må være et JSON-objekt.")
    return data


def found_or_404(obj, detail: str, code: str = "not_found"):
    """``obj``, or a 404 saying ``detail`` when the look-up found nothing."""
    if obj is None:
        raise BankError(code, detail, 404)
    return obj


def _int(value, name: str, default: int, lo: int, hi: int) -> int:
    if value in (None, ""):
        return default
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise BankError("invalid_parameter", f"{name} må være et heltall.") from None
    if not lo <= number <= hi:
        raise BankError("invalid_parameter", f"{name} må være mellom {lo} og {hi}.")
    return number


def _guard(view, methods: tuple[str, ...], partner: bool):
    @csrf_exempt
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method not in methods:
            return error(405, "method_not_allowed", f"Bruk {' eller '.join(methods)}.")
        if partner:
            key = request.headers.get("X-Api-Key", "")
            if not any(
                hmac.compare_digest(key.encode(), k.encode()) for k in settings.BANKSIM_PARTNER_API_KEYS
            ):
                return error(401, "unauthorized", "Ugyldig eller manglende API-nøkkel (X-Api-Key).")
        if len(request.body) > MAX_BODY:
            return error(413, "too_large", "Forespørselen er for stor.")
        try:
            services.process_due()
            return view(request, *args, **kwargs)
        except BankError as exc:
            return error(exc.status, exc.code, exc.detail)
        except formats.FormatError as exc:
            return error(400, exc.code, exc.detail)

    return wrapper


def partner(*methods: str):
    return lambda view: _guard(view, methods, partner=True)


def control(*methods: str):
    return lambda view: _guard(view, methods, partner=False)


@partner("GET")
def health(request):
    """For the portal's /healthz: the bank answers and accepts the partner's key."""
    return JsonResponse({"status": "ok"})


def _file(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- partner API ----------------------------------------------------------------------------


@partner("GET")
def changes(request):
    cursor = _int(request.GET.get("cursor"), "cursor", 0, 0, 2**62)
    limit = _int(request.GET.get("limit"), "limit", 100, 1, 1000)
    org = request.GET.get("org_number", "")
    if org:
        org = services.validate_org_number(org)
    return JsonResponse(services.changes(cursor, limit, org))


@partner("GET")
def customer_detail(request, org_number):
    customer = found_or_404(
        Customer.objects.filter(org_number=org_number).first(),
        f"{org_number} er ikke kunde i DNB.",
        "unknown_customer",
    )
    return JsonResponse(services.customer_public(customer))


@partner("GET")
def fx_rates(request):
    """The bank's exchange rates on a date (``?date=YYYY-MM-DD``; today on its clock if none)."""
    text = request.GET.get("date", "")
    if not text:
        return JsonResponse(services.rates_public(clock.today()))
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise BankError("invalid_parameter", "date må være en dato på formen ÅÅÅÅ-MM-DD.") from None
    if not 1990 <= day.year <= 2100:
        raise BankError("invalid_parameter", "date må være mellom 1990 og 2100.")
    return JsonResponse(services.rates_public(day))


def create_view(create, public):
    """POST: a partner's create request; 201 with what it made, or 200 with what a request
    with the same reference made before."""

    @partner("POST")
    def view(request):
        obj, created = create(json_body(request))
        return JsonResponse(public(obj), status=201 if created else 200)

    return view


def detail_view(model, public, missing: str):
    """GET ``<pk>``: one of what the partner created, or a 404 saying ``missing`` (``{pk}`` in it
    stands for the key asked for)."""

    @partner("GET")
    def view(request, pk):
        return JsonResponse(public(found_or_404(model.objects.filter(pk=pk).first(), missing.format(pk=pk))))

    return view


service_order_create = create_view(services.service_order_create, services.service_order_public)
service_order_detail = detail_view(
    ServiceOrder, services.service_order_public, "Bestilling {pk} finnes ikke."
)
application_create = create_view(services.application_create, services.application_public)
application_detail = detail_view(
    OnlineBankApplication, services.application_public, "Søknad {pk} finnes ikke."
)
rgb_order_create = create_view(services.rgb_order_create, services.rgb_order_public)
rgb_order_detail = detail_view(RgbOrder, services.rgb_order_public, "RgB-bestilling {pk} finnes ikke.")


@partner("POST")
def signing_create(request):
    session = services.signing_start(json_body(request))
    return JsonResponse(services.signing_public(session), status=201)


signing_detail = detail_view(SigningSession, services.signing_public, "Signering {pk} finnes ikke.")


@partner("POST")
def payment_file_submit(request):
    mode = request.headers.get("X-Approval-Mode", "post_approval")
    approved_by = [
        u.strip().upper() for u in request.headers.get("X-Approved-By", "").split(",") if u.strip()
    ]
    payment_file, created = services.payment_file_submit(
        request.body,
        msg_id=request.headers.get("Idempotency-Key", ""),
        approval_mode=mode,
        approved_by=approved_by,
    )
    response = HttpResponse(
        bytes(payment_file.pain002), content_type="application/xml", status=201 if created else 200
    )
    response["X-Duplicate"] = "false" if created else "true"
    response["X-Msg-Id"] = payment_file.msg_id
    return response


def _payment_file(msg_id: str) -> PaymentFile:
    return found_or_404(
        PaymentFile.objects.filter(msg_id=msg_id).first(), f"Ingen betalingsfil med MsgId {msg_id}."
    )


@partner("GET")
def payment_file_detail(request, msg_id):
    return JsonResponse(services.payment_file_public(_payment_file(msg_id)))


@partner("GET")
def payment_file_pain002(request, msg_id):
    payment_file = _payment_file(msg_id)
    return _file(bytes(payment_file.pain002), "application/xml", f"pain002-{payment_file.msg_id}.xml")


@partner("POST")
def payment_file_approve(request, msg_id):
    data = json_body(request)
    payment_file = services.payment_file_approve(
        _payment_file(msg_id), str(data.get("user_id") or ""), data.get("pmt_inf_id") or None
    )
    return JsonResponse(services.payment_file_public(payment_file))


@partner("GET")
def debit_notification_download(request, pk):
    note = found_or_404(DebitNotification.objects.filter(pk=pk).first(), f"camt.054 {pk} finnes ikke.")
    return _file(bytes(note.xml), "application/xml", f"camt054-{pk}.xml")


@partner("GET")
def statement_download(request, pk):
    statement = found_or_404(Statement.objects.filter(pk=pk).first(), f"Kontoutskrift {pk} finnes ikke.")
    return _file(bytes(statement.xml), "application/xml", f"camt053-{pk}.xml")


@partner("GET")
def ocr_file_download(request, pk):
    ocr_file = found_or_404(OcrFile.objects.filter(pk=pk).first(), f"OCR-fil {pk} finnes ikke.")
    return _file(
        ocr_file.content.encode("latin-1"),
        "text/plain; charset=iso-8859-1",
        f"ocr-{ocr_file.transmission_number}.txt",
    )


# --- /sim/ controls ---------------------------------------------------------------------------


def _number(data: dict, name: str) -> float:
    value = data.get(name, 0)
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0 or value != value:
        raise BankError("invalid_parameter", f"{name} må være et ikke-negativt tall.")
    return float(value)


@control("POST")
def sim_clock_advance(request):
    data = json_body(request)
    seconds, days = _number(data, "seconds"), _number(data, "days")
    if seconds + days * 86400 > 3660 * 86400:
        raise BankError("invalid_parameter", "Klokka kan flyttes høyst ti år om gangen.")
    return JsonResponse(services.clock_advance(seconds, days=days))


@control("GET")
def sim_clock(request):
    return JsonResponse(services.clock_public())


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _fault_settings(data: dict) -> tuple[str, dict]:
    """The endpoint of a fault to switch on, and its settings, checked."""
    endpoint = str(data.get("endpoint") or "")
    mode = data.get("mode")
    if not endpoint:
        raise BankError("invalid_parameter", "endpoint må være et endepunktnavn eller *.")
    if mode not in Fault.Mode.values:
        raise BankError("invalid_parameter", f"mode må være en av {', '.join(Fault.Mode.values)}.")
    rate = data.get("rate", 1.0)
    if isinstance(rate, bool) or not isinstance(rate, int | float) or not 0 <= rate <= 1:
        raise BankError("invalid_parameter", "rate må være mellom 0.0 og 1.0.")
    seed = data.get("seed")
    if seed is not None and not _is_int(seed):
        raise BankError("invalid_parameter", "seed må være et heltall.")
    delay = _number(data, "delay_seconds") if "delay_seconds" in data else 5.0
    if delay > 600:
        raise BankError("invalid_parameter", "delay_seconds kan være høyst 600.")
    limit = data.get("limit")
    if limit is not None and (not _is_int(limit) or limit < 1):
        raise BankError("invalid_parameter", "limit må være et positivt heltall (høyst så mange treff).")
    return endpoint, {"mode": mode, "rate": float(rate), "seed": seed, "delay_seconds": delay, "limit": limit}


@control("POST", "DELETE", "GET")
def sim_faults(request):
    if request.method == "GET":
        return JsonResponse({"faults": services.sim_state()["faults"]})
    if request.method == "DELETE":
        endpoint = request.GET.get("endpoint")
        qs = Fault.objects.filter(endpoint=endpoint) if endpoint else Fault.objects.all()
        deleted, _ = qs.delete()
        return JsonResponse({"deleted": deleted})
    endpoint, defaults = _fault_settings(json_body(request))
    fault, _ = Fault.objects.update_or_create(
        endpoint=endpoint, defaults={**defaults, "hits": 0, "injected": 0}
    )
    return JsonResponse(
        {
            "endpoint": fault.endpoint,
            "mode": fault.mode,
            "rate": fault.rate,
            "seed": fault.seed,
            "limit": fault.limit,
        },
        status=201,
    )


@control("POST")
def sim_reset(request):
    if not settings.BANKSIM_ALLOW_RESET:
        raise BankError("reset_disabled", "Tilbakestilling er slått av (BANKSIM_ALLOW_RESET=false).", 403)
    data = json_body(request)
    at = None
    if data.get("now"):
        try:
            at = datetime.fromisoformat(str(data["now"]))
        except ValueError:
            raise BankError("invalid_parameter", "now må være et ISO 8601-tidspunkt med tidssone.") from None
        if at.tzinfo is None:
            raise BankError("invalid_parameter", "now må ha tidssone, f.eks. 2026-03-02T09:00:00+01:00.")
    services.sim_reset(at)
    return JsonResponse(services.clock_public())


@control("GET")
def sim_state(request):
    return JsonResponse(services.sim_state())


@control("POST")
def sim_customers(request):
    customer = services.customer_upsert(json_body(request))
    return JsonResponse(services.customer_public(customer), status=201)


@control("POST")
def sim_kid_payees(request):
    data = json_body(request)
    payee = services.kid_payee_add(data.get("account"), str(data.get("name") or ""))
    return JsonResponse({"account": payee.account, "name": payee.name}, status=201)


@control("POST")
def sim_transactions(request):
    return JsonResponse(services.incoming_inject(json_body(request)), status=201)

"""Fault injection for the partner API: the bank misbehaving on demand.

A fault is switched on per endpoint (the Django URL name of a partner API view, e.g.
``changes`` or ``payment_file_submit``; ``*`` for all) with a mode and a rate, and kept in
the database so that every server thread and process sees it. With a seed, request *n* on
that fault decides with ``Random(f"{seed}:{n}")``, so a test run repeats exactly.

Modes, and why each exists (each is a way a real bank fails that the portal must survive):

- ``error_500`` / ``error_503``: the bank answers 5xx (503 with ``Retry-After``) without
  doing anything: the client must treat it as "unavailable, safe to retry".
- ``timeout``: the request **is executed**, then the answer waits ``delay_seconds``, past
  the client's limit: the ambiguous case, where only an idempotency key avoids a second
  payment.
- ``drop``: the request is executed, then the connection is reset without an HTTP answer.
- ``duplicate``: list answers carry every item twice (feed events delivered twice).
- ``malformed``: the returned file is damaged: XML truncated, an OCR file with a broken
  total in its end record, JSON cut short.
"""

from __future__ import annotations

import json
import logging
import random
import socket
import struct
import time

from django.db import transaction
from django.http import HttpResponse, JsonResponse
from django.urls import Resolver404, resolve

from banksim.models import Fault, SimState

log = logging.getLogger("banksim")


def _roll(fault_id: int) -> Fault | None:
    """Count the hit and decide whether this request is hit by the fault."""
    with transaction.atomic():
        fault = Fault.objects.select_for_update().filter(pk=fault_id).first()
        if fault is None:  # cleared meanwhile
            return None
        fault.hits += 1
        rng = random.Random(f"{fault.seed}:{fault.hits}") if fault.seed is not None else random.Random()
        strike = rng.random() < fault.rate and (fault.limit is None or fault.injected < fault.limit)
        if strike:
            fault.injected += 1
            state = SimState.objects.select_for_update().filter(pk=1).first()
            if state is not None:
                key = f"{fault.endpoint}:{fault.mode}"
                state.fault_tally = {**state.fault_tally, key: state.fault_tally.get(key, 0) + 1}
                state.save(update_fields=["fault_tally"])
        fault.save(update_fields=["hits", "injected"])
    return fault if strike else None


def find_socket(request) -> socket.socket | None:
    """The client connection under a WSGI request: gunicorn exposes it, runserver hides it."""
    environ = request.META
    sock = environ.get("gunicorn.socket")
    if sock is not None:
        return sock
    stream = environ.get("wsgi.input")
    # Django's runserver: LimitedStream → BufferedReader → SocketIO → socket.
    for attr in ("stream", "raw", "_sock"):
        stream = getattr(stream, attr, None)
        if stream is None:
            return None
        if isinstance(stream, socket.socket):
            return stream
    return None


def drop_connection(request) -> bool:
    sock = find_socket(request)
    if sock is None:
        return False
    try:
        # Linger 0 turns close into a TCP reset: the client gets no HTTP answer at all.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    return True


def malform(response: HttpResponse) -> HttpResponse:
    body = response.content
    content_type = response.get("Content-Type", "")
    if "xml" in content_type:
        body = body[: max(1, len(body) // 2)]
    elif "text/plain" in content_type:
        lines = body.decode("latin-1").split("\n")
        for i, line in enumerate(lines):
            if line.startswith("NY000089"):
                # Add 1 øre to the transmission total: counts stay right, the sum does not.
                total = int(line[24:41]) + 1
                lines[i] = line[:24] + f"{total:017d}" + line[41:]
        body = "\n".join(lines).encode("latin-1")
    else:
        body = body[: max(1, len(body) * 2 // 3)]
    response.content = body
    return response


def duplicate(response: HttpResponse) -> HttpResponse:
    if "json" not in response.get("Content-Type", ""):
        return response
    data = json.loads(response.content)
    for key in ("events", "results"):
        if isinstance(data.get(key), list):
            data[key] = [item for item in data[key] for _ in (0, 1)]
    response.content = json.dumps(data).encode()
    return response


class FaultMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        fault, endpoint = _fault_for(request)
        if fault is None:
            return self.get_response(request)
        log.info("fault %s on %s", fault.mode, endpoint)
        if fault.mode in (Fault.Mode.ERROR_500, Fault.Mode.ERROR_503):
            return _error(fault, endpoint)
        response = self.get_response(request)
        response["X-Banksim-Fault"] = fault.mode
        return _strike(fault, request, response)


def _fault_for(request) -> tuple[Fault | None, str]:
    """The fault that hits this request, if any, and the endpoint's name."""
    if not request.path_info.startswith("/api/"):
        return None, ""
    try:
        endpoint = resolve(request.path_info).url_name or ""
    except Resolver404:
        return None, ""
    faults = {f.endpoint: f.pk for f in Fault.objects.filter(endpoint__in=[endpoint, "*"])}
    fault_id = faults.get(endpoint) or faults.get("*")
    return (_roll(fault_id) if fault_id else None), endpoint


def _error(fault: Fault, endpoint: str) -> JsonResponse:
    """A 5xx answer in place of the request, which is not executed."""
    status = 500 if fault.mode == Fault.Mode.ERROR_500 else 503
    response = JsonResponse(
        {"code": "simulated_fault", "detail": f"Simulert feil {status} på {endpoint}."}, status=status
    )
    if status == 503:
        response["Retry-After"] = "1"
    return response


def _strike(fault: Fault, request, response: HttpResponse) -> HttpResponse:
    """The fault done to the answer of a request that has been executed."""
    if fault.mode == Fault.Mode.TIMEOUT:
        time.sleep(fault.delay_seconds)
    elif fault.mode == Fault.Mode.DROP:
        if not drop_connection(request):
            # No socket to reset (the test client): the closest thing is no answer at all.
            raise ConnectionAbortedError("banksim dropped the connection")
    elif fault.mode == Fault.Mode.DUPLICATE and response.status_code == 200:
        response = duplicate(response)
    elif fault.mode == Fault.Mode.MALFORMED and response.status_code == 200:
        response = malform(response)
    return response

"""Approval races (issue 21 item 16), on real PostgreSQL connections and the real simulated bank:
parallel approve calls after one signing, and a second approver while a signing is pending."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection
from django.utils import timezone

from bankint.errors import Conflict, IllegalTransition
from companies.models import AuditEvent
from companies.roles import Role
from companies.services import user_profile_update
from remittance import services as s
from remittance.models import PaymentBatch
from tests.conftest import api_client_for

from .conftest import make_setup
from .test_api import _url
from .test_flows import _batch, _pay

pytestmark = pytest.mark.django_db(transaction=True)
B = PaymentBatch.Status


def _together(n, work, stagger=()):
    """``work(i)`` in n threads released at once (thread i then waits ``stagger[i]`` seconds)."""
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def run(i):
        try:
            barrier.wait()
            if i < len(stagger):
                time.sleep(stagger[i])
            results[i] = work(i)
        except Exception as exc:  # the outcome is what the test checks
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def _second_approver(setup, make_user):
    user = make_user("approver-two", company=setup.company, roles=[Role.APPROVER], first_name="Bjørn")
    user_profile_update(user=user, bank_user_id="TB54321")
    return user


def test_six_parallel_approve_calls_after_one_signing_all_get_the_winners_answer(
    company_a, make_user, bank, sim
):
    """Was: 3 of 6 got 409 illegal_transition (README: the loser succeeds quietly)."""
    setup = make_setup(company_a, make_user)
    batch = _batch(setup, _pay(setup, "10.00"))
    url = _url(setup.company, f"payment-batches/{batch.pk}/approve/")
    api = api_client_for(setup.approver)
    r = api.post(url, {}, format="json")
    assert r.status_code == 202
    sim.sim_sign(r.json()["signing_url"])
    clients = [api_client_for(setup.approver) for _ in range(6)]
    # Three at once, three while the first are finishing: callers that read the batch before
    # the winner's commit and callers that read it after, as on a busy server.
    results = _together(
        6, lambda i: clients[i].post(url, {}, format="json"), stagger=(0, 0, 0, 0.03, 0.08, 0.2)
    )
    assert [getattr(r, "status_code", r) for r in results] == [200] * 6
    bodies = [r.json() for r in results]
    batch.refresh_from_db()
    assert {b["signature_ref"] for b in bodies} == {batch.signature_ref} and batch.signature_ref
    assert all(b["id"] == batch.pk and b["status"] != "DRAFT" for b in bodies)
    assert AuditEvent.objects.filter(action="payment_batch.approved", object_id=str(batch.pk)).count() == 1
    # and a call long after the race answers the same, with the batch's state
    late = api.post(url, {}, format="json")
    assert late.status_code == 200 and late.json()["signature_ref"] == batch.signature_ref
    # another approver still gets the truth: the batch is no longer a draft
    other = api_client_for(_second_approver(setup, make_user)).post(url, {}, format="json")
    assert other.status_code == 409


def test_a_pending_signing_is_never_replaced_by_a_second_approver(company_a, make_user, bank, sim):
    """Was: the second approver's signing silently replaced the first one's."""
    setup = make_setup(company_a, make_user)
    second = _second_approver(setup, make_user)
    batch = _batch(setup, _pay(setup, "10.00"))
    first = s.payment_batch_approve_start(batch, setup.approver, client=bank)
    with pytest.raises(Conflict) as exc:
        s.payment_batch_approve_start(batch, second, acknowledge_warnings=True, client=bank)
    assert exc.value.code == "signing_in_progress"
    assert "Anne" in exc.value.message
    assert timezone.localtime(first.expires_at).strftime("%H:%M") in exc.value.message
    batch.refresh_from_db()
    assert batch.signing_id == first.id and batch.signing_user == setup.approver
    assert batch.signing_expires_at == first.expires_at
    # the API says the same, with 409
    r = api_client_for(second).post(
        _url(setup.company, f"payment-batches/{batch.pk}/approve/"),
        {"acknowledge_warnings": True},
        format="json",
    )
    assert r.status_code == 409 and r.json()["code"] == "signing_in_progress"
    # the first approver starting again gets their own session back, not a second one
    assert s.payment_batch_approve_start(batch, setup.approver, client=bank).id == first.id
    # and finishes it
    sim.sim_sign(first.url)
    batch.refresh_from_db()
    approved = s.payment_batch_approve_complete(batch, setup.approver, client=bank)
    assert approved.status == B.APPROVED and approved.approved_by == setup.approver


def test_an_expired_signing_makes_room_and_a_signed_one_is_recorded(company_a, make_user, bank, sim):
    setup = make_setup(company_a, make_user)
    second = _second_approver(setup, make_user)
    batch = _batch(setup, _pay(setup, "10.00"))
    first = s.payment_batch_approve_start(batch, setup.approver, client=bank)
    sim.sim_advance_clock(seconds=600)
    batch.refresh_from_db()
    session = s.payment_batch_approve_start(batch, second, acknowledge_warnings=True, client=bank)
    batch.refresh_from_db()
    assert session.id != first.id and batch.signing_id == session.id and batch.signing_user == second
    row = AuditEvent.objects.filter(action="payment_batch.signing_start", object_id=str(batch.pk)).first()
    assert row.changes["replaces"] == first.id
    # a signing completed at BankID but not yet recorded is recorded, not replaced
    sim.sim_sign(session.url)
    with pytest.raises(Conflict) as exc:
        s.payment_batch_approve_start(batch, setup.approver, client=bank)
    assert exc.value.code == "already_approved" and "Bjørn" in exc.value.message
    batch.refresh_from_db()
    assert batch.status == B.APPROVED and batch.approved_by == second
    with pytest.raises(IllegalTransition):
        s.payment_batch_approve_start(batch, setup.approver, client=bank)


def test_two_approvers_starting_at_once_get_one_signing(company_a, make_user, bank, sim):
    setup = make_setup(company_a, make_user)
    second = _second_approver(setup, make_user)
    batch = _batch(setup, _pay(setup, "10.00"))
    people = [setup.approver, second]
    results = _together(
        2,
        lambda i: s.payment_batch_approve_start(
            PaymentBatch.objects.select_related("bank_account", "company").get(pk=batch.pk),
            people[i],
            acknowledge_warnings=True,
            client=bank,
        ),
    )
    sessions = [r for r in results if not isinstance(r, Exception)]
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(sessions) == 1 and len(refused) == 1, results
    assert isinstance(refused[0], Conflict) and refused[0].code == "signing_in_progress"
    batch.refresh_from_db()
    assert batch.signing_id == sessions[0].id
    assert (
        AuditEvent.objects.filter(action="payment_batch.signing_start", object_id=str(batch.pk)).count() == 1
    )

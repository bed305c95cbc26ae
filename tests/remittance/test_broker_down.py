"""Sending a batch while the broker is down: the click answers, the batch
stays POST_APPROVAL in PostgreSQL, and beat's sweep sends it, once."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from remittance import services
from remittance.models import PaymentBatch

from .test_flows import _batch, _files_in, _pay

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery-9"


def test_sending_a_batch_while_the_broker_is_down_answers_and_the_sweep_sends_it(
    post_setup, bank, sim, broker_down, caplog, django_capture_on_commit_callbacks
):
    setup = post_setup
    batch = _batch(setup, _pay(setup, "10.00"))
    client = Client()
    assert client.login(username=setup.preparer.username, password=PASSWORD)
    session = client.session
    session["active_company_id"] = setup.company.pk
    session.save()
    with caplog.at_level(logging.ERROR), django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/payments/batches/{batch.pk}/send/")
    assert response.status_code == 302
    assert "could not queue remittance.payment_batch_submit" in caplog.text
    batch.refresh_from_db()
    assert batch.status == PaymentBatch.Status.POST_APPROVAL
    assert _files_in(sim.sim_state()) == 0

    # The worker and the broker are back; beat's sweep finds the batch and the task sends it.
    broker_down.conf.task_always_eager = True
    with django_capture_on_commit_callbacks(execute=True):
        services.payment_batches_resolve_stale(client=bank)
    batch.refresh_from_db()
    assert batch.status == PaymentBatch.Status.POST_APPROVAL  # too fresh to be called lost
    PaymentBatch.objects.filter(pk=batch.pk).update(created_at=timezone.now() - timedelta(minutes=11))
    with django_capture_on_commit_callbacks(execute=True):
        services.payment_batches_resolve_stale(client=bank)
    batch.refresh_from_db()
    assert batch.status == PaymentBatch.Status.AWAITING_APPROVAL
    with django_capture_on_commit_callbacks(execute=True):
        services.payment_batches_resolve_stale(client=bank)
    assert _files_in(sim.sim_state()) == 1

"""A warning raised while the broker is down is still e-mailed, once."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from notifications.models import Notification
from notifications.services import notification_emails_send_pending, notify

pytestmark = pytest.mark.django_db


def test_an_error_notification_is_kept_and_mailed_by_the_sweep(
    company_a, admin_a, broker_down, caplog, django_capture_on_commit_callbacks
):
    admin_a.email = "admin@alfa.example"
    admin_a.save()
    with caplog.at_level(logging.ERROR), django_capture_on_commit_callbacks(execute=True):
        n = notify(company_a, level=Notification.Level.ERROR, title="Betaling avvist", body="AC03")
    assert "could not queue notifications.notification_email_send" in caplog.text
    n.refresh_from_db()
    assert n.emailed_at is None and mail.outbox == []

    assert notification_emails_send_pending() == 0  # too fresh: the queued task may still come
    Notification.objects.filter(pk=n.pk).update(created_at=timezone.now() - timedelta(minutes=6))
    assert notification_emails_send_pending() == 1
    assert [m.to for m in mail.outbox] == [["admin@alfa.example"]]
    assert notification_emails_send_pending() == 0  # once
    assert len(mail.outbox) == 1

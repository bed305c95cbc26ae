"""The one way other apps notify: ``notify`` (and ``notification_mark_read``)."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from bankint.stored_text import render
from bankint.tasks import enqueue_on_commit
from companies.models import Company

from .models import Notification, NotificationRead, is_safe_link

logger = logging.getLogger(__name__)

# Queued by name (notifications.tasks imports this module, not the other way round).
EMAIL_TASK = "notifications.notification_email_send"


def notify(
    company: Company,
    *,
    title: str,
    body: str,
    level: str = Notification.Level.INFO,
    link: str = "",
    user=None,
    dedup_key: str = "",
) -> Notification:
    """Create a notification for the company's administrators, or for ``user`` alone.

    An error notification must say what went wrong and what to do about it. With a
    ``dedup_key`` the same event notifies once, however often it is delivered.
    """
    if not is_safe_link(link):
        # Links can come from the bank (an order's URL); an unsafe one is dropped, never shown.
        logger.warning("notification link refused: %r", link[:100])
        link = ""
    if dedup_key:
        existing = Notification.objects.filter(company=company, dedup_key=dedup_key).first()
        if existing is not None:
            return existing
    fields = {
        "company": company,
        "audience": Notification.Audience.USER if user is not None else Notification.Audience.ADMINS,
        "user": user,
        "level": level,
        "title": title if len(title) <= 200 else render(title)[:200],
        "body": body,
        "link": link,
        "dedup_key": dedup_key,
    }
    try:
        with transaction.atomic():
            notification = Notification.objects.create(**fields)
    except IntegrityError:
        # Two workers delivered the same event at once: the other one won.
        if dedup_key:
            return Notification.objects.get(company=company, dedup_key=dedup_key)
        raise
    if level in (Notification.Level.WARNING, Notification.Level.ERROR):
        enqueue_on_commit(EMAIL_TASK, notification.pk)
    return notification


def notify_bulk(notifications: list[Notification]) -> None:
    """``notify`` for a page of bank events: one insert; an event already notified (same
    company and dedup key) is skipped; warnings and errors are e-mailed once, as by ``notify``."""
    if not notifications:
        return
    Notification.objects.bulk_create(notifications, ignore_conflicts=True)
    wanted = Q()
    for n in notifications:
        if n.level in (Notification.Level.WARNING, Notification.Level.ERROR) and n.dedup_key:
            wanted |= Q(company_id=n.company_id, dedup_key=n.dedup_key)
    if not wanted:
        return
    for pk in Notification.objects.filter(wanted, emailed_at__isnull=True).values_list("pk", flat=True):
        enqueue_on_commit(EMAIL_TASK, pk)


def notification_mark_read(notification: Notification, user) -> None:
    NotificationRead.objects.get_or_create(notification=notification, user=user)


def notification_mark_all_read(queryset, user) -> int:
    ids = list(queryset.filter(is_read=False).values_list("pk", flat=True))
    NotificationRead.objects.bulk_create(
        [NotificationRead(notification_id=pk, user=user) for pk in ids], ignore_conflicts=True
    )
    return len(ids)


def notification_emails_send_pending(*, older_than=timedelta(minutes=5), newer_than=timedelta(days=2)) -> int:
    """Beat: warnings and errors whose e-mail was never queued (the broker was down) go out now.

    Older than a few minutes, so the normal task is not raced; younger than two days, so a
    mail server that was down for a week does not flood people with stale news.
    """
    now = timezone.now()
    pending = Notification.objects.filter(
        level__in=[Notification.Level.WARNING, Notification.Level.ERROR],
        emailed_at__isnull=True,
        created_at__lt=now - older_than,
        created_at__gte=now - newer_than,
    ).values_list("pk", flat=True)
    ids = list(pending)
    for pk in ids:
        notification_email_send(pk)
    return len(ids)


def notification_email_send(notification_id: int) -> int:
    """E-mail a warning or error to its audience once. Returns the number of recipients.

    The conditional update claims the send, so a redelivered task does not e-mail twice.
    """
    from django.core.mail import send_mail

    from companies.selectors import company_admin_users

    claimed = Notification.objects.filter(pk=notification_id, emailed_at__isnull=True).update(
        emailed_at=timezone.now()
    )
    if not claimed:
        return 0
    notification = Notification.objects.select_related("company", "user").get(pk=notification_id)
    users = [notification.user] if notification.user_id else list(company_admin_users(notification.company))
    recipients = sorted({u.email for u in users if u.email})
    if not recipients:
        return 0
    send_mail(
        subject=f"[{notification.company.name}] {notification.title_text}",
        message=notification.body_text,
        from_email=None,
        recipient_list=recipients,
    )
    return len(recipients)

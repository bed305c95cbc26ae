from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from companies.roles import Perm
from companies.selectors import user_perms

from .models import Notification, NotificationRead


def notification_list_for_user(user, company, *, unread: bool | None = None) -> QuerySet[Notification]:
    """What one user sees in one company's notification centre, with ``is_read`` annotated."""
    if company is None or not getattr(user, "is_authenticated", False):
        return Notification.objects.none()
    audience = Q(audience=Notification.Audience.USER, user=user)
    if Perm.MANAGE_BANK in user_perms(user, company):
        audience |= Q(audience=Notification.Audience.ADMINS)
    qs = (
        Notification.objects.filter(company=company)
        .filter(audience)
        .annotate(is_read=Exists(NotificationRead.objects.filter(notification=OuterRef("pk"), user=user)))
    )
    if unread is True:
        qs = qs.filter(is_read=False)
    elif unread is False:
        qs = qs.filter(is_read=True)
    return qs


def notification_unread_count(user, company) -> int:
    return notification_list_for_user(user, company, unread=True).count()

"""The notification centre (varslingssenter).

A ``Notification`` belongs to a company and an audience: the company's administrators, or
one user. It has a level (INFO, WARNING, ERROR), a title, a body that says what happened
and — for errors — what to do, and a link to the thing it is about. Read state is per user
(``NotificationRead``), because every administrator reads for themselves. Warnings and
errors are also e-mailed once (``emailed_at`` claims the send).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from companies.models import Company


class Notification(models.Model):
    class Level(models.TextChoices):
        INFO = "INFO", _("Information")
        WARNING = "WARNING", _("Warning")
        ERROR = "ERROR", _("Error")

    class Audience(models.TextChoices):
        ADMINS = "ADMINS", _("System administrators")
        USER = "USER", _("One user")

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="notifications")
    audience = models.CharField(max_length=10, choices=Audience.choices, default=Audience.ADMINS)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    level = models.CharField(max_length=10, choices=Level.choices, default=Level.INFO)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    link = models.CharField(_("link"), max_length=500, blank=True)
    # Events from the bank can arrive twice; the same key never makes a second notification.
    dedup_key = models.CharField(max_length=200, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["company", "audience", "-created_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "dedup_key"],
                condition=~models.Q(dedup_key=""),
                name="uniq_notification_dedup",
            ),
            models.CheckConstraint(
                condition=models.Q(audience="ADMINS", user__isnull=True)
                | models.Q(audience="USER", user__isnull=False),
                name="notification_audience_user",
            ),
        ]

    def __str__(self) -> str:
        return f"[{self.level}] {self.title}"


class NotificationRead(models.Model):
    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="reads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    read_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["notification", "user"], name="uniq_notification_read")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} read {self.notification_id}"

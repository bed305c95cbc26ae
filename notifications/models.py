"""The notification centre (varslingssenter).

A ``Notification`` belongs to a company and an audience: the company's administrators, or
one user. It has a level (INFO, WARNING, ERROR), a title, a body that says what happened
and — for errors — what to do, and a link to the thing it is about. Read state is per user
(``NotificationRead``), because every administrator reads for themselves. Warnings and
errors are also e-mailed once (``emailed_at`` claims the send).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from bankint.stored_text import render
from companies.models import Company


def is_safe_link(value: str) -> bool:
    """A path on this site (``/payments/7/``) or an http(s) address; nothing a browser would run.

    Notifications are written by the bank's events and by support staff in the admin and
    rendered to company users as links: a ``javascript:`` or ``data:`` link there would run in
    the user's session.
    """
    if not value:
        return True
    if any(ord(ch) < 33 for ch in value):  # browsers drop controls and spaces inside schemes
        return False
    if value.startswith("/"):
        return not value.startswith("//") and not value.startswith("/\\")
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def validate_link(value: str) -> None:
    if not is_safe_link(value):
        raise ValidationError(
            _("A link must be a path on this site (starting with /) or an http(s) address."),
            code="unsafe_link",
        )


class Notification(models.Model):
    class Level(models.TextChoices):
        INFO = "INFO", _("Information")
        WARNING = "WARNING", _("Warning")
        ERROR = "ERROR", _("Error")

    class Audience(models.TextChoices):
        ADMINS = "ADMINS", _("System administrators")
        USER = "USER", _("One user")

    company = models.ForeignKey(
        Company, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("company")
    )
    audience = models.CharField(
        _("audience"), max_length=10, choices=Audience.choices, default=Audience.ADMINS
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("user"),
    )
    level = models.CharField(_("level"), max_length=10, choices=Level.choices, default=Level.INFO)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    link = models.CharField(_("link"), max_length=500, blank=True, validators=[validate_link])
    # Events from the bank can arrive twice; the same key never makes a second notification.
    dedup_key = models.CharField(_("deduplication key"), max_length=200, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)

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

    @property
    def title_text(self) -> str:
        """The title in the reader's language (stored as a message id and values; older rows as
        they were written)."""
        return render(self.title)

    @property
    def body_text(self) -> str:
        return render(self.body)

    @property
    def safe_link(self) -> str:
        """The link, or nothing for a row written before links were checked."""
        return self.link if is_safe_link(self.link) else ""


class NotificationRead(models.Model):
    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, related_name="reads", verbose_name=_("notification")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user")
    )
    read_at = models.DateTimeField(_("read"), auto_now_add=True)

    class Meta:
        verbose_name = _("notification read")
        verbose_name_plural = _("notifications read")
        constraints = [
            models.UniqueConstraint(fields=["notification", "user"], name="uniq_notification_read")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} read {self.notification_id}"

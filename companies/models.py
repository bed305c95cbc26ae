"""Companies (clients), the people in them, and the audit trail.

- ``Company``: a client company of the ERP, identified by its organisation number.
- ``Membership``: a user holds a role in a company (one row per role). Accountants hold
  memberships in many client companies and switch between them.
- ``UserProfile``: personal data needed for BankID and the bank (fødselsnummer, encrypted
  at rest, shown masked).
- ``AuditEvent``: append-only record of who did what to which object, in which company,
  when and from where. The database itself refuses UPDATE and DELETE on it.
- ``ApiToken``: a user's key for the API, stored as its SHA-256. ACTIVE until it expires
  (``API_TOKEN_TTL_DAYS``), is revoked (by its user, an API logout or support) or its user's
  password changes; none of these is undone (companies.tokens).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bankint.fields import EncryptedTextField
from bankint.personal import mask_fodselsnummer, mask_fodselsnummer_in_text

from .credentials import password_fingerprint_matches
from .roles import Role


class Company(models.Model):
    name = models.CharField(_("name"), max_length=200)
    org_number = models.CharField(_("organisation number"), max_length=9, unique=True)
    address_line = models.CharField(_("address"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=10, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("company")
        verbose_name_plural = _("companies")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.org_number_display})"

    @property
    def org_number_display(self) -> str:
        n = self.org_number
        return f"{n[:3]} {n[3:6]} {n[6:]}" if len(n) == 9 else n


class Membership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user")
    )
    company = models.ForeignKey(
        Company, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("company")
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "company", "role"], name="uniq_membership_role")
        ]
        indexes = [models.Index(fields=["company", "role"])]

    def __str__(self) -> str:
        return f"{self.user} · {self.company.name} · {self.get_role_display()}"


class UserProfile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile", verbose_name=_("user")
    )
    national_id = EncryptedTextField(_("national identity number"), blank=True, default="")
    mobile = models.CharField(_("mobile"), max_length=20, blank=True)
    bank_user_id = models.CharField(_("online-bank user id"), max_length=20, blank=True, help_text="TB12345")

    class Meta:
        verbose_name = _("user profile")
        verbose_name_plural = _("user profiles")

    def __str__(self) -> str:
        return f"{self.user} ({self.national_id_masked})"

    @property
    def national_id_masked(self) -> str:
        return mask_fodselsnummer(self.national_id)


class AuditEvent(models.Model):
    # No foreign-key constraint on actor/company: the trail must outlive what it describes,
    # and an append-only table cannot be rewritten by ON DELETE SET NULL.
    company = models.ForeignKey(
        Company,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("company"),
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    actor_label = models.CharField(_("actor name"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=80, db_index=True)
    object_type = models.CharField(_("object type"), max_length=80, blank=True)
    object_id = models.CharField(_("object ID"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    source = models.CharField(_("source"), max_length=60, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["company", "-created_at"]),
            models.Index(fields=["object_type", "object_id"]),
        ]

    def __str__(self) -> str:
        # The admin's page title and breadcrumbs show this: a personal number in the text stays masked.
        text = f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label or 'system'} {self.action} {self.object_repr}"
        return mask_fodselsnummer_in_text(text)


class ApiToken(models.Model):
    """``Authorization: Token <key>``; the key itself is never stored (companies.credentials)."""

    class Status(models.TextChoices):
        # Derived, never stored: time and the user's password end a token without a write.
        ACTIVE = "ACTIVE", _("active")
        EXPIRED = "EXPIRED", _("expired")
        REVOKED = "REVOKED", _("revoked")
        PASSWORD_CHANGED = "PASSWORD_CHANGED", _("password changed")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("user")
    )
    name = models.CharField(_("name"), max_length=100)
    key_hash = models.CharField(_("key hash"), max_length=64, unique=True)
    prefix = models.CharField(_("prefix"), max_length=8)
    password_fingerprint = models.CharField(_("password fingerprint"), max_length=64)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    last_used_ip = models.GenericIPAddressField(_("last address"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("revoked by"),
    )

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def status_at(self, now) -> str:
        if self.revoked_at is not None:
            return self.Status.REVOKED
        if self.expires_at <= now:
            return self.Status.EXPIRED
        if not password_fingerprint_matches(self.user.password, self.password_fingerprint):
            return self.Status.PASSWORD_CHANGED
        return self.Status.ACTIVE

    @property
    def status(self) -> str:
        return self.status_at(timezone.now())

    def get_status_display(self) -> str:
        return self.Status(self.status).label

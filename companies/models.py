"""Companies (clients), the people in them, and the audit trail.

- ``Company``: a client company of the ERP, identified by its organisation number.
- ``Membership``: a user holds a role in a company (one row per role). Accountants hold
  memberships in many client companies and switch between them.
- ``UserProfile``: personal data needed for BankID and the bank (fødselsnummer, encrypted
  at rest, shown masked).
- ``AuditEvent``: append-only record of who did what to which object, in which company,
  when and from where. The database itself refuses UPDATE and DELETE on it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from bankint.fields import EncryptedTextField
from bankint.personal import mask_fodselsnummer

from .roles import Role


class Company(models.Model):
    name = models.CharField(_("name"), max_length=200)
    org_number = models.CharField(_("organisation number"), max_length=9, unique=True)
    address_line = models.CharField(_("address"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=10, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

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
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

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
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    national_id = EncryptedTextField(_("national identity number"), blank=True, default="")
    mobile = models.CharField(_("mobile"), max_length=20, blank=True)
    bank_user_id = models.CharField(_("online-bank user id"), max_length=20, blank=True, help_text="TB12345")

    class Meta:
        verbose_name = _("user profile")

    def __str__(self) -> str:
        return f"{self.user} ({self.national_id_masked})"

    @property
    def national_id_masked(self) -> str:
        return mask_fodselsnummer(self.national_id)


class AuditEvent(models.Model):
    # No foreign-key constraint on actor/company: the trail must outlive what it describes,
    # and an append-only table cannot be rewritten by ON DELETE SET NULL.
    company = models.ForeignKey(
        Company, on_delete=models.DO_NOTHING, db_constraint=False, null=True, blank=True, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_label = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=80, db_index=True)
    object_type = models.CharField(max_length=80, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=200, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    source = models.CharField(max_length=60, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["company", "-created_at"]),
            models.Index(fields=["object_type", "object_id"]),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label or 'system'} {self.action} {self.object_repr}"

"""Field groups more than one app's models share (abstract: no table of their own)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ReceivedBankFile(models.Model):
    """A bank file as it came in (OCR, camt.053): whose, its SHA-256 and size, why it was
    refused if it was, and when and by whom it was received (no one: the bank feed)."""

    company = models.ForeignKey("companies.Company", on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("reason"), blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveBigIntegerField(_("size in bytes"), default=0)
    created_at = models.DateTimeField(_("received at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        abstract = True

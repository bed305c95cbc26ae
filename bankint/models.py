"""What more than one app's models share: abstract field groups (no table of their own) and
field helpers that say a rule once."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

# Money is Decimal kroner, never a float: ``models.DecimalField(_("amount"), **MONEY)``.
MONEY = {"max_digits": 15, "decimal_places": 2}


def unconstrained_fk(to, on_delete=models.PROTECT, **options) -> models.ForeignKey:
    """A foreign key with no constraint in the database and, unless ``db_index=True``, no index.

    For rows written 100,000 at a time (imports, matching, postings), where a per-row
    constraint costs a deferred check per row at commit and an index a write per row, and for
    rows that must outlive what they name. The model says at the field what checks the
    reference instead: a trigger once per statement (docs/DATABASE.md lists them) or the one
    service that writes the rows.
    """
    options.setdefault("db_index", False)
    return models.ForeignKey(to, on_delete=on_delete, db_constraint=False, **options)


class ReceivedBankFile(models.Model):
    """A bank file as it came in (OCR, camt.053): whose, its SHA-256 and size, why it was
    refused if it was, and when and by whom it was received (no one: the bank feed)."""

    company = models.ForeignKey(
        "companies.Company", on_delete=models.PROTECT, related_name="+", verbose_name=_("company")
    )
    reason = models.TextField(_("reason"), blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveBigIntegerField(_("size in bytes"), default=0)
    created_at = models.DateTimeField(_("received at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        abstract = True

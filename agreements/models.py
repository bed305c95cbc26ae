"""Bank agreements and the bank's change feed.

- ``BankFeedCursor``: where the portal is in the bank's change feed (one row per bank). The
  bank tells us what changed since a cursor — orders, applications, signings, payment
  statuses, new statements and OCR files — so one poll round costs requests in proportion
  to what changed, never to how much is pending. The cursor, the lease that keeps two
  pollers apart and the backoff after failures live here, in PostgreSQL, not in Redis:
  a flushed broker loses no position (RELIABILITY rows 19-20).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class BankFeedCursor(models.Model):
    bank = models.CharField(max_length=20, unique=True, default="DNB")
    cursor = models.BigIntegerField(default=0)
    lease_owner = models.CharField(max_length=64, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_failure_at = models.DateTimeField(null=True, blank=True)
    events_processed = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("bank change feed")
        verbose_name_plural = _("bank change feeds")

    def __str__(self) -> str:
        return f"{self.bank} feed at {self.cursor}"

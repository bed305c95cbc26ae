"""Bank agreements and the bank's change feed.

- ``BankFeedCursor``: where the portal is in the bank's change feed (one row per bank). The
  bank tells us what changed since a cursor — orders, applications, signings, payment
  statuses, new statements and OCR files — so one poll round costs requests in proportion
  to what changed, never to how much is pending. The cursor, the lease that keeps two
  pollers apart and the backoff after failures live here, in PostgreSQL, not in Redis:
  a flushed broker loses no position, and the next poll resumes from the cursor here.
- ``BankFileFetch``: a bank file the feed announced (statement, Nets OCR, camt.054), waiting to
  be downloaded and imported by a task on the ``imports`` queue; a beat sweep queues again
  what a lost message or a dead worker left.
- ``ServiceOrder``: one "Koble til tjeneste" order for one company: chosen accounts and
  services, sent through DNB's order wizard, completed when the bank fills in the accounts.
  SUBMITTING (committed before the bank call) → AWAITING_CONFIRMATION (the user is in the
  bank's order wizard) → PROCESSING → COMPLETED | PARTIALLY_COMPLETED | REJECTED; or
  CANCELLED at the bank, or FAILED when the bank refused the order outright.
  ``ServiceOrderAccount`` holds the per-account result (AvtaleID, division, services, errors).
- ``OnlineBankApplication``: the company's application for an integrated online bank,
  tracked by polling: DRAFT → RECEIVED → READY_FOR_SIGNING → SIGNED → CREATED (or CANCELLED).
- ``RgbOrder``: ordering RgB later for accounts on post-approval: AWAITING_USER → CONFIRMED
  (accounts switch to RgB) or CANCELLED.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class BankFeedCursor(models.Model):
    bank = models.CharField(_("bank"), max_length=20, unique=True, default="DNB")
    cursor = models.BigIntegerField(_("feed position"), default=0)
    lease_owner = models.CharField(_("leased by"), max_length=64, blank=True)
    lease_until = models.DateTimeField(_("leased until"), null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(_("failures in a row"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    last_success_at = models.DateTimeField(_("last success"), null=True, blank=True)
    last_failure_at = models.DateTimeField(_("last failure"), null=True, blank=True)
    events_processed = models.BigIntegerField(_("events processed"), default=0)
    # Running totals for operations: events the bank delivered twice (skipped), and failed rounds.
    duplicates_skipped = models.BigIntegerField(_("duplicate events skipped"), default=0)
    failures_total = models.BigIntegerField(_("failed poll rounds"), default=0)

    class Meta:
        verbose_name = _("bank change feed")
        verbose_name_plural = _("bank change feeds")

    def __str__(self) -> str:
        return f"{self.bank} feed at {self.cursor}"


class FeedEventFailure(models.Model):
    """An event of the bank's feed whose handler failed: kept, retried with backoff, shown.

    One company's bad data (a voucher dated 9999-12-31 once made matching overflow) must not
    hold the feed for everyone: the poller hands the event to its handler alone, records
    the failure here, tells the company, moves the cursor on, and retries the event later
    (agreements/feed.py). Operators see the open ones in the admin and on ``/healthz``.
    """

    bank = models.CharField(_("bank"), max_length=20, default="DNB")
    event_id = models.BigIntegerField(_("event ID"))
    event_type = models.CharField(_("event type"), max_length=80)
    handler = models.CharField(_("handler"), max_length=200)  # module.qualname of the handler that failed
    org_number = models.CharField(_("organisation number"), max_length=20, blank=True)
    resource_id = models.CharField(_("resource ID"), max_length=100, blank=True)
    data = models.JSONField(_("event data"), default=dict, blank=True)
    event_created_at = models.DateTimeField(_("event created"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=1)
    first_failed_at = models.DateTimeField(_("first failure"), auto_now_add=True)
    last_failed_at = models.DateTimeField(_("last failure"), auto_now=True)
    next_retry_at = models.DateTimeField(_("next attempt"), null=True, blank=True)  # null: retries used up
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)

    class Meta:
        verbose_name = _("failed bank event")
        verbose_name_plural = _("failed bank events")
        ordering = ["-last_failed_at"]
        constraints = [
            models.UniqueConstraint(fields=["bank", "event_id", "handler"], name="feed_failure_once"),
        ]
        indexes = [
            models.Index(
                fields=["bank", "next_retry_at"],
                name="feed_failure_due",
                condition=models.Q(resolved_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return f"{self.bank} event {self.event_id} ({self.event_type})"


class BankFileFetch(models.Model):
    """A bank file the feed announced, to be downloaded and imported on the ``imports`` queue.

    The feed's handlers only record these (one row per file, in the poll's own short
    transaction) and queue one task per row once it commits; the task downloads (outside any
    transaction) and imports. The row is what makes that durable: Celery delivers at least
    once and a broker may lose a message, so a beat sweep (``agreements.bank_file_fetches_requeue``)
    queues again every row still PENDING whose message was lost or whose worker died
    (``claimed_until`` passed). A task claims its row before it works (a conditional update),
    so two copies of one message never import at once; the imports' own deduplication (bank
    id, SHA-256) makes a repeat after a crash find the work done. An import that fails is
    retried with backoff, its company told, and it is FAILED after ``attempts`` run out:
    operators see it in the admin and on ``/healthz`` (agreements/fetches.py).
    """

    class Kind(models.TextChoices):
        STATEMENT = "statement", _("Account statement (camt.053)")
        OCR_FILE = "ocr_file", _("Nets OCR transmission")
        DEBIT_NOTIFICATION = "debit_notification", _("Debit notification (camt.054)")

    class Status(models.TextChoices):
        PENDING = "PENDING", _("Waiting")
        DONE = "DONE", _("Done")
        FAILED = "FAILED", _("Failed")

    bank = models.CharField(_("bank"), max_length=20, default="DNB")
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    bank_resource_id = models.CharField(_("resource ID"), max_length=100)
    event_id = models.BigIntegerField(
        _("event ID"), null=True, blank=True
    )  # the feed event that announced it
    org_number = models.CharField(_("organisation number"), max_length=20, blank=True)
    account = models.CharField(_("account number"), max_length=20, blank=True)
    data = models.JSONField(_("event data"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)  # claims by a worker
    bank_failures = models.PositiveIntegerField(_("bank unavailable"), default=0)  # in a row
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)  # backoff; null: now
    queued_at = models.DateTimeField(_("queued"), null=True, blank=True)
    claimed_until = models.DateTimeField(_("worker busy until"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)

    class Meta:
        verbose_name = _("bank file to fetch")
        verbose_name_plural = _("bank files to fetch")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "bank_resource_id"], name="bank_file_fetch_once"),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="bank_file_fetch_pending",
                condition=models.Q(status="PENDING"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.bank_resource_id} ({self.status})"


class Bank(models.TextChoices):
    DNB = "DNB", "DNB"
    SBANKEN = "SBANKEN", "S'banken bedrift"


class OrderService(models.TextChoices):
    """What the user can order; the values are the bank's wire names."""

    REMITTANCE = "remittance", _("Remittance (outgoing payments)")
    INCOMING_RECONCILIATION = "incoming_reconciliation", _("Incoming payments and reconciliation files")
    NETS_OCR = "nets_ocr", _("Nets OCR (KID payments)")


class ServiceOrder(models.Model):
    class Status(models.TextChoices):
        SUBMITTING = "SUBMITTING", _("Sending to the bank")
        AWAITING_CONFIRMATION = "AWAITING_CONFIRMATION", _("Waiting for you in the bank's order wizard")
        PROCESSING = "PROCESSING", _("Being processed by the bank")
        COMPLETED = "COMPLETED", _("Completed")
        PARTIALLY_COMPLETED = "PARTIALLY_COMPLETED", _("Partly completed")
        REJECTED = "REJECTED", _("Rejected by the bank")
        CANCELLED = "CANCELLED", _("Cancelled")
        FAILED = "FAILED", _("Refused by the bank")

    TRANSITIONS: dict[str, frozenset[str]] = {
        Status.SUBMITTING: frozenset({Status.AWAITING_CONFIRMATION, Status.PROCESSING, Status.FAILED}),
        Status.AWAITING_CONFIRMATION: frozenset(
            {
                Status.PROCESSING,
                Status.CANCELLED,
                Status.COMPLETED,
                Status.PARTIALLY_COMPLETED,
                Status.REJECTED,
            }
        ),
        Status.PROCESSING: frozenset({Status.COMPLETED, Status.PARTIALLY_COMPLETED, Status.REJECTED}),
    }
    PENDING = (Status.SUBMITTING, Status.AWAITING_CONFIRMATION, Status.PROCESSING)
    FINAL = (Status.COMPLETED, Status.PARTIALLY_COMPLETED, Status.REJECTED, Status.CANCELLED, Status.FAILED)

    company = models.ForeignKey(
        "companies.Company", on_delete=models.PROTECT, related_name="+", verbose_name=_("company")
    )
    bank = models.CharField(_("bank"), max_length=10, choices=Bank.choices, default=Bank.DNB)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    # The client's double-click guard, and the reference the bank deduplicates on.
    idempotency_key = models.CharField(_("idempotency key"), max_length=100)
    reference = models.CharField(_("reference"), max_length=100, unique=True)
    bank_order_id = models.BigIntegerField(_("the bank's order ID"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=30, choices=Status.choices, default=Status.SUBMITTING)
    services = models.JSONField(_("services"), default=list)
    fee_account = models.CharField(_("account for bank fees"), max_length=4, default="7770")
    kid_length = models.PositiveSmallIntegerField(_("KID length"), null=True, blank=True)
    kid_check = models.CharField(_("KID check"), max_length=5, blank=True)
    wizard_url = models.URLField(_("order wizard address"), max_length=500, blank=True)
    subscription_upgraded = models.BooleanField(_("subscription upgraded"), default=False)
    code = models.CharField(_("code"), max_length=60, blank=True)
    message = models.TextField(_("message"), blank=True)
    # What the bank last answered, verbatim: support staff see what the bank said, not our
    # reading of it.
    raw_response = models.JSONField(_("the bank's raw answer"), default=dict, blank=True)
    claim = models.CharField(_("claimed by poll"), max_length=40, blank=True, db_index=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("sent"), null=True, blank=True)
    processing_at = models.DateTimeField(_("processing started"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("service order")
        verbose_name_plural = _("service orders")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["company", "idempotency_key"], name="uniq_service_order_key"),
            models.UniqueConstraint(fields=["bank", "bank_order_id"], name="uniq_service_order_bank_id"),
        ]
        indexes = [models.Index(fields=["status"], name="service_order_status")]

    def __str__(self) -> str:
        return f"{self.get_bank_display()} order #{self.pk} ({self.status})"

    @property
    def is_pending(self) -> bool:
        return self.status in self.PENDING

    @property
    def service_names(self) -> list[str]:
        """The ordered services in words (``services`` keeps the bank's wire names)."""
        names = dict(OrderService.choices)
        return [str(names.get(code, code)) for code in self.services]


class ServiceOrderAccount(models.Model):
    class Result(models.TextChoices):
        PENDING = "PENDING", _("Pending")
        OK = "OK", _("Active")
        FAILED = "FAILED", _("Failed")

    order = models.ForeignKey(
        ServiceOrder, on_delete=models.CASCADE, related_name="lines", verbose_name=_("service order")
    )
    company = models.ForeignKey(
        "companies.Company", on_delete=models.PROTECT, related_name="+", verbose_name=_("company")
    )
    bank_account = models.ForeignKey(
        "accounts.BankAccount", on_delete=models.PROTECT, related_name="+", verbose_name=_("bank account")
    )
    account_number = models.CharField(_("account number"), max_length=11)
    result = models.CharField(_("result"), max_length=10, choices=Result.choices, default=Result.PENDING)
    agreement_id = models.CharField(_("AvtaleID"), max_length=40, blank=True)
    division_name = models.CharField(_("division name"), max_length=100, blank=True)
    division_number = models.CharField(_("division number"), max_length=40, blank=True)
    service_results = models.JSONField(_("result per service"), default=list, blank=True)
    errors = models.JSONField(_("errors"), default=list, blank=True)

    class Meta:
        verbose_name = _("service order account")
        verbose_name_plural = _("service order accounts")
        ordering = ["order", "account_number"]
        constraints = [
            models.UniqueConstraint(fields=["order", "bank_account"], name="uniq_service_order_account")
        ]

    def __str__(self) -> str:
        return f"{self.account_number} · {self.result}"


class BankWizardOrder(models.Model):
    """An order the user completes in the bank's own pages: our reference, the bank's page to
    send them to, and the bank's last answer as it came."""

    company = models.ForeignKey(
        "companies.Company", on_delete=models.PROTECT, related_name="+", verbose_name=_("company")
    )
    reference = models.CharField(_("reference"), max_length=100, unique=True)
    url = models.URLField(_("web address"), max_length=500, blank=True)
    raw_response = models.JSONField(_("the bank's raw answer"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["-created_at", "-pk"]


class OnlineBankApplication(BankWizardOrder):
    class Status(models.TextChoices):
        DRAFT = "DRAFT", _("Being filled in at the bank")
        RECEIVED = "RECEIVED", _("Received by the bank")
        READY_FOR_SIGNING = "READY_FOR_SIGNING", _("Ready to sign")
        SIGNED = "SIGNED", _("Signed")
        CREATED = "CREATED", _("Online bank created")
        CANCELLED = "CANCELLED", _("Cancelled")

    ORDER = ["DRAFT", "RECEIVED", "READY_FOR_SIGNING", "SIGNED", "CREATED"]

    bank_application_id = models.BigIntegerField(
        _("the bank's application ID"), null=True, blank=True, unique=True
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta(BankWizardOrder.Meta):
        verbose_name = _("online bank application")
        verbose_name_plural = _("online bank applications")

    def __str__(self) -> str:
        return f"online bank application #{self.pk} ({self.status})"


class RgbOrder(BankWizardOrder):
    class Status(models.TextChoices):
        AWAITING_USER = "AWAITING_USER", _("Waiting for you at the bank")
        CONFIRMED = "CONFIRMED", _("Confirmed")
        CANCELLED = "CANCELLED", _("Cancelled")

    bank_order_id = models.BigIntegerField(_("the bank's order ID"), null=True, blank=True, unique=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.AWAITING_USER
    )
    accounts = models.JSONField(_("accounts"), default=list)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)

    class Meta(BankWizardOrder.Meta):
        verbose_name = _("RgB order")
        verbose_name_plural = _("RgB orders")

    def __str__(self) -> str:
        return f"RgB order #{self.pk} ({self.status})"

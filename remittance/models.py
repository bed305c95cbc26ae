"""Payments to suppliers, grouped into batches that go to the bank as pain.001 files.

- ``Payment``: one credit transfer (from a bill or entered directly): creditor name and
  account (MOD11), amount, a KID or a message (never both), execution date (a banking day),
  debit account. NEW → IN_BATCH → SENT → AWAITING_APPROVAL (PDNG, post-approval) → ACCEPTED
  (ACSP) → BOOKED (camt.054), or REJECTED with the bank's reason code at any point before
  booking. A rejected payment is corrected by creating a new payment (``corrected_by``):
  its EndToEndId was used once and is never sent again.
- ``PaymentBatch``: the payments from one debit account on one execution date; one pain.001
  file (one PmtInf) each. DRAFT → APPROVED (RgB with BankID) or POST_APPROVAL (sent for
  approval in the online bank) → SUBMITTING → SUBMITTED / AWAITING_APPROVAL → ACCEPTED /
  PARTLY_ACCEPTED / REJECTED → BOOKED. UNKNOWN when a send ended ambiguously (timeout, reset,
  5xx): it is resolved by asking the bank for the MsgId or by resending the *same* file.
  A batch total never exceeds what its column holds (``MAX_BATCH_TOTAL``): payments beyond it
  on one account and date go into a second batch. One BankID signing at a time: a pending
  signing (``signing_user`` until ``signing_expires_at``) is never replaced by another's.
- ``PaymentSettings``: per company, the four-eyes rule (on by default): whoever built a batch
  or entered or changed one of its payments (``Payment.editors``) cannot approve it. It can be
  switched off only while one person alone handles the company's payments.
- ``BankReport``: every pain.002 and camt.054 the bank sent for a batch, raw bytes and
  SHA-256, applied once.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import BankAccount
from bankint.account_numbers import format_account_number
from bankint.models import MONEY

# The largest amount a MONEY column holds, and so the largest batch total. pain.001 allows more
# (InstdAmt 18 digits with 5 decimals, CtrlSum 18 digits), so the column is the tighter bound.
# No lower cap per payment: large settlements (NICS gross, property, group transfers) are
# legitimate, and the bank refuses what the account cannot cover (AM04).
MAX_BATCH_TOTAL = Decimal("9999999999999.99")


class PaymentBatch(models.Model):
    class Status(models.TextChoices):
        DRAFT = "DRAFT", _("Draft")
        APPROVED = "APPROVED", _("Approved (RgB)")
        POST_APPROVAL = "POST_APPROVAL", _("Sent for post-approval")
        SUBMITTING = "SUBMITTING", _("Submitting")
        UNKNOWN = "UNKNOWN", _("Unknown: awaiting the bank's answer")
        SUBMITTED = "SUBMITTED", _("Submitted")
        AWAITING_APPROVAL = "AWAITING_APPROVAL", _("Awaiting approval in the online bank")
        ACCEPTED = "ACCEPTED", _("Accepted")
        PARTLY_ACCEPTED = "PARTLY_ACCEPTED", _("Partly accepted")
        REJECTED = "REJECTED", _("Rejected")
        BOOKED = "BOOKED", _("Booked")

    # The debit account's mode when the batch was built (remittance.services.batches).
    ApprovalMode = BankAccount.ApprovalMode

    _ANSWERS = frozenset(
        {"SUBMITTED", "AWAITING_APPROVAL", "ACCEPTED", "PARTLY_ACCEPTED", "REJECTED", "BOOKED"}
    )
    TRANSITIONS: dict[str, frozenset[str]] = {
        Status.DRAFT: frozenset({Status.APPROVED, Status.POST_APPROVAL}),
        Status.APPROVED: frozenset({Status.SUBMITTING}),
        Status.POST_APPROVAL: frozenset({Status.SUBMITTING}),
        # The bank's answer, or an ambiguous end (UNKNOWN) that is resolved later.
        Status.SUBMITTING: _ANSWERS | {Status.UNKNOWN},
        # Resent with the same MsgId, or resolved by asking the bank.
        Status.UNKNOWN: _ANSWERS | {Status.SUBMITTING},
        Status.SUBMITTED: _ANSWERS - {"SUBMITTED"},
        Status.AWAITING_APPROVAL: frozenset(
            {Status.ACCEPTED, Status.PARTLY_ACCEPTED, Status.REJECTED, Status.BOOKED}
        ),
        Status.ACCEPTED: frozenset({Status.PARTLY_ACCEPTED, Status.REJECTED, Status.BOOKED}),
        Status.PARTLY_ACCEPTED: frozenset({Status.REJECTED, Status.BOOKED}),
        Status.REJECTED: frozenset(),
        Status.BOOKED: frozenset(),
    }
    # Payments in these batches keep their bill out of any new batch: a bill already on its way
    # to the bank (open, approved, sent, not yet settled) must not be paid twice.
    OPEN_STATES = frozenset(set(Status.values) - {Status.REJECTED, Status.BOOKED})

    company = models.ForeignKey(
        "companies.Company", on_delete=models.PROTECT, related_name="+", verbose_name=_("company")
    )
    bank_account = models.ForeignKey(
        "accounts.BankAccount", on_delete=models.PROTECT, related_name="+", verbose_name=_("bank account")
    )
    execution_date = models.DateField(_("execution date"))
    approval_mode = models.CharField(_("approval mode"), max_length=20, choices=ApprovalMode.choices)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    # Ids fixed when the batch is created: every retry and every regeneration uses them.
    msg_id = models.CharField(_("MsgId"), max_length=35, unique=True)
    pmt_inf_id = models.CharField(_("PmtInfId"), max_length=35, unique=True)
    payment_count = models.PositiveIntegerField(_("payments"), default=0)
    # A batch is in one currency: its payments' (``total`` is in it).
    currency = models.CharField(_("currency"), max_length=3, default="NOK")
    total = models.DecimalField(_("total"), default=0, **MONEY)
    # The message version the file was built in (the debit account's agreement decides).
    pain001_version = models.CharField(_("file version"), max_length=20, blank=True)
    # The pain.001 exactly as sent (built once, before the first send).
    pain001 = models.BinaryField(_("pain.001"), blank=True, default=b"")
    pain001_sha256 = models.CharField(_("pain.001 SHA-256"), max_length=64, blank=True)
    file_created_at = models.DateTimeField(_("file created"), null=True, blank=True)
    # RgB: the approver, their online-bank user id and the BankID signature.
    signing_id = models.PositiveBigIntegerField(_("signing ID"), null=True, blank=True)
    signing_url = models.URLField(_("signing address"), max_length=500, blank=True)
    signing_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("signer"),
    )
    # When the pending BankID session ends at the latest (the bank's word): until then no other
    # approver may start a signing of their own (it would silently replace this one).
    signing_expires_at = models.DateTimeField(_("signing expires"), null=True, blank=True)
    signature_ref = models.CharField(_("signature reference"), max_length=128, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    approved_bank_user_id = models.CharField(_("approver's bank user ID"), max_length=20, blank=True)
    bank_status = models.CharField(_("bank status"), max_length=4, blank=True)
    bank_reason = models.CharField(_("bank reason code"), max_length=10, blank=True)
    bank_reason_text = models.CharField(_("bank reason"), max_length=500, blank=True)
    submit_attempts = models.PositiveIntegerField(_("send attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    submitting_at = models.DateTimeField(_("sending started"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("sent"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    booked_at = models.DateTimeField(_("booked"), null=True, blank=True)

    class Meta:
        verbose_name = _("payment batch")
        verbose_name_plural = _("payment batches")
        ordering = ["company", "-created_at", "-id"]
        indexes = [models.Index(fields=["company", "status"])]

    def __str__(self) -> str:
        return f"{self.msg_id} {self.execution_date:%Y-%m-%d} ({self.get_status_display()})"


class Payment(models.Model):
    class Kind(models.TextChoices):
        DOMESTIC = "DOMESTIC", _("Domestic")
        SEPA = "SEPA", _("SEPA")
        ABROAD = "ABROAD", _("Abroad")

    class ChargeBearer(models.TextChoices):
        SHAR = "SHAR", _("Shared (SHA)")
        DEBT = "DEBT", _("We pay all charges (OUR)")
        CRED = "CRED", _("The recipient pays all charges (BEN)")

    class Status(models.TextChoices):
        NEW = "NEW", _("New")
        IN_BATCH = "IN_BATCH", _("In a batch")
        SENT = "SENT", _("Sent")
        AWAITING_APPROVAL = "AWAITING_APPROVAL", _("Awaiting approval in the online bank")
        ACCEPTED = "ACCEPTED", _("Accepted")
        BOOKED = "BOOKED", _("Booked")
        REJECTED = "REJECTED", _("Rejected")
        CANCELLED = "CANCELLED", _("Cancelled")

    # The bank's answers only move a payment forward; a rejection can come at any time
    # before booking (AM04 on the execution date).
    RANK = {
        Status.NEW: 0,
        Status.IN_BATCH: 1,
        Status.SENT: 2,
        Status.AWAITING_APPROVAL: 3,
        Status.ACCEPTED: 4,
        Status.BOOKED: 5,
    }
    FINAL = frozenset({Status.BOOKED, Status.REJECTED, Status.CANCELLED})

    company = models.ForeignKey(
        "companies.Company", on_delete=models.PROTECT, related_name="+", verbose_name=_("company")
    )
    bank_account = models.ForeignKey(
        "accounts.BankAccount", on_delete=models.PROTECT, related_name="+", verbose_name=_("bank account")
    )
    batch = models.ForeignKey(
        PaymentBatch,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="payments",
        verbose_name=_("payment batch"),
    )
    bill = models.ForeignKey(
        "ledger.Bill",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("bill"),
    )
    creditor_name = models.CharField(_("creditor"), max_length=70)
    # A Norwegian account number (BBAN, 11 digits) or, abroad, an IBAN.
    creditor_account = models.CharField(_("creditor account"), max_length=34)
    amount = models.DecimalField(_("amount"), **MONEY)
    currency = models.CharField(_("currency"), max_length=3, default="NOK")
    kid = models.CharField(_("KID"), max_length=25, blank=True)
    message = models.CharField(_("message"), max_length=140, blank=True)
    # Decided by the product from the currency and the account (iso20022.pain001.abroad), never
    # chosen by the user.
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.DOMESTIC)
    creditor_bic = models.CharField(_("creditor's bank (BIC)"), max_length=11, blank=True)
    creditor_street = models.CharField(_("street"), max_length=70, blank=True)
    creditor_building_number = models.CharField(_("building number"), max_length=16, blank=True)
    creditor_postcode = models.CharField(_("postcode"), max_length=16, blank=True)
    creditor_town = models.CharField(_("town"), max_length=35, blank=True)
    creditor_country = models.CharField(_("country"), max_length=2, blank=True)
    charge_bearer = models.CharField(_("charges"), max_length=4, choices=ChargeBearer.choices, blank=True)
    urgent = models.BooleanField(_("urgent"), default=False)
    # The payment's id across banks (pain.001.001.09 and camt .08): set for payments abroad.
    uetr = models.UUIDField(_("UETR"), null=True, blank=True, unique=True)
    # The amount's value in NOK when the payment was entered (the bank's published rate), which
    # decides whether the Currency Register must be told (above NOK 100 000).
    nok_equivalent = models.DecimalField(_("value in NOK"), null=True, blank=True, **MONEY)
    regulatory_code = models.CharField(_("payment type code (betalingsart)"), max_length=3, blank=True)
    regulatory_text = models.CharField(_("what the payment is for"), max_length=35, blank=True)
    # What the bank debited the account (in the account's currency) and at what rate, from its
    # camt.054: a payment in currency is booked at that amount.
    booked_amount = models.DecimalField(_("amount debited"), null=True, blank=True, **MONEY)
    exchange_rate = models.DecimalField(
        _("exchange rate"), max_digits=18, decimal_places=10, null=True, blank=True
    )
    execution_date = models.DateField(_("execution date"))
    requested_date = models.DateField(_("requested date"))
    end_to_end_id = models.CharField(_("EndToEndId"), max_length=35, unique=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.NEW)
    bank_status = models.CharField(_("bank status"), max_length=4, blank=True)
    reason_code = models.CharField(_("reason code"), max_length=10, blank=True)
    reason_text = models.CharField(_("reason"), max_length=500, blank=True)
    corrects = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrected_by",
        verbose_name=_("corrects payment"),
    )
    voucher = models.ForeignKey(
        "ledger.Voucher",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("voucher"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    # Everyone who entered or changed this payment, a corrected payment's earlier versions
    # included: under the four-eyes rule none of them may approve a batch holding it.
    editors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name=_("edited by")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    rejected_at = models.DateTimeField(_("rejected"), null=True, blank=True)
    booked_at = models.DateTimeField(_("booked"), null=True, blank=True)
    booked_date = models.DateField(_("booking date"), null=True, blank=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["company", "-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(kid="") | Q(message=""), name="payment_kid_or_message"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            # A bill is in at most one live payment, so it cannot be paid twice.
            models.UniqueConstraint(
                fields=["bill"],
                condition=Q(bill__isnull=False) & ~Q(status__in=["REJECTED", "CANCELLED"]),
                name="uniq_live_payment_per_bill",
            ),
        ]
        indexes = [
            models.Index(fields=["company", "status"]),
            models.Index(fields=["company", "creditor_account", "amount"]),
        ]

    def __str__(self) -> str:
        return f"{self.creditor_name} {self.amount} ({self.end_to_end_id})"

    @property
    def creditor_account_display(self) -> str:
        return format_account_number(self.creditor_account)


class PaymentSettings(models.Model):
    """A company's rules for approving payments; a company without a row has the defaults."""

    company = models.OneToOneField(
        "companies.Company", on_delete=models.PROTECT, related_name="+", verbose_name=_("company")
    )
    four_eyes = models.BooleanField(
        _("four-eyes rule"),
        default=True,
        help_text=_("Whoever built a batch or entered or changed one of its payments cannot approve it."),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("payment settings")
        verbose_name_plural = _("payment settings")

    def __str__(self) -> str:
        return f"{self.company_id}: four-eyes {'on' if self.four_eyes else 'off'}"


class BankReport(models.Model):
    """A pain.002 or camt.054 the bank sent about a batch, kept as received with its SHA-256:
    support sees what the bank said, and the same report delivered again is applied once."""

    class Kind(models.TextChoices):
        PAIN002 = "PAIN002", _("pain.002 status report")
        CAMT054 = "CAMT054", _("camt.054 debit notification")

    company = models.ForeignKey(
        "companies.Company", on_delete=models.PROTECT, related_name="+", verbose_name=_("company")
    )
    batch = models.ForeignKey(
        PaymentBatch, on_delete=models.PROTECT, related_name="reports", verbose_name=_("payment batch")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    bank_reference = models.CharField(_("the bank's reference"), max_length=64, blank=True)
    content = models.BinaryField(_("content"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    status = models.CharField(_("status"), max_length=4, blank=True)
    summary = models.CharField(_("summary"), max_length=500, blank=True)
    received_at = models.DateTimeField(_("received"), auto_now_add=True)

    class Meta:
        verbose_name = _("bank report")
        verbose_name_plural = _("bank reports")
        ordering = ["batch", "received_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "kind", "sha256"], name="uniq_bank_report_per_batch")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.status} ({self.received_at:%Y-%m-%d %H:%M})"

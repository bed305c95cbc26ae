"""Nets OCR giro files and what they settled.

- ``OcrFile``: one received file, raw bytes kept with their SHA-256 (what the bank sent, as
  sent: support can show it and a second delivery is recognised). Created in
  its final state by ``ocr_file_import``: IMPORTED, PARTLY_UNASSIGNED (an assignment for an
  account the company has not registered for Nets OCR was kept aside), REJECTED (structure or
  control totals wrong: nothing else stored) or DUPLICATE (the same bytes, or the same
  transmission with the same records, already imported: 0 new rows, ``duplicate_of`` points
  at the original). A file that reuses an imported file's data transmitter and transmission
  number with other content is imported, not dropped: ``conflict_with`` points at that file
  and its transactions are deduplicated one by one. Never edited after.
- ``OcrAssignment``: one per record 20, with the bank account it credits (or ``unassigned``)
  and the settlement voucher whose bank line carries ``reference`` (kind OCR_ASSIGNMENT):
  what reconciliation matches the statement's single credit of the assignment total against.
- ``OcrTransaction``: one payment (records 30/31/32). Unique per (account, assignment number,
  transaction number, Nets date, amount, KID, archive reference): what Nets says about a
  payment, so that a payment is never imported twice, even from another file, while another
  payment under a reused number is never taken for it. A credit note (sign '-') is negative.
  SETTLED (KID matched an invoice) / UNMATCHED (waiting for manual allocation; allocated →
  SETTLED) / REVERSED (a later type 18/20 reversed it) / REVERSAL (a reversal that was applied)
  / UNASSIGNED (its assignment was kept aside).
- ``OcrTransmission``: one transmission as Nets delivers it to the data recipient (the vendor,
  kundeenhetsid 00105625), with the assignments of *every* customer's accounts: stored once
  (raw bytes, SHA-256), deduplicated by transmitter, transmission number and content, then
  split by assignment account into one ``OcrFile`` per company (its part, imported in its own
  transaction). ``failed`` names the companies whose part could not be imported.
- ``OcrKeptAside``: an assignment of a transmission for an account no company has registered
  for Nets OCR, with its raw records; imported when a company registers the account.
"""

from __future__ import annotations

import zlib

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from bankint.models import MONEY, ReceivedBankFile, unconstrained_fk


class NetsFileFields(models.Model):
    """What a Nets OCR file is, as received, whether it is one company's file (:class:`OcrFile`)
    or the data recipient's transmission for every customer (:class:`OcrTransmission`)."""

    # The bytes exactly as received, zlib-compressed (an OCR file shrinks ~10x, and writing
    # 16 MB of bytea costs more than the whole settlement); ``data`` gives them back.
    raw = models.BinaryField(_("raw file (zlib)"), editable=False)
    transmitter = models.CharField(_("data transmitter"), max_length=8, blank=True)
    transmission_number = models.CharField(_("transmission number"), max_length=7, blank=True)
    recipient = models.CharField(_("data recipient"), max_length=8, blank=True)
    bank_file_id = models.BigIntegerField(_("bank file id"), null=True, blank=True)
    duplicate_of = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="duplicates",
        verbose_name=_("duplicate of"),
    )
    # The imported file whose transmitter and transmission number this one reuses with other
    # content: a conflict someone must look at (issue 20), not a duplicate.
    conflict_with = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="conflicts",
        verbose_name=_("conflicts with"),
    )

    class Meta:
        abstract = True


class OcrFile(ReceivedBankFile, NetsFileFields):
    class Status(models.TextChoices):
        IMPORTED = "IMPORTED", _("Imported")
        PARTLY_UNASSIGNED = "PARTLY_UNASSIGNED", _("Partly unassigned")
        DUPLICATE = "DUPLICATE", _("Duplicate")
        REJECTED = "REJECTED", _("Rejected")

    class Source(models.TextChoices):
        UPLOAD = "UPLOAD", _("Upload")
        API = "API", _("API")
        COMMAND = "COMMAND", _("Command")
        BANK = "BANK", _("From the bank")

    # Only these count as "the" import of a file; duplicates and rejections may repeat.
    ACCEPTED = (Status.IMPORTED, Status.PARTLY_UNASSIGNED)

    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    filename = models.CharField(_("file name"), max_length=200, blank=True)
    # The vendor-level transmission this file is a company's part of (None: the company's own
    # file, uploaded by hand).
    transmission = models.ForeignKey(
        "OcrTransmission",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="parts",
        verbose_name=_("transmission"),
    )
    transaction_count = models.PositiveIntegerField(_("transactions"), default=0)
    total_amount = models.DecimalField(_("total amount"), default=0, **MONEY)
    settled_count = models.PositiveIntegerField(_("settled"), default=0)
    unmatched_count = models.PositiveIntegerField(_("unmatched"), default=0)
    unassigned_count = models.PositiveIntegerField(_("unassigned"), default=0)
    skipped_count = models.PositiveIntegerField(_("already imported"), default=0)

    class Meta:
        verbose_name = _("OCR file")
        verbose_name_plural = _("OCR files")
        ordering = ["company", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "sha256"],
                condition=Q(status__in=["IMPORTED", "PARTLY_UNASSIGNED"]),
                name="uniq_ocr_file_sha256",
            ),
            models.UniqueConstraint(
                fields=["company", "bank_file_id"],
                condition=Q(bank_file_id__isnull=False) & ~Q(status="DUPLICATE"),
                name="uniq_ocr_file_bank_id",
            ),
        ]
        indexes = [
            models.Index(fields=["company", "status"]),
            # finds an earlier file of the same transmission (a re-send, or a conflict)
            models.Index(
                fields=["company", "transmitter", "transmission_number"], name="ocr_file_transmission"
            ),
        ]

    def __str__(self) -> str:
        return f"OCR #{self.pk} {self.transmission_number or self.filename}"

    @property
    def data(self) -> bytes:
        return zlib.decompress(bytes(self.raw)) if self.raw else b""


class OcrAssignment(models.Model):
    company = models.ForeignKey(
        "companies.Company", on_delete=models.PROTECT, related_name="+", verbose_name=_("company")
    )
    file = models.ForeignKey(
        OcrFile, on_delete=models.PROTECT, related_name="assignments", verbose_name=_("file")
    )
    number = models.CharField(_("assignment number"), max_length=7)
    account = models.CharField(_("assignment account"), max_length=11)
    agreement_id = models.CharField(_("agreement id"), max_length=9, blank=True)
    bank_account = models.ForeignKey(
        "accounts.BankAccount",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("bank account"),
    )
    unassigned = models.BooleanField(_("unassigned"), default=False)
    transaction_count = models.PositiveIntegerField(_("transactions"), default=0)
    total_amount = models.DecimalField(_("total amount"), **MONEY)
    net_amount = models.DecimalField(_("net amount credited"), default=0, **MONEY)
    nets_date = models.DateField(_("Nets date"), null=True, blank=True)
    settled_count = models.PositiveIntegerField(_("settled"), default=0)
    unmatched_count = models.PositiveIntegerField(_("unmatched"), default=0)
    skipped_count = models.PositiveIntegerField(_("already imported"), default=0)
    voucher = models.ForeignKey(
        "ledger.Voucher",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("voucher"),
    )
    # On the voucher's bank line (reference_kind OCR_ASSIGNMENT): the statement's one credit
    # for this assignment is reconciled against it (the bank books an OCR assignment as one
    # credit for its total, not one per payment).
    reference = models.CharField(_("reference"), max_length=35, blank=True)

    class Meta:
        verbose_name = _("OCR assignment")
        verbose_name_plural = _("OCR assignments")
        ordering = ["file", "id"]

    def __str__(self) -> str:
        return f"{self.number} {self.account}"


class OcrTransaction(models.Model):
    class Status(models.TextChoices):
        SETTLED = "SETTLED", _("Settled")
        UNMATCHED = "UNMATCHED", _("Unmatched")
        REVERSED = "REVERSED", _("Reversed")
        REVERSAL = "REVERSAL", _("Reversal")
        UNASSIGNED = "UNASSIGNED", _("Unassigned")

    REVERSAL_TYPES = (18, 20)

    # company, file, assignment and voucher are rows the import itself creates (or copies of
    # the assignment's) in the same transaction, and only services write here: no database
    # constraint, so committing 100,000 payments does not run 500,000 deferred foreign-key
    # checks, and no index the queries do not use.
    company = unconstrained_fk("companies.Company", related_name="+", verbose_name=_("company"))
    # One index (file, assignment, number) serves a file's transactions in page order; the
    # two foreign keys need none of their own.
    file = unconstrained_fk(OcrFile, related_name="transactions", verbose_name=_("file"))
    assignment = unconstrained_fk(OcrAssignment, related_name="transactions", verbose_name=_("assignment"))
    account = models.CharField(_("assignment account"), max_length=11)
    assignment_number = models.CharField(_("assignment number"), max_length=7)
    number = models.PositiveIntegerField(_("transaction number"))
    type = models.PositiveSmallIntegerField(_("transaction type"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    amount = models.DecimalField(_("amount"), **MONEY)
    kid = models.CharField(_("KID"), max_length=25, blank=True)
    nets_date = models.DateField(_("Nets date"))
    bank_date = models.DateField(_("bank date"), null=True, blank=True)
    payer_account = models.CharField(_("payer's account"), max_length=11, blank=True)
    text = models.CharField(_("text"), max_length=40, blank=True)
    archive_reference = models.CharField(_("archive reference"), max_length=9, blank=True)
    form_number = models.CharField(_("form number"), max_length=10, blank=True)
    # The settlement row the import writes next to it (ledger.InvoiceSettlement) carries the
    # constrained link to the same invoice; a second check per payment here only costs time,
    # and so would an index: nothing looks OCR payments up by invoice.
    invoice = unconstrained_fk(
        "ledger.Invoice", null=True, blank=True, related_name="+", verbose_name=_("invoice")
    )
    reverses = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversed_by",
        db_index=False,
        verbose_name=_("reverses"),
    )
    voucher = unconstrained_fk(
        "ledger.Voucher", null=True, blank=True, related_name="+", verbose_name=_("voucher")
    )
    # Why it is unmatched (or what it reversed): what the person allocating it needs to know.
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("OCR transaction")
        verbose_name_plural = _("OCR transactions")
        ordering = ["assignment", "number"]
        constraints = [
            # A payment is imported once, even when Nets resends it in another file; the
            # number alone does not say it is the same payment (a reused transmission does).
            models.UniqueConstraint(
                fields=[
                    "company",
                    "account",
                    "assignment_number",
                    "number",
                    "nets_date",
                    "amount",
                    "kid",
                    "archive_reference",
                ],
                name="uniq_ocr_transaction",
            )
        ]
        indexes = [
            # Settled is what nearly every payment is and what no list asks for by status; the
            # rest (the unmatched queue above all) is what the status filter is for.
            models.Index(
                fields=["company", "status"], condition=~Q(status="SETTLED"), name="ocr_tx_unsettled"
            ),
            models.Index(fields=["company", "kid"]),
            models.Index(fields=["file", "assignment", "number"], name="ocr_tx_file_order"),
        ]

    def __str__(self) -> str:
        return f"{self.assignment_number}/{self.number} {self.amount}"

    @property
    def is_reversal(self) -> bool:
        return self.type in self.REVERSAL_TYPES


class OcrTransmission(NetsFileFields):
    """One Nets transmission to the data recipient, for every customer's accounts (not a
    company's: only support staff see it, in the admin; each company sees its part)."""

    class Status(models.TextChoices):
        # stored, the companies' parts being imported (a worker that died here leaves it so:
        # the next delivery of the file, or of its feed event, imports the parts not yet in)
        RECEIVED = "RECEIVED", _("Received")
        IMPORTED = "IMPORTED", _("Imported")
        PARTLY_FAILED = "PARTLY_FAILED", _("Imported, some companies failed")
        DUPLICATE = "DUPLICATE", _("Duplicate")
        REJECTED = "REJECTED", _("Rejected")

    ACCEPTED = (Status.RECEIVED, Status.IMPORTED, Status.PARTLY_FAILED)

    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    source = models.CharField(_("source"), max_length=10, choices=OcrFile.Source.choices)
    filename = models.CharField(_("file name"), max_length=200, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveBigIntegerField(_("size in bytes"), default=0)
    assignment_count = models.PositiveIntegerField(_("assignments"), default=0)
    company_count = models.PositiveIntegerField(_("companies"), default=0)
    kept_aside_count = models.PositiveIntegerField(_("assignments kept aside"), default=0)
    transaction_count = models.PositiveIntegerField(_("transactions"), default=0)
    total_amount = models.DecimalField(_("total amount"), default=0, **MONEY)
    # company id → why its part could not be imported (retried on the next delivery of the file)
    failed = models.JSONField(_("failed companies"), default=dict, blank=True)
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
        verbose_name = _("OCR transmission")
        verbose_name_plural = _("OCR transmissions")
        ordering = ["-id"]
        permissions = [("upload_ocrtransmission", _("Can upload a Nets OCR transmission"))]
        constraints = [
            models.UniqueConstraint(
                fields=["sha256"],
                condition=Q(status__in=["RECEIVED", "IMPORTED", "PARTLY_FAILED"]),
                name="uniq_ocr_transmission_sha256",
            ),
            models.UniqueConstraint(
                fields=["bank_file_id"],
                condition=Q(bank_file_id__isnull=False) & ~Q(status="DUPLICATE"),
                name="uniq_ocr_transmission_bank_id",
            ),
        ]
        indexes = [
            models.Index(fields=["transmitter", "transmission_number"], name="ocr_transmission_number"),
        ]

    def __str__(self) -> str:
        return f"OCR transmission #{self.pk} {self.transmission_number or self.filename}"

    @property
    def data(self) -> bytes:
        return zlib.decompress(bytes(self.raw)) if self.raw else b""


class OcrKeptAside(models.Model):
    """An assignment for an account no company had registered for Nets OCR when it came."""

    transmission = models.ForeignKey(
        OcrTransmission, on_delete=models.PROTECT, related_name="kept_aside", verbose_name=_("transmission")
    )
    account = models.CharField(_("assignment account"), max_length=11)
    number = models.CharField(_("assignment number"), max_length=7)
    agreement_id = models.CharField(_("agreement id"), max_length=9, blank=True)
    transaction_count = models.PositiveIntegerField(_("transactions"), default=0)
    total_amount = models.DecimalField(_("total amount"), **MONEY)
    nets_date = models.DateField(_("Nets date"), null=True, blank=True)
    # The assignment's records 20 … 88 exactly as in the transmission (ISO-8859-1 text).
    records = models.TextField(_("raw records"))
    # Set when a company registered the account and the assignment was imported for it.
    imported_file = models.ForeignKey(
        OcrFile,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("imported as"),
    )
    imported_at = models.DateTimeField(_("imported at"), null=True, blank=True)
    created_at = models.DateTimeField(_("kept aside at"), auto_now_add=True)

    class Meta:
        verbose_name = _("OCR assignment kept aside")
        verbose_name_plural = _("OCR assignments kept aside")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["transmission", "number"], name="uniq_ocr_kept_aside"),
        ]
        indexes = [
            models.Index(
                fields=["account"], condition=Q(imported_at__isnull=True), name="ocr_kept_aside_waiting"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.account}"

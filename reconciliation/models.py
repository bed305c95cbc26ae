"""Bank reconciliation (bankavstemming): what the bank booked against what the ledger says.

- ``StatementFile``: one camt.053 file as received (raw bytes + SHA-256, unique per company),
  from an upload, the API, the command line or the bank feed. RECEIVED → IMPORTED, or
  REJECTED with a reason (a rejected file may be retried: RECEIVED again). Never deleted.
- ``Statement``: one ``Stmt`` of a file (an account and usually a day): balances, and whether
  opening + entries = closing (``balance_ok``; a mismatch is imported but flagged).
- ``StatementEntry``: one booking on a bank account, stored once per account whatever the
  number of files that show it (``dedup_key``: AcctSvcrRef, else a stable hash).
  UNMATCHED → MATCHED (automatically, with the rule, or by a person) → UNMATCHED (unmatch).
  An entry the matcher leaves UNMATCHED carries its reason (``unmatched_reason``).
- ``Match``: ties entries to ledger lines (1:1, 1:N for OCR totals and batch bookings, N:1
  by hand). An entry names its match (``StatementEntry.match``, one column: one match at
  most), and ``MatchLine`` is one-to-one with its voucher line, so the database itself
  refuses to match either twice, even when two people or workers try at once
  (``tests/reconciliation/test_races.py``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from bankint.models import MONEY, ReceivedBankFile, unconstrained_fk


class StatementFile(ReceivedBankFile):
    class Status(models.TextChoices):
        RECEIVED = "RECEIVED", _("Received")
        IMPORTED = "IMPORTED", _("Imported")
        REJECTED = "REJECTED", _("Rejected")

    class Source(models.TextChoices):
        UPLOAD = "UPLOAD", _("Upload")
        API = "API", _("API")
        COMMAND = "COMMAND", _("Command line")
        BANK = "BANK", _("Bank feed")

    TRANSITIONS: dict[str, frozenset[str]] = {
        Status.RECEIVED: frozenset({Status.IMPORTED, Status.REJECTED}),
        Status.REJECTED: frozenset({Status.RECEIVED}),  # retried, e.g. after registering the account
        Status.IMPORTED: frozenset(),
    }

    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    filename = models.CharField(_("file name"), max_length=255, blank=True)
    data = models.BinaryField(_("raw file"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.RECEIVED)
    bank_statement_id = models.CharField(_("bank's statement id"), max_length=40, blank=True)
    statements_count = models.PositiveIntegerField(_("statements"), default=0)
    entries_count = models.PositiveIntegerField(_("entries in the file"), default=0)
    entries_new = models.PositiveIntegerField(_("new entries"), default=0)
    entries_existing = models.PositiveIntegerField(_("entries already imported"), default=0)
    matched_count = models.PositiveIntegerField(_("entries matched automatically"), default=0)
    imported_at = models.DateTimeField(_("imported at"), null=True, blank=True)
    rejected_at = models.DateTimeField(_("rejected at"), null=True, blank=True)

    class Meta:
        verbose_name = _("statement file")
        verbose_name_plural = _("statement files")
        ordering = ["company", "-created_at", "-id"]
        constraints = [
            # The same bytes twice are one file (imported once, the second says so); also what
            # serialises two workers importing the same file at once.
            models.UniqueConstraint(fields=["company", "sha256"], name="uniq_statement_file_sha256"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.filename or self.sha256[:12]}"


class Statement(models.Model):
    company = models.ForeignKey(
        "companies.Company", on_delete=models.PROTECT, related_name="+", verbose_name=_("company")
    )
    file = models.ForeignKey(
        StatementFile, on_delete=models.PROTECT, related_name="statements", verbose_name=_("file")
    )
    bank_account = models.ForeignKey(
        "accounts.BankAccount", on_delete=models.PROTECT, related_name="+", verbose_name=_("bank account")
    )
    statement_id = models.CharField(_("statement id"), max_length=35)
    electronic_seq_nb = models.PositiveBigIntegerField(_("sequence number"), null=True, blank=True)
    message_id = models.CharField(_("message id"), max_length=35, blank=True)
    from_date = models.DateField(_("from"), null=True, blank=True)
    to_date = models.DateField(_("to"), null=True, blank=True)
    closing_date = models.DateField(_("closing balance date"))
    currency = models.CharField(_("currency"), max_length=3, default="NOK")
    opening_balance = models.DecimalField(_("opening balance"), **MONEY)
    closing_balance = models.DecimalField(_("closing balance"), **MONEY)
    balance_types = models.CharField(_("balance types"), max_length=9, default="OPBD/CLBD")
    entries_count = models.PositiveIntegerField(_("entries"), default=0)
    balance_ok = models.BooleanField(_("balances add up"), default=True)
    balance_difference = models.DecimalField(_("difference"), default=0, **MONEY)

    class Meta:
        verbose_name = _("statement")
        verbose_name_plural = _("statements")
        ordering = ["bank_account", "-closing_date", "-id"]
        indexes = [models.Index(fields=["company", "bank_account", "closing_date"])]

    def __str__(self) -> str:
        return f"{self.statement_id} ({self.closing_date})"


class _AccountCopies(models.Model):
    """``company`` and ``bank_account``, copied by the services from the statement or bank
    account the row belongs to: no per-row foreign-key constraint and no index of their own
    (each model says what checks them instead and which index serves them)."""

    company = unconstrained_fk("companies.Company", related_name="+", verbose_name=_("company"))
    bank_account = unconstrained_fk("accounts.BankAccount", related_name="+", verbose_name=_("bank account"))

    class Meta:
        abstract = True


class StatementEntry(_AccountCopies):
    class Status(models.TextChoices):
        UNMATCHED = "UNMATCHED", _("Unmatched")
        MATCHED = "MATCHED", _("Matched")

    TRANSITIONS: dict[str, frozenset[str]] = {
        Status.UNMATCHED: frozenset({Status.MATCHED}),
        Status.MATCHED: frozenset({Status.UNMATCHED}),
    }

    # ``statement`` is the entry's owner. ``company``, ``bank_account`` and ``file`` are copies
    # of that statement's own values, set only by the importer from the statement it has just
    # created, and kept for the queries that filter on them. None of the four has a per-row
    # foreign-key constraint (a deferred check per column per row cost seconds at commit on a
    # 100,000-entry file): a statement trigger checks each INSERT or UPDATE at once, that the
    # statement exists and has the entry's company, account and file (migration 0004,
    # tests/reconciliation/test_link_checks.py); a row trigger keeps a statement with entries
    # from being deleted.
    statement = unconstrained_fk(
        Statement, related_name="entries", db_index=True, verbose_name=_("statement")
    )
    file = unconstrained_fk(StatementFile, related_name="entries", verbose_name=_("file"))
    dedup_key = models.CharField(_("deduplication key"), max_length=120)
    booking_date = models.DateField(_("booking date"))
    value_date = models.DateField(_("value date"), null=True, blank=True)
    # Signed as the bank sees the account: + money in (CRDT), − money out (DBIT).
    amount = models.DecimalField(_("amount"), **MONEY)
    currency = models.CharField(_("currency"), max_length=3, default="NOK")
    reversal = models.BooleanField(_("reversal"), default=False)
    booking_status = models.CharField(_("bank status"), max_length=4, default="BOOK")
    acct_svcr_ref = models.CharField(_("bank reference"), max_length=35, blank=True)
    bank_tx_code = models.CharField(_("transaction code"), max_length=40, blank=True)
    end_to_end_ids = models.JSONField(_("EndToEndIds"), default=list, blank=True)
    # The transactions' UETRs (camt.053.001.08): a payment abroad is found by its UETR too.
    uetrs = models.JSONField(_("UETRs"), default=list, blank=True)
    kids = models.JSONField(_("KIDs"), default=list, blank=True)
    references = models.JSONField(_("other references"), default=list, blank=True)
    text = models.CharField(_("text"), max_length=500, blank=True)
    counterparty_name = models.CharField(_("counterparty"), max_length=140, blank=True)
    counterparty_account = models.CharField(_("counterparty account"), max_length=34, blank=True)
    is_charge = models.BooleanField(_("bank charge"), default=False)
    # Σ transactions − entry (positive = a fee the bank took inside a batch booking).
    charges = models.DecimalField(_("charges"), default=0, **MONEY)
    # The transactions' amounts in another currency than the account's, as the bank gave them
    # (a card purchase in USD on a NOK account): [{"amount": "140.00", "currency": "USD",
    # "rate": "8.9275", "source": "USD", "target": "NOK"}], rate and currencies when given.
    # Information only: ``amount`` (in the account's currency) is what is booked and matched.
    foreign_amounts = models.JSONField(_("amounts in other currencies"), default=list, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.UNMATCHED)
    matched_rule = models.CharField(_("matched by"), max_length=20, blank=True)
    # The entry's match, set with the status: written in the entry's own row, so an import's
    # 100,000 matched entries need no link rows of their own. Checked per statement against
    # the match's bank account (migration 0008), like the other copies.
    match = unconstrained_fk(
        "Match", null=True, blank=True, related_name="entries", db_index=True, verbose_name=_("match")
    )
    # Why the automatic matcher left it for a person, worded for people; cleared when matched.
    # db_default: the import's INSERT … SELECT from its staging table does not name the column.
    unmatched_reason = models.CharField(
        _("why unmatched"), max_length=200, blank=True, default="", db_default=""
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("statement entry")
        verbose_name_plural = _("statement entries")
        ordering = ["bank_account", "booking_date", "id"]
        constraints = [
            # Per entry, not per file or statement id: banks reuse ids and exports overlap.
            models.UniqueConstraint(fields=["bank_account", "dedup_key"], name="uniq_statement_entry_key"),
        ]
        indexes = [
            models.Index(fields=["company", "status", "booking_date"]),
            # An account's unmatched entries (the matcher's left-overs, the matching screen, the
            # overview's counts): matched entries, nearly all of them, are not in it, so the
            # 100,000 an import matches at once cost no entry here.
            models.Index(
                fields=["bank_account", "booking_date"],
                condition=models.Q(status="UNMATCHED"),
                name="recon_entry_unmatched",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.booking_date} {self.amount}"


class Match(_AccountCopies):
    class Rule(models.TextChoices):
        E2E = "E2E", _("EndToEndId")
        OCR_ASSIGNMENT = "OCR_ASSIGNMENT", _("OCR assignment total")
        REFERENCE = "REFERENCE", _("KID or invoice reference")
        AMOUNT_DATE = "AMOUNT_DATE", _("Amount and date")
        FEE = "FEE", _("Bank fee")
        MANUAL = "MANUAL", _("Manual")
        POSTED = "POSTED", _("Posted and matched")
        # A payment voucher posted for open invoices or bills, which it settles; undoing
        # the match reverses that voucher (reconciliation.services.settling).
        INVOICES = "INVOICES", _("Invoices or bills settled")

    # Copies, set only by the matching services from the bank account whose row they hold
    # locked: the account of the matched entries' statement, and its company. No per-row
    # constraint, for the same reason as StatementEntry's (a deferred check per match at
    # commit, 100,000 per file); what names a match is checked per statement against them: an
    # entry must be of this bank account (0008), a ledger-line link of this company (0004).
    rule = models.CharField(_("rule"), max_length=20, choices=Rule.choices)
    amount = models.DecimalField(_("amount"), **MONEY)
    voucher = unconstrained_fk(
        "ledger.Voucher", null=True, blank=True, related_name="+", verbose_name=_("voucher")
    )
    created_at = models.DateTimeField(_("matched at"), auto_now_add=True)
    created_by = unconstrained_fk(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        verbose_name = _("match")
        verbose_name_plural = _("matches")
        ordering = ["-id"]
        # One index: an account's matches. Vouchers are never deleted and users seldom, so
        # neither key needs one of its own (each index costs every automatic match a write).
        indexes = [models.Index(fields=["company", "bank_account"])]

    def __str__(self) -> str:
        return f"#{self.pk} {self.rule} {self.amount}"


# A ledger line's link is keyed by the line (in one match at most): no id of its own, no
# sequence and one index fewer for each of 100,000 links of a file.
class MatchLine(models.Model):
    match = unconstrained_fk(
        Match, models.CASCADE, related_name="line_links", db_index=True, verbose_name=_("match")
    )
    voucher_line = models.OneToOneField(
        "ledger.VoucherLine",
        on_delete=models.PROTECT,
        primary_key=True,
        related_name="+",
        db_constraint=False,
        verbose_name=_("voucher line"),
    )

    class Meta:
        verbose_name = _("matched ledger line")
        verbose_name_plural = _("matched ledger lines")

    def __str__(self) -> str:
        return f"{self.match_id} ↔ line {self.voucher_line_id}"

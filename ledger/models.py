"""The ERP side the bank flows stand on: a minimal ledger.

- ``LedgerAccount``: the company's chart of accounts (4-digit NS 4102 numbers).
- ``NumberSeries``: per-company counters for continuous numbers (vouchers, invoices,
  customers, suppliers); allocated with an atomic increment, so no number is handed out twice.
- ``InvoiceSettings``: KID on/off and its layout (see ``ledger.kid``).
- ``Customer`` → ``Invoice``: issued with a number, a KID and a voucher (debit 1500, credit
  3000). OPEN → PARTLY_PAID → PAID or OVERPAID, driven by ``InvoiceSettlement`` rows
  (a reversed payment can move it back).
- ``Supplier`` → ``Bill``: booked with a voucher (debit 4000, credit 2400).
  OPEN → SCHEDULED (in a payment) → PAID (booked by the bank); SCHEDULED → OPEN when the
  payment is withdrawn or rejected.
- ``Voucher`` with ``VoucherLine``: lines sum to zero (service and, on PostgreSQL, a deferred
  constraint trigger); never edited or deleted once posted — a correction is a reversing
  voucher. Lines on a bank's ledger account carry the reference reconciliation matches on.
- ``OpenBankLine``: the lines on bank ledger accounts (1900–1999) that no match has
  reconciled yet, filled by the database on every insert of lines; a match deletes them, an
  unmatch puts them back. A line itself never changes.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from bankint.account_numbers import format_account_number
from bankint.models import MONEY, unconstrained_fk

from .kid import Algorithm, Layout


class LedgerAccount(models.Model):
    company = models.ForeignKey(
        "companies.Company", on_delete=models.PROTECT, related_name="+", verbose_name=_("company")
    )
    number = models.CharField(_("number"), max_length=4)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("ledger account")
        verbose_name_plural = _("ledger accounts")
        ordering = ["company", "number"]
        constraints = [models.UniqueConstraint(fields=["company", "number"], name="uniq_ledger_account")]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"


class NumberSeries(models.Model):
    class Kind(models.TextChoices):
        VOUCHER = "VOUCHER", _("Voucher")
        INVOICE = "INVOICE", _("Invoice")
        CUSTOMER = "CUSTOMER", _("Customer")
        SUPPLIER = "SUPPLIER", _("Supplier")

    company = models.ForeignKey(
        "companies.Company", on_delete=models.PROTECT, related_name="+", verbose_name=_("company")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    next_value = models.PositiveBigIntegerField(_("next number"), default=1)

    class Meta:
        verbose_name = _("number series")
        verbose_name_plural = pgettext_lazy("plural", "number series")
        constraints = [models.UniqueConstraint(fields=["company", "kind"], name="uniq_number_series")]

    def __str__(self) -> str:
        return f"{self.kind} → {self.next_value}"


class InvoiceSettings(models.Model):
    company = models.OneToOneField(
        "companies.Company", on_delete=models.PROTECT, related_name="+", verbose_name=_("company")
    )
    kid_enabled = models.BooleanField(_("invoice with KID"), default=False)
    kid_length = models.PositiveSmallIntegerField(_("KID length"), default=9)
    kid_algorithm = models.CharField(
        _("check digit"),
        max_length=5,
        choices=[(a.value, a.value) for a in Algorithm],
        default=Algorithm.MOD10.value,
    )
    # 0: the KID is the invoice number alone; otherwise this many digits of customer number first.
    kid_customer_digits = models.PositiveSmallIntegerField(_("digits for the customer number"), default=3)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("invoice settings")
        verbose_name_plural = _("invoice settings")

    def __str__(self) -> str:
        return f"{self.company_id}: KID {'on' if self.kid_enabled else 'off'}"

    @property
    def layout(self) -> Layout:
        return Layout(self.kid_length, Algorithm(self.kid_algorithm), self.kid_customer_digits)


class _Party(models.Model):
    """A customer or a supplier: numbered per company from its ``NumberSeries``, listed and
    shown by number. Each declares its own fields: the number's label differs, and the admin
    shows them in the order declared."""

    company = models.ForeignKey(
        "companies.Company", on_delete=models.PROTECT, related_name="+", verbose_name=_("company")
    )

    class Meta:
        abstract = True
        ordering = ["company", "number"]
        constraints = [models.UniqueConstraint(fields=["company", "number"], name="uniq_%(class)s_number")]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"


class Customer(_Party):
    number = models.PositiveIntegerField(_("customer number"))
    name = models.CharField(_("name"), max_length=200)
    org_number = models.CharField(_("organisation number"), max_length=9, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta(_Party.Meta):
        verbose_name = _("customer")
        verbose_name_plural = _("customers")


class Supplier(_Party):
    """A supplier: a Norwegian one is paid to its account number (BBAN, with a KID or a
    message); one abroad to its IBAN at its bank (BIC), with a structured address (town and
    country at least: the SEPA and SWIFT rule from 15 November 2026)."""

    number = models.PositiveIntegerField(_("supplier number"))
    name = models.CharField(_("name"), max_length=200)
    account_number = models.CharField(_("account number"), max_length=11, blank=True)
    org_number = models.CharField(_("organisation number"), max_length=9, blank=True)
    country = models.CharField(_("country"), max_length=2, default="NO")
    currency = models.CharField(_("currency"), max_length=3, default="NOK")
    iban = models.CharField(_("IBAN"), max_length=34, blank=True)
    bic = models.CharField(_("BIC"), max_length=11, blank=True)
    bank_country = models.CharField(_("the bank's country"), max_length=2, blank=True)
    street = models.CharField(_("street"), max_length=70, blank=True)
    building_number = models.CharField(_("building number"), max_length=16, blank=True)
    postcode = models.CharField(_("postcode"), max_length=16, blank=True)
    town = models.CharField(_("town"), max_length=35, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta(_Party.Meta):
        verbose_name = _("supplier")
        verbose_name_plural = _("suppliers")
        constraints = [
            *_Party.Meta.constraints,
            # Paid somewhere: a Norwegian account number or an IBAN.
            models.CheckConstraint(
                condition=~Q(account_number="") | ~Q(iban=""), name="supplier_has_account"
            ),
        ]

    @property
    def is_abroad(self) -> bool:
        return bool(self.iban)

    @property
    def account_number_display(self) -> str:
        return format_account_number(self.account_number)


class Voucher(models.Model):
    class Kind(models.TextChoices):
        MANUAL = "MANUAL", _("Manual")
        INVOICE = "INVOICE", _("Outgoing invoice")
        BILL = "BILL", _("Incoming invoice")
        PAYMENT_IN = "PAYMENT_IN", _("Incoming payment")
        PAYMENT_OUT = "PAYMENT_OUT", _("Outgoing payment")
        BANK = "BANK", _("Bank entry")
        REVERSAL = "REVERSAL", _("Reversal")

    company = models.ForeignKey(
        "companies.Company", on_delete=models.PROTECT, related_name="+", verbose_name=_("company")
    )
    number = models.PositiveBigIntegerField(_("voucher number"))
    date = models.DateField(_("date"))
    text = models.CharField(_("text"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.MANUAL)
    reverses = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversed_by",
        verbose_name=_("reverses"),
    )
    posted_at = models.DateTimeField(_("posted at"))
    # No FK constraint: a posted voucher is immutable, so it cannot follow a user's deletion.
    posted_by = unconstrained_fk(
        settings.AUTH_USER_MODEL,
        models.DO_NOTHING,
        null=True,
        blank=True,
        related_name="+",
        db_index=True,
        verbose_name=_("posted by"),
    )

    class Meta:
        verbose_name = _("voucher")
        verbose_name_plural = _("vouchers")
        ordering = ["company", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["company", "number"], name="uniq_voucher_number"),
            # A voucher is reversed at most once: a second reversal would double the correction.
            models.UniqueConstraint(
                fields=["reverses"], condition=Q(reverses__isnull=False), name="uniq_voucher_reversal"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.number} {self.date:%Y-%m-%d} {self.text}"


class ReferenceKind(models.TextChoices):
    """What a voucher line's reference is; reconciliation matches bank entries on it."""

    NONE = "NONE", _("None")
    KID = "KID", _("KID")
    E2E = "E2E", _("EndToEndId")
    OCR_ASSIGNMENT = "OCR_ASSIGNMENT", _("OCR assignment number")
    INVOICE = "INVOICE", _("Invoice")


class VoucherLine(models.Model):
    # Indexes are few on purpose: every posting writes into each of them. ``company`` needs
    # none of its own (the composite index leads with it); ``invoice``/``bill`` are indexed
    # only where set (bank lines never are); nothing looks lines up by reference in the
    # database (the matcher reads the open lines it needs from ``OpenBankLine``). A line is
    # never updated: whether it is reconciled is whether it is still in ``OpenBankLine``.
    # The references are checked once per INSERT statement by the database (ledger 0009), not
    # by foreign keys: five deferred checks per line at commit cost more than the posting.
    voucher = unconstrained_fk(Voucher, related_name="lines", db_index=True, verbose_name=_("voucher"))
    company = unconstrained_fk("companies.Company", related_name="+", verbose_name=_("company"))
    ledger_account = models.CharField(_("ledger account"), max_length=4)
    # Debit positive, credit negative: a voucher balances when its lines sum to zero.
    amount = models.DecimalField(_("amount"), **MONEY)
    text = models.CharField(_("text"), max_length=200, blank=True)
    # No index: only deleting an unused bank account looks lines up by it.
    bank_account = unconstrained_fk(
        "accounts.BankAccount", null=True, blank=True, related_name="+", verbose_name=_("bank account")
    )
    reference_kind = models.CharField(
        _("reference kind"), max_length=20, choices=ReferenceKind.choices, default=ReferenceKind.NONE
    )
    reference = models.CharField(_("reference"), max_length=35, blank=True)
    invoice = unconstrained_fk(
        "Invoice", null=True, blank=True, related_name="voucher_lines", verbose_name=_("invoice")
    )
    bill = unconstrained_fk(
        "Bill", null=True, blank=True, related_name="voucher_lines", verbose_name=_("bill")
    )

    class Meta:
        verbose_name = _("voucher line")
        verbose_name_plural = _("voucher lines")
        ordering = ["voucher", "id"]
        indexes = [
            # Lines per ledger account: balances and the ledger-balance chart.
            models.Index(fields=["company", "ledger_account"], name="ledger_line_account"),
            models.Index(
                fields=["invoice"], condition=models.Q(invoice__isnull=False), name="ledger_line_invoice_set"
            ),
            models.Index(
                fields=["bill"], condition=models.Q(bill__isnull=False), name="ledger_line_bill_set"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ledger_account} {self.amount}"

    @property
    def reconciled(self) -> bool:
        """A bank line (1900–1999) that a match has taken out of ``OpenBankLine``.

        One query per line unless the lines were read with ``select_related("open_entry")``.
        """
        if not self.ledger_account.startswith(BANK_LEDGER_PREFIX):
            return False
        try:
            self.open_entry  # noqa: B018 (the reverse one-to-one: raises if the line is not open)
        except OpenBankLine.DoesNotExist:
            return True
        return False


# Bank accounts post to ledger accounts 1900–1999 (accounts.services checks it, NS 4102).
BANK_LEDGER_PREFIX = "19"


class OpenBankLine(models.Model):
    """A line on a bank ledger account (1900–1999) that no match has reconciled yet.

    The open-lines queue of reconciliation, instead of a flag on the line: matching 100,000
    lines deletes 100,000 narrow rows by key (0.1 s), where flipping a flag on the lines
    rewrote each line and its index entries (0.9 s; a flag in an index is never a HOT
    update). Unmatching puts the lines back. The database fills it (a trigger on every
    insert of voucher lines, ledger migration 0007), so no posting path can leave a bank
    line out. It carries what the matcher reads, so loading the open lines touches neither
    the lines nor their vouchers; lines are never edited, so the copies cannot go stale.
    """

    line = models.OneToOneField(
        VoucherLine,
        on_delete=models.DO_NOTHING,  # lines are never deleted (ledger migration 0002)
        primary_key=True,
        related_name="open_entry",
        db_constraint=False,
        verbose_name=_("voucher line"),  # the trigger copies it from the line just inserted
    )
    company = unconstrained_fk(
        "companies.Company", models.DO_NOTHING, related_name="+", verbose_name=_("company")
    )
    ledger_account = models.CharField(_("ledger account"), max_length=4)
    bank_account = unconstrained_fk(
        "accounts.BankAccount",
        models.DO_NOTHING,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("bank account"),
    )
    date = models.DateField(_("date"))
    amount = models.DecimalField(_("amount"), **MONEY)
    reference_kind = models.CharField(_("reference kind"), max_length=20, choices=ReferenceKind.choices)
    reference = models.CharField(_("reference"), max_length=35, blank=True)

    class Meta:
        verbose_name = _("open bank line")
        verbose_name_plural = _("open bank lines")
        indexes = [models.Index(fields=["company", "ledger_account"], name="ledger_open_bank_line_account")]

    def __str__(self) -> str:
        return f"{self.ledger_account} {self.amount} (open)"


class Invoice(models.Model):
    class Status(models.TextChoices):
        OPEN = "OPEN", _("Open")
        PARTLY_PAID = "PARTLY_PAID", _("Partly paid")
        PAID = "PAID", _("Paid")
        OVERPAID = "OVERPAID", _("Overpaid")

    # No index of its own on company (uniq_invoice_number leads with it) nor on voucher (no
    # query looks invoices up by voucher, and vouchers are never deleted).
    company = models.ForeignKey(
        "companies.Company",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        verbose_name=_("company"),
    )
    number = models.PositiveBigIntegerField(_("invoice number"))
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="invoices", verbose_name=_("customer")
    )
    issue_date = models.DateField(_("issue date"))
    due_date = models.DateField(_("due date"))
    amount = models.DecimalField(_("amount"), **MONEY)
    currency = models.CharField(_("currency"), max_length=3, default="NOK")
    text = models.CharField(_("text"), max_length=200, blank=True)
    kid = models.CharField(_("KID"), max_length=25, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.OPEN)
    paid_amount = models.DecimalField(_("paid amount"), default=Decimal("0.00"), **MONEY)
    voucher = models.ForeignKey(
        Voucher,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        verbose_name=_("voucher"),
    )
    issued_at = models.DateTimeField(_("issued at"))
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        ordering = ["company", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["company", "number"], name="uniq_invoice_number"),
            # One KID, one invoice: an OCR payment must find exactly one invoice to settle.
            models.UniqueConstraint(fields=["company", "kid"], condition=~Q(kid=""), name="uniq_invoice_kid"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="invoice_amount_positive"),
        ]
        # Deliberately no index on status: settling a payment changes status, paid_amount and
        # paid_at only, none of them indexed, so on PostgreSQL the update stays on its page
        # (HOT, with the table's fillfactor leaving room, ledger migration 0004) instead of
        # adding an entry to every index of the invoice. An OCR file settles 100,000 invoices
        # at once. The list filtered by status walks the company's invoices by number.

    def __str__(self) -> str:
        return f"{_('Invoice')} {self.number}"

    @property
    def open_amount(self) -> Decimal:
        return self.amount - self.paid_amount


class InvoiceSettlement(models.Model):
    """A payment (or a reversal, negative) that settled part of an invoice."""

    class Source(models.TextChoices):
        OCR = "OCR", _("Nets OCR")
        BANK_STATEMENT = "BANK_STATEMENT", _("Bank statement")
        MANUAL = "MANUAL", _("Manual")

    # The references are checked once per INSERT or UPDATE statement instead of by per-row
    # foreign keys (ledger migration 0004): every row's invoice and voucher must exist and be
    # the row's company's (which proves the company exists, and is more than the three
    # foreign keys said), and an invoice with settlements cannot be deleted. Vouchers are
    # never deleted or edited anyway (0002). An OCR file's 100,000 settlement rows then cost
    # one join at insert instead of 300,000 deferred checks at commit.
    company = unconstrained_fk("companies.Company", related_name="+", verbose_name=_("company"))
    invoice = unconstrained_fk(Invoice, related_name="settlements", db_index=True, verbose_name=_("invoice"))
    voucher = unconstrained_fk(Voucher, related_name="+", db_index=True, verbose_name=_("voucher"))
    amount = models.DecimalField(_("amount"), **MONEY)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    reference = models.CharField(_("reference"), max_length=35, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("invoice settlement")
        verbose_name_plural = _("invoice settlements")
        ordering = ["invoice", "id"]

    def __str__(self) -> str:
        return f"{self.invoice_id}: {self.amount}"


class Bill(models.Model):
    class Status(models.TextChoices):
        OPEN = "OPEN", _("Open")
        SCHEDULED = "SCHEDULED", _("Scheduled for payment")
        PAID = "PAID", _("Paid")

    TRANSITIONS: dict[str, frozenset[str]] = {
        Status.OPEN: frozenset({Status.SCHEDULED}),
        # Withdrawn from a batch or rejected by the bank → open again; booked → paid.
        Status.SCHEDULED: frozenset({Status.OPEN, Status.PAID}),
        Status.PAID: frozenset(),
    }

    company = models.ForeignKey(
        "companies.Company", on_delete=models.PROTECT, related_name="+", verbose_name=_("company")
    )
    supplier = models.ForeignKey(
        Supplier, on_delete=models.PROTECT, related_name="bills", verbose_name=_("supplier")
    )
    supplier_invoice_number = models.CharField(_("supplier's invoice number"), max_length=50, blank=True)
    amount = models.DecimalField(_("amount"), **MONEY)
    currency = models.CharField(_("currency"), max_length=3, default="NOK")
    # A bill in another currency is booked in NOK at a rate (the bank's on its issue date):
    # what the payment's NOK amount is compared with (the difference is agio or disagio).
    nok_amount = models.DecimalField(_("amount in NOK"), null=True, blank=True, **MONEY)
    exchange_rate = models.DecimalField(
        _("exchange rate"), max_digits=18, decimal_places=10, null=True, blank=True
    )
    issue_date = models.DateField(_("issue date"))
    due_date = models.DateField(_("due date"))
    kid = models.CharField(_("KID"), max_length=25, blank=True)
    message = models.CharField(_("message"), max_length=140, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.OPEN)
    voucher = models.ForeignKey(
        Voucher, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("voucher")
    )
    payment_voucher = models.ForeignKey(
        Voucher,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("payment voucher"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    scheduled_at = models.DateTimeField(_("scheduled"), null=True, blank=True)
    paid_at = models.DateTimeField(_("paid"), null=True, blank=True)

    class Meta:
        verbose_name = _("bill")
        verbose_name_plural = _("bills")
        ordering = ["company", "due_date", "id"]
        constraints = [
            # A payment carries a KID (structured) or a message (unstructured), never both (pain.001).
            models.CheckConstraint(condition=Q(kid="") | Q(message=""), name="bill_kid_or_message"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="bill_amount_positive"),
        ]
        indexes = [models.Index(fields=["company", "status"])]

    def __str__(self) -> str:
        return f"{self.supplier.name} {self.supplier_invoice_number or self.pk}"


class ExchangeRate(models.Model):
    """The bank's published rate for a currency on a day: NOK for one unit. Not a company's
    data: every company pays at its bank's rate. Used to tell a payment's value in NOK before
    the bank executes it (the Currency Register threshold) and to book bills in currency."""

    currency = models.CharField(_("currency"), max_length=3)
    rate_date = models.DateField(_("date"))
    rate = models.DecimalField(_("NOK per unit"), max_digits=18, decimal_places=10)
    fetched_at = models.DateTimeField(_("fetched"), auto_now_add=True)

    class Meta:
        verbose_name = _("exchange rate")
        verbose_name_plural = _("exchange rates")
        ordering = ["currency", "-rate_date"]
        constraints = [
            models.UniqueConstraint(fields=["currency", "rate_date"], name="uniq_exchange_rate_day"),
            models.CheckConstraint(condition=Q(rate__gt=0), name="exchange_rate_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.currency} {self.rate_date}: {self.rate}"

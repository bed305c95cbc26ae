"""Bank accounts and who may approve payments from them.

- ``BankAccount``: one of the company's accounts (11-digit BBAN, MOD11). Registered by the
  system administrator before any bank order (an order names the accounts it is for); the
  bank later fills in the agreement fields (AvtaleID, Divisjonsnavn, Divisjonsnummer) and the services it has
  activated. Active → deactivated; never deleted once anything refers to it.
- ``ApprovalAuthorisation``: the portal's list of users who may approve payments from an
  account (RgB).
- ``BankApprovalRight``: the bank's own list, mirrored when last fetched. The two are shown
  side by side because an RgB payment approved by someone without the bank right is
  rejected by the bank (AG08).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from bankint.account_numbers import format_account_number, iban_for

from .banks import bank_name


class PaymentMethod(models.TextChoices):
    """Incoming payment methods registered on an account (Innbetalinger)."""

    NETS_OCR = "NETS_OCR", _("Nets OCR")


class BankService(models.TextChoices):
    """Services the bank has activated on an account (set when a service order completes)."""

    REMITTANCE = "REMITTANCE", _("Remittance")
    INCOMING_RECONCILIATION = "INCOMING_RECONCILIATION", _("Incoming payments and reconciliation files")
    OCR = "OCR", _("Nets OCR")


class PaymentFileVersion(models.TextChoices):
    V03 = "pain.001.001.03", _("pain.001.001.03 (2009)")
    V09 = "pain.001.001.09", _("pain.001.001.09 (2019)")


class BankAccount(models.Model):
    class ApprovalMode(models.TextChoices):
        RGB = "RGB", _("Accounting-approved payments (RgB)")
        POST_APPROVAL = "POST_APPROVAL", _("Post-approval in the online bank")

    company = models.ForeignKey(
        "companies.Company", on_delete=models.PROTECT, related_name="bank_accounts", verbose_name=_("company")
    )
    account_number = models.CharField(_("account number"), max_length=11)
    name = models.CharField(_("name"), max_length=100)
    ledger_account = models.CharField(_("ledger account"), max_length=4)
    fee_account = models.CharField(_("account for bank fees"), max_length=4, default="7770")
    # Exchange differences on payments in currency: agio (a gain) and disagio (a loss).
    exchange_gain_account = models.CharField(
        _("account for exchange gains (agio)"), max_length=4, default="8060"
    )
    exchange_loss_account = models.CharField(
        _("account for exchange losses (disagio)"), max_length=4, default="8160"
    )
    # A currency account pays in its own currency; a NOK account pays in any, converted.
    currency = models.CharField(_("currency"), max_length=3, default="NOK")
    # The pain.001 version the bank agreement takes: new agreements the 2019 version; one made
    # before stays on 2009 until its bank says otherwise (the bank's word, mirrored).
    payment_file_version = models.CharField(
        _("payment file version"),
        max_length=20,
        choices=PaymentFileVersion.choices,
        default=PaymentFileVersion.V09,
    )
    incoming_payment_methods = models.JSONField(_("incoming payment methods"), default=list, blank=True)
    approval_mode = models.CharField(
        _("approval mode"), max_length=20, choices=ApprovalMode.choices, default=ApprovalMode.POST_APPROVAL
    )
    # Mirrored from the bank agreement; users cannot change it. When the bank requires two
    # approvers (dobbel godkjenning), RgB is not allowed and the account uses post-approval.
    dual_approval_required = models.BooleanField(_("dual approval required by the bank"), default=False)
    services = models.JSONField(_("active bank services"), default=list, blank=True)
    # Filled in by the bank when a service order completes; read-only for users.
    agreement_id = models.CharField(_("agreement id (AvtaleID)"), max_length=40, blank=True)
    division_name = models.CharField(_("division name"), max_length=100, blank=True)
    division_number = models.CharField(_("division number"), max_length=40, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    deactivated_at = models.DateTimeField(_("deactivated"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("bank account")
        verbose_name_plural = _("bank accounts")
        ordering = ["company", "-is_active", "ledger_account", "account_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "account_number"], name="uniq_bank_account_per_company"
            )
        ]

    def __str__(self) -> str:
        return f"{self.account_number_display} {self.name}"

    @property
    def account_number_display(self) -> str:
        return format_account_number(self.account_number)

    @property
    def iban(self) -> str:
        return iban_for(self.account_number)

    @property
    def bank_name(self) -> str:
        return bank_name(self.account_number)

    @property
    def has_nets_ocr(self) -> bool:
        return PaymentMethod.NETS_OCR in (self.incoming_payment_methods or [])


class ApprovalAuthorisation(models.Model):
    company = models.ForeignKey(
        "companies.Company", on_delete=models.PROTECT, related_name="+", verbose_name=_("company")
    )
    bank_account = models.ForeignKey(
        BankAccount, on_delete=models.PROTECT, related_name="authorisations", verbose_name=_("bank account")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("approval authorisation")
        verbose_name_plural = _("approval authorisations")
        ordering = ["bank_account", "user__username"]
        constraints = [
            models.UniqueConstraint(
                fields=["bank_account", "user"], name="uniq_authorisation_per_account_user"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.bank_account}"


class BankApprovalRight(models.Model):
    """A payment-approval right as the bank reported it (``bank_user_id`` e.g. TB12345)."""

    company = models.ForeignKey(
        "companies.Company", on_delete=models.PROTECT, related_name="+", verbose_name=_("company")
    )
    bank_account = models.ForeignKey(
        BankAccount, on_delete=models.PROTECT, related_name="bank_rights", verbose_name=_("bank account")
    )
    bank_user_id = models.CharField(_("online-bank user id"), max_length=20)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )
    fetched_at = models.DateTimeField(_("fetched at"))

    class Meta:
        verbose_name = _("bank approval right")
        verbose_name_plural = _("bank approval rights")
        ordering = ["bank_account", "bank_user_id"]
        constraints = [
            models.UniqueConstraint(fields=["bank_account", "bank_user_id"], name="uniq_bank_right_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.bank_user_id} · {self.bank_account}"

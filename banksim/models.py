"""The simulated bank's books.

Entities and their state flows:

- ``SimState`` (one row): the simulated clock (an offset from real time) and how far the
  day processing has run; ``Fault`` rows: fault injection switched on by ``/sim/faults``.
- ``Customer`` → ``Account`` (balance, agreements, Nets OCR agreement) and ``BankUser``
  (bruker-ID, approval rights per account, accountant access to client customers).
- ``ServiceOrder``: AWAITING_CONFIRMATION → PROCESSING → COMPLETED | PARTIALLY_COMPLETED |
  REJECTED, or CANCELLED in the wizard.
- ``OnlineBankApplication``: DRAFT → RECEIVED → READY_FOR_SIGNING → SIGNED → CREATED
  (next banking day), or CANCELLED.
- ``RgbOrder``: AWAITING_USER → CONFIRMED (per account enabled or refused) | CANCELLED.
- ``SigningSession`` (BankID): PENDING → COMPLETE | CANCELLED | EXPIRED.
- ``PaymentFile`` → ``PaymentBatch`` → ``Payment``: statuses are ISO 20022 codes (PDNG while
  waiting for post-approval, ACSP accepted for execution, ACSC booked, RJCT with a reason).
- ``Entry``: one booked line on an account (what statements and camt.054 are made of);
  ``IncomingKidPayment`` waits for the next Nets OCR file; ``Statement``, ``DebitNotification``
  and ``OcrFile`` keep the exact bytes delivered, so downloads are idempotent.
- ``Event``: the change feed; its id is the cursor.
"""

from __future__ import annotations

from django.db import models


class BankModel(models.Model):
    """The base of every table of the bank: a row shows as its model's name and its key."""

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{type(self).__name__} {self.pk}"


class PartnerRequest(BankModel):
    """An order or application the user completes on the bank's pages, started by a partner
    through the API (or on the pages themselves)."""

    # The bank's pages find it by this token in their URL (no session).
    token = models.CharField(max_length=40, unique=True)
    # The partner's own reference: a retried create request finds what it made before.
    reference = models.CharField(max_length=100, null=True, unique=True)
    # Where every page of it links the user back to (the partner's page for it); checked
    # against the partners' registered origins when the partner creates it.
    return_url = models.CharField(max_length=500, blank=True)

    class Meta:
        abstract = True


class PartnerOrder(PartnerRequest):
    """An order of services for a customer's accounts, as both banks take it (a DNB service
    order, an S'banken activation) and answer it (``results`` per account)."""

    org_number = models.CharField(max_length=9)
    accounts = models.JSONField(default=list)
    services = models.JSONField(default=list)
    code = models.CharField(max_length=40, blank=True)
    message = models.TextField(blank=True)
    result = models.JSONField(default=list)
    created_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True)

    class Meta:
        abstract = True


class SimState(BankModel):
    offset_seconds = models.FloatField(default=0)
    # The last business date whose bookings have run, and the last date closed (OCR file
    # and statements produced). Both move forward only, one day at a time.
    booked_through = models.DateField(null=True)
    closed_through = models.DateField(null=True)
    transmission_counter = models.IntegerField(default=0)
    assignment_counter = models.IntegerField(default=0)
    # Every fault injected since the last reset, "endpoint:mode" → count (faults come and go).
    fault_tally = models.JSONField(default=dict)


class Fault(BankModel):
    class Mode(models.TextChoices):
        ERROR_500 = "error_500"
        ERROR_503 = "error_503"
        TIMEOUT = "timeout"
        DROP = "drop"
        DUPLICATE = "duplicate"
        MALFORMED = "malformed"

    endpoint = models.CharField(max_length=80, unique=True)
    mode = models.CharField(max_length=20, choices=Mode.choices)
    rate = models.FloatField(default=1.0)
    seed = models.BigIntegerField(null=True)
    delay_seconds = models.FloatField(default=5.0)
    hits = models.IntegerField(default=0)
    # How many of the hits the fault actually struck, and an optional cap ("one malformed file").
    injected = models.IntegerField(default=0)
    limit = models.IntegerField(null=True)


class Customer(BankModel):
    class Subscription(models.TextChoices):
        NONE = "none"
        BASIC = "basic"
        INTEGRATED = "integrated"

    org_number = models.CharField(max_length=9, unique=True)
    name = models.CharField(max_length=200)
    subscription = models.CharField(max_length=20, choices=Subscription.choices, default=Subscription.NONE)
    # "Per agreement whether payments need dual approval": such customers cannot use RgB.
    dual_approval = models.BooleanField(default=False)


class Account(BankModel):
    class KidCheck(models.TextChoices):
        MOD10 = "MOD10"
        MOD11 = "MOD11"

    class FileVersion(models.TextChoices):
        # The pain.001 version the remittance agreement is on: agreements made from issue 25 on
        # take the 2019 messages (and get camt.053/054 .001.08 back); older ones stay on 2009.
        V03 = "pain.001.001.03"
        V09 = "pain.001.001.09"

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="accounts")
    number = models.CharField(max_length=11, unique=True)
    name = models.CharField(max_length=100, blank=True)
    # Balance before the first entry; opening + all entries = balance, at all times.
    initial_balance = models.DecimalField(max_digits=15, decimal_places=2, default=0)
    balance = models.DecimalField(max_digits=15, decimal_places=2, default=0)
    opened_date = models.DateField()
    remittance = models.BooleanField(default=False)
    reconciliation = models.BooleanField(default=False)
    agreement_id = models.CharField(max_length=20, blank=True)
    division_name = models.CharField(max_length=60, blank=True)
    division_number = models.CharField(max_length=20, blank=True)
    rgb_enabled = models.BooleanField(default=False)
    ocr_agreement_id = models.CharField(max_length=9, blank=True)
    kid_length = models.PositiveSmallIntegerField(null=True)
    kid_check = models.CharField(max_length=5, choices=KidCheck.choices, blank=True)
    statement_seq = models.IntegerField(default=0)
    # A currency account (EUR, USD …) keeps its balance in that currency and pays only in it.
    currency = models.CharField(max_length=3, default="NOK")
    payment_file_version = models.CharField(
        max_length=20, choices=FileVersion.choices, default=FileVersion.V09
    )

    @property
    def on_2019(self) -> bool:
        return self.payment_file_version == self.FileVersion.V09

    @property
    def has_ocr(self) -> bool:
        return bool(self.ocr_agreement_id)


class BankUser(BankModel):
    user_id = models.CharField(max_length=12, unique=True)  # bruker-ID, e.g. TB12345
    name = models.CharField(max_length=200)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="users")
    email = models.CharField(max_length=200, blank=True)
    # An accountant's online-bank user reaches its clients' accounts too.
    clients = models.ManyToManyField(Customer, related_name="accountants", blank=True)
    approval_accounts = models.ManyToManyField(Account, related_name="approvers", blank=True)


class KidPayee(BankModel):
    """A creditor account outside the simulator that only accepts payments with a KID."""

    account = models.CharField(max_length=11, unique=True)
    name = models.CharField(max_length=100, blank=True)


class ServiceOrder(PartnerOrder):
    class Status(models.TextChoices):
        AWAITING_CONFIRMATION = "AWAITING_CONFIRMATION"
        PROCESSING = "PROCESSING"
        COMPLETED = "COMPLETED"
        PARTIALLY_COMPLETED = "PARTIALLY_COMPLETED"
        REJECTED = "REJECTED"
        CANCELLED = "CANCELLED"

    fee_account = models.CharField(max_length=20, blank=True)
    kid_length = models.PositiveSmallIntegerField(null=True)
    kid_check = models.CharField(max_length=5, blank=True)
    status = models.CharField(max_length=30, choices=Status.choices, default=Status.AWAITING_CONFIRMATION)
    kontofullmakt = models.JSONField(default=list)
    subscription_upgraded = models.BooleanField(default=False)
    confirmed_at = models.DateTimeField(null=True)
    due_at = models.DateTimeField(null=True)


class SigningSession(BankModel):
    class Status(models.TextChoices):
        PENDING = "PENDING"
        COMPLETE = "COMPLETE"
        CANCELLED = "CANCELLED"
        EXPIRED = "EXPIRED"

    token = models.CharField(max_length=40, unique=True)
    name = models.CharField(max_length=200)
    # Only the masked form is kept: the simulator has no use for the full number.
    national_id_masked = models.CharField(max_length=20, blank=True)
    text = models.TextField()
    purpose = models.CharField(max_length=60, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    signature_ref = models.CharField(max_length=60, blank=True)
    # Where the BankID page sends the signer back to once they have signed or cancelled.
    return_url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True)


class OnlineBankApplication(PartnerRequest):
    class Status(models.TextChoices):
        DRAFT = "DRAFT"
        RECEIVED = "RECEIVED"
        READY_FOR_SIGNING = "READY_FOR_SIGNING"
        SIGNED = "SIGNED"
        CREATED = "CREATED"
        CANCELLED = "CANCELLED"

    org_number = models.CharField(max_length=9, blank=True)
    company_name = models.CharField(max_length=200, blank=True)
    # Contact person and users: national ids are stored here only to create the users;
    # every output masks them (see services.mask_national_id).
    contact = models.JSONField(default=dict)
    users = models.JSONField(default=list)
    signing_method = models.CharField(max_length=10, blank=True)  # bankid | print
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    signing = models.ForeignKey(SigningSession, null=True, on_delete=models.SET_NULL)
    created_users = models.JSONField(default=list)
    created_at = models.DateTimeField()
    received_at = models.DateTimeField(null=True)
    due_at = models.DateTimeField(null=True)
    signed_at = models.DateTimeField(null=True)
    bank_created_date = models.DateField(null=True)


class RgbOrder(PartnerRequest):
    class Status(models.TextChoices):
        AWAITING_USER = "AWAITING_USER"
        CONFIRMED = "CONFIRMED"
        CANCELLED = "CANCELLED"

    org_number = models.CharField(max_length=9, blank=True)
    accounts = models.JSONField(default=list)
    vendor = models.CharField(max_length=40, blank=True)
    user_id = models.CharField(max_length=12, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.AWAITING_USER)
    result = models.JSONField(default=list)
    created_at = models.DateTimeField()
    confirmed_at = models.DateTimeField(null=True)


class PaymentFile(BankModel):
    msg_id = models.CharField(max_length=35, unique=True)
    org_number = models.CharField(max_length=20, blank=True)
    sha256 = models.CharField(max_length=64)
    xml = models.BinaryField()
    approval_mode = models.CharField(max_length=20)  # rgb | post_approval
    approved_by = models.CharField(max_length=100, blank=True)
    nb_of_txs = models.IntegerField()
    ctrl_sum = models.DecimalField(max_digits=18, decimal_places=2, null=True)
    original_created_at = models.CharField(max_length=40)
    group_status = models.CharField(max_length=4)
    group_reason = models.CharField(max_length=4, blank=True)
    group_reason_text = models.CharField(max_length=105, blank=True)
    pain002 = models.BinaryField()
    pain002_version = models.IntegerField(default=0)
    received_at = models.DateTimeField()
    # The file's message version: its pain.002 answers in the matching one (.03 → pain.002.001.03,
    # .09 → pain.002.001.10).
    message_version = models.CharField(max_length=20, default="pain.001.001.03")


class PaymentBatch(BankModel):
    file = models.ForeignKey(PaymentFile, on_delete=models.CASCADE, related_name="batches")
    pmt_inf_id = models.CharField(max_length=35)
    debtor_account = models.CharField(max_length=34)
    execution_date = models.DateField()
    nb_of_txs = models.IntegerField()
    ctrl_sum = models.DecimalField(max_digits=18, decimal_places=2, null=True)
    status = models.CharField(max_length=4)
    reason = models.CharField(max_length=4, blank=True)
    reason_text = models.CharField(max_length=105, blank=True)
    approvals = models.JSONField(default=list)  # bruker-IDs that approved in the online bank


class Payment(BankModel):
    batch = models.ForeignKey(PaymentBatch, on_delete=models.CASCADE, related_name="payments")
    instr_id = models.CharField(max_length=35, blank=True)
    end_to_end_id = models.CharField(max_length=35)
    amount = models.DecimalField(max_digits=18, decimal_places=5)
    currency = models.CharField(max_length=3)
    creditor_name = models.CharField(max_length=140, blank=True)
    creditor_account = models.CharField(max_length=34)
    kid = models.CharField(max_length=35, blank=True)
    message = models.CharField(max_length=140, blank=True)
    status = models.CharField(max_length=4)
    reason = models.CharField(max_length=4, blank=True)
    reason_text = models.CharField(max_length=105, blank=True)
    booked_date = models.DateField(null=True)
    uetr = models.CharField(max_length=36, blank=True)
    creditor_bic = models.CharField(max_length=11, blank=True)
    # What the debtor's account was debited (its currency) and the rate used (NOK per unit),
    # for a payment in another currency than the account's.
    booked_amount = models.DecimalField(max_digits=15, decimal_places=2, null=True)
    exchange_rate = models.DecimalField(max_digits=18, decimal_places=10, null=True)


class OcrFile(BankModel):
    # One transmission per delivery to the data recipient (the ERP vendor's kundeenhetsid),
    # with the assignments of every customer's accounts: no one customer's file.
    recipient = models.CharField(max_length=8, default="00105625")
    transmission_number = models.CharField(max_length=7, unique=True)
    file_date = models.DateField()
    content = models.TextField()
    sha256 = models.CharField(max_length=64)
    total = models.DecimalField(max_digits=15, decimal_places=2)
    transactions = models.IntegerField()
    created_at = models.DateTimeField()


class Entry(BankModel):
    class Kind(models.TextChoices):
        PAYMENT = "PAYMENT"
        FEE = "FEE"
        OCR = "OCR"
        INCOMING = "INCOMING"
        ADJUSTMENT = "ADJUSTMENT"

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="entries")
    booking_date = models.DateField()
    amount = models.DecimalField(max_digits=15, decimal_places=2)  # signed: credit > 0
    kind = models.CharField(max_length=12, choices=Kind.choices)
    reference = models.CharField(max_length=35, unique=True)  # AcctSvcrRef
    text = models.CharField(max_length=140, blank=True)
    msg_id = models.CharField(max_length=35, blank=True)
    pmt_inf_id = models.CharField(max_length=35, blank=True)
    end_to_end_id = models.CharField(max_length=35, blank=True)
    kid = models.CharField(max_length=25, blank=True)
    counterparty_name = models.CharField(max_length=140, blank=True)
    counterparty_account = models.CharField(max_length=34, blank=True)
    ocr_file = models.ForeignKey(OcrFile, null=True, on_delete=models.SET_NULL)
    payment = models.ForeignKey(Payment, null=True, on_delete=models.SET_NULL)
    uetr = models.CharField(max_length=36, blank=True)
    # A payment in another currency than the account's: the amount instructed, in its currency,
    # and the rate (account currency per unit) it was booked at.
    instructed_amount = models.DecimalField(max_digits=18, decimal_places=5, null=True)
    instructed_currency = models.CharField(max_length=3, blank=True)
    exchange_rate = models.DecimalField(max_digits=18, decimal_places=10, null=True)

    class Meta:
        indexes = [models.Index(fields=["account", "booking_date"])]


class IncomingKidPayment(BankModel):
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="kid_payments")
    amount = models.DecimalField(max_digits=15, decimal_places=2)
    kid = models.CharField(max_length=25)
    payer_account = models.CharField(max_length=11, blank=True)
    received_date = models.DateField()
    ocr_file = models.ForeignKey(OcrFile, null=True, on_delete=models.SET_NULL, related_name="payments")


class Statement(BankModel):
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="statements")
    statement_date = models.DateField()
    sequence = models.IntegerField()
    opening_balance = models.DecimalField(max_digits=15, decimal_places=2)
    closing_balance = models.DecimalField(max_digits=15, decimal_places=2)
    entries = models.IntegerField()
    xml = models.BinaryField()
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "statement_date"], name="one_statement_per_day")
        ]


class DebitNotification(BankModel):
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="debit_notifications")
    msg_id = models.CharField(max_length=35)
    pmt_inf_id = models.CharField(max_length=35)
    booking_date = models.DateField()
    xml = models.BinaryField()
    created_at = models.DateTimeField()


class Event(BankModel):
    type = models.CharField(max_length=40)
    org_number = models.CharField(max_length=20, blank=True)
    resource_id = models.CharField(max_length=40)
    data = models.JSONField(default=dict)
    created_at = models.DateTimeField()


class SbankenActivation(PartnerOrder):
    """S'banken bedrift: API-based activation with a consent step instead of an order wizard."""

    class Status(models.TextChoices):
        AWAITING_CONSENT = "AWAITING_CONSENT"
        COMPLETED = "COMPLETED"
        REJECTED = "REJECTED"
        CANCELLED = "CANCELLED"

    status = models.CharField(max_length=30, choices=Status.choices, default=Status.AWAITING_CONSENT)

"""Every write to the ledger: chart, numbers, invoice settings, customers, invoices,
suppliers, bills and vouchers.

``voucher_post`` (and its bulk twin ``_vouchers_post``) is the only code that creates a
voucher: it refuses one whose lines do not sum to zero, and a deferred trigger checks the
same at commit. Bulk services (``invoices_create_bulk``, ``invoices_settle_bulk``)
run in a constant number of queries whatever their size (STYLE rule 12), because the OCR
import settles a whole file at once.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from bankint import context
from bankint.dates import clean_entered_date
from bankint.errors import Conflict, IllegalTransition, ValidationFailed
from companies.services import audit_record, clean_org_number

from . import kid as kidrules
from .models import (
    BANK_LEDGER_PREFIX,
    Bill,
    Customer,
    Invoice,
    InvoiceSettings,
    InvoiceSettlement,
    LedgerAccount,
    NumberSeries,
    OpenBankLine,
    ReferenceKind,
    Supplier,
    Voucher,
    VoucherLine,
)
from .money import clean_amount
from .selectors import DEFAULT_CHART, invoice_settings_get, ledger_account_numbers

RECEIVABLES, SALES, PAYABLES, PURCHASES = "1500", "3000", "2400", "4000"
ZERO = Decimal("0.00")


# --- chart of accounts and number series -------------------------------------------------


def ledger_chart_ensure(company) -> None:
    """Give the company the minimal chart (1500, 1920, 1950, 2400, 3000, 4000, 7770, 8040, 8140)."""
    if LedgerAccount.objects.filter(company=company).exists():
        return
    LedgerAccount.objects.bulk_create(
        [LedgerAccount(company=company, number=number, name=name) for number, name in DEFAULT_CHART],
        ignore_conflicts=True,
    )


def ledger_account_ensure(company, number: str, name: str) -> None:
    """A bank's ledger account (e.g. 1950) joins the chart when the account is registered."""
    ledger_chart_ensure(company)
    LedgerAccount.objects.bulk_create(
        [LedgerAccount(company=company, number=number, name=name[:100])], ignore_conflicts=True
    )


def clean_ledger_account(value, *, company, field: str = "ledger_account") -> str:
    number = str(value or "").strip()
    if not (len(number) == 4 and number.isascii() and number.isdigit()):
        message = _("A ledger account is a 4-digit number, e.g. 1920.")
    else:
        ledger_chart_ensure(company)
        if number in ledger_account_numbers(company):
            return number
        message = _("Ledger account %(number)s is not in the chart of accounts.") % {"number": number}
    raise ValidationFailed(message, fields={field: [message]})


@transaction.atomic
def number_allocate(company, kind: str, count: int = 1) -> int:
    """Reserve ``count`` consecutive numbers and return the first.

    The increment is a single UPDATE, which holds the row lock until commit: two concurrent
    issuers never get the same number (a unique constraint backs it up). A rolled-back
    transaction gives its numbers back, so there are no gaps from failures either.
    """
    if not NumberSeries.objects.filter(company=company, kind=kind).exists():
        try:
            with transaction.atomic():
                NumberSeries.objects.create(company=company, kind=kind, next_value=1)
        except IntegrityError:
            pass  # another transaction created it first
    NumberSeries.objects.filter(company=company, kind=kind).update(next_value=F("next_value") + count)
    after = NumberSeries.objects.filter(company=company, kind=kind).values_list("next_value", flat=True).get()
    return after - count


def _next_number(company, kind: str) -> int:
    value = (
        NumberSeries.objects.filter(company=company, kind=kind).values_list("next_value", flat=True).first()
    )
    return value or 1


# --- vouchers ------------------------------------------------------------------------------


@dataclass(frozen=True)
class LineSpec:
    ledger_account: str
    amount: Decimal
    text: str = ""
    bank_account: object | None = None
    reference_kind: str = ReferenceKind.NONE
    reference: str = ""
    invoice_id: int | None = None
    bill_id: int | None = None


@dataclass
class VoucherSpec:
    date: datetime.date
    text: str
    lines: Sequence[LineSpec]
    kind: str = Voucher.Kind.MANUAL
    reverses: Voucher | None = None
    # set by _vouchers_post, so bulk callers can find their voucher
    voucher: Voucher | None = field(default=None, compare=False)


def _check_lines(company, lines: Sequence[LineSpec], accounts: set[str]) -> list[LineSpec]:
    problems: list[str] = []
    cleaned: list[LineSpec] = []
    if len(lines) < 2:
        problems.append(_("A voucher needs at least two lines (a debit and a credit)."))
    for index, line in enumerate(lines, start=1):
        try:
            amount = clean_amount(line.amount, field="lines", allow_negative=True)
        except ValidationFailed as exc:
            problems.append(_("Line %(n)d: %(problem)s") % {"n": index, "problem": exc.message})
            continue
        if str(line.ledger_account) not in accounts:
            problems.append(
                _("Line %(n)d: ledger account %(number)s is not in the chart of accounts.")
                % {"n": index, "number": line.ledger_account}
            )
        bank = line.bank_account
        if bank is not None and (bank.company_id != company.pk or bank.ledger_account != line.ledger_account):
            problems.append(
                _("Line %(n)d: the bank account is not this company's account on ledger account %(number)s.")
                % {"n": index, "number": line.ledger_account}
            )
        cleaned.append(
            LineSpec(**{**line.__dict__, "amount": amount, "ledger_account": str(line.ledger_account)})
        )
    if not problems:
        total = sum((line.amount for line in cleaned), ZERO)
        if total != 0:
            problems.append(
                _(
                    "The voucher does not balance: the lines sum to %(total)s, not 0.00 (debit must equal credit)."
                )
                % {"total": f"{total:.2f}"}
            )
    if problems:
        raise ValidationFailed(problems[0], fields={"lines": problems})
    return cleaned


def _vouchers_post(company, specs: Sequence[VoucherSpec], *, audit: bool = True) -> list[Voucher]:
    """Create vouchers and their lines in a constant number of queries; all or nothing."""
    if not specs:
        return []
    ledger_chart_ensure(company)
    accounts = ledger_account_numbers(company)
    checked = [_check_lines(company, spec.lines, accounts) for spec in specs]
    for spec in specs:
        if not isinstance(spec.date, datetime.date):
            raise ValidationFailed(_("Enter a valid date."), fields={"date": [_("Enter a valid date.")]})
        if not (spec.text or "").strip():
            message = _("Give the voucher a text.")
            raise ValidationFailed(message, fields={"text": [message]})
    first = number_allocate(company, NumberSeries.Kind.VOUCHER, len(specs))
    now = timezone.now()
    user_id = context.current().user_id
    vouchers = Voucher.objects.bulk_create(
        [
            Voucher(
                company=company,
                number=first + i,
                date=spec.date,
                text=spec.text.strip()[:200],
                kind=spec.kind,
                reverses=spec.reverses,
                posted_at=now,
                posted_by_id=user_id,
            )
            for i, spec in enumerate(specs)
        ]
    )
    # COPY, in list order (so line ids follow the specs, as bulk_create's do): no model
    # instance per line, which is most of what 10,000 fee lines of a statement cost.
    from .bulk import insert_rows

    insert_rows(
        VoucherLine,
        (
            "voucher",
            "company",
            "ledger_account",
            "amount",
            "text",
            "bank_account",
            "reference_kind",
            "reference",
            "invoice",
            "bill",
        ),
        (
            (
                voucher.pk,
                company.pk,
                line.ledger_account,
                line.amount,
                (line.text or "")[:200],
                line.bank_account.pk if line.bank_account is not None else None,
                line.reference_kind,
                (line.reference or "")[:35],
                line.invoice_id,
                line.bill_id,
            )
            for voucher, lines in zip(vouchers, checked, strict=True)
            for line in lines
        ),
    )
    for spec, voucher in zip(specs, vouchers, strict=True):
        spec.voucher = voucher
    if audit:
        if len(vouchers) == 1:
            audit_record(
                "voucher.post",
                obj=vouchers[0],
                company=company,
                changes={"after": {"number": vouchers[0].number, "lines": len(checked[0])}},
            )
        else:
            audit_record(
                "voucher.post_bulk",
                company=company,
                object_repr=f"#{first}-#{first + len(vouchers) - 1}",
                changes={"count": len(vouchers)},
            )
    return vouchers


@transaction.atomic
def voucher_post(
    company,
    *,
    date: datetime.date,
    text: str,
    lines: Sequence[LineSpec],
    kind: str = Voucher.Kind.MANUAL,
) -> Voucher:
    """Post one voucher; refused unless its lines sum to zero."""
    if isinstance(date, datetime.date):
        clean_entered_date(date, field="date")
    return _vouchers_post(company, [VoucherSpec(date=date, text=text, lines=lines, kind=kind)])[0]


@transaction.atomic
def voucher_reverse(voucher: Voucher, *, date: datetime.date | None = None, text: str = "") -> Voucher:
    """Post the mirror image of ``voucher``; settlements it made are undone with it."""
    if date is not None:
        clean_entered_date(date, field="date")
    original = Voucher.objects.select_for_update().get(pk=voucher.pk)
    if original.reverses_id is not None:
        raise Conflict(
            _("Voucher #%(number)s is itself a reversal; post a new voucher instead.")
            % {"number": original.number}
        )
    existing = Voucher.objects.filter(reverses=original).first()
    if existing is not None:
        raise Conflict(
            _("Voucher #%(number)s is already reversed by voucher #%(by)s.")
            % {"number": original.number, "by": existing.number}
        )
    lines = [
        LineSpec(
            ledger_account=line.ledger_account,
            amount=-line.amount,
            text=line.text,
            bank_account=line.bank_account,
            reference_kind=line.reference_kind,
            reference=line.reference,
            invoice_id=line.invoice_id,
            bill_id=line.bill_id,
        )
        for line in original.lines.select_related("bank_account").order_by("id")
    ]
    spec = VoucherSpec(
        date=date or timezone.localdate(),
        text=text or _("Reversal of voucher #%(number)s") % {"number": original.number},
        lines=lines,
        kind=Voucher.Kind.REVERSAL,
        reverses=original,
    )
    reversal = _vouchers_post(original.company, [spec], audit=False)[0]
    settlements = list(InvoiceSettlement.objects.filter(voucher=original))
    if settlements:
        _apply_settlements(
            original.company,
            reversal,
            [(s.invoice_id, -s.amount, s.reference) for s in settlements],
            source=InvoiceSettlement.Source.MANUAL,
        )
    audit_record(
        "voucher.reverse",
        obj=reversal,
        company=original.company,
        changes={"reverses": original.number, "number": reversal.number},
    )
    return reversal


# --- invoice settings and KID ------------------------------------------------------------


def _layout_or_error(length: int, algorithm: str, customer_digits: int) -> kidrules.Layout:
    try:
        return kidrules.Layout(length, kidrules.Algorithm(algorithm), customer_digits)
    except ValueError:
        message = _(
            "With a KID of %(length)d digits and %(customer)d digits for the customer number there is no room "
            "for the invoice number."
        ) % {"length": length, "customer": customer_digits}
        raise ValidationFailed(message, fields={"kid_customer_digits": [message]}) from None


@transaction.atomic
def invoice_settings_update(company, **changes) -> tuple[InvoiceSettings, list[str]]:
    """Change KID settings; returns the settings and warnings the user must read.

    KID can be switched on only when an active account has Nets OCR among its incoming
    payment methods (the seed's rule: OCR needs KID, KID needs Nets OCR). Changing the KID
    structure after OCR has been ordered warns, because the bank rejects OCR payments whose
    KID does not match the agreement it holds, and only says so after processing.
    """
    from accounts.selectors import bank_account_list_with_nets_ocr, bank_account_list_with_ocr_service

    allowed = {"kid_enabled", "kid_length", "kid_algorithm", "kid_customer_digits"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationFailed(_("Unknown setting."), fields={k: [_("Unknown field.")] for k in unknown})
    current = InvoiceSettings.objects.select_for_update().filter(company=company).first()
    settings = current or InvoiceSettings(company=company)
    before = {k: getattr(settings, k) for k in allowed}
    for key, value in changes.items():
        setattr(settings, key, value)
    length = settings.kid_length
    if not isinstance(length, int) or not kidrules.GENERATED_MIN <= length <= kidrules.GENERATED_MAX:
        message = _("The KID length must be between %(min)d and %(max)d digits.") % {
            "min": kidrules.GENERATED_MIN,
            "max": kidrules.GENERATED_MAX,
        }
        raise ValidationFailed(message, fields={"kid_length": [message]})
    if settings.kid_algorithm not in {a.value for a in kidrules.Algorithm}:
        message = _("The check digit must be MOD10 or MOD11.")
        raise ValidationFailed(message, fields={"kid_algorithm": [message]})
    layout = _layout_or_error(length, settings.kid_algorithm, settings.kid_customer_digits)
    if settings.kid_enabled:
        if not before["kid_enabled"] and not bank_account_list_with_nets_ocr(company).exists():
            message = _(
                "KID can only be switched on when at least one active bank account has “Nets OCR” among its "
                "incoming payment methods."
            )
            raise ValidationFailed(message, code="nets_ocr_required", fields={"kid_enabled": [message]})
        next_invoice = _next_number(company, NumberSeries.Kind.INVOICE)
        if next_invoice > layout.max_invoice_number():
            message = _(
                "The next invoice number is %(next)d, but this KID layout holds invoice numbers up to %(max)d: "
                "choose a longer KID."
            ) % {"next": next_invoice, "max": layout.max_invoice_number()}
            raise ValidationFailed(message, fields={"kid_length": [message]})
        if layout.customer_digits and _next_number(company, NumberSeries.Kind.CUSTOMER) - 1 > (
            layout.max_customer_number()
        ):
            message = _("Customer numbers no longer fit in %(digits)d digits: allow more digits.") % {
                "digits": layout.customer_digits
            }
            raise ValidationFailed(message, fields={"kid_customer_digits": [message]})
    settings.save()
    after = {k: getattr(settings, k) for k in allowed}
    warnings: list[str] = []
    structure = ("kid_length", "kid_algorithm", "kid_customer_digits")
    structure_changed = current is not None and any(before[k] != after[k] for k in structure)
    if structure_changed and settings.kid_enabled and bank_account_list_with_ocr_service(company).exists():
        warnings.append(
            _(
                "Nets OCR is already ordered: the KID structure in the bank's OCR agreement must match the new "
                "one (%(length)d digits, %(algorithm)s), or the bank will not accept the KIDs."
            )
            % {"length": settings.kid_length, "algorithm": settings.kid_algorithm}
        )
    diff = {k: {"before": before[k], "after": after[k]} for k in allowed if before[k] != after[k]}
    if diff:
        audit_record("invoice_settings.update", obj=settings, company=company, changes=diff)
    return settings, warnings


# --- customers and invoices ----------------------------------------------------------------


def _clean_name(value, field: str = "name") -> str:
    name = (value or "").strip()
    if not name:
        message = _("Enter a name.")
        raise ValidationFailed(message, fields={field: [message]})
    return name[:200]


@transaction.atomic
def customer_create(company, *, name: str, org_number: str = "", email: str = "") -> Customer:
    return customers_create_bulk(company, [{"name": name, "org_number": org_number, "email": email}])[0]


@transaction.atomic
def customers_create_bulk(company, specs: Sequence[dict]) -> list[Customer]:
    rows = []
    for spec in specs:
        org = spec.get("org_number") or ""
        rows.append(
            {
                "name": _clean_name(spec.get("name")),
                "org_number": clean_org_number(org) if org.strip() else "",
                "email": (spec.get("email") or "").strip(),
            }
        )
    first = number_allocate(company, NumberSeries.Kind.CUSTOMER, len(rows))
    customers = Customer.objects.bulk_create(
        [Customer(company=company, number=first + i, **row) for i, row in enumerate(rows)]
    )
    audit_record(
        "customer.create",
        company=company,
        object_repr=", ".join(f"{c.number} {c.name}" for c in customers[:5]),
        changes={"count": len(customers), "first": first},
    )
    if any(c.pk is None for c in customers):
        return list(Customer.objects.filter(company=company, number__gte=first).order_by("number"))
    return customers


@dataclass(frozen=True)
class InvoiceSpec:
    customer_id: int
    amount: Decimal | str
    issue_date: datetime.date | None = None
    due_date: datetime.date | None = None
    text: str = ""


def _check_dates(issue: datetime.date, due: datetime.date) -> None:
    clean_entered_date(issue, field="issue_date")
    clean_entered_date(due, field="due_date")
    if due < issue:
        message = _("The due date cannot be before the issue date.")
        raise ValidationFailed(message, fields={"due_date": [message]})


@transaction.atomic
def invoice_create(
    company, *, customer_id: int, amount, issue_date=None, due_date=None, text: str = ""
) -> Invoice:
    """Create and issue an invoice: number, KID (when on) and a voucher, in one step."""
    spec = InvoiceSpec(customer_id, amount, issue_date, due_date, text)
    return invoices_create_bulk(company, [spec])[0]


@transaction.atomic
def invoices_create_bulk(company, specs: Sequence[InvoiceSpec]) -> list[Invoice]:
    """Issue many invoices in a constant number of queries (the seed and imports)."""
    today = timezone.localdate()
    customer_ids = {spec.customer_id for spec in specs}
    customers = {c.pk: c for c in Customer.objects.filter(company=company, pk__in=customer_ids)}
    prepared = []
    for spec in specs:
        customer = customers.get(spec.customer_id)
        if customer is None:
            message = _("Customer #%(id)s is not one of this company's customers.") % {"id": spec.customer_id}
            raise ValidationFailed(message, fields={"customer": [message]})
        amount = clean_amount(spec.amount)
        issue = clean_entered_date(spec.issue_date or today, field="issue_date")
        due = spec.due_date or issue + datetime.timedelta(days=14)
        _check_dates(issue, due)
        prepared.append((spec, customer, amount, issue, due))
    settings = invoice_settings_get(company)
    first = number_allocate(company, NumberSeries.Kind.INVOICE, len(prepared))
    kids: list[str] = []
    for i, (_spec, customer, *_rest) in enumerate(prepared):
        if not settings.kid_enabled:
            kids.append("")
            continue
        try:
            kids.append(kidrules.generate(settings.layout, first + i, customer.number))
        except kidrules.KidLayoutError as exc:
            message = (
                _(
                    "Invoice number %(n)d does not fit in the KID layout: choose a longer KID in the invoice settings."
                )
                if exc.what == "invoice"
                else _(
                    "Customer number %(n)d does not fit in the KID layout: allow more customer digits in the "
                    "invoice settings."
                )
            ) % {"n": exc.value}
            raise ValidationFailed(message, code="kid_layout", fields={"kid": [message]}) from None
    now = timezone.now()
    invoices = Invoice.objects.bulk_create(
        [
            Invoice(
                company=company,
                number=first + i,
                customer=customer,
                issue_date=issue,
                due_date=due,
                amount=amount,
                text=(spec.text or "")[:200],
                kid=kids[i],
                issued_at=now,
            )
            for i, (spec, customer, amount, issue, due) in enumerate(prepared)
        ]
    )
    if any(inv.pk is None for inv in invoices):
        by_number = dict(
            Invoice.objects.filter(company=company, number__gte=first).values_list("number", "pk")
        )
        for inv in invoices:
            inv.pk = inv.id = by_number[inv.number]
    voucher_specs = [
        VoucherSpec(
            date=inv.issue_date,
            text=_("Invoice %(number)d %(customer)s") % {"number": inv.number, "customer": inv.customer.name},
            kind=Voucher.Kind.INVOICE,
            lines=[
                LineSpec(
                    RECEIVABLES,
                    inv.amount,
                    reference_kind=ReferenceKind.KID if inv.kid else ReferenceKind.INVOICE,
                    reference=inv.kid or str(inv.number),
                    invoice_id=inv.pk,
                ),
                LineSpec(SALES, -inv.amount, invoice_id=inv.pk),
            ],
        )
        for inv in invoices
    ]
    vouchers = _vouchers_post(company, voucher_specs, audit=False)
    for inv, voucher in zip(invoices, vouchers, strict=True):
        inv.voucher = voucher
    Invoice.objects.bulk_update(invoices, ["voucher"], batch_size=1000)
    audit_record(
        "invoice.issue",
        obj=invoices[0] if len(invoices) == 1 else None,
        company=company,
        object_repr=f"{_('Invoice')} {first}"
        + (f"-{first + len(invoices) - 1}" if len(invoices) > 1 else ""),
        changes={"count": len(invoices), "first": first, "kid": kids[0] if len(kids) == 1 else None},
    )
    return invoices


def _status_for(amount: Decimal, paid: Decimal) -> str:
    if paid <= 0:
        return Invoice.Status.OPEN
    if paid < amount:
        return Invoice.Status.PARTLY_PAID
    return Invoice.Status.PAID if paid == amount else Invoice.Status.OVERPAID


def _apply_settlements(company, voucher: Voucher, items, *, source: str) -> list[Invoice]:
    """Record settlements and recompute the invoices' paid amount and status (locked rows)."""
    ids = {invoice_id for invoice_id, _amount, _ref in items}
    invoices = {
        inv.pk: inv for inv in Invoice.objects.select_for_update().filter(company=company, pk__in=ids)
    }
    InvoiceSettlement.objects.bulk_create(
        [
            InvoiceSettlement(
                company=company,
                invoice_id=invoice_id,
                voucher=voucher,
                amount=amount,
                source=source,
                reference=ref,
            )
            for invoice_id, amount, ref in items
        ],
        batch_size=2000,
    )
    per_invoice: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for invoice_id, amount, _ref in items:
        per_invoice[invoice_id] += amount
    now = timezone.now()
    for invoice_id, delta in per_invoice.items():
        inv = invoices[invoice_id]
        inv.paid_amount += delta
        inv.status = _status_for(inv.amount, inv.paid_amount)
        inv.paid_at = now if inv.status in (Invoice.Status.PAID, Invoice.Status.OVERPAID) else None
    changed = [invoices[i] for i in per_invoice]
    Invoice.objects.bulk_update(changed, ["paid_amount", "status", "paid_at"], batch_size=1000)
    return changed


@dataclass(frozen=True)
class Settlement:
    """One payment of one invoice; a negative amount undoes one (OCR transaction type 18)."""

    invoice_id: int
    amount: Decimal
    reference: str = ""  # the KID the payer used, or another payment reference


@transaction.atomic
def invoices_settle_bulk(
    company,
    settlements: Sequence[Settlement],
    *,
    bank_account,
    date: datetime.date,
    source: str = InvoiceSettlement.Source.OCR,
    text: str = "",
    bank_reference: str = "",
    bank_reference_kind: str = ReferenceKind.OCR_ASSIGNMENT,
) -> Voucher:
    """Settle many invoices with one voucher, in a constant number of queries.

    The voucher debits the bank's ledger account once with the total (the bank books an OCR
    assignment as one credit entry, which is what reconciliation matches: DOMAIN.md §6) and
    credits receivables (1500) per invoice with the payer's KID.
    """
    if not settlements:
        raise ValidationFailed(_("Nothing to settle."))
    if bank_account.company_id != company.pk:
        message = _("The bank account is not one of this company's accounts.")
        raise ValidationFailed(message, fields={"bank_account": [message]})
    items = []
    for s in settlements:
        amount = clean_amount(s.amount, allow_negative=True)
        items.append((s.invoice_id, amount, (s.reference or "")[:35]))
    ids = {i for i, _a, _r in items}
    known = set(Invoice.objects.filter(company=company, pk__in=ids).values_list("pk", flat=True))
    missing = sorted(ids - known)
    if missing:
        message = _("Invoices %(ids)s are not this company's invoices.") % {
            "ids": ", ".join(map(str, missing))
        }
        raise ValidationFailed(message, fields={"invoice": [message]})
    total = sum((a for _i, a, _r in items), ZERO)
    lines = [
        LineSpec(
            RECEIVABLES,
            -amount,
            reference_kind=ReferenceKind.KID if ref else ReferenceKind.NONE,
            reference=ref,
            invoice_id=invoice_id,
        )
        for invoice_id, amount, ref in items
    ]
    if total:
        lines.insert(
            0,
            LineSpec(
                bank_account.ledger_account,
                total,
                bank_account=bank_account,
                reference_kind=bank_reference_kind if bank_reference else ReferenceKind.NONE,
                reference=bank_reference,
            ),
        )
    spec = VoucherSpec(
        date=date,
        text=text or _("Incoming payments (%(count)d)") % {"count": len(items)},
        lines=lines,
        kind=Voucher.Kind.PAYMENT_IN,
    )
    voucher = _vouchers_post(company, [spec], audit=False)[0]
    changed = _apply_settlements(company, voucher, items, source=source)
    audit_record(
        "invoice.settle",
        obj=voucher,
        company=company,
        changes={
            "invoices": len(changed),
            "total": f"{total:.2f}",
            "source": source,
            "reference": bank_reference,
        },
    )
    return voucher


def invoice_settle(
    company, invoice: Invoice, amount, *, bank_account, date=None, source=None, reference=""
) -> Voucher:
    return invoices_settle_bulk(
        company,
        [Settlement(invoice.pk, amount, reference or invoice.kid)],
        bank_account=bank_account,
        date=date or timezone.localdate(),
        source=source or InvoiceSettlement.Source.MANUAL,
    )


# --- suppliers and bills -------------------------------------------------------------------


@transaction.atomic
def supplier_create(company, *, name: str, account_number: str, org_number: str = "") -> Supplier:
    from accounts.validation import clean_account_number

    name = _clean_name(name)
    account = clean_account_number(account_number)
    org = clean_org_number(org_number) if (org_number or "").strip() else ""
    number = number_allocate(company, NumberSeries.Kind.SUPPLIER)
    supplier = Supplier.objects.create(
        company=company, number=number, name=name, account_number=account, org_number=org
    )
    audit_record(
        "supplier.create", obj=supplier, changes={"after": {"name": name, "account_number": account}}
    )
    return supplier


def clean_bill_reference(kid: str, message: str) -> tuple[str, str]:
    kid_value = kidrules.compact(kid or "")
    text = (message or "").strip()
    if kid_value and text:
        msg = _("Give either a KID or a message, not both: the bank carries only one of them.")
        raise ValidationFailed(msg, fields={"kid": [msg], "message": [msg]})
    if not kid_value and not text:
        msg = _("Give the KID or a message for the supplier.")
        raise ValidationFailed(msg, fields={"kid": [msg]})
    if kid_value:
        problem = kidrules.problem(kid_value)
        if problem is not None:
            msg = {
                kidrules.KidProblem.NOT_DIGITS: _("A KID has digits only (the last may be “-”): “%(kid)s”."),
                kidrules.KidProblem.LENGTH: _("A KID has 2 to 25 digits; “%(kid)s” has %(count)d."),
                kidrules.KidProblem.CHECK_DIGIT: _(
                    "KID “%(kid)s” has the wrong check digit (neither MOD10 nor MOD11): check it against the invoice."
                ),
            }.get(problem, _("Enter the KID.")) % {"kid": kid, "count": len(kid_value)}
            raise ValidationFailed(msg, fields={"kid": [msg]})
    if len(text) > 140:
        msg = _("The message can be at most 140 characters (it has %(count)d).") % {"count": len(text)}
        raise ValidationFailed(msg, fields={"message": [msg]})
    return kid_value, text


@transaction.atomic
def bill_create(
    company,
    *,
    supplier_id: int,
    amount,
    due_date: datetime.date,
    issue_date: datetime.date | None = None,
    kid: str = "",
    message: str = "",
    supplier_invoice_number: str = "",
) -> Bill:
    """Register a supplier's invoice and book it: debit 4000 purchases, credit 2400 payables."""
    supplier = Supplier.objects.filter(company=company, pk=supplier_id).first()
    if supplier is None:
        msg = _("Supplier #%(id)s is not one of this company's suppliers.") % {"id": supplier_id}
        raise ValidationFailed(msg, fields={"supplier": [msg]})
    value = clean_amount(amount)
    issue = issue_date or timezone.localdate()
    if due_date is None:
        msg = _("Enter the due date.")
        raise ValidationFailed(msg, fields={"due_date": [msg]})
    _check_dates(issue, due_date)
    kid_value, text = clean_bill_reference(kid, message)
    bill = Bill.objects.create(
        company=company,
        supplier=supplier,
        supplier_invoice_number=(supplier_invoice_number or "").strip()[:50],
        amount=value,
        issue_date=issue,
        due_date=due_date,
        kid=kid_value,
        message=text,
    )
    voucher = _vouchers_post(
        company,
        [
            VoucherSpec(
                date=issue,
                text=_("Bill from %(supplier)s") % {"supplier": supplier.name},
                kind=Voucher.Kind.BILL,
                lines=[
                    LineSpec(PURCHASES, value, bill_id=bill.pk),
                    LineSpec(PAYABLES, -value, bill_id=bill.pk),
                ],
            )
        ],
        audit=False,
    )[0]
    Bill.objects.filter(pk=bill.pk).update(voucher=voucher)
    bill.voucher = voucher
    audit_record("bill.create", obj=bill, changes={"after": {"amount": f"{value:.2f}", "kid": kid_value}})
    return bill


def _bill_transition(bill: Bill, target: str, **stamps) -> Bill:
    """Conditional update from the current state: two workers cannot both move the bill."""
    allowed_from = [s for s, targets in Bill.TRANSITIONS.items() if target in targets]
    claimed = Bill.objects.filter(pk=bill.pk, status__in=allowed_from).update(status=target, **stamps)
    if not claimed:
        current = Bill.objects.filter(pk=bill.pk).values_list("status", flat=True).first()
        raise IllegalTransition(
            _("The bill is %(current)s and cannot become %(target)s.")
            % {"current": Bill.Status(current).label, "target": Bill.Status(target).label}
        )
    before = bill.status
    bill.refresh_from_db()
    audit_record(f"bill.{target.lower()}", obj=bill, changes={"status": {"before": before, "after": target}})
    return bill


@transaction.atomic
def bill_schedule(bill: Bill) -> Bill:
    """The bill is in a payment on its way to the bank (the remittance issue calls this)."""
    return _bill_transition(bill, Bill.Status.SCHEDULED, scheduled_at=timezone.now())


@transaction.atomic
def bill_unschedule(bill: Bill) -> Bill:
    """The payment was withdrawn or rejected by the bank: the bill is open again."""
    return _bill_transition(bill, Bill.Status.OPEN, scheduled_at=None)


@transaction.atomic
def bill_mark_paid(bill: Bill, *, bank_account, date: datetime.date, end_to_end_id: str = "") -> Bill:
    """The bank booked the payment (camt.054): debit payables, credit the bank's ledger account.

    The bank line carries the EndToEndId, which is what the camt.053 entry echoes and
    reconciliation matches on.
    """
    if bank_account.company_id != bill.company_id:
        message = _("The bank account is not one of this company's accounts.")
        raise ValidationFailed(message, fields={"bank_account": [message]})
    bill = _bill_transition(bill, Bill.Status.PAID, paid_at=timezone.now())
    voucher = _vouchers_post(
        bill.company,
        [
            VoucherSpec(
                date=date,
                text=_("Payment to %(supplier)s") % {"supplier": bill.supplier.name},
                kind=Voucher.Kind.PAYMENT_OUT,
                lines=[
                    LineSpec(PAYABLES, bill.amount, bill_id=bill.pk),
                    LineSpec(
                        bank_account.ledger_account,
                        -bill.amount,
                        bank_account=bank_account,
                        reference_kind=ReferenceKind.E2E if end_to_end_id else ReferenceKind.NONE,
                        reference=end_to_end_id,
                        bill_id=bill.pk,
                    ),
                ],
            )
        ],
        audit=False,
    )[0]
    Bill.objects.filter(pk=bill.pk).update(payment_voucher=voucher)
    bill.payment_voucher = voucher
    return bill


@transaction.atomic
def voucher_lines_mark_reconciled(company, line_ids: Sequence[int], *, reconciled: bool = True) -> int:
    """Reconciliation takes the lines it matched out of the open bank lines (or, unmatching,
    puts them back); the lines themselves never change. Returns how many lines changed.

    Every line must be an open bank line of the company (or, unmatching, a reconciled one):
    otherwise nothing changes and ``Conflict`` says so, so no line is reconciled twice.
    """
    ids = sorted(set(line_ids))
    if not ids:
        return 0
    if reconciled:
        changed = _open_lines_delete(company, ids)
    else:
        lines = list(
            VoucherLine.objects.filter(
                company=company,
                pk__in=ids,
                ledger_account__startswith=BANK_LEDGER_PREFIX,
                open_entry__isnull=True,
            ).select_related("voucher")
        )
        if len(lines) == len(ids):
            OpenBankLine.objects.bulk_create(
                [
                    OpenBankLine(
                        line=line,
                        company_id=line.company_id,
                        ledger_account=line.ledger_account,
                        bank_account_id=line.bank_account_id,
                        date=line.voucher.date,
                        amount=line.amount,
                        reference_kind=line.reference_kind,
                        reference=line.reference,
                    )
                    for line in lines
                ]
            )
        changed = len(lines)
    if changed != len(ids):
        raise Conflict(
            _(
                "Some of these ledger lines were reconciled by someone else in the meantime; reload and try again."
            )
            if reconciled
            else _("Some of these ledger lines are not reconciled bank lines of this company.")
        )
    return changed


def _open_lines_delete(company, ids: list[int]) -> int:
    if len(ids) > 1000:
        # One statement whatever the count: the ids as one array literal (ints need no
        # quoting), not 100,000 bound parameters the client has to spell out in an IN list.
        table = connection.ops.quote_name(OpenBankLine._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {table} WHERE company_id = %s AND line_id = ANY(%s::bigint[])",  # noqa: S608
                [company.pk, "{" + ",".join(map(str, ids)) + "}"],
            )
            return cursor.rowcount
    return OpenBankLine.objects.filter(company=company, pk__in=ids).delete()[0]


@transaction.atomic
def vouchers_post_bulk(company, specs: Sequence[VoucherSpec]) -> list[Voucher]:
    """Post many vouchers in a constant number of queries (reconciliation's fee postings)."""
    return _vouchers_post(company, specs)


# --- bulk bill transitions for the remittance issue (a whole pain.002 or camt.054 at once) -----


@transaction.atomic
def bills_unschedule_bulk(company, bill_ids: Sequence[int]) -> int:
    """Rejected payments: their bills are open again (only those still SCHEDULED)."""
    ids = sorted(set(bill_ids))
    if not ids:
        return 0
    count = Bill.objects.filter(company=company, pk__in=ids, status=Bill.Status.SCHEDULED).update(
        status=Bill.Status.OPEN, scheduled_at=None
    )
    if count:
        audit_record("bill.open_bulk", company=company, changes={"bill_ids": ids, "count": count})
    return count


@transaction.atomic
def bills_mark_paid_bulk(company, payment_vouchers: dict[int, int]) -> int:
    """Booked payments (camt.054): bill id → the payment voucher already posted for it."""
    if not payment_vouchers:
        return 0
    bills = list(
        Bill.objects.filter(company=company, pk__in=list(payment_vouchers), status=Bill.Status.SCHEDULED)
    )
    now = timezone.now()
    for bill in bills:
        bill.status, bill.paid_at = Bill.Status.PAID, now
        bill.payment_voucher_id = payment_vouchers[bill.pk]
    Bill.objects.bulk_update(bills, ["status", "paid_at", "payment_voucher"], batch_size=1000)
    if bills:
        audit_record(
            "bill.paid_bulk",
            company=company,
            changes={"bill_ids": [b.pk for b in bills], "count": len(bills)},
        )
    return len(bills)

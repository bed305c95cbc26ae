"""Vouchers: the only code that creates one.

``voucher_post`` (one voucher, audited) and ``vouchers_insert`` (many, in the caller's
transaction: the building block of the bulk services) refuse a voucher whose lines do not sum
to zero, and a deferred trigger checks the same at commit. ``vouchers_insert`` runs in a
constant number of queries whatever the count, because an OCR or camt.053 import posts a
whole file at once."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bankint import context
from bankint.dates import clean_entered_date
from bankint.db import copy_rows as insert_rows
from bankint.errors import Conflict, ValidationFailed
from bankint.formatting import amount as fmt_amount
from companies.services import audit_record

from ..models import (
    BANK_LEDGER_PREFIX,
    InvoiceSettlement,
    NumberSeries,
    OpenBankLine,
    ReferenceKind,
    Voucher,
    VoucherLine,
)
from ..money import clean_amount
from ..selectors import ledger_account_numbers
from .chart import ZERO, ledger_chart_ensure, number_allocate
from .settlements import invoice_settlements_apply


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
                % {"total": fmt_amount(total)}
            )
    if problems:
        raise ValidationFailed(problems[0], fields={"lines": problems})
    return cleaned


def vouchers_insert(company, specs: Sequence[VoucherSpec], *, audit: bool = True) -> list[Voucher]:
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
    return vouchers_insert(company, [VoucherSpec(date=date, text=text, lines=lines, kind=kind)])[0]


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
    reversal = vouchers_insert(original.company, [spec], audit=False)[0]
    settlements = list(InvoiceSettlement.objects.filter(voucher=original))
    if settlements:
        invoice_settlements_apply(
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
    return vouchers_insert(company, specs)

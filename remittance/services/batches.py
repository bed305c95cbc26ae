"""Batches: new payments grouped into draft batches, and a batch's pain.001 file."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_

from accounts.models import PaymentFileVersion
from bankint.errors import ValidationFailed
from bankint.stored_text import stored
from companies.services import audit_record
from iso20022.errors import IsoFormatError
from iso20022.pain001 import (
    Pain001Batch,
    Pain001Message,
    Pain001Payment,
    PostalAddress,
    RegulatoryReport,
    build_pain001,
    build_pain001_v09,
)
from iso20022.pain001.abroad import REPORTING_THRESHOLD_NOK
from notifications.models import Notification
from notifications.services import notify_bulk

from ..models import MAX_BATCH_TOTAL, Payment, PaymentBatch
from ..selectors import payment_approvers
from .common import P, file_reason
from .payments import new_id


@transaction.atomic
def payment_batches_build(company, *, payment_ids=None, user=None) -> list[PaymentBatch]:
    """Group new payments into draft batches: one per debit account, execution date and currency.

    Each batch is written in the file version its account's agreement takes
    (``payment_file_version``, kept on the batch). Refused, naming the payments: a payment
    abroad or in currency from an account whose agreement is still on pain.001.001.03 (that
    version carries only NOK to Norwegian accounts), and a payment abroad that must be
    reported to the Currency Register without its code and text.
    """
    qs = Payment.objects.select_for_update(of=("self",)).filter(company=company, status=P.NEW)
    if payment_ids is not None:
        qs = qs.filter(pk__in=list(payment_ids))
    payments = list(qs.select_related("bank_account").order_by("id"))
    if not payments:
        raise ValidationFailed(_("There are no new payments to put in a batch."), code="nothing_to_batch")
    _check_batchable(payments)
    groups: dict[tuple[int, date, str], list[Payment]] = {}
    for p in payments:
        groups.setdefault((p.bank_account_id, p.execution_date, p.currency), []).append(p)
    batches = []
    for (_account_id, day, currency), group in groups.items():
        account = group[0].bank_account
        parts = _parts_within_total(group)
        for number, (part, total) in enumerate(parts, start=1):
            msg_id = new_id("BI")
            batch = PaymentBatch.objects.create(
                company=company,
                bank_account=account,
                execution_date=day,
                approval_mode=account.approval_mode,
                msg_id=msg_id,
                pmt_inf_id=f"{msg_id}-1",
                payment_count=len(part),
                currency=currency,
                pain001_version=account.payment_file_version or PaymentFileVersion.V03,
                total=total,
                created_by=user if getattr(user, "pk", None) else None,
            )
            Payment.objects.filter(pk__in=[p.pk for p in part], status=P.NEW).update(
                batch=batch, status=P.IN_BATCH
            )
            after = {
                "payments": len(part),
                "total": f"{total:.2f}",
                "currency": currency,
                "msg_id": msg_id,
                "version": batch.pain001_version,
            }
            if len(parts) > 1:
                after["part"] = f"{number}/{len(parts)}"
            audit_record("payment_batch.create", obj=batch, changes={"after": after})
            batches.append(batch)
    payment_batches_notify_approvers(company, batches, user=user)
    return batches


def _payment_label(p: Payment) -> str:
    return _("%(creditor)s, %(currency)s %(amount)s") % {
        "creditor": p.creditor_name,
        "currency": p.currency,
        "amount": f"{p.amount:.2f}",
    }


def _check_batchable(payments: list[Payment]) -> None:
    """What the bank would refuse anyway, said before a batch is built (see payment_batches_build)."""
    old_version = [
        p
        for p in payments
        if (p.kind != Payment.Kind.DOMESTIC or p.currency != "NOK")
        and p.bank_account.payment_file_version != PaymentFileVersion.V09
    ]
    if old_version:
        account = old_version[0].bank_account
        raise ValidationFailed(
            _(
                "Account %(account)s's bank agreement still uses the 2009 payment file "
                "(pain.001.001.03), which carries only NOK payments to Norwegian accounts. These "
                "payments abroad or in currency cannot be sent from it: %(payments)s. Ask the bank to "
                "move the agreement to pain.001.001.09, or pay them from another account."
            )
            % {
                "account": account.account_number_display,
                "payments": "; ".join(_payment_label(p) for p in old_version[:5]),
            },
            code="file_version_too_old",
        )
    unreported = [
        p
        for p in payments
        if p.kind != Payment.Kind.DOMESTIC
        and (p.nok_equivalent is None or p.nok_equivalent > REPORTING_THRESHOLD_NOK)
        and not (p.regulatory_code and p.regulatory_text)
    ]
    if unreported:
        raise ValidationFailed(
            _(
                "These payments abroad are above NOK 100 000 (or their value in NOK is not known) and "
                "lack the payment type code (betalingsart) and text for the Currency Register: "
                "%(payments)s. Correct them before putting them in a batch."
            )
            % {"payments": "; ".join(_payment_label(p) for p in unreported[:5])},
            code="regulatory_report_missing",
        )


def payment_batches_notify_approvers(company, batches: list[PaymentBatch], *, user=None) -> int:
    """Tell each approver that RgB batches wait for their approval: one notification each.

    Post-approval batches are approved in the online bank, not here, so they notify no one.
    Whoever built the batches is not told (under the four-eyes rule they may not approve
    them; without it they know). Returns the number notified.
    """
    rgb = [b for b in batches if b.approval_mode == PaymentBatch.ApprovalMode.RGB]
    if not rgb:
        return 0
    approvers = list(payment_approvers(company).exclude(pk=getattr(user, "pk", None)))
    if not approvers:
        return 0
    count, total = len(rgb), sum((b.total for b in rgb), Decimal(0))
    link = (
        reverse("remittance:batch_detail", args=[rgb[0].pk]) if count == 1 else reverse("remittance:batches")
    )
    who = (user.get_full_name() or user.get_username()) if getattr(user, "pk", None) else ""
    # Stored as message ids and values: each approver reads it in their own language.
    title = stored(
        N_("A payment batch waits for your approval"),
        plural=N_("%(count)d payment batches wait for your approval"),
        plural_by="count",
        count=count,
    )
    by = stored(N_(" (built by %(name)s)"), name=who) if who else ""
    currencies = sorted({b.currency for b in rgb})
    if currencies != ["NOK"]:
        # Totals in different currencies do not add up: the currencies are named instead.
        body = stored(
            N_(
                "A batch in %(currencies)s is ready for approval with BankID%(by)s. Open the batch, check "
                "the payments and approve them; the bank pays them on the execution date."
            ),
            plural=N_(
                "%(count)d batches in %(currencies)s are ready for approval with BankID%(by)s. Open the "
                "batches, check the payments and approve them; the bank pays them on the execution date."
            ),
            plural_by="count",
            count=count,
            currencies=", ".join(currencies),
            by=by,
        )
    else:
        body = _nok_body(count, total, by)
    notify_bulk(
        [
            Notification(
                company=company,
                audience=Notification.Audience.USER,
                user=approver,
                level=Notification.Level.INFO,
                title=title[:200],
                body=body,
                link=link,
                dedup_key=f"remittance:approve:{rgb[0].pk}:{approver.pk}",
            )
            for approver in approvers
        ]
    )
    return len(approvers)


def _nok_body(count: int, total: Decimal, by) -> str:
    return stored(
        N_(
            "A batch of NOK %(total)s is ready for approval with BankID%(by)s. Open the batch, check "
            "the payments and approve them; the bank pays them on the execution date."
        ),
        plural=N_(
            "%(count)d batches of NOK %(total)s in all are ready for approval with BankID%(by)s. Open "
            "the batches, check the payments and approve them; the bank pays them on the execution date."
        ),
        plural_by="count",
        count=count,
        total=total,
        by=by,
    )


def _parts_within_total(payments: list[Payment]) -> list[tuple[list[Payment], Decimal]]:
    """The payments, in order, cut into runs whose total a batch can hold (``MAX_BATCH_TOTAL``).

    Two payments of 9 000 000 000 000.00 on one account and date once made a total the column
    cannot hold: the build failed, and with it every later build of the company's new payments.
    Split, not refused: each payment fits a batch alone (its own column has the same bound),
    so every payment is batched and none holds back the others; the bank takes two files for
    one account and date as readily as one.
    """
    parts: list[tuple[list[Payment], Decimal]] = []
    part: list[Payment] = []
    total = Decimal(0)
    for p in payments:
        if part and total + p.amount > MAX_BATCH_TOTAL:
            parts.append((part, total))
            part, total = [], Decimal(0)
        part.append(p)
        total += p.amount
    if part:
        parts.append((part, total))
    return parts


# --- the file --------------------------------------------------------------------------------------


def payment_batch_message(batch: PaymentBatch, payments=None) -> Pain001Message:
    """The pain.001 content for a batch, from the database (ids fixed at creation)."""
    company = batch.company
    if payments is None:
        payments = Payment.objects.filter(batch=batch).exclude(status=P.CANCELLED).order_by("id")
    txs = [_pain001_payment(p) for p in payments.iterator(chunk_size=5000)]
    return Pain001Message(
        msg_id=batch.msg_id,
        created_at=timezone.localtime(batch.file_created_at or timezone.now()),
        initiating_party_name=company.name,
        initiating_party_org_number=company.org_number,
        batches=[
            Pain001Batch(
                pmt_inf_id=batch.pmt_inf_id,
                execution_date=batch.execution_date,
                debtor_name=company.name,
                debtor_org_number=company.org_number,
                debtor_account=batch.bank_account.account_number,
                payments=txs,
            )
        ],
    )


def _pain001_payment(p: Payment) -> Pain001Payment:
    """One payment as the file carries it: a domestic one as always; one abroad with its bank,
    address, charges, urgency, UETR and Currency Register report."""
    common = {
        "end_to_end_id": p.end_to_end_id,
        "amount": p.amount,
        "creditor_name": p.creditor_name,
        "creditor_account": p.creditor_account,
        "kid": p.kid or None,
        "message": p.message or None,
        "uetr": str(p.uetr) if p.uetr else None,
    }
    if p.kind == Payment.Kind.DOMESTIC and p.currency == "NOK":
        return Pain001Payment(**common)
    address = None
    if p.creditor_town or p.creditor_country:
        address = PostalAddress(
            town=p.creditor_town,
            country=p.creditor_country,
            street=p.creditor_street or None,
            building_number=p.creditor_building_number or None,
            postcode=p.creditor_postcode or None,
        )
    report = RegulatoryReport(code=p.regulatory_code, text=p.regulatory_text) if p.regulatory_code else None
    # Reported when the code was given, or when the value decides so (unknown counts as above:
    # payment_create then required the report).
    required = bool(report) or p.nok_equivalent is None or p.nok_equivalent > REPORTING_THRESHOLD_NOK
    return Pain001Payment(
        **common,
        currency=p.currency,
        creditor_bic=p.creditor_bic or None,
        creditor_address=address,
        charge_bearer=p.charge_bearer or None,
        urgent=p.urgent,
        nok_equivalent=p.nok_equivalent,
        reporting_required=required if p.kind != Payment.Kind.DOMESTIC else None,
        regulatory_report=report,
    )


def _file_version(batch: PaymentBatch) -> str:
    return batch.pain001_version or batch.bank_account.payment_file_version or PaymentFileVersion.V03


_PAYMENT_INDEX = re.compile(r"payments\[(\d+)\]")


def payment_batch_build_file(batch: PaymentBatch) -> bytes:
    """Build (and XSD-check) the file in the batch's version; regenerating gives the same
    MsgId/PmtInfId/EndToEndIds. A refusal names the payment it is about."""
    message = payment_batch_message(batch)
    version = _file_version(batch)
    build = build_pain001_v09 if version == PaymentFileVersion.V09 else build_pain001
    try:
        return build(message)
    except IsoFormatError as exc:
        reason = file_reason(exc)
        found = _PAYMENT_INDEX.search(exc.path or "")
        payments = message.batches[0].payments if message.batches else ()
        if found and int(found.group(1)) < len(payments):
            p = payments[int(found.group(1))]
            reason = _("the payment to %(creditor)s (%(currency)s %(amount)s): %(error)s") % {
                "creditor": p.creditor_name,
                "currency": p.currency,
                "amount": p.amount,
                "error": reason,
            }
        raise ValidationFailed(
            _("The payment file could not be built: %(error)s") % {"error": reason},
            code="file_not_built",
        ) from exc


def payment_batch_pain001(batch: PaymentBatch) -> bytes:
    """The file as sent, or (before sending) as it would be sent."""
    if batch.pain001_sha256:
        return bytes(batch.pain001)
    return payment_batch_build_file(batch)

"""The bank's change-feed events for remittance (registered in ``RemittanceConfig.ready``):
a status report updated, a debit notification created, a BankID signing ended."""

from __future__ import annotations

import logging

from django.utils.translation import gettext as _

from bankclient import BankRejected, BankUnavailable, get_client
from bankint.errors import BankFileRejected, Conflict, DomainError, NotPermitted
from notifications.models import Notification
from notifications.services import notify

from ..models import BankReport, PaymentBatch
from .approval import SigningPending, payment_batch_approve_complete
from .bank_answers import payment_batch_apply_pain002, report_unreadable
from .common import B
from .debit_notifications import payment_batch_book_camt054

logger = logging.getLogger(__name__)


def feed_payment_file_updated(events, *, client=None) -> None:
    """``payment_file.updated``: fetch the current pain.002 once per MsgId and apply it."""
    pairs = {(e.org_number, str((e.data or {}).get("msg_id") or e.resource_id)) for e in events}
    msg_ids = {m for _o, m in pairs}
    batches = list(
        PaymentBatch.objects.filter(msg_id__in=msg_ids)
        .select_related("company", "bank_account")
        .order_by("id")
    )
    client = client or get_client()
    for batch in batches:
        if (batch.company.org_number, batch.msg_id) not in pairs:
            continue  # another customer's MsgId: never cross tenants
        if batch.status in (B.DRAFT, B.APPROVED, B.POST_APPROVAL):
            continue
        try:
            content = client.get_pain002(batch.msg_id)
        except BankRejected as exc:
            logger.warning("pain.002 for %s not available: %s", batch.msg_id, exc)
            continue
        try:
            payment_batch_apply_pain002(batch, content)
        except BankFileRejected as exc:
            report_unreadable(batch, exc)


def feed_debit_notification_created(events, *, client=None) -> list:
    """``debit_notification.created``: record each new camt.054 to fetch, and queue one
    ``remittance.debit_notification_import`` task per file once the record commits.

    Nothing is downloaded here (``client`` is the task's business). A notification booked
    already, or for a MsgId that is not this customer's, is not recorded. Returns the fetches
    queued.
    """
    from agreements.fetches import FetchSpec, bank_file_fetches_record
    from agreements.models import BankFileFetch

    wanted = {str(e.resource_id): e for e in events}
    seen = set(
        BankReport.objects.filter(kind=BankReport.Kind.CAMT054, bank_reference__in=list(wanted)).values_list(
            "bank_reference", flat=True
        )
    )
    owners = _owners({str((e.data or {}).get("msg_id") or "") for e in events})
    specs = [
        FetchSpec.of(event)
        for ref, event in wanted.items()
        if ref not in seen and _owner(owners, event.org_number, event.data) is not None
    ]
    return bank_file_fetches_record(BankFileFetch.Kind.DEBIT_NOTIFICATION, specs)


def _owners(msg_ids) -> dict:
    """The company of each MsgId."""
    from companies.models import Company

    owners = dict(PaymentBatch.objects.filter(msg_id__in=msg_ids).values_list("msg_id", "company_id"))
    companies = Company.objects.in_bulk(set(owners.values()))
    return {msg_id: companies.get(company_id) for msg_id, company_id in owners.items()}


def _owner(owners: dict, org_number, data):
    """The company a notification is for, if its MsgId is that customer's (never cross tenants)."""
    company = owners.get(str((data or {}).get("msg_id") or ""))
    return company if company is not None and company.org_number == org_number else None


def debit_notification_fetch_import(fetch, *, client=None) -> str | None:
    """The task's work: download one camt.054 and book its payments; once.

    Idempotent: a notification booked already (by the bank's reference) is not downloaded
    again, and booking it twice changes nothing. The download happens outside any transaction;
    ``BankUnavailable`` propagates and the fetch is tried again later. A notification the bank
    no longer has, or one that cannot be booked, is logged and not tried again (as the feed
    did): the returned note says which.
    """
    ref = fetch.bank_resource_id
    if BankReport.objects.filter(kind=BankReport.Kind.CAMT054, bank_reference=ref).exists():
        return None
    company = _owner(
        _owners({str((fetch.data or {}).get("msg_id") or "")}), fetch.org_number or None, fetch.data
    )
    if company is None:
        return None
    try:
        content = (client or get_client()).download_debit_notification(int(ref))
    except BankRejected as exc:
        logger.warning("camt.054 %s not available: %s", ref, exc)
        return f"not available: {exc}"
    try:
        payment_batch_book_camt054(company, content, notification_id=ref)
    except BankFileRejected as exc:
        logger.error("camt.054 %s not booked: %s", ref, exc)
        return f"not booked: {exc}"
    return None


def feed_signing_updated(events, *, client=None) -> None:
    """``signing.updated``: a BankID signing for a batch ended; approve it, or say it did not.

    The approver usually finishes on the batch page; this completes it when they do not come
    back (closed tab), so a signed batch is never left waiting.
    """
    ids = [int(e.resource_id) for e in events if str(e.resource_id).isdigit()]
    batches = list(
        PaymentBatch.objects.filter(signing_id__in=ids, status=B.DRAFT).select_related(
            "company", "bank_account", "signing_user"
        )
    )
    client = client or get_client()
    for batch in batches:
        # Read before completing: a signing that ends without approval is cleared from the batch.
        signer, signing_id = batch.signing_user, batch.signing_id
        try:
            payment_batch_approve_complete(batch, client=client)
        except SigningPending:
            continue
        except (Conflict, NotPermitted) as exc:
            if exc.code == "bank_unavailable":
                raise BankUnavailable(exc.message) from exc
            if signer is not None:
                notify(
                    batch.company,
                    title=_("Batch not approved"),
                    body=exc.message,
                    level=Notification.Level.WARNING,
                    user=signer,
                    link=f"/payments/batches/{batch.pk}/",
                    dedup_key=f"remittance:{batch.pk}:signing:{signing_id}",
                )
        except DomainError as exc:
            logger.warning("signing for batch %s not completed: %s", batch.pk, exc)

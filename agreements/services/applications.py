"""Online-bank applications and ordering "RgB" (approval in the online bank) later, both
answered through the change feed."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_

from accounts.models import BankAccount
from accounts.selectors import bank_account_list
from accounts.services import bank_account_update
from bankclient import get_client
from bankclient.dto import ChangeEvent
from bankint.errors import Conflict, ValidationFailed
from bankint.stored_text import Account, Code, stored
from companies.models import AuditEvent, Company
from companies.services import audit_events_build, audit_record
from notifications.models import Notification
from notifications.services import notify_bulk

from ..models import OnlineBankApplication, RgbOrder
from .orders import return_url

logger = logging.getLogger(__name__)

# --- online bank application ---------------------------------------------------------------------


def online_bank_application_start(company: Company, *, client=None) -> OnlineBankApplication:
    """A customer without an online bank is sent to the bank's pages; we track the application."""
    open_app = (
        OnlineBankApplication.objects.filter(company=company)
        .exclude(status__in=[OnlineBankApplication.Status.CREATED, OnlineBankApplication.Status.CANCELLED])
        .first()
    )
    if open_app is not None and open_app.bank_application_id:
        return open_app
    app = open_app or OnlineBankApplication.objects.create(
        company=company, reference=f"bankint-app-{company.pk}-{uuid.uuid4().hex[:16]}"
    )
    if open_app is None:
        audit_record("online_bank_application.create", obj=app)
    client = client or get_client()
    answer = client.create_online_bank_application(
        org_number=company.org_number,
        company_name=company.name,
        reference=app.reference,
        return_url=return_url("agreements:online_bank_return", app.pk),
    )
    with transaction.atomic():
        OnlineBankApplication.objects.filter(pk=app.pk).update(
            bank_application_id=answer.id,
            url=answer.url,
            status=answer.status,
            raw_response={"id": answer.id},
        )
    app.refresh_from_db()
    return app


def online_bank_application_refresh(app: OnlineBankApplication, *, client=None) -> OnlineBankApplication:
    """The user back from DNB's pages (``agreements:online_bank_return``): ask the bank about
    the application now and apply its status as the feed would (audited, notified once), and
    keep its link to the step the user is at. The bank being down leaves it as it was."""
    if app.bank_application_id is None:
        return app
    client = client or get_client()
    detail = client.get_online_bank_application(app.bank_application_id)
    if detail.url and detail.url != app.url:
        OnlineBankApplication.objects.filter(pk=app.pk).update(url=detail.url)
    online_bank_applications_apply_events([_event(app.bank_application_id, detail.status)])
    app.refresh_from_db()
    return app


def _event(resource_id: int, status: str) -> ChangeEvent:
    """What the bank answered when asked, in the shape of its change feed's event."""
    return ChangeEvent(0, "", None, str(resource_id), {"status": status}, timezone.now())


def online_bank_applications_apply_events(events: list[ChangeEvent], *, client=None) -> int:
    order = OnlineBankApplication.ORDER
    last: dict[int, dict] = {}
    for e in events:
        try:
            key = int(e.resource_id)
        except (TypeError, ValueError):
            continue
        status = str((e.data or {}).get("status") or "")
        seen = str(last.get(key, {}).get("status") or "")
        # Within a run the furthest state wins: an old event delivered late never moves it back.
        if seen in order and status in order and order.index(status) < order.index(seen):
            continue
        last[key] = e.data or {}
    apps = list(
        OnlineBankApplication.objects.filter(bank_application_id__in=list(last)).select_related("company")
    )
    changed = []
    notifications = []
    for app in apps:
        status = str(last[app.bank_application_id].get("status") or "")
        if status not in OnlineBankApplication.Status.values or status == app.status:
            continue
        if status in order and app.status in order and order.index(status) < order.index(app.status):
            continue  # an old event delivered late never moves the application back
        before, app.status = app.status, status
        changed.append((app, before))
        notification = _application_notification(app, status)
        if notification is not None:
            notifications.append(notification)
    if not changed:
        return 0
    with transaction.atomic():
        OnlineBankApplication.objects.bulk_update([a for a, _b in changed], ["status"])
        AuditEvent.objects.bulk_create(
            [
                audit_events_build(
                    "online_bank_application.status",
                    [a],
                    {a.pk: {"status": {"before": b, "after": a.status}}},
                )[0]
                for a, b in changed
            ]
        )
        notify_bulk(notifications)
    return len(changed)


def _application_notification(app: OnlineBankApplication, status: str) -> Notification | None:
    """What the company hears when DNB moves its online bank application on (nothing for the
    steps in between)."""
    if status == OnlineBankApplication.Status.READY_FOR_SIGNING:
        step, link = "ready", app.url
        title = stored(N_("The online bank agreement is ready to sign"))
        body = stored(
            N_("DNB has prepared the online bank agreement. Sign it with BankID on DNB's pages: %(url)s"),
            url=app.url,
        )
    elif status == OnlineBankApplication.Status.CREATED:
        step, link = "created", reverse("agreements:connect")
        title = stored(N_("The online bank is created"))
        body = stored(
            N_(
                "DNB has created the integrated online bank. You can now order the bank services with "
                "“Connect service” on the Agreements tab."
            )
        )
    else:
        return None
    return Notification(
        company=app.company,
        title=title,
        body=body,
        link=link,
        dedup_key=f"online_bank_application:{app.pk}:{step}",
    )


# --- RgB ordering later ----------------------------------------------------------------------------


def rgb_order_start(company: Company, *, account_ids: Sequence, client=None) -> RgbOrder:
    """Order RgB for accounts on post-approval with an existing integration (etterbestilling)."""
    accounts = [a for a in bank_account_list(company, active=True) if a.pk in {int(i) for i in account_ids}]
    if not accounts:
        message = _("Choose at least one account.")
        raise ValidationFailed(message, fields={"accounts": [message]})
    dual = [a for a in accounts if a.dual_approval_required]
    if dual:
        raise ValidationFailed(
            _(
                "The bank agreement for %(accounts)s requires dual approval, so RgB is not allowed: both "
                "approvals happen in the online bank. The account must use post-approval."
            )
            % {"accounts": ", ".join(a.account_number_display for a in dual)},
            code="dual_approval_required",
        )
    not_integrated = [a for a in accounts if not a.agreement_id]
    if not_integrated:
        raise ValidationFailed(
            _("%(accounts)s has no integration yet: order the services with “Connect service” first.")
            % {"accounts": ", ".join(a.account_number_display for a in not_integrated)},
            code="no_integration",
        )
    already = [a for a in accounts if a.approval_mode == BankAccount.ApprovalMode.RGB]
    if already:
        raise Conflict(
            _("%(accounts)s already uses RgB.")
            % {"accounts": ", ".join(a.account_number_display for a in already)}
        )
    order = RgbOrder.objects.create(
        company=company,
        reference=f"bankint-rgb-{company.pk}-{uuid.uuid4().hex[:16]}",
        accounts=[a.account_number for a in accounts],
    )
    audit_record("rgb_order.create", obj=order, changes={"after": {"accounts": order.accounts}})
    client = client or get_client()
    answer = client.create_rgb_order(
        org_number=company.org_number,
        accounts=order.accounts,
        vendor="PowerOffice GO",
        reference=order.reference,
        return_url=return_url("agreements:rgb_return", order.pk),
    )
    RgbOrder.objects.filter(pk=order.pk).update(bank_order_id=answer.id, url=answer.url)
    order.refresh_from_db()
    return order


def rgb_order_refresh(order: RgbOrder, *, client=None) -> RgbOrder:
    """The user back from DNB's RgB pages (``agreements:rgb_return``): ask the bank about the
    order now; confirmed, it is applied as the feed would (accounts to RgB, notifications)."""
    if order.bank_order_id is None or order.status != RgbOrder.Status.AWAITING_USER:
        return order
    client = client or get_client()
    detail = client.get_rgb_order(order.bank_order_id)
    if detail.url and detail.url != order.url:
        RgbOrder.objects.filter(pk=order.pk).update(url=detail.url)
    if detail.status == RgbOrder.Status.CONFIRMED:
        _rgb_orders_confirm([order], {order.pk: detail})
    order.refresh_from_db()
    return order


def rgb_orders_apply_events(events: list[ChangeEvent], *, client=None) -> int:
    ids = set()
    for e in events:
        if str((e.data or {}).get("status")) == RgbOrder.Status.CONFIRMED:
            try:
                ids.add(int(e.resource_id))
            except (TypeError, ValueError):
                continue
    orders = list(
        RgbOrder.objects.filter(
            bank_order_id__in=list(ids), status=RgbOrder.Status.AWAITING_USER
        ).select_related("company")
    )
    if not orders:
        return 0
    client = client or get_client()
    return _rgb_orders_confirm(orders, {o.pk: client.get_rgb_order(o.bank_order_id) for o in orders})


def _rgb_orders_confirm(orders: list[RgbOrder], details: dict) -> int:
    """Record what the bank confirmed for each order (once, whoever comes first: the feed or
    the user back from the bank): accounts enabled switch to RgB, each refusal is told."""
    done = 0
    for order in orders:
        detail = details[order.pk]
        with transaction.atomic():
            if not RgbOrder.objects.filter(pk=order.pk, status=RgbOrder.Status.AWAITING_USER).update(
                status=RgbOrder.Status.CONFIRMED,
                confirmed_at=timezone.now(),
                raw_response={
                    "id": detail.id,
                    "status": detail.status,
                    "results": [r.__dict__ for r in detail.results],
                },
            ):
                continue
            done += 1
            audit_record(
                "rgb_order.status",
                obj=order,
                changes={"status": {"before": "AWAITING_USER", "after": "CONFIRMED"}},
            )
            enabled = [r.account for r in detail.results if r.status == "enabled"]
            refused = [r for r in detail.results if r.status != "enabled"]
            for account in BankAccount.objects.filter(company=order.company, account_number__in=enabled):
                if (
                    account.approval_mode != BankAccount.ApprovalMode.RGB
                    and not account.dual_approval_required
                ):
                    bank_account_update(account, approval_mode=BankAccount.ApprovalMode.RGB)
            notes = []
            if enabled:
                notes.append(
                    Notification(
                        company=order.company,
                        title=stored(N_("RgB is active")),
                        body=stored(
                            N_("DNB confirmed accounting-approved payments (RgB) for %(accounts)s."),
                            accounts=[Account(number) for number in enabled],
                        ),
                        dedup_key=f"rgb_order:{order.pk}:confirmed",
                    )
                )
            for r in refused:
                notes.append(
                    Notification(
                        company=order.company,
                        level=Notification.Level.ERROR,
                        title=stored(N_("DNB refused RgB for an account")),
                        body=stored(
                            N_("DNB refused RgB for %(account)s: %(reason)s What to do: %(todo)s"),
                            account=Account(r.account),
                            reason=r.message or r.code,
                            todo=Code("order_advice", r.code or ""),
                        ),
                        dedup_key=f"rgb_order:{order.pk}:{r.account}:refused",
                    )
                )
            notify_bulk(notes)
    return done

"""The payments' part of the home page's to-do list (``bankint.todos``).

For an approver: the RgB batches they may approve (under the four-eyes rule, not those they
built or entered payments in). For whoever prepares payments: new payments to put in batches,
RgB batches waiting for someone else's approval (and whose), post-approval batches to send,
rejected payments to correct. For both: batches sent for post-approval that wait in the online
bank, with a link there. At most five queries, however many batches and payments there are.
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import Count, Exists, Min, OuterRef, Q, Sum
from django.urls import reverse
from django.utils.translation import gettext as _

from bankint.formatting import money
from bankint.todos import Todo
from companies.roles import Perm

from .models import Payment, PaymentBatch
from .selectors import four_eyes_in_force, payment_approvers

B = PaymentBatch.Status
MAX_NAMES = 4


def online_bank_url() -> str:
    """The bank's online bank, where post-approval batches are approved."""
    return settings.BANK_ONLINE_BANK_URL


def _batch_link(count: int, one_pk) -> str:
    if count == 1 and one_pk:
        return reverse("remittance:batch_detail", args=[one_pk])
    return reverse("remittance:batches")


def _names(users) -> str:
    names = [u.get_full_name() or u.get_username() for u in users[: MAX_NAMES + 1]]
    if len(names) > MAX_NAMES:
        return _("%(names)s and others") % {"names": ", ".join(names[:MAX_NAMES])}
    return ", ".join(names)


def remittance_todos(user, company, perms) -> list[Todo]:
    can_approve = Perm.APPROVE_PAYMENTS in perms
    can_prepare = Perm.PREPARE_PAYMENTS in perms
    if not (can_approve or can_prepare):
        return []
    rgb_draft = Q(status=B.DRAFT, approval_mode=PaymentBatch.ApprovalMode.RGB)
    post_draft = Q(status=B.DRAFT, approval_mode=PaymentBatch.ApprovalMode.POST_APPROVAL)
    in_bank = Q(status=B.AWAITING_APPROVAL)
    took_part = Q(created_by=user) | Q(
        Exists(
            Payment.objects.filter(batch=OuterRef("pk"), editors=user).exclude(
                status=Payment.Status.CANCELLED
            )
        )
    )
    c = PaymentBatch.objects.filter(company=company).aggregate(
        rgb=Count("pk", filter=rgb_draft),
        rgb_pk=Min("pk", filter=rgb_draft),
        rgb_total=Sum("total", filter=rgb_draft),
        rgb_free=Count("pk", filter=rgb_draft & ~took_part),
        rgb_free_pk=Min("pk", filter=rgb_draft & ~took_part),
        rgb_free_total=Sum("total", filter=rgb_draft & ~took_part),
        post=Count("pk", filter=post_draft),
        post_pk=Min("pk", filter=post_draft),
        bank=Count("pk", filter=in_bank),
        bank_pk=Min("pk", filter=in_bank),
    )
    items: list[Todo] = []
    mine = 0
    if can_approve and c["rgb"]:
        # Under the four-eyes rule the batches this user took part in wait for someone else.
        strict = four_eyes_in_force(company)
        mine = c["rgb_free"] if strict else c["rgb"]
        items.append(
            Todo(
                key="remittance.approve",
                title=_("Payment batches to approve"),
                count=mine,
                link=_batch_link(mine, c["rgb_free_pk"] if strict else c["rgb_pk"]),
                detail=_("%(total)s in all. Approve them with BankID.")
                % {"total": money(c["rgb_free_total"] if strict else c["rgb_total"])},
                order=10,
            )
        )
    if c["bank"]:
        items.append(
            Todo(
                key="remittance.online_bank",
                title=_("Payment batches to approve in the online bank"),
                count=c["bank"],
                link=_batch_link(c["bank"], c["bank_pk"]),
                detail=_(
                    "Sent for post-approval: the bank pays them once someone with approval rights "
                    "approves them in the online bank."
                ),
                bank_link=online_bank_url(),
                bank_link_label=_("Open the online bank"),
                order=15,
            )
        )
    if not can_prepare:
        return items
    waiting = c["rgb"] - mine
    if waiting:
        approvers = list(payment_approvers(company).exclude(pk=user.pk)[: MAX_NAMES + 1])
        who = (
            _("To be approved with BankID by: %(names)s.") % {"names": _names(approvers)}
            if approvers
            else _(
                "Nobody else in the company has the approver role: give someone the role before "
                "the batches can be approved."
            )
        )
        items.append(
            Todo(
                key="remittance.awaiting_approval",
                title=_("Payment batches waiting for approval"),
                count=waiting,
                link=_batch_link(waiting, c["rgb_pk"]),
                detail=who,
                order=20,
            )
        )
    if c["post"]:
        items.append(
            Todo(
                key="remittance.send",
                title=_("Payment batches to send for post-approval"),
                count=c["post"],
                link=_batch_link(c["post"], c["post_pk"]),
                detail=_("Send them to the bank; they are then approved in the online bank."),
                order=25,
            )
        )
    p = Payment.objects.filter(company=company).aggregate(
        new=Count("pk", filter=Q(status=Payment.Status.NEW)),
        rejected=Count("pk", filter=Q(status=Payment.Status.REJECTED, corrected_by__isnull=True)),
    )
    if p["new"]:
        items.append(
            Todo(
                key="remittance.new_payments",
                title=_("New payments to put in a batch"),
                count=p["new"],
                link=reverse("remittance:payments"),
                order=30,
            )
        )
    if p["rejected"]:
        items.append(
            Todo(
                key="remittance.rejected",
                title=_("Rejected payments to correct"),
                count=p["rejected"],
                link=reverse("remittance:rejected"),
                detail=_("Correct them and send them again in a new batch."),
                order=35,
            )
        )
    return items

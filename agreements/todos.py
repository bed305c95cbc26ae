"""The bank agreements' part of the home page's to-do list (``bankint.todos``): orders that
wait for the user in the bank's own pages (the order wizard, the RgB order), with a link
straight back there. Two queries per kind, at most four."""

from __future__ import annotations

from django.db.models import Count
from django.urls import reverse
from django.utils.translation import gettext as _

from bankint.todos import Todo
from companies.roles import Perm

from .models import RgbOrder, ServiceOrder


def _continue_at(bank_label: str) -> str:
    return _("Continue at %(bank)s") % {"bank": bank_label}


def agreement_todos(user, company, perms) -> list[Todo]:
    if Perm.MANAGE_BANK not in perms:
        return []
    items: list[Todo] = []
    orders = ServiceOrder.objects.filter(company=company, status=ServiceOrder.Status.AWAITING_CONFIRMATION)
    n = orders.aggregate(n=Count("pk"))["n"]
    if n:
        latest = orders.order_by("-created_at", "-pk").first()
        items.append(
            Todo(
                key="agreements.wizard",
                title=_("Service orders waiting for you in the bank's order wizard"),
                count=n,
                link=reverse("agreements:order_detail", args=[latest.pk])
                if n == 1
                else reverse("agreements:orders"),
                detail=_("The bank processes an order once you have confirmed it in its order wizard."),
                bank_link=latest.wizard_url,
                bank_link_label=_continue_at(latest.get_bank_display()) if latest.wizard_url else "",
                order=12,
            )
        )
    rgb = RgbOrder.objects.filter(company=company, status=RgbOrder.Status.AWAITING_USER)
    n = rgb.aggregate(n=Count("pk"))["n"]
    if n:
        latest = rgb.order_by("-created_at", "-pk").first()
        items.append(
            Todo(
                key="agreements.rgb",
                title=_("RgB orders waiting for you at the bank"),
                count=n,
                link=reverse("agreements:connect"),
                detail=_("Log in at DNB with your online-bank user id and confirm the order."),
                bank_link=latest.url,
                bank_link_label=_continue_at("DNB") if latest.url else "",
                order=13,
            )
        )
    return items

"""Reads for service orders, online-bank applications and RgB orders."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from companies.selectors import company_list_for_user

from . import feed
from .models import OnlineBankApplication, RgbOrder, ServiceOrder, ServiceOrderAccount


def service_order_list(company) -> QuerySet[ServiceOrder]:
    return ServiceOrder.objects.filter(company=company).prefetch_related(
        Prefetch("lines", queryset=ServiceOrderAccount.objects.order_by("account_number"))
    )


def service_order_list_for_user(user) -> QuerySet[ServiceOrder]:
    """An accountant's one list over all clients' orders (only companies they belong to)."""
    return (
        ServiceOrder.objects.filter(company__in=company_list_for_user(user))
        .select_related("company")
        .prefetch_related("lines")
    )


def service_order_outage_warning(order: ServiceOrder) -> str:
    """After a long bank outage a pending order says so: nothing is lost, it waits for the bank."""
    if not order.is_pending:
        return ""
    outage = feed.bank_outage_seconds()
    threshold = int(getattr(settings, "BANK_OUTAGE_WARNING_SECONDS", feed.long_outage_threshold_seconds()))
    if outage is None or outage < threshold:
        return ""
    return _(
        "DNB has not answered for %(minutes)s minutes. The order is kept and its status will be updated "
        "automatically when the bank answers again; nothing needs to be ordered again."
    ) % {"minutes": int(outage // 60)}


def online_bank_application_current(company) -> OnlineBankApplication | None:
    return OnlineBankApplication.objects.filter(company=company).first()


def rgb_order_list(company) -> QuerySet[RgbOrder]:
    return RgbOrder.objects.filter(company=company)

"""Support staff see service orders with the bank's raw answers and can re-poll one.

Read-only: every change goes through the services (guards, audit rows). The "re-poll"
action asks the bank for the chosen orders now, through the same service the feed uses.
"""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from bankclient import BankRejected, BankUnavailable
from bankint.admin import ModelFieldsMixin, ReadOnlyAdmin, ReadOnlyInline

from .models import (
    BankFeedCursor,
    FeedEventFailure,
    OnlineBankApplication,
    RgbOrder,
    ServiceOrder,
    ServiceOrderAccount,
)
from .services.order_results import service_order_repoll


class ServiceOrderAccountInline(ReadOnlyInline):
    model = ServiceOrderAccount
    fields = ["account_number", "result", "agreement_id", "division_name", "division_number", "errors"]


@admin.register(ServiceOrder)
class ServiceOrderAdmin(ModelFieldsMixin, ReadOnlyAdmin):
    list_display = ["id", "company", "bank", "status", "bank_order_id", "code", "created_at", "completed_at"]
    list_filter = ["status", "bank"]
    search_fields = ["company__name", "company__org_number", "reference", "bank_order_id"]
    exclude = ["id", "claim", "updated_at"]  # the key, a poll's claim on a change, bookkeeping
    inlines = [ServiceOrderAccountInline]
    actions = ["repoll"]

    def has_change_permission(self, request, obj=None):
        return obj is None and super(ReadOnlyAdmin, self).has_change_permission(request, obj)

    @admin.action(description=_("Re-poll the chosen orders from the bank"))
    def repoll(self, request, queryset):
        done = 0
        for order in queryset[:50]:
            try:
                service_order_repoll(order)
                done += 1
            except (BankUnavailable, BankRejected) as exc:
                self.message_user(request, f"#{order.pk}: {exc}", level=messages.ERROR)
        self.message_user(request, _("%(n)s order(s) re-polled.") % {"n": done})


@admin.register(OnlineBankApplication)
class OnlineBankApplicationAdmin(ReadOnlyAdmin):
    list_display = ["id", "company", "status", "bank_application_id", "created_at"]
    list_filter = ["status"]


@admin.register(RgbOrder)
class RgbOrderAdmin(ReadOnlyAdmin):
    list_display = ["id", "company", "status", "bank_order_id", "created_at", "confirmed_at"]
    list_filter = ["status"]


@admin.register(BankFeedCursor)
class BankFeedCursorAdmin(ReadOnlyAdmin):
    list_display = [
        "bank",
        "cursor",
        "consecutive_failures",
        "failures_total",
        "last_success_at",
        "last_failure_at",
        "last_error",
    ]


@admin.register(FeedEventFailure)
class FeedEventFailureAdmin(ReadOnlyAdmin):
    """Events of the feed whose handler failed: who they concern, why, and when they are tried again."""

    list_display = [
        "event_id",
        "event_type",
        "org_number",
        "resource_id",
        "attempts",
        "next_retry_at",
        "resolved_at",
        "error",
    ]
    list_filter = ["event_type", ("resolved_at", admin.EmptyFieldListFilter)]
    search_fields = ["org_number", "resource_id", "event_id", "error"]
    actions = ["retry_now", "mark_resolved"]

    @admin.action(description=_("Try again at the next poll"))
    def retry_now(self, request, queryset):
        from .feed import feed_failures_retry

        feed_failures_retry(queryset.values_list("pk", flat=True))

    @admin.action(description=_("Mark as handled by a person"))
    def mark_resolved(self, request, queryset):
        from .feed import feed_failures_resolve

        feed_failures_resolve(queryset.values_list("pk", flat=True))

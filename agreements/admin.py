"""Support staff see service orders with the bank's raw answers and can re-poll one.

Read-only: every change goes through the services (guards, audit rows). The "re-poll"
action asks the bank for the chosen orders now, through the same service the feed uses.
"""

import json

from django.contrib import admin, messages
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from bankclient import BankRejected, BankUnavailable
from bankint.admin import ModelFieldsMixin, ReadOnlyAdmin, ReadOnlyInline
from bankint.personal import mask_fodselsnummer_in_text
from companies.support import SupportAdminMixin

from .models import (
    BankFeedCursor,
    BankFileFetch,
    FeedEventFailure,
    OnlineBankApplication,
    RgbOrder,
    ServiceOrder,
    ServiceOrderAccount,
)
from .services.order_results import service_order_repoll


class BankAnswerMixin:
    """The bank's raw answer, shown as text with any fødselsnummer in it masked."""

    @admin.display(description=_("the bank's answer"))
    def bank_answer(self, obj):
        text = json.dumps(obj.raw_response, ensure_ascii=False, indent=1, sort_keys=True, default=str)
        return format_html("<pre>{}</pre>", mask_fodselsnummer_in_text(text))


class ServiceOrderAccountInline(ReadOnlyInline):
    model = ServiceOrderAccount
    fields = ["account_number", "result", "agreement_id", "division_name", "division_number", "errors"]


@admin.register(ServiceOrder)
class ServiceOrderAdmin(SupportAdminMixin, BankAnswerMixin, ModelFieldsMixin, ReadOnlyAdmin):
    list_display = ["id", "company", "bank", "status", "bank_order_id", "code", "created_at", "completed_at"]
    list_filter = ["status", "bank"]
    search_fields = [
        "company__name",
        "company__org_number",
        "reference",
        "bank_order_id",
        "lines__account_number",
    ]
    date_search_fields = ("created_at", "completed_at")
    # the key, a poll's claim on a change, bookkeeping; the raw answer is shown masked (bank_answer)
    exclude = ["id", "claim", "updated_at", "raw_response"]
    inlines = [ServiceOrderAccountInline]
    actions = ["repoll"]

    def has_change_permission(self, request, obj=None):
        return obj is None and super(ReadOnlyAdmin, self).has_change_permission(request, obj)

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "bank_answer"]

    # Support staff (view only) get no action: a re-poll is for those who may change orders.
    @admin.action(description=_("Re-poll the chosen orders from the bank"), permissions=["change"])
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
class OnlineBankApplicationAdmin(SupportAdminMixin, BankAnswerMixin, ReadOnlyAdmin):
    list_display = ["id", "company", "status", "bank_application_id", "created_at"]
    list_filter = ["status"]
    search_fields = ["company__name", "company__org_number", "reference"]
    date_search_fields = ("created_at",)
    exclude = ["raw_response"]
    readonly_fields = ["bank_answer"]


@admin.register(RgbOrder)
class RgbOrderAdmin(SupportAdminMixin, BankAnswerMixin, ReadOnlyAdmin):
    list_display = ["id", "company", "status", "bank_order_id", "created_at", "confirmed_at"]
    list_filter = ["status"]
    search_fields = ["company__name", "company__org_number", "reference"]
    date_search_fields = ("created_at",)
    exclude = ["raw_response"]
    readonly_fields = ["bank_answer"]


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


@admin.register(BankFileFetch)
class BankFileFetchAdmin(ReadOnlyAdmin):
    """Bank files the feed announced: waiting for an import worker, done, or failed and why."""

    list_display = [
        "id",
        "kind",
        "bank_resource_id",
        "org_number",
        "status",
        "attempts",
        "next_attempt_at",
        "created_at",
        "done_at",
        "last_error",
    ]
    list_filter = ["status", "kind"]
    search_fields = ["org_number", "bank_resource_id", "account", "last_error"]
    actions = ["retry_now", "mark_resolved"]

    @admin.action(description=_("Download and import again now"))
    def retry_now(self, request, queryset):
        from .fetches import bank_file_fetches_retry

        bank_file_fetches_retry(queryset.values_list("pk", flat=True))

    @admin.action(description=_("Mark as handled by a person"))
    def mark_resolved(self, request, queryset):
        from .fetches import bank_file_fetches_resolve

        bank_file_fetches_resolve(queryset.values_list("pk", flat=True))

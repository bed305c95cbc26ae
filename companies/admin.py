import json

from django.contrib import admin, messages
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from bankint import formatting
from bankint.admin import ModelFieldsMixin, ReadOnlyAdmin
from bankint.personal import mask_fodselsnummer_in_text

from .audit_words import action_words
from .models import ApiToken, AuditEvent, Company, Membership, UserProfile
from .support import SupportAdminMixin
from .tokens import RevokeReason, api_token_revoke


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ["name", "org_number", "city", "member_count", "created_at"]
    search_fields = ["name", "org_number"]
    inlines = [MembershipInline]

    @admin.display(description=_("members"))
    def member_count(self, obj):
        return obj.memberships.values("user").distinct().count()


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "company", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__email", "company__name", "company__org_number"]
    autocomplete_fields = ["user", "company"]
    list_select_related = ["user", "company"]


@admin.register(UserProfile)
class UserProfileAdmin(admin.ModelAdmin):
    # The fødselsnummer is never shown or edited in clear in the admin: only masked.
    list_display = ["user", "national_id_masked", "bank_user_id", "mobile"]
    search_fields = ["user__username", "bank_user_id"]
    fields = ["user", "national_id_masked", "bank_user_id", "mobile"]
    readonly_fields = ["national_id_masked"]
    autocomplete_fields = ["user"]

    @admin.display(description=_("national identity number"))
    def national_id_masked(self, obj):
        return obj.national_id_masked


class AuditActionFilter(admin.SimpleListFilter):
    """The actions present in the trail, in words (``companies.audit_words``)."""

    title = _("what happened")
    parameter_name = "action"

    def lookups(self, request, model_admin):
        codes = AuditEvent.objects.order_by().values_list("action", flat=True).distinct()
        return sorted(((code, action_words(code)) for code in codes), key=lambda choice: choice[1])

    def queryset(self, request, queryset):
        return queryset.filter(action=self.value()) if self.value() else queryset


@admin.register(AuditEvent)
class AuditEventAdmin(SupportAdminMixin, ReadOnlyAdmin):
    """The trail in words and in the reader's language; personal numbers in it stay masked."""

    list_display = ["when", "company_name", "who", "what", "object", "source_words", "address"]
    fields = readonly_fields = [
        "when",
        "company_name",
        "who",
        "what",
        "object",
        "object_kind",
        "details",
        "source_words",
        "address",
        "request",
    ]
    list_filter = [AuditActionFilter, "source", "object_type"]
    search_fields = ["action", "object_repr", "object_id", "actor_label", "request_id", "company__name"]
    date_search_fields = ("created_at",)
    date_hierarchy = "created_at"
    list_select_related = ["company"]

    @admin.display(description=_("time"), ordering="created_at")
    def when(self, obj):
        return formatting.moment(obj.created_at)

    @admin.display(description=_("company"), ordering="company__name")
    def company_name(self, obj):
        return obj.company.name if obj.company_id and obj.company else ""

    @admin.display(description=_("who"), ordering="actor_label")
    def who(self, obj):
        return obj.actor_label or _("the system")

    @admin.display(description=_("what happened"), ordering="action")
    def what(self, obj):
        return action_words(obj.action)

    @admin.display(description=_("concerns"))
    def object(self, obj):
        return mask_fodselsnummer_in_text(obj.object_repr)

    @admin.display(description=_("kind and id"))
    def object_kind(self, obj):
        return f"{obj.object_type} {obj.object_id}".strip()

    @admin.display(description=_("details"))
    def details(self, obj):
        text = json.dumps(obj.changes, ensure_ascii=False, indent=1, sort_keys=True, default=str)
        return format_html("<pre>{}</pre>", mask_fodselsnummer_in_text(text))

    @admin.display(description=_("source"), ordering="source")
    def source_words(self, obj):
        return obj.source

    @admin.display(description=_("address"), ordering="ip")
    def address(self, obj):
        return obj.ip or ""

    @admin.display(description=_("request id"))
    def request(self, obj):
        return obj.request_id


@admin.register(ApiToken)
class ApiTokenAdmin(ModelFieldsMixin, admin.ModelAdmin):
    """Support sees every user's tokens and revokes a leaked one; keys are never stored."""

    list_display = [
        "user",
        "name",
        "prefix",
        "token_status",
        "created_at",
        "expires_at",
        "last_used_at",
        "last_used_ip",
        "revoked_at",
    ]
    list_filter = ["revoked_at", "expires_at"]
    search_fields = ["user__username", "name", "prefix"]
    list_select_related = ["user", "revoked_by"]
    date_hierarchy = "created_at"
    actions = ["revoke"]
    exclude = ["key_hash", "password_fingerprint"]

    @admin.display(description=_("status"))
    def token_status(self, obj):
        return obj.get_status_display()

    @admin.action(description=_("Revoke the selected API tokens"), permissions=["change"])
    def revoke(self, request, queryset):
        count = sum(
            api_token_revoke(token, actor=request.user, reason=RevokeReason.SUPPORT)
            for token in queryset.select_related("user")
        )
        self.message_user(
            request,
            ngettext("%(count)d API token revoked.", "%(count)d API tokens revoked.", count)
            % {"count": count},
            messages.SUCCESS,
        )

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # revoke, never delete: the list is the record
        return actions

    def has_add_permission(self, request):
        return False  # a token is made by its user, who alone sees the key

    def has_delete_permission(self, request, obj=None):
        return False

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from bankint.admin import ModelFieldsMixin, ReadOnlyAdmin

from .models import ApiToken, AuditEvent, Company, Membership, UserProfile
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


@admin.register(AuditEvent)
class AuditEventAdmin(ModelFieldsMixin, ReadOnlyAdmin):
    list_display = [
        "created_at",
        "company",
        "actor_label",
        "action",
        "object_type",
        "object_repr",
        "source",
        "ip",
    ]
    list_filter = ["action", "source", "object_type"]
    search_fields = ["action", "object_repr", "object_id", "actor_label", "request_id"]
    date_hierarchy = "created_at"
    list_select_related = ["company"]


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

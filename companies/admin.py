from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import AuditEvent, Company, Membership, UserProfile


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
class AuditEventAdmin(admin.ModelAdmin):
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

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

from django.contrib import admin

from .models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "company", "level", "title", "audience", "user", "emailed_at"]
    list_filter = ["level", "audience"]
    search_fields = ["title", "body", "company__name", "company__org_number"]
    list_select_related = ["company", "user"]
    readonly_fields = ["created_at", "emailed_at", "dedup_key"]
    date_hierarchy = "created_at"

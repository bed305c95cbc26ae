"""Bases for the support admin: everything in it is read-only.

Writes go through the services (guards, audit rows, number series), which an admin save
would bypass, so no model admin adds, changes or deletes; inlines only show.
"""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ModelFieldsMixin:
    """The change page shows the model's fields as they are, in the model's order, but ``exclude``."""

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields if f.name not in (self.exclude or ())]


class ReadOnlyInline(admin.TabularInline):
    """A tabular inline that shows its ``fields`` (or ``readonly_fields``) and changes nothing."""

    extra = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields or self.readonly_fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class RawFileAdminMixin:
    """A bank file's bytes as received: a "Download" link on the page and the view behind it.

    The model keeps the bytes in ``raw_field`` (deferred on the list and the page) and gives
    them back as ``data``; the URL is named ``admin:<app>_<model>_raw``.
    """

    raw_field = "data"
    raw_content_type = "application/octet-stream"
    raw_filename = "file-{pk}"

    def _raw_url_name(self) -> str:
        return f"{self.model._meta.app_label}_{self.model._meta.model_name}_raw"

    def get_queryset(self, request):
        return super().get_queryset(request).defer(self.raw_field)

    def get_urls(self):
        view = self.admin_site.admin_view(self.raw_view)
        return [path("<int:pk>/raw/", view, name=self._raw_url_name()), *super().get_urls()]

    def raw_view(self, request, pk: int):
        file = self.model.objects.get(pk=pk)
        if not self.has_view_permission(request, file):
            return HttpResponse(status=403)
        response = HttpResponse(bytes(file.data), content_type=self.raw_content_type)
        response["Content-Disposition"] = f'attachment; filename="{self.raw_filename.format(pk=file.pk)}"'
        return response

    @admin.display(description=_("raw file"))
    def raw_file(self, obj):
        url = reverse(f"admin:{self._raw_url_name()}", args=[obj.pk])
        return format_html('<a href="{}">{}</a> ({} bytes)', url, _("Download"), obj.size)

"""The one ledger route a router cannot express: the invoice-settings singleton."""

from django.urls import path

from .views import InvoiceSettingsView

urlpatterns = [
    path("invoice-settings/", InvoiceSettingsView.as_view(), name="api-invoice-settings"),
]

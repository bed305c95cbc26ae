from django.urls import path

from . import views

app_name = "ledger"

urlpatterns = [
    path("invoice-settings/", views.invoice_settings, name="invoice_settings"),
    path("customers/", views.customers, name="customers"),
    path("invoices/", views.invoices, name="invoices"),
    path("invoices/<int:pk>/", views.invoice_detail, name="invoice_detail"),
    path("suppliers/", views.suppliers, name="suppliers"),
    path("bills/", views.bills, name="bills"),
    path("vouchers/", views.vouchers, name="vouchers"),
    path("vouchers/<int:pk>/", views.voucher_detail, name="voucher_detail"),
    path("vouchers/<int:pk>/reverse/", views.voucher_reverse_view, name="voucher_reverse"),
]

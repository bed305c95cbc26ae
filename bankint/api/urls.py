"""/api/v1/: auth, the user's companies, and every company-scoped route under /companies/<company_id>/."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from accounts.api.views import AuthorisationViewSet, BankAccountViewSet
from companies.api.views import (
    ApiTokenDetailView,
    ApiTokenListView,
    CompanyListView,
    LogoutView,
    MeView,
    TokenView,
)
from ledger.api.views import BillViewSet, CustomerViewSet, InvoiceViewSet, SupplierViewSet, VoucherViewSet
from notifications.api.views import NotificationViewSet

company_router = SimpleRouter()
company_router.register("notifications", NotificationViewSet, basename="notification")
company_router.register("bank-accounts", BankAccountViewSet, basename="bank-account")
company_router.register("authorisations", AuthorisationViewSet, basename="authorisation")
company_router.register("customers", CustomerViewSet, basename="customer")
company_router.register("invoices", InvoiceViewSet, basename="invoice")
company_router.register("suppliers", SupplierViewSet, basename="supplier")
company_router.register("bills", BillViewSet, basename="bill")
company_router.register("vouchers", VoucherViewSet, basename="voucher")

# Everything under /companies/<company_id>/: the router above, then the apps that keep their own
# api/urls.py (their own router, or a settings singleton a router cannot express).
company_scoped_urls = [
    *company_router.urls,
    *(
        path("", include(f"{app}.api.urls"))
        for app in ("ledger", "agreements", "ocr", "remittance", "reconciliation")
    ),
]

urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="api-token"),
    path("auth/tokens/", ApiTokenListView.as_view(), name="api-tokens"),
    path("auth/tokens/<int:pk>/", ApiTokenDetailView.as_view(), name="api-token-detail"),
    path("auth/logout/", LogoutView.as_view(), name="api-logout"),
    path("me/", MeView.as_view(), name="api-me"),
    path("companies/", CompanyListView.as_view(), name="api-companies"),
    path("companies/<int:company_id>/", include(company_scoped_urls)),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]

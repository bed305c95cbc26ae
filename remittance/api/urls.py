"""remittance API routes under /api/v1/companies/<company_id>/."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from .views import PaymentBatchViewSet, PaymentSettingsView, PaymentViewSet

router = SimpleRouter()
router.register("payments", PaymentViewSet, basename="payment")
router.register("payment-batches", PaymentBatchViewSet, basename="payment-batch")
urlpatterns = [
    path("payment-settings/", PaymentSettingsView.as_view(), name="api-payment-settings"),
    *router.urls,
]

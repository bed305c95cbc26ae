"""remittance API routes under /api/v1/companies/<company_id>/."""

from rest_framework.routers import SimpleRouter

from .views import PaymentBatchViewSet, PaymentViewSet

router = SimpleRouter()
router.register("payments", PaymentViewSet, basename="payment")
router.register("payment-batches", PaymentBatchViewSet, basename="payment-batch")
urlpatterns = router.urls

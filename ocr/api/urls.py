"""ocr API routes under /api/v1/companies/<company_id>/."""

from rest_framework.routers import SimpleRouter

from .views import OcrFileViewSet, OcrTransactionViewSet

router = SimpleRouter()
router.register("ocr-files", OcrFileViewSet, basename="api-ocr-file")
router.register("ocr-transactions", OcrTransactionViewSet, basename="api-ocr-transaction")
urlpatterns = router.urls

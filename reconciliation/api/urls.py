"""reconciliation API routes under /api/v1/companies/<company_id>/."""

from rest_framework.routers import SimpleRouter

from .views import StatementEntryViewSet, StatementViewSet

router = SimpleRouter()
router.register("statements", StatementViewSet, basename="statement")
router.register("statement-entries", StatementEntryViewSet, basename="statement-entry")
urlpatterns = router.urls

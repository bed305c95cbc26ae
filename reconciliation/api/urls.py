"""reconciliation API routes under /api/v1/companies/<company_id>/."""

from rest_framework.routers import SimpleRouter

router = SimpleRouter()
urlpatterns = router.urls

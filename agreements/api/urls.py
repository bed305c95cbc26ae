"""agreements API routes under /api/v1/companies/<company_id>/."""

from rest_framework.routers import SimpleRouter

from .views import ServiceOrderViewSet

router = SimpleRouter()
router.register("service-orders", ServiceOrderViewSet, basename="service-order")
urlpatterns = router.urls

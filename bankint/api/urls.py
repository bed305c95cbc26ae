"""/api/v1/: every app registers its company-scoped routes on the one router below."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import SimpleRouter

from companies.api.views import CompanyListView, MeView, TokenView
from notifications.api.views import NotificationViewSet

company_router = SimpleRouter()
company_router.register("notifications", NotificationViewSet, basename="notification")

urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="api-token"),
    path("me/", MeView.as_view(), name="api-me"),
    path("companies/", CompanyListView.as_view(), name="api-companies"),
    path("companies/<int:company_id>/", include(company_router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]

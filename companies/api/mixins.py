"""The API side of tenancy: everything a company owns lives under /companies/{company_id}/."""

from __future__ import annotations

from functools import cached_property

from rest_framework import mixins, viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from companies.permissions import CompanyPermission
from companies.selectors import company_get_for_user, for_company


class CompanyScopedMixin:
    """Resolve the company from the URL through the tenant gate (404 for non-members)."""

    permission_classes = [IsAuthenticated, CompanyPermission]

    @cached_property
    def company(self):
        if getattr(self, "swagger_fake_view", False):
            return None
        return company_get_for_user(self.request.user, self.kwargs["company_id"])

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # authentication first, then the gate
        _ = self.company

    def get_queryset(self):
        qs = super().get_queryset()
        if getattr(self, "swagger_fake_view", False):
            return qs.none()
        return for_company(qs, self.company)


# The bases below say what they do in comments: drf-spectacular takes the first docstring up a
# view's classes as the description of its operations in the schema.


class CompanyViewSet(
    CompanyScopedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    # A company's rows, listed and retrieved through the app's selector:
    # ``selector(company, **filters)`` reads them (or override ``rows``), and ``list_filters``
    # turns the list's query parameters into its filters. Only the list is filtered: a detail
    # URL finds its row whatever the query string says.

    selector = None

    def rows(self, **filters):
        return self.selector(self.company, **filters)

    def list_filters(self) -> dict:
        return {}

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema is made without a company
            return self.queryset.none()
        return self.rows(**(self.list_filters() if self.action == "list" else {}))


class CompanyCreateViewSet(CompanyViewSet, mixins.CreateModelMixin):
    # ... that also creates, through the service ``creator(company, **validated_data)``.

    creator = None

    def perform_create(self, serializer):
        serializer.instance = self.creator(self.company, **serializer.validated_data)


class CompanySettingsView(CompanyScopedMixin, APIView):
    # A company's settings (a singleton row): GET reads them, PUT and PATCH change them.
    # ``settings_get`` gives what ``serializer_class`` shows; ``settings_update`` takes the
    # validated values and gives the answer's body.

    def get_queryset(self):  # the mixin's scoping is not used by a singleton
        return self.queryset.filter(company=self.company)

    def settings_get(self):
        raise NotImplementedError

    def settings_update(self, request, values: dict) -> dict:
        raise NotImplementedError

    def get(self, request, company_id=None):
        return Response(self.serializer_class(self.settings_get()).data)

    def _update(self, request, partial: bool):
        serializer = self.serializer_class(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        return Response(self.settings_update(request, serializer.validated_data))

    def put(self, request, company_id=None):
        return self._update(request, partial=False)

    def patch(self, request, company_id=None):
        return self._update(request, partial=True)

"""The API side of tenancy: everything a company owns lives under /companies/{company_id}/."""

from __future__ import annotations

from functools import cached_property

from rest_framework.permissions import IsAuthenticated

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

"""Role checks for browser views and API views, on top of the tenant gate."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from rest_framework.permissions import BasePermission

from .roles import Perm
from .selectors import user_perms


def company_view(perm: Perm = Perm.VIEW):
    """A browser view that needs an active company and a permission in it."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            company = request.company or None
            if company is None:
                return render(request, "companies/no_company.html", status=403)
            if perm not in request.company_perms:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


class CompanyPermission(BasePermission):
    """DRF: reading needs VIEW; writing needs the view's ``write_perm`` (per action if a dict)."""

    def has_permission(self, request, view) -> bool:
        company = getattr(view, "company", None)
        if company is None:
            return True  # not a company-scoped view
        perms = user_perms(request.user, company)
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return Perm.VIEW in perms
        needed = getattr(view, "write_perm", Perm.MANAGE_BANK)
        if isinstance(needed, dict):
            needed = needed.get(getattr(view, "action", None), needed.get("default", Perm.MANAGE_BANK))
        return needed in perms

"""Reads, and the one tenant-scoping mechanism every company-owned query goes through.

``company_get_for_user`` is the gate: a company the user is not a member of does not exist
for them (Http404), in the UI and the API alike. Company-owned querysets are then always
filtered with ``for_company``.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.http import Http404

from .models import ApiToken, Company, Membership
from .roles import ADMIN_ROLES, Perm, perms_for


def company_list_for_user(user) -> QuerySet[Company]:
    if not getattr(user, "is_authenticated", False):
        return Company.objects.none()
    return Company.objects.filter(memberships__user=user).distinct().order_by("name")


def company_get_for_user(user, company_id) -> Company:
    try:
        pk = int(company_id)
    except (TypeError, ValueError):
        raise Http404("No such company") from None
    company = company_list_for_user(user).filter(pk=pk).first()
    if company is None:
        raise Http404("No such company")
    return company


def roles_for(user, company) -> list[str]:
    if company is None or not getattr(user, "is_authenticated", False):
        return []
    return list(Membership.objects.filter(user=user, company=company).values_list("role", flat=True))


def user_perms(user, company) -> frozenset[Perm]:
    return perms_for(roles_for(user, company))


def company_admin_users(company) -> QuerySet:
    """The people who receive notifications addressed to the company's administrators."""
    return (
        get_user_model()
        .objects.filter(memberships__company=company, memberships__role__in=ADMIN_ROLES, is_active=True)
        .distinct()
    )


def for_company(queryset: QuerySet, company: Company) -> QuerySet:
    """Scope any company-owned queryset (a model with a ``company`` field) to one company."""
    return queryset.filter(company=company)


def api_token_list_for_user(user) -> QuerySet[ApiToken]:
    """A user's own API tokens, newest first; nobody lists another user's (support: the admin)."""
    if not getattr(user, "is_authenticated", False):
        return ApiToken.objects.none()
    return ApiToken.objects.filter(user=user).select_related("user").order_by("-created_at", "-id")


def api_token_get_for_user(user, token_id) -> ApiToken:
    token = api_token_list_for_user(user).filter(pk=token_id).first()
    if token is None:
        raise Http404("No such token")
    return token

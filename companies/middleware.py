"""Resolves the active company for browser requests (accountants switch between clients)."""

from __future__ import annotations

from django.utils.functional import SimpleLazyObject

from bankint.middleware import bind_user

from .selectors import company_list_for_user, user_perms

SESSION_KEY = "active_company_id"


def _resolve_company(request):
    user = request.user
    if not user.is_authenticated:
        return None
    companies = company_list_for_user(user)
    chosen = request.session.get(SESSION_KEY)
    company = companies.filter(pk=chosen).first() if chosen else None
    if company is None:
        company = companies.first()
        if company is not None:
            request.session[SESSION_KEY] = company.pk
        else:
            request.session.pop(SESSION_KEY, None)
    return company


class ActiveCompanyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        bind_user(request.user)
        request.company = SimpleLazyObject(lambda: _resolve_company(request))
        request.company_perms = SimpleLazyObject(lambda: user_perms(request.user, request.company or None))
        return self.get_response(request)

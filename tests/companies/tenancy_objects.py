"""An API token of one of the company's members, for the tenancy walkers.

Tokens belong to a user, not a company: the walkers' member of another company must get 404
for it all the same, and the company's first member (its administrator in the walkers) may
revoke it.
"""

from __future__ import annotations

from companies.models import ApiToken, Membership
from companies.tokens import api_token_create

UI_OBJECT_ROUTES = {"accounts/tokens/<int:pk>/revoke/": ApiToken}


def populate(company) -> dict:
    member = Membership.objects.filter(company=company).order_by("id").first()
    token, _key = api_token_create(user=member.user, name="Tenancy probe")
    return {ApiToken: token}

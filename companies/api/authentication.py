"""``Authorization: Token <key>`` against companies.ApiToken (expiring, revocable, audited).

A subclass of DRF's TokenAuthentication for the header, the ``WWW-Authenticate: Token``
challenge on a 401 and drf-spectacular's ``tokenAuth`` scheme; the key is checked by
:func:`companies.tokens.api_token_authenticate`.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication, get_authorization_header

from bankint.middleware import bind_user

from ..tokens import ApiTokenRefused, api_token_authenticate


class ApiTokenAuthentication(TokenAuthentication):
    keyword = "Token"

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid token header: send Authorization: Token <key>."))
        try:
            key = parts[1].decode("ascii")
        except UnicodeError:
            raise exceptions.AuthenticationFailed(_("The API token is not valid.")) from None
        return self.authenticate_credentials(key)

    def authenticate_credentials(self, key):
        try:
            token = api_token_authenticate(key)
        except ApiTokenRefused as exc:
            raise exceptions.AuthenticationFailed(exc.message) from None
        # Audit rows written during this request name the token's user (the session
        # middleware cannot: it runs before DRF knows who calls).
        bind_user(token.user)
        return (token.user, token)

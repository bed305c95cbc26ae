from django.contrib.auth import authenticate, logout
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from bankint.api.throttling import ClientScopedRateThrottle
from bankint.errors import DomainError
from bankint.middleware import client_ip

from ..models import ApiToken
from ..selectors import api_token_get_for_user, api_token_list_for_user, company_list_for_user
from ..throttle import login_blocked, login_failed, login_succeeded
from ..tokens import RevokeReason, api_token_create, api_token_revoke
from .serializers import (
    ApiTokenSerializer,
    CompanySerializer,
    MeSerializer,
    TokenRequestSerializer,
    TokenSerializer,
)


class LoginLocked(DomainError):
    code = "throttled"
    status_code = 429


class TokenView(APIView):
    """Exchange username and password for a new API token. Throttled against guessing.

    Every call makes a new token named ``name`` (default "API") that works until
    ``expires_at``, until it is revoked (``DELETE /auth/tokens/{id}/``, ``POST /auth/logout/``)
    or until the user's password changes. The key is in this answer only.

    Two limits: DRF's scoped rate per address (``auth``), and the browser login's failure
    count per username and per address (companies.throttle), so that a username locked out
    of the login page cannot be guessed here instead, and the other way round.
    """

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [ClientScopedRateThrottle]
    throttle_scope = "auth"

    @extend_schema(request=TokenRequestSerializer, responses={200: TokenSerializer}, auth=[])
    def post(self, request):
        data = TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        username, ip = data.validated_data["username"], client_ip(request)
        if login_blocked(username, ip):
            raise LoginLocked(_("Too many failed login attempts. Wait a few minutes and try again."))
        user = authenticate(request=request, username=username, password=data.validated_data["password"])
        if user is None or not user.is_active:
            login_failed(username, ip)
            raise DomainError("The username or password is wrong.", code="invalid_credentials")
        login_succeeded(username, ip)
        token, key = api_token_create(user=user, name=data.validated_data.get("name"))
        body = {"token": key, "id": token.pk, "name": token.name, "prefix": token.prefix}
        return Response({**body, "expires_at": token.expires_at}, status=status.HTTP_200_OK)


class ApiTokenListView(generics.ListAPIView):
    """The caller's own API tokens, newest first, with their status; never their keys."""

    serializer_class = ApiTokenSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ApiToken.objects.none()
        return api_token_list_for_user(self.request.user)


class ApiTokenDetailView(APIView):
    """Revoke one of the caller's tokens (another user's id answers 404). Revoking twice is fine."""

    @extend_schema(responses={204: None})
    def delete(self, request, pk: int):
        token = api_token_get_for_user(request.user, pk)
        api_token_revoke(token, actor=request.user, reason=RevokeReason.USER)
        return Response(status=status.HTTP_204_NO_CONTENT)


class LogoutView(APIView):
    """End this API session: the token the call is made with is revoked at once.

    Called with a browser session instead, the session ends. Other tokens of the user live on:
    revoke them with ``DELETE /auth/tokens/{id}/``.
    """

    @extend_schema(request=None, responses={204: None})
    def post(self, request):
        if isinstance(request.auth, ApiToken):
            api_token_revoke(request.auth, actor=request.user, reason=RevokeReason.LOGOUT)
        else:
            logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(generics.RetrieveAPIView):
    serializer_class = MeSerializer

    def get_object(self):
        return self.request.user


class CompanyListView(generics.ListAPIView):
    """The companies the caller is a member of (an accountant: all their clients)."""

    serializer_class = CompanySerializer

    def get_queryset(self):
        return company_list_for_user(self.request.user)

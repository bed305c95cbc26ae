from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from bankint.api.throttling import ClientScopedRateThrottle
from bankint.errors import DomainError
from bankint.middleware import client_ip

from ..selectors import company_list_for_user
from ..throttle import login_blocked, login_failed, login_succeeded
from .serializers import CompanySerializer, MeSerializer, TokenRequestSerializer, TokenSerializer


class InvalidCredentials(DomainError):
    code = "invalid_credentials"
    status_code = 400


class LoginLocked(DomainError):
    code = "throttled"
    status_code = 429


class TokenView(APIView):
    """Exchange username and password for an API token. Throttled against guessing.

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
            raise InvalidCredentials("The username or password is wrong.")
        login_succeeded(username, ip)
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key}, status=status.HTTP_200_OK)


class MeView(generics.RetrieveAPIView):
    serializer_class = MeSerializer

    def get_object(self):
        return self.request.user


class CompanyListView(generics.ListAPIView):
    """The companies the caller is a member of (an accountant: all their clients)."""

    serializer_class = CompanySerializer

    def get_queryset(self):
        return company_list_for_user(self.request.user)

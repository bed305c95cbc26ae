from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from bankint.errors import DomainError

from ..selectors import company_list_for_user
from .serializers import CompanySerializer, MeSerializer, TokenRequestSerializer, TokenSerializer


class InvalidCredentials(DomainError):
    code = "invalid_credentials"
    status_code = 400


class TokenView(APIView):
    """Exchange username and password for an API token. Throttled against guessing."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth"

    @extend_schema(request=TokenRequestSerializer, responses={200: TokenSerializer}, auth=[])
    def post(self, request):
        data = TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticate(
            request=request,
            username=data.validated_data["username"],
            password=data.validated_data["password"],
        )
        if user is None or not user.is_active:
            raise InvalidCredentials("The username or password is wrong.")
        token, _ = Token.objects.get_or_create(user=user)
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

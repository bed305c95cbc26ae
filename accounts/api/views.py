from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from bankint.api.params import id_param
from companies.api.mixins import CompanyScopedMixin
from companies.roles import Perm

from ..models import ApprovalAuthorisation, BankAccount, BankApprovalRight
from ..selectors import authorisation_list, bank_account_list
from ..services import (
    authorisation_create,
    authorisation_delete,
    bank_account_create,
    bank_account_deactivate,
    bank_account_delete,
    bank_account_update,
)
from .serializers import AuthorisationSerializer, BankAccountSerializer, BankAccountUpdateSerializer


@extend_schema_view(
    list=extend_schema(
        parameters=[OpenApiParameter("active", OpenApiTypes.BOOL, description="Only active or inactive")]
    )
)
class BankAccountViewSet(
    CompanyScopedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """The company's bank accounts. Filter with ``?active=true|false``."""

    queryset = BankAccount.objects.all()
    serializer_class = BankAccountSerializer
    write_perm = Perm.MANAGE_BANK

    def get_serializer_class(self):
        if self.action in ("update", "partial_update"):
            return BankAccountUpdateSerializer
        return BankAccountSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return BankAccount.objects.none()
        value = (self.request.query_params.get("active") or "").lower() if self.action == "list" else ""
        choices = {"true": True, "1": True, "false": False, "0": False}
        if value and value not in choices:
            raise serializers.ValidationError({"active": [_("Use true or false.")]})
        return bank_account_list(self.company, active=choices.get(value))

    def perform_create(self, serializer):
        serializer.instance = bank_account_create(self.company, **serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = bank_account_update(serializer.instance, **serializer.validated_data)

    def perform_destroy(self, instance):
        bank_account_delete(instance)

    @extend_schema(request=None, responses={200: BankAccountSerializer})
    @action(detail=True, methods=["post"])
    def deactivate(self, request, company_id=None, pk=None):
        account = bank_account_deactivate(self.get_object())
        return Response(BankAccountSerializer(account).data)


@extend_schema_view(
    list=extend_schema(parameters=[OpenApiParameter("bank_account", {"type": "integer", "minimum": 0})])
)
class AuthorisationViewSet(
    CompanyScopedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Who may approve payments from which account (RgB), and whether the bank agrees."""

    queryset = ApprovalAuthorisation.objects.all()
    serializer_class = AuthorisationSerializer
    write_perm = Perm.MANAGE_BANK

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ApprovalAuthorisation.objects.none()
        rights = BankApprovalRight.objects.filter(bank_account=OuterRef("bank_account")).filter(
            Q(user=OuterRef("user")) | Q(bank_user_id=OuterRef("user__profile__bank_user_id"))
        )
        qs = authorisation_list(self.company).annotate(in_bank=Exists(rights))
        account = id_param(self.request, "bank_account") if self.action == "list" else None
        return qs.filter(bank_account_id=account) if account is not None else qs

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        auth = authorisation_create(
            self.company,
            bank_account_id=serializer.validated_data["bank_account_id"],
            user_id=serializer.validated_data["user_id"],
        )
        auth = self.get_queryset().get(pk=auth.pk)
        return Response(self.get_serializer(auth).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        authorisation_delete(instance)

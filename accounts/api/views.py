from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from bankint.api.params import id_param, id_parameter
from companies.api.mixins import CompanyCreateViewSet
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
class BankAccountViewSet(mixins.UpdateModelMixin, mixins.DestroyModelMixin, CompanyCreateViewSet):
    """The company's bank accounts. Filter with ``?active=true|false``."""

    queryset = BankAccount.objects.all()
    serializer_class = BankAccountSerializer
    write_perm = Perm.MANAGE_BANK
    selector = staticmethod(bank_account_list)
    creator = staticmethod(bank_account_create)

    def get_serializer_class(self):
        if self.action in ("update", "partial_update"):
            return BankAccountUpdateSerializer
        return BankAccountSerializer

    def list_filters(self):
        value = (self.request.query_params.get("active") or "").lower()
        choices = {"true": True, "1": True, "false": False, "0": False}
        if value and value not in choices:
            raise serializers.ValidationError({"active": [_("Use true or false.")]})
        return {"active": choices.get(value)}

    def perform_update(self, serializer):
        serializer.instance = bank_account_update(serializer.instance, **serializer.validated_data)

    def perform_destroy(self, instance):
        bank_account_delete(instance)

    @extend_schema(request=None, responses={200: BankAccountSerializer})
    @action(detail=True, methods=["post"])
    def deactivate(self, request, company_id=None, pk=None):
        account = bank_account_deactivate(self.get_object())
        return Response(BankAccountSerializer(account).data)


@extend_schema_view(list=extend_schema(parameters=[id_parameter("bank_account")]))
class AuthorisationViewSet(mixins.DestroyModelMixin, CompanyCreateViewSet):
    """Who may approve payments from which account (RgB), and whether the bank agrees."""

    queryset = ApprovalAuthorisation.objects.all()
    serializer_class = AuthorisationSerializer
    write_perm = Perm.MANAGE_BANK

    def list_filters(self):
        return {"bank_account_id": id_param(self.request, "bank_account")}

    def rows(self, bank_account_id=None):
        rights = BankApprovalRight.objects.filter(bank_account=OuterRef("bank_account")).filter(
            Q(user=OuterRef("user")) | Q(bank_user_id=OuterRef("user__profile__bank_user_id"))
        )
        qs = authorisation_list(self.company).annotate(in_bank=Exists(rights))
        return qs.filter(bank_account_id=bank_account_id) if bank_account_id is not None else qs

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

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from bankint.api.params import id_param, status_param
from bankint.errors import ValidationFailed
from companies.api.mixins import CompanyScopedMixin
from companies.roles import Perm

from ..models import Bill, Customer, Invoice, InvoiceSettings, Supplier, Voucher
from ..selectors import (
    bank_accounts_by_id,
    bill_list,
    customer_list,
    invoice_list,
    invoice_settings_get,
    supplier_list,
    voucher_list,
)
from ..services import (
    LineSpec,
    bill_create,
    customer_create,
    invoice_create,
    invoice_settings_update,
    supplier_create,
    voucher_post,
    voucher_reverse,
)
from .serializers import (
    BillSerializer,
    CustomerSerializer,
    InvoiceDetailSerializer,
    InvoiceSerializer,
    InvoiceSettingsSerializer,
    ReverseSerializer,
    SupplierSerializer,
    VoucherSerializer,
)


class InvoiceSettingsView(CompanyScopedMixin, APIView):
    """The company's invoice settings (a singleton): KID on/off, length, MOD10/MOD11."""

    queryset = InvoiceSettings.objects.all()
    write_perm = Perm.MANAGE_LEDGER
    serializer_class = InvoiceSettingsSerializer

    def get_queryset(self):  # the mixin's scoping is not used by a singleton
        return InvoiceSettings.objects.filter(company=self.company)

    @extend_schema(responses={200: InvoiceSettingsSerializer})
    def get(self, request, company_id=None):
        return Response(InvoiceSettingsSerializer(invoice_settings_get(self.company)).data)

    def _update(self, request, partial: bool):
        serializer = InvoiceSettingsSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        settings, warnings = invoice_settings_update(self.company, **serializer.validated_data)
        return Response({**InvoiceSettingsSerializer(settings).data, "warnings": warnings})

    @extend_schema(request=InvoiceSettingsSerializer, responses={200: InvoiceSettingsSerializer})
    def put(self, request, company_id=None):
        return self._update(request, partial=False)

    @extend_schema(request=InvoiceSettingsSerializer, responses={200: InvoiceSettingsSerializer})
    def patch(self, request, company_id=None):
        return self._update(request, partial=True)


class _CreateListRetrieve(
    CompanyScopedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    write_perm = Perm.MANAGE_LEDGER


class CustomerViewSet(_CreateListRetrieve):
    queryset = Customer.objects.all()
    serializer_class = CustomerSerializer

    def get_queryset(self):
        return (
            Customer.objects.none()
            if getattr(self, "swagger_fake_view", False)
            else customer_list(self.company)
        )

    def perform_create(self, serializer):
        serializer.instance = customer_create(self.company, **serializer.validated_data)


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("status", OpenApiTypes.STR, enum=["open", "partly_paid", "paid", "overpaid"]),
            OpenApiParameter("customer", {"type": "integer", "minimum": 0}),
        ]
    )
)
class InvoiceViewSet(_CreateListRetrieve):
    """Invoices are issued on create: number, KID (when on) and voucher in one step."""

    queryset = Invoice.objects.all()
    serializer_class = InvoiceSerializer

    def get_serializer_class(self):
        return InvoiceDetailSerializer if self.action == "retrieve" else InvoiceSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Invoice.objects.none()
        if self.action != "list":  # the filters are the list's
            qs = invoice_list(self.company)
        else:
            qs = invoice_list(
                self.company,
                status=status_param(self.request, Invoice.Status),
                customer_id=id_param(self.request, "customer"),
            )
        if self.action == "retrieve":
            qs = qs.prefetch_related("settlements__voucher")
        return qs

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = invoice_create(self.company, **data)


class SupplierViewSet(_CreateListRetrieve):
    queryset = Supplier.objects.all()
    serializer_class = SupplierSerializer

    def get_queryset(self):
        return (
            Supplier.objects.none()
            if getattr(self, "swagger_fake_view", False)
            else supplier_list(self.company)
        )

    def perform_create(self, serializer):
        serializer.instance = supplier_create(self.company, **serializer.validated_data)


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("status", OpenApiTypes.STR, enum=["open", "scheduled", "paid"]),
            OpenApiParameter("supplier", {"type": "integer", "minimum": 0}),
        ]
    )
)
class BillViewSet(_CreateListRetrieve):
    queryset = Bill.objects.all()
    serializer_class = BillSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Bill.objects.none()
        if self.action != "list":  # the filters are the list's
            return bill_list(self.company)
        return bill_list(
            self.company,
            status=status_param(self.request, Bill.Status),
            supplier_id=id_param(self.request, "supplier"),
        )

    def perform_create(self, serializer):
        serializer.instance = bill_create(self.company, **serializer.validated_data)


class VoucherViewSet(_CreateListRetrieve):
    """Vouchers: list, retrieve, post a manual voucher (lines must balance), reverse one.

    Posted vouchers are never edited; there is no update or delete.
    """

    queryset = Voucher.objects.all()
    serializer_class = VoucherSerializer

    def get_queryset(self):
        return (
            Voucher.objects.none()
            if getattr(self, "swagger_fake_view", False)
            else voucher_list(self.company)
        )

    def perform_create(self, serializer):
        data = serializer.validated_data
        bank_ids = {line.get("bank_account_id") for line in data["lines"]} - {None}
        banks = bank_accounts_by_id(self.company, bank_ids)
        missing = sorted(bank_ids - set(banks))
        if missing:
            message = _("Bank account #%(id)s is not one of this company's accounts.") % {"id": missing[0]}
            raise ValidationFailed(message, fields={"lines": [message]})
        lines = [
            LineSpec(
                ledger_account=line["ledger_account"],
                amount=line["amount"],
                text=line.get("text", ""),
                bank_account=banks.get(line.get("bank_account_id")),
                reference=line.get("reference", ""),
            )
            for line in data["lines"]
        ]
        serializer.instance = voucher_post(self.company, date=data["date"], text=data["text"], lines=lines)

    @extend_schema(request=ReverseSerializer, responses={201: VoucherSerializer})
    @action(detail=True, methods=["post"])
    def reverse(self, request, company_id=None, pk=None):
        serializer = ReverseSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        reversal = voucher_reverse(self.get_object(), **serializer.validated_data)
        return Response(VoucherSerializer(reversal).data, status=status.HTTP_201_CREATED)

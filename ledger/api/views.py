from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from bankint.api.params import id_param, id_parameter, status_param, status_parameter
from bankint.errors import ValidationFailed
from companies.api.mixins import CompanyCreateViewSet, CompanySettingsView
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
    supplier_update,
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


class InvoiceSettingsView(CompanySettingsView):
    """The company's invoice settings (a singleton): KID on/off, length, MOD10/MOD11."""

    queryset = InvoiceSettings.objects.all()
    write_perm = Perm.MANAGE_LEDGER
    serializer_class = InvoiceSettingsSerializer

    def settings_get(self):
        return invoice_settings_get(self.company)

    def settings_update(self, request, values):
        settings, warnings = invoice_settings_update(self.company, **values)
        return {**InvoiceSettingsSerializer(settings).data, "warnings": warnings}


class _LedgerViewSet(CompanyCreateViewSet):
    write_perm = Perm.MANAGE_LEDGER


class CustomerViewSet(_LedgerViewSet):
    queryset = Customer.objects.all()
    serializer_class = CustomerSerializer
    selector = staticmethod(customer_list)
    creator = staticmethod(customer_create)


@extend_schema_view(
    list=extend_schema(parameters=[status_parameter(Invoice.Status), id_parameter("customer")])
)
class InvoiceViewSet(_LedgerViewSet):
    """Invoices are issued on create: number, KID (when on) and voucher in one step."""

    queryset = Invoice.objects.all()
    serializer_class = InvoiceSerializer
    creator = staticmethod(invoice_create)

    def get_serializer_class(self):
        return InvoiceDetailSerializer if self.action == "retrieve" else InvoiceSerializer

    def list_filters(self):
        return {
            "status": status_param(self.request, Invoice.Status),
            "customer_id": id_param(self.request, "customer"),
        }

    def rows(self, **filters):
        qs = invoice_list(self.company, **filters)
        return qs.prefetch_related("settlements__voucher") if self.action == "retrieve" else qs


class SupplierViewSet(_LedgerViewSet):
    queryset = Supplier.objects.all()
    serializer_class = SupplierSerializer
    selector = staticmethod(supplier_list)
    creator = staticmethod(supplier_create)

    @extend_schema(request=SupplierSerializer, responses=SupplierSerializer)
    def partial_update(self, request, *args, **kwargs):
        """Change a supplier's details (the same checks as at registration)."""
        supplier = self.get_object()
        serializer = self.get_serializer(supplier, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        supplier = supplier_update(supplier, **serializer.validated_data)
        return Response(self.get_serializer(supplier).data)


@extend_schema_view(list=extend_schema(parameters=[status_parameter(Bill.Status), id_parameter("supplier")]))
class BillViewSet(_LedgerViewSet):
    queryset = Bill.objects.all()
    serializer_class = BillSerializer
    selector = staticmethod(bill_list)
    creator = staticmethod(bill_create)

    def list_filters(self):
        return {
            "status": status_param(self.request, Bill.Status),
            "supplier_id": id_param(self.request, "supplier"),
        }


class VoucherViewSet(_LedgerViewSet):
    """Vouchers: list, retrieve, post a manual voucher (lines must balance), reverse one.

    Posted vouchers are never edited; there is no update or delete.
    """

    queryset = Voucher.objects.all()
    serializer_class = VoucherSerializer
    selector = staticmethod(voucher_list)

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

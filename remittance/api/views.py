"""payments/ and payment-batches/ under /api/v1/ (schema at /api/v1/schema/): writes go
through the services."""

from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.utils import (
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from bankint.api.params import status_param, status_parameter
from bankint.errors import ValidationFailed
from companies.api.mixins import CompanyCreateViewSet, CompanySettingsView
from companies.roles import Perm

from .. import services
from ..models import Payment, PaymentBatch, PaymentSettings
from ..selectors import payment_batch_list, payment_list, payment_settings_state
from .serializers import (
    ApproveSerializer,
    PaymentBatchSerializer,
    PaymentSerializer,
    PaymentSettingsSerializer,
)


class _Base(CompanyCreateViewSet):
    write_perm = Perm.PREPARE_PAYMENTS

    def list_filters(self):
        return {"status": status_param(self.request, self.queryset.model.Status)}


@extend_schema_view(list=extend_schema(parameters=[status_parameter(Payment.Status)]))
class PaymentViewSet(_Base):
    queryset = Payment.objects.all()
    serializer_class = PaymentSerializer
    selector = staticmethod(payment_list)

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        confirm = data.pop("confirm_duplicate", False)
        bill_id = data.pop("bill_id", None)
        if bill_id is not None:
            serializer.instance = services.payment_create_from_bill(
                self.company,
                bill_id=bill_id,
                bank_account_id=data["bank_account_id"],
                execution_date=data.get("execution_date"),
                confirm_duplicate=confirm,
                user=self.request.user,
                **{
                    key: data[key]
                    for key in ("charge_bearer", "urgent", "regulatory_code", "regulatory_text")
                    if key in data
                },
            )
        else:
            serializer.instance = services.payment_create(
                self.company, confirm_duplicate=confirm, user=self.request.user, **data
            )


_SIGNING = inline_serializer(
    "BatchSigning",
    {
        "status": serializers.ChoiceField(choices=["signing"]),
        "signing_url": serializers.CharField(help_text="Where the approver signs with BankID"),
        "detail": serializers.CharField(),
    },
)
# Payments on several accounts or dates make several batches: then ``{"batches": [...]}``.
_BUILT = PolymorphicProxySerializer(
    component_name="PaymentBatchesBuilt",
    serializers=[
        PaymentBatchSerializer,
        inline_serializer("PaymentBatchList", {"batches": PaymentBatchSerializer(many=True)}),
    ],
    resource_type_field_name=None,
)


@extend_schema_view(
    list=extend_schema(parameters=[status_parameter(PaymentBatch.Status)]),
    create=extend_schema(responses={201: _BUILT}),
)
class PaymentBatchViewSet(_Base):
    queryset = PaymentBatch.objects.all()
    serializer_class = PaymentBatchSerializer
    write_perm = {"approve": Perm.APPROVE_PAYMENTS, "send": Perm.VIEW, "default": Perm.PREPARE_PAYMENTS}
    selector = staticmethod(payment_batch_list)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        ids = serializer.validated_data["payments"]
        found = set(Payment.objects.filter(company=self.company, pk__in=ids).values_list("pk", flat=True))
        missing = sorted(set(ids) - found)
        if missing:
            msg = _("Payment #%(id)s is not one of this company's payments.") % {"id": missing[0]}
            raise ValidationFailed(msg, fields={"payments": [msg]})
        batches = services.payment_batches_build(self.company, payment_ids=ids, user=request.user)
        data = PaymentBatchSerializer(batches, many=True).data
        return Response(data[0] if len(data) == 1 else {"batches": data}, status=status.HTTP_201_CREATED)

    @extend_schema(request=ApproveSerializer, responses={200: PaymentBatchSerializer, 202: _SIGNING})
    @action(detail=True, methods=["post"])
    def approve(self, request, *args, **kwargs):
        """RgB: the first call starts BankID signing (202 + signing_url); a later call completes it.

        Calls after the approver's signing approved the batch answer 200 with the batch, as the
        first did: parallel calls after one signing all succeed. While another approver's
        signing is pending, 409 ``signing_in_progress`` says who signs and until when.
        """
        batch = self.get_object()
        body = ApproveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            approved, session = services.payment_batch_approve(
                batch, request.user, acknowledge_warnings=body.validated_data["acknowledge_warnings"]
            )
        except services.SigningPending as pending:
            return Response(
                {
                    "status": "signing",
                    "signing_url": str(pending),
                    "detail": _("Waiting for BankID signing."),
                },
                status=status.HTTP_202_ACCEPTED,
            )
        if approved is not None:
            return Response(PaymentBatchSerializer(approved).data)
        return Response(
            {
                "status": "signing",
                "signing_url": session.url,
                "detail": _("Sign with BankID, then call approve/ again."),
            },
            status=status.HTTP_202_ACCEPTED,
        )

    @extend_schema(request=None, responses={200: PaymentBatchSerializer})
    @action(detail=True, methods=["post"])
    def send(self, request, *args, **kwargs):
        batch = services.payment_batch_send(self.get_object(), request.user)
        return Response(PaymentBatchSerializer(batch).data)

    @extend_schema(responses={(200, "application/xml"): bytes})
    @action(detail=True, methods=["get"])
    def pain001(self, request, *args, **kwargs):
        batch = self.get_object()
        xml = services.payment_batch_pain001(batch)
        response = HttpResponse(xml, content_type="application/xml")
        response["Content-Disposition"] = f'attachment; filename="{batch.msg_id}.xml"'
        return response


class PaymentSettingsView(CompanySettingsView):
    """The company's payment settings (a singleton): the four-eyes rule.

    Every member reads them; only the company's system administrators change them.
    """

    queryset = PaymentSettings.objects.all()
    # The role check that follows is the service's (system administrators, not accountants).
    write_perm = Perm.MANAGE_BANK
    serializer_class = PaymentSettingsSerializer

    def settings_get(self):
        return payment_settings_state(self.company)

    def _update(self, request, partial: bool):
        # Who may change comes before what: an accountant's body is not worth validating.
        services.payment_settings_check_may_change(self.company, request.user)
        return super()._update(request, partial)

    def settings_update(self, request, values):
        if "four_eyes" in values:
            services.payment_settings_update(self.company, request.user, four_eyes=values["four_eyes"])
        return PaymentSettingsSerializer(payment_settings_state(self.company)).data

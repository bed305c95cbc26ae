from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response

from companies.api.mixins import CompanyViewSet
from companies.roles import Perm

from ..models import ServiceOrder
from ..selectors import service_order_list
from ..services.orders import service_order_create
from .serializers import ServiceOrderCreateSerializer, ServiceOrderSerializer


class ServiceOrderViewSet(CompanyViewSet):
    """The company's orders of bank services, with the result and errors per account."""

    queryset = ServiceOrder.objects.all()
    serializer_class = ServiceOrderSerializer
    write_perm = Perm.MANAGE_BANK
    selector = staticmethod(service_order_list)

    @extend_schema(request=ServiceOrderCreateSerializer, responses={201: ServiceOrderSerializer})
    def create(self, request, company_id=None):
        data = ServiceOrderCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        order = service_order_create(
            self.company,
            bank=values["bank"],
            user=request.user,
            account_ids=values["accounts"],
            services=values["services"],
            fee_account=values["fee_account"],
            idempotency_key=request.headers.get("Idempotency-Key") or values["idempotency_key"],
        )
        order = service_order_list(self.company).get(pk=order.pk)
        return Response(ServiceOrderSerializer(order).data, status=status.HTTP_201_CREATED)

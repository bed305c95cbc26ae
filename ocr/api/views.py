"""``ocr-files/`` (upload, list, retrieve) and ``ocr-transactions/`` (list, allocate)."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from bankint.api.params import id_param, id_parameter, status_parameter
from bankint.errors import BankFileRejected, ValidationFailed
from companies.api.mixins import CompanyViewSet
from companies.roles import Perm
from ledger.models import Invoice

from ..models import OcrFile, OcrTransaction
from ..selectors import ocr_assignment_list, ocr_file_list, ocr_transaction_list
from ..services import MAX_FILE_BYTES, ocr_file_import, ocr_transaction_allocate
from .serializers import (
    AllocateSerializer,
    OcrFileDetailSerializer,
    OcrFileSerializer,
    OcrTransactionSerializer,
    OcrUploadSerializer,
)

_PAGE_PARAMETERS = [
    OpenApiParameter("page", {"type": "integer", "minimum": 1}, description="A page number"),
    OpenApiParameter(
        "page_size", {"type": "integer", "minimum": 1, "maximum": 500}, description="Results per page"
    ),
]


def _choice(request, name: str, choices) -> str | None:
    value = (request.query_params.get(name) or "").strip().upper()
    if not value:
        return None
    if value not in choices.values:
        message = _("Unknown %(name)s “%(value)s”: use one of %(choices)s.") % {
            "name": name,
            "value": value.lower(),
            "choices": ", ".join(v.lower() for v in choices.values),
        }
        raise serializers.ValidationError({name: [message]})
    return value


@extend_schema_view(list=extend_schema(parameters=[status_parameter(OcrFile.Status)]))
class OcrFileViewSet(CompanyViewSet):
    """Nets OCR files: upload (multipart ``file``), list, retrieve with assignments and transactions.

    Upload answers 201 (imported), 200 (a duplicate: ``duplicate_of`` names the original) or
    400 ``invalid_bank_file`` (rejected; the file is kept with its reason). A file that reuses an
    imported file's transmission number with other content is imported (201) with
    ``conflict_with`` naming that file and ``reason`` saying how many transactions were new
    (``skipped_count`` were already imported).
    """

    queryset = OcrFile.objects.all()
    serializer_class = OcrFileSerializer
    selector = staticmethod(ocr_file_list)
    write_perm = Perm.MANAGE_LEDGER
    parser_classes = [MultiPartParser, FormParser]

    def get_serializer_class(self):
        if self.action == "retrieve":
            return OcrFileDetailSerializer
        if self.action == "create":
            return OcrUploadSerializer
        if self.action == "transactions":
            return OcrTransactionSerializer
        return OcrFileSerializer

    def list_filters(self):
        return {"status": _choice(self.request, "status", OcrFile.Status)}

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["assignments"] = ocr_assignment_list
        context["transactions"] = lambda f: ocr_transaction_list(self.company, file_id=f.pk)
        return context

    @extend_schema(
        request={"multipart/form-data": OcrUploadSerializer}, responses={201: OcrFileDetailSerializer}
    )
    def create(self, request, company_id=None):
        upload = OcrUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        handle = upload.validated_data["file"]
        if handle.size > MAX_FILE_BYTES:
            message = _("The file is larger than %(mb)d MB; an OCR file is never that large.") % {
                "mb": MAX_FILE_BYTES // (1024 * 1024)
            }
            raise ValidationFailed(message, code="file_too_large", fields={"file": [message]})
        file = ocr_file_import(
            self.company,
            handle.read(),
            source=OcrFile.Source.API,
            filename=handle.name or "",
            user=request.user,
        )
        if file.status == OcrFile.Status.REJECTED:
            message = _("The OCR file was rejected (#%(id)d): %(reason)s") % {
                "id": file.pk,
                "reason": file.reason,
            }
            raise BankFileRejected(message, fields={"file": [file.reason]})
        data = OcrFileDetailSerializer(file, context=self.get_serializer_context()).data
        return Response(data, status=status.HTTP_200_OK if file.status == OcrFile.Status.DUPLICATE else 201)

    # A page of transactions, like the list operations (not one transaction, as inferred)
    @extend_schema(responses=OcrTransactionSerializer(many=True), parameters=_PAGE_PARAMETERS)
    @action(detail=True, methods=["get"])
    def transactions(self, request, company_id=None, pk=None):
        """All the file's transactions, paginated, with the invoice each settled."""
        file = self.get_object()
        page = self.paginate_queryset(ocr_transaction_list(self.company, file_id=file.pk))
        return self.get_paginated_response(OcrTransactionSerializer(page, many=True).data)


@extend_schema_view(
    list=extend_schema(parameters=[status_parameter(OcrTransaction.Status), id_parameter("file")])
)
class OcrTransactionViewSet(CompanyViewSet):
    """OCR payments; ``?status=unmatched`` is the manual-allocation queue; ``allocate/`` settles one."""

    queryset = OcrTransaction.objects.all()
    serializer_class = OcrTransactionSerializer
    selector = staticmethod(ocr_transaction_list)
    write_perm = Perm.MANAGE_LEDGER

    def get_serializer_class(self):
        return AllocateSerializer if self.action == "allocate" else OcrTransactionSerializer

    def list_filters(self):
        return {
            "file_id": id_param(self.request, "file"),
            "status": _choice(self.request, "status", OcrTransaction.Status),
        }

    @extend_schema(request=AllocateSerializer, responses={200: OcrTransactionSerializer})
    @action(detail=True, methods=["post"])
    def allocate(self, request, company_id=None, pk=None):
        tx = self.get_object()
        body = AllocateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        invoice = Invoice.objects.filter(company=self.company, pk=body.validated_data["invoice"]).first()
        if invoice is None:
            message = _("Invoice #%(id)s is not one of this company's invoices.") % {
                "id": body.validated_data["invoice"]
            }
            raise ValidationFailed(message, fields={"invoice": [message]})
        tx = ocr_transaction_allocate(tx, invoice, user=request.user)
        return Response(OcrTransactionSerializer(ocr_transaction_list(self.company).get(pk=tx.pk)).data)

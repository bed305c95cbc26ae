"""The reconciliation API: ``statements/`` (upload, list, retrieve) and ``statement-entries/``."""

from __future__ import annotations

from datetime import date

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from bankint.api.params import id_param, id_parameter, status_parameter
from bankint.errors import BankFileRejected, Conflict
from companies.api.mixins import CompanyViewSet
from companies.roles import Perm
from iso20022.camt053 import DEFAULT_MAX_BYTES

from ..models import Match, StatementEntry, StatementFile
from ..selectors import statement_entry_list, statement_file_list
from ..services import (
    entries_match,
    entry_post_and_match,
    entry_unmatch,
    statement_file_import,
    upload_source,
)
from .serializers import (
    MatchRequestSerializer,
    MatchSerializer,
    PostAndMatchSerializer,
    StatementEntrySerializer,
    StatementFileDetailSerializer,
    StatementFileSerializer,
    StatementUploadResultSerializer,
    StatementUploadSerializer,
)


@extend_schema_view(
    list=extend_schema(
        parameters=[
            id_parameter("bank_account", description="Files holding a statement for this bank account."),
            OpenApiParameter("date_from", OpenApiTypes.DATE, description="Statements closing on or after."),
            OpenApiParameter("date_to", OpenApiTypes.DATE, description="Statements closing on or before."),
        ]
    )
)
class StatementViewSet(CompanyViewSet):
    """camt.053 statement files: upload one (multipart ``file``), list, retrieve with its statements."""

    queryset = StatementFile.objects.all()
    serializer_class = StatementFileSerializer
    write_perm = Perm.MANAGE_LEDGER
    parser_classes = [MultiPartParser, FormParser]

    def list_filters(self):
        return {
            "bank_account_id": id_param(self.request, "bank_account"),
            "date_from": _date_param(self.request, "date_from"),
            "date_to": _date_param(self.request, "date_to"),
        }

    def rows(self, **filters):
        qs = statement_file_list(self.company, **filters)
        return qs if self.action == "list" else qs.prefetch_related("statements__bank_account")

    def get_serializer_class(self):
        return StatementFileDetailSerializer if self.action == "retrieve" else StatementFileSerializer

    @extend_schema(
        request={"multipart/form-data": StatementUploadSerializer},
        responses={201: StatementUploadResultSerializer},
    )
    def create(self, request, company_id=None):
        upload = StatementUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        handle = upload.validated_data["file"]
        if handle.size > DEFAULT_MAX_BYTES:
            raise BankFileRejected(
                _("The file is larger than the limit of %(limit)s bytes.")
                % {"limit": f"{DEFAULT_MAX_BYTES:,}"},
                fields={"file": [_("The file is too large.")]},
            )
        result = statement_file_import(
            self.company, upload_source(handle), source=StatementFile.Source.API, filename=handle.name or ""
        )
        if result.outcome == "duplicate":
            raise Conflict(result.message, code="duplicate_file")
        if result.outcome == "rejected":
            raise BankFileRejected(result.message, fields={"file": [result.message]})
        file = (
            StatementFile.objects.prefetch_related("statements__bank_account")
            .defer("data")
            .get(pk=result.file.pk)
        )
        data = StatementFileDetailSerializer(file).data
        return Response(
            {**data, "outcome": result.outcome, "message": result.message}, status=status.HTTP_201_CREATED
        )


def _date_param(request, name: str) -> date | None:
    value = (request.query_params.get(name) or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise serializers.ValidationError({name: [_("Use a date as YYYY-MM-DD.")]}) from None


@extend_schema_view(
    list=extend_schema(
        parameters=[
            status_parameter(StatementEntry.Status),
            id_parameter("bank_account"),
            OpenApiParameter("date_from", OpenApiTypes.DATE),
            OpenApiParameter("date_to", OpenApiTypes.DATE),
        ]
    )
)
class StatementEntryViewSet(CompanyViewSet):
    """Bank entries; ``match/`` (with ledger lines), ``unmatch/`` and ``post/`` ("Poster og match")."""

    queryset = StatementEntry.objects.all()
    serializer_class = StatementEntrySerializer
    selector = staticmethod(statement_entry_list)
    write_perm = Perm.MANAGE_LEDGER

    def list_filters(self):
        value = (self.request.query_params.get("status") or "").strip().upper()
        if value and value not in StatementEntry.Status.values:
            raise serializers.ValidationError({"status": [_("Use unmatched or matched.")]})
        return {
            "status": value or None,
            "bank_account_id": id_param(self.request, "bank_account"),
            "date_from": _date_param(self.request, "date_from"),
            "date_to": _date_param(self.request, "date_to"),
        }

    def _match_response(self, match, code=status.HTTP_200_OK):
        match = Match.objects.prefetch_related("entries", "line_links").get(pk=match.pk)
        return Response(MatchSerializer(match).data, status=code)

    @extend_schema(request=MatchRequestSerializer, responses={201: MatchSerializer})
    @action(detail=True, methods=["post"])
    def match(self, request, company_id=None, pk=None):
        entry = self.get_object()
        body = MatchRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        match = entries_match(
            self.company, [entry.pk, *body.validated_data["entries"]], body.validated_data["voucher_lines"]
        )
        return self._match_response(match, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: StatementEntrySerializer})
    @action(detail=True, methods=["post"])
    def unmatch(self, request, company_id=None, pk=None):
        entry = self.get_object()
        entry_unmatch(self.company, entry)
        entry.refresh_from_db()
        return Response(StatementEntrySerializer(entry).data)

    @extend_schema(request=PostAndMatchSerializer, responses={201: MatchSerializer})
    @action(detail=True, methods=["post"], url_path="post")
    def post_and_match(self, request, company_id=None, pk=None):
        entry = self.get_object()
        body = PostAndMatchSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        match = entry_post_and_match(self.company, entry, **body.validated_data)
        return self._match_response(match, status.HTTP_201_CREATED)

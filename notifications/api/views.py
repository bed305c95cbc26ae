from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from companies.api.mixins import CompanyScopedMixin
from companies.roles import Perm

from ..models import Notification
from ..selectors import notification_list_for_user
from ..services import notification_mark_all_read, notification_mark_read
from .serializers import MarkReadResultSerializer, NotificationSerializer


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter(
                "unread", OpenApiTypes.BOOL, description="Only unread (true) or only read (false)"
            )
        ]
    )
)
class NotificationViewSet(
    CompanyScopedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = NotificationSerializer
    queryset = Notification.objects.all()
    # Marking read is a personal action that every member who can see the notification may take.
    write_perm = Perm.VIEW

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Notification.objects.none()
        unread_param = (self.request.query_params.get("unread") or "").lower()
        if self.action != "list":  # the filter is the list's
            unread_param = ""
        choices = {"true": True, "1": True, "false": False, "0": False}
        if unread_param and unread_param not in choices:
            raise serializers.ValidationError({"unread": ["Use true or false."]})
        unread = choices.get(unread_param)
        return notification_list_for_user(self.request.user, self.company, unread=unread)

    @extend_schema(request=None, responses={200: MarkReadResultSerializer})
    @action(detail=True, methods=["post"])
    def read(self, request, company_id=None, pk=None):
        notification_mark_read(self.get_object(), request.user)
        return Response({"marked": 1})

    @extend_schema(request=None, responses={200: MarkReadResultSerializer})
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request, company_id=None):
        return Response({"marked": notification_mark_all_read(self.get_queryset(), request.user)})

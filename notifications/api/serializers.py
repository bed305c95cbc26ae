from rest_framework import serializers

from bankint.api.fields import StoredTextField

from ..models import Notification


class NotificationSerializer(serializers.ModelSerializer):
    is_read = serializers.BooleanField(read_only=True)
    link = serializers.CharField(source="safe_link", read_only=True)
    title = StoredTextField()
    body = StoredTextField()

    class Meta:
        model = Notification
        fields = ["id", "level", "audience", "title", "body", "link", "is_read", "created_at"]
        read_only_fields = fields


class MarkReadResultSerializer(serializers.Serializer):
    marked = serializers.IntegerField()

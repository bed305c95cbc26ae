from django.contrib.auth import get_user_model
from rest_framework import serializers

from bankint.api.mixins import StrictSerializerMixin

from ..models import ApiToken, Company
from ..selectors import company_list_for_user, roles_for


class TokenRequestSerializer(StrictSerializerMixin, serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=256, trim_whitespace=False, style={"input_type": "password"})
    name = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        help_text='What the token is for, shown in the list of tokens (default "API").',
    )


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="The key: send it as Authorization: Token <key>. Shown only now.")
    id = serializers.IntegerField()
    name = serializers.CharField()
    prefix = serializers.CharField(help_text="The key's first characters, to recognise it in the list.")
    expires_at = serializers.DateTimeField(help_text="After this instant the token is refused.")


class ApiTokenSerializer(serializers.ModelSerializer):
    """A token as its user sees it in the list: never the key."""

    status = serializers.ChoiceField(choices=ApiToken.Status.choices, read_only=True)
    current = serializers.SerializerMethodField(help_text="The token this call is made with.")

    class Meta:
        model = ApiToken
        fields = [
            "id",
            "name",
            "prefix",
            "status",
            "created_at",
            "expires_at",
            "last_used_at",
            "last_used_ip",
            "revoked_at",
            "current",
        ]
        read_only_fields = fields

    def get_current(self, token) -> bool:
        request = self.context.get("request")
        auth = getattr(request, "auth", None)
        return isinstance(auth, ApiToken) and auth.pk == token.pk


class CompanySerializer(serializers.ModelSerializer):
    roles = serializers.SerializerMethodField()

    class Meta:
        model = Company
        fields = ["id", "name", "org_number", "address_line", "postal_code", "city", "roles"]

    def get_roles(self, company) -> list[str]:
        request = self.context.get("request")
        return roles_for(request.user, company) if request else []


class MeSerializer(serializers.ModelSerializer):
    national_id = serializers.SerializerMethodField(help_text="Masked: the birth date only, 151086 *****")
    companies = serializers.SerializerMethodField()

    class Meta:
        model = get_user_model()
        fields = [
            "id",
            "username",
            "first_name",
            "last_name",
            "email",
            "is_staff",
            "national_id",
            "companies",
        ]

    def get_national_id(self, user) -> str:
        profile = getattr(user, "profile", None)
        return profile.national_id_masked if profile else ""

    def get_companies(self, user) -> list[dict]:
        return [
            {"id": c.pk, "name": c.name, "roles": roles_for(user, c)} for c in company_list_for_user(user)
        ]

from django.contrib.auth import get_user_model
from rest_framework import serializers

from bankint.api.mixins import StrictSerializerMixin

from ..models import Company
from ..selectors import company_list_for_user, roles_for


class TokenRequestSerializer(StrictSerializerMixin, serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=256, trim_whitespace=False, style={"input_type": "password"})


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()


class CompanySerializer(serializers.ModelSerializer):
    roles = serializers.SerializerMethodField()

    class Meta:
        model = Company
        fields = ["id", "name", "org_number", "address_line", "postal_code", "city", "roles"]

    def get_roles(self, company) -> list[str]:
        request = self.context.get("request")
        return roles_for(request.user, company) if request else []


class MeSerializer(serializers.ModelSerializer):
    national_id = serializers.SerializerMethodField(help_text="Masked: ******12345")
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

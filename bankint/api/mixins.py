"""Serializer behaviour every app's API shares. (The tenancy mixin is ``companies.api.mixins``.)"""

from __future__ import annotations

from django.utils.translation import gettext
from rest_framework import serializers


class StrictSerializerMixin:
    """Unknown fields are an error, not silently ignored: a typo must not look like success.

    Text fields take text only: DRF turns ``{"name": 0}`` into ``"0"`` and ``true`` into
    ``"True"``, which the schema (``type: string``) never promised. The schema says both
    (``additionalProperties: false``, see :mod:`bankint.api.schema`).
    """

    def to_internal_value(self, data):
        unknown: list[str] = []
        not_text: list[str] = []
        if hasattr(data, "keys"):
            allowed = {name for name, field in self.fields.items() if not field.read_only}
            unknown = sorted(set(data.keys()) - allowed)
            not_text = sorted(
                name
                for name, field in self.fields.items()
                if isinstance(field, serializers.CharField)
                and not field.read_only
                and name in data
                and data[name] is not None
                and not isinstance(data[name], str)
            )
        errors: dict = {}
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            if not isinstance(exc.detail, dict):
                raise
            errors = dict(exc.detail)
        errors.update({name: [gettext("Unknown field.")] for name in unknown})
        errors.update({name: [gettext("Enter text, not a number or true/false.")] for name in not_text})
        if errors:
            raise serializers.ValidationError(errors)
        return value

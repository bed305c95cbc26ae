"""OpenAPI post-processing: every operation documents the errors it can answer.

The API's error shape is one and the same everywhere (``{"code", "detail", "fields"}``),
so instead of annotating each view this adds it to every operation: 401 unless the
operation is public, 403 for role checks, 404 for another company's or a missing id, 400
for operations that take input, 405 never (undocumented methods are simply absent), 409
for writes (state conflicts, duplicates), 415 for operations that take a body (JSON, or
multipart for the uploads) and 429 for throttled endpoints.

Query filters treat an empty value (``?status=``) as no filter, and ``?page=`` as the first
page; the schema says so with ``allowEmptyValue`` (``page_size`` must be a number).
"""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema


class StrictAutoSchema(AutoSchema):
    """Request bodies of strict serializers say ``additionalProperties: false``: they refuse
    unknown fields (``StrictSerializerMixin``), and the schema must not promise otherwise."""

    def _map_serializer(self, serializer, direction, bypass_extensions=False):
        from .mixins import StrictSerializerMixin

        schema = super()._map_serializer(serializer, direction, bypass_extensions)
        if (
            direction == "request"
            and isinstance(serializer, StrictSerializerMixin)
            and "properties" in schema
        ):
            schema["additionalProperties"] = False
        return schema


ERROR_SCHEMA = {
    "type": "object",
    "required": ["code", "detail", "fields"],
    "properties": {
        "code": {"type": "string", "description": "Machine-readable error code"},
        "detail": {"type": "string", "description": "A sentence for people"},
        "fields": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
            "description": "Per-field messages",
        },
    },
}

DESCRIPTIONS = {
    "400": "Invalid input",
    "401": "Not authenticated",
    "403": "Not allowed for this role",
    "404": "Not found (or another company's)",
    "409": "Conflicts with the current state",
    "413": "Upload too large",
    "415": "Unsupported media type",
    "429": "Too many requests",
}


def add_error_responses(result, generator, request, public):
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    ref = {"$ref": "#/components/schemas/Error"}
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            codes = {"400", "404"}
            if operation.get("security") != [{}] and operation.get("security") != []:
                codes |= {"401", "403"}
            if method in {"post", "put", "patch", "delete"}:
                codes |= {"409"}
            if method == "post":
                codes |= {"413", "429"}
            if method in {"post", "put", "patch"}:
                codes |= {"415"}
            if path.endswith("/auth/token/"):
                codes |= {"429"}
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "query" and parameter.get("name") != "page_size":
                    parameter["allowEmptyValue"] = True
            responses = operation.setdefault("responses", {})
            for code in sorted(codes):
                responses.setdefault(
                    code,
                    {"description": DESCRIPTIONS[code], "content": {"application/json": {"schema": ref}}},
                )
    return result

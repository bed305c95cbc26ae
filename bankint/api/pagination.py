from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination

from bankint.api.params import as_id


class StandardPagination(PageNumberPagination):
    """``?page=`` and ``?page_size=`` (1-500); a malformed value is a 400, not silently ignored."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_page_size(self, request):
        raw = request.query_params.getlist(self.page_size_query_param)
        if not raw:
            return self.page_size
        size = as_id(raw[0]) if len(raw) == 1 else None
        if size is None or not 1 <= size <= self.max_page_size:
            raise serializers.ValidationError(
                {self.page_size_query_param: [f"A whole number from 1 to {self.max_page_size}."]}
            )
        return size

    def get_schema_operation_parameters(self, view):
        params = super().get_schema_operation_parameters(view)
        for param in params:
            if param["name"] == self.page_size_query_param:
                param["schema"] = {"type": "integer", "minimum": 1, "maximum": self.max_page_size}
            elif param["name"] == self.page_query_param:
                param["schema"] = {"type": "integer", "minimum": 1}
        return params

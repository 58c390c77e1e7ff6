"""Cursor pagination wrapped in the spec's envelope: `{<key>: [...], "next": url|null, "previous": url|null}`."""

from base64 import b64decode
from urllib.parse import parse_qs

from rest_framework.exceptions import NotFound
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response

from .errors import InvalidParameter
from .params import parse_int

PAGE_SIZE_PARAM = "pageSize"
CURSOR_PARAM = "cursor"


class EnvelopeCursorPagination(CursorPagination):
    """Base class; use `envelope_pagination()` to make one per resource (key and ordering)."""

    envelope_key = "results"
    ordering = ("pk",)
    page_size = 100
    max_page_size = 1000
    page_size_query_param = PAGE_SIZE_PARAM
    cursor_query_param = CURSOR_PARAM
    page_size_query_description = "Number of items per page (default 100, maximum 1000)."

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        size = parse_int(self.page_size_query_param, raw)
        if not 1 <= size <= self.max_page_size:
            raise InvalidParameter(self.page_size_query_param, f"must be between 1 and {self.max_page_size}.")
        return size

    def decode_cursor(self, request):
        encoded = request.query_params.get(self.cursor_query_param)
        if encoded is None:
            return None
        try:
            tokens = parse_qs(b64decode(encoded.encode("ascii")).decode("ascii"), keep_blank_values=True)
            # DRF reads a cursor without its keys as "the first page"; a cursor we issued always has them.
            if not tokens or not set(tokens) <= {"o", "r", "p"}:
                raise ValueError(encoded)
            return super().decode_cursor(request)
        except (ValueError, NotFound):
            raise InvalidParameter(self.cursor_query_param, "not a cursor this server issued.") from None

    def get_paginated_response(self, data):
        return Response({self.envelope_key: data, "next": self.get_next_link(), "previous": self.get_previous_link()})

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update({"minimum": 1, "maximum": self.max_page_size, "default": self.page_size})
            elif parameter["name"] == self.cursor_query_param:
                parameter["description"] = "Opaque cursor from a `next` or `previous` link."
        return parameters

    def get_paginated_response_schema(self, schema):
        link = {"type": ["string", "null"], "format": "uri"}
        return {
            "type": "object",
            "required": [self.envelope_key, "next", "previous"],
            "properties": {self.envelope_key: schema, "next": link, "previous": link},
        }


def envelope_pagination(key: str, ordering: tuple[str, ...], *, page_size: int = 100, max_page_size: int = 1000):
    """A pagination class for one resource: its envelope key and a stable, unique ordering."""
    return type(
        f"{key.title().replace('_', '')}Pagination",
        (EnvelopeCursorPagination,),
        {
            "envelope_key": key,
            "ordering": ordering,
            "page_size": page_size,
            "max_page_size": max_page_size,
            "page_size_query_description": f"Number of items per page (default {page_size}, maximum {max_page_size}).",
        },
    )

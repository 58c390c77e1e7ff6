"""Cursor pagination wrapped in the spec's envelope: `{<key>: [...], "next": url|null, "previous": url|null}`, with
signed cursors bound to the query they were issued for (docs/spec-notes.md, "Cursors")."""

from collections.abc import Mapping

from django.core import signing
from rest_framework.pagination import Cursor, CursorPagination
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from .errors import InvalidParameter
from .params import parse_int, shown

PAGE_SIZE_PARAM = "pageSize"
CURSOR_PARAM = "cursor"
NOT_ISSUED = "not a cursor this server issued."


def check_cursor_query(issued: Mapping[str, str | None], asked: Mapping[str, str | None]) -> None:
    """A cursor serves only the query it was issued for: a request whose bound parameters differ from the cursor's
    (a client that sends the cursor without the original parameters, or with others) is a 400 naming the first
    parameter that differs, instead of a page of another range or without the asked filter."""
    if set(issued) != set(asked):
        raise InvalidParameter(CURSOR_PARAM, NOT_ISSUED)
    for name, value in asked.items():
        if issued[name] != value:
            was = f"{name}={shown(issued[name])}" if issued[name] is not None else f"no {name}"
            raise InvalidParameter(
                name, f"the cursor was issued for {was}; send the `next` or `previous` link as it is."
            )


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

    def bound_parameters(self, view) -> list[str]:
        """The query parameters a cursor is bound to: the view's filters (`level`, `parent`), which choose the items.
        Not `pageSize` (a position stays right at any page size) nor `format` (another representation)."""
        filterset_class = getattr(view, "filterset_class", None)
        return sorted(filterset_class.base_filters) if filterset_class and getattr(view, "filter_backends", 1) else []

    def paginate_queryset(self, queryset, request, view=None):
        # As sent (the last of repeated values, as the filters read them); the link carries them unchanged.
        self.bound_query = {name: request.query_params.get(name) for name in self.bound_parameters(view)}
        return super().paginate_queryset(queryset, request, view)

    @property
    def cursor_salt(self) -> str:
        # One salt per resource: a cursor of one list is no cursor of another (its position is another field).
        return f"cdsc_site.api.cursor.{self.envelope_key}"

    def encode_cursor(self, cursor: Cursor) -> str:
        token = signing.dumps(
            {"o": cursor.offset, "r": cursor.reverse, "p": cursor.position, "q": self.bound_query},
            salt=self.cursor_salt,
            compress=True,
        )
        return replace_query_param(self.base_url, self.cursor_query_param, token)

    def decode_cursor(self, request) -> Cursor | None:
        token = request.query_params.get(self.cursor_query_param)
        if token is None:
            return None
        try:
            data = signing.loads(token, salt=self.cursor_salt)
            offset, reverse, position, issued = data["o"], data["r"], data["p"], data["q"]
            if not (
                type(offset) is int
                and 0 <= offset <= self.offset_cutoff
                and type(reverse) is bool
                and (position is None or isinstance(position, str))
                and isinstance(issued, dict)
            ):
                raise ValueError(data)
        except (signing.BadSignature, ValueError, TypeError, KeyError):
            raise InvalidParameter(self.cursor_query_param, NOT_ISSUED) from None
        check_cursor_query(issued, self.bound_query)
        return Cursor(offset=offset, reverse=reverse, position=position)

    def get_paginated_response(self, data):
        return Response({self.envelope_key: data, "next": self.get_next_link(), "previous": self.get_previous_link()})

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update({"minimum": 1, "maximum": self.max_page_size, "default": self.page_size})
            elif parameter["name"] == self.cursor_query_param:
                parameter["description"] = (
                    "Opaque cursor from a `next` or `previous` link, bound to the filters it was issued for: send the "
                    "link as it is (other filters are a 400)."
                )
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

"""The spec's time-series endpoints (section 3.3): one view per quantity, at /timeseries/<q> and /<q>."""

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

from django.core import signing
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils.http import parse_etags
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView

from cdsc_site.api.datetimes import DATETIME_PARAM_SCHEMA, format_datetime, format_epochs, parse_datetime_param
from cdsc_site.api.errors import InvalidParameter
from cdsc_site.api.negotiation import FixedContentNegotiation
from cdsc_site.api.pagination import NOT_ISSUED, check_cursor_query
from cdsc_site.api.params import choice_param, int_param
from cdsc_site.api.renderers import FastJSONRenderer
from cdsc_site.api.response_cache import CachedResponse, cached_response, keep_response, response_key
from cdsc_site.api.views import ProblemJsonErrorsMixin
from cdsc_site.clients.ratelimit import charge_points
from psr import selectors as psr_selectors
from psr.validators import PSR_ID_PATTERN
from timeseries import cache as metadata_cache
from timeseries import selectors
from timeseries.cache import cached
from timeseries.choices import ENERGY_UNITS, STORAGE_ENERGY_UNIT, Quantity, Timeframe, default_timeframe
from timeseries.resolution import parse_resolution
from timeseries.versions import data_version

from .renderers import (
    LAYOUTS,
    LONG,
    WIDE,
    TimeseriesCSVRenderer,
    WideColumns,
    csv_header,
    csv_rows,
    wide_columns,
    wide_rows,
)
from .serializers import response_serializer

DEFAULT_PAGE_SIZE = 1000
MAX_PAGE_SIZE = 10_000
# CSV without pageSize or cursor is the whole asked window, streamed in pages of this many intervals (or buckets):
# a spreadsheet or pandas reads every row, and the server holds one page at a time.
CSV_BATCH = 2_000
PAGING_PARAMS = frozenset({"pageSize", "cursor"})
CURSOR_SALT = "timeseries.cursor"
JSON_MEDIA_TYPE = FastJSONRenderer.media_type


@contextmanager
def gc_paused():
    """No cyclic garbage collection while a page is built: its 100,000 acyclic dicts and tuples would trigger
    several collections for nothing (reference counting frees them)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def cursor_query(query: selectors.TimeseriesQuery) -> dict[str, str | None]:
    """What a cursor is bound to: the PSR, the quantity and every parameter that chooses the intervals or their values,
    as the server understood them (`2023-06-01` and `2023-06-01T00:00:00Z` are the same start). Not `pageSize` (a
    position stays right at any page size) nor `format` (another representation of the same intervals)."""
    return {
        "id": query.psr.pk,
        "quantity": query.quantity,
        "startDatetime": format_datetime(query.start) if query.start else None,
        "endDatetime": format_datetime(query.end) if query.end else None,
        "timeframe": query.timeframe,
        "resolution": query.resolution.code if query.resolution else None,
        "unit": query.unit,
    }


def encode_cursor(cursor: selectors.Cursor, query: selectors.TimeseriesQuery, bound: dict | None = None) -> str:
    data = {"p": cursor.position.isoformat(), "d": cursor.direction, "q": cursor_query(query) | (bound or {})}
    return signing.dumps(data, salt=CURSOR_SALT, compress=True)


def decode_cursor(token: str, query: selectors.TimeseriesQuery, bound: dict | None = None) -> selectors.Cursor:
    """The cursor of a `next` or `previous` link; a token not signed here, or issued for another query, is a 400.
    `bound`: the parameters of a derived quantity the cursor is bound to as well (basis, method)."""
    try:
        data = signing.loads(token, salt=CURSOR_SALT)
        position, direction, issued = data["p"], data["d"], data["q"]
        if direction not in (selectors.NEXT, selectors.PREVIOUS) or not isinstance(issued, dict):
            raise ValueError(direction)
        cursor = selectors.Cursor(parse_datetime_param("cursor", position), direction)
    except (signing.BadSignature, ValueError, TypeError, KeyError, InvalidParameter):
        raise InvalidParameter("cursor", NOT_ISSUED) from None
    check_cursor_query(issued, cursor_query(query) | (bound or {}))
    return cursor


class TimeseriesView(ProblemJsonErrorsMixin, APIView):
    """A time series of one quantity for one PSR; `quantity` is set per URL."""

    quantity: str = ""
    body_key: str = ""  # the key of the intervals in the body; the quantity's name unless set
    cache_closed_periods = True  # a closed past period is cached longer (cdsc_site.api.middleware.cache_control)
    renderer_classes = [FastJSONRenderer, TimeseriesCSVRenderer]
    csv_only = False  # the CSV twin at `<path>.csv`, which answers CSV whatever Accept says (csv_twin)
    wide_columns: WideColumns | None = None  # set for a CSV of the wide layout, read by the renderer

    def _units(self) -> tuple[tuple[str, ...], str] | None:
        """The units values can be converted to, and the default; None: no conversion (prices)."""
        return None if self.quantity == Quantity.PRICE else (ENERGY_UNITS, STORAGE_ENERGY_UNIT)

    def _bound(self) -> dict:
        """Parameters beyond the time-series query that a cursor is bound to (a derived quantity's)."""
        return {}

    def _compute(self, query: selectors.TimeseriesQuery) -> selectors.TimeseriesPage:
        """One page of the quantity."""
        return selectors.timeseries_page(query)

    def _extra(self, page: selectors.TimeseriesPage) -> dict:
        """Fields a derived quantity adds to the body, before its intervals."""
        return {}

    def _wide_labels(self, query: selectors.TimeseriesQuery) -> dict[tuple, dict]:
        """The labels of every breakdown item the query can answer with, known before any point is read: the wide
        CSV's columns (the same on every page of a streamed window)."""
        return selectors.series_set(query.psr, query.quantity, query.timeframe).labels

    def _query(self, request: Request, psr) -> selectors.TimeseriesQuery:
        params = request.query_params
        start = parse_datetime_param("startDatetime", params["startDatetime"]) if "startDatetime" in params else None
        end = parse_datetime_param("endDatetime", params["endDatetime"]) if "endDatetime" in params else None
        if start is not None and end is not None and end <= start:
            raise InvalidParameter("endDatetime", "must be after startDatetime.")
        timeframe = choice_param(request, "timeframe", Timeframe.values, default=default_timeframe(self.quantity))
        resolution = None
        if "resolution" in params:
            try:
                resolution = parse_resolution(params["resolution"])
            except ValueError as exc:
                raise InvalidParameter("resolution", str(exc)) from None
        unit = None
        units = self._units()
        if units is not None:
            unit = choice_param(request, "unit", units[0], default=units[1])
        query = selectors.TimeseriesQuery(
            psr=psr,
            quantity=self.quantity,
            timeframe=timeframe,
            start=start,
            end=end,
            resolution=resolution,
            unit=unit,
            page_size=int_param(request, "pageSize", default=DEFAULT_PAGE_SIZE, minimum=1, maximum=MAX_PAGE_SIZE),
        )
        if "cursor" in params:
            return replace(query, cursor=decode_cursor(params["cursor"], query, self._bound()))
        return query

    def _page(self, request: Request, query: selectors.TimeseriesQuery) -> selectors.TimeseriesPage:
        try:
            with gc_paused():
                page = self._compute(query)
        except selectors.QueryError as exc:
            raise InvalidParameter(exc.parameter, str(exc)) from None
        asked_unit = request.query_params.get("unit")
        if self.quantity == Quantity.PRICE and asked_unit and page.unit and asked_unit != page.unit:
            raise InvalidParameter(
                "unit", f"prices of '{query.psr.pk}' are in {page.unit}; currencies are not converted."
            )
        return page

    def _csv_stream(
        self, request: Request, query: selectors.TimeseriesQuery, first: selectors.TimeseriesPage
    ) -> StreamingHttpResponse:
        """The whole asked window as CSV, page after page: the response holds every interval of the window (never a
        page cut without a word), and memory holds one page at a time, never the window."""
        unit = first.unit or query.unit
        columns = self.wide_columns

        def rows(items: list[dict]) -> str:
            if columns is not None:
                return wide_rows(query.psr.pk, self.quantity, query.timeframe, unit, columns, items)
            return csv_rows(query.psr.pk, self.quantity, query.timeframe, unit, items)

        def chunks() -> Iterator[bytes]:
            yield (csv_header() if columns is None else columns.header()).encode()
            page = first
            while True:
                charge_points(request._request, value_count(page.items))
                yield rows(_formatted(page.items)).encode()
                if page.next is None:
                    return
                with gc_paused():
                    page = self._compute(replace(query, cursor=page.next))

        return StreamingHttpResponse(chunks(), content_type="text/csv; charset=utf-8")

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponseBase:
        # The hot path, many clients polling the same answer: a kept answer (or a 304) is found from the version and
        # the URL alone, before DRF builds its request, negotiates and authenticates (the middleware has admitted
        # the caller). Requests whose media type is not plainly JSON take the whole path, which does the same.
        self._version = None
        if request.method == "GET" and not self.csv_only and _plain_json(request):
            self.args, self.kwargs, self.request = args, kwargs, request
            self.headers = self.default_response_headers
            try:
                self._version = data_version()
            except DatabaseError:  # answered by the whole path, as a problem document
                return super().dispatch(request, *args, **kwargs)
            kept = _kept_answer(request, self._version, JSON_MEDIA_TYPE)
            if kept is not None:
                return self.finalize_response(request, kept, *args, **kwargs)
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: Request, id: str) -> HttpResponseBase:
        version = data_version() if self._version is None else self._version
        metadata_cache.sync(version)
        psr = cached(f"psr:{id}", lambda: psr_selectors.psr_get(id))
        if psr is None:
            raise NotFound(f"There is no power system resource '{id}'.")
        query = self._query(request, psr)
        self.timeframe_used = query.timeframe
        layout = choice_param(request, "layout", LAYOUTS, default=LONG)  # checked with JSON too, where it is ignored
        as_csv = request.accepted_renderer.format == "csv"
        streamed = as_csv and not PAGING_PARAMS & request.query_params.keys()
        if streamed:
            query = replace(query, page_size=CSV_BATCH)
        else:
            # The answer depends on the request and the data alone: its key is the ETag, and its body may be kept.
            kept = _kept_answer(request._request, version, request.accepted_media_type)
            if kept is not None:
                return kept
            key, etag = _response_key(request._request, version, request.accepted_media_type)
        page = self._page(request, query)
        if as_csv and layout == WIDE:
            self.wide_columns = wide_columns(self.quantity, self._wide_labels(query))
        if streamed:
            return self._csv_stream(request, query, page)
        charge = value_count(page.items)
        charge_points(request._request, charge)
        body: dict = {"id": psr.pk, "unit": page.unit or query.unit}
        if self.quantity == Quantity.PRICE or "timeframe" in request.query_params:
            body["timeframe"] = query.timeframe
        if query.resolution is not None:
            body["resolution"] = query.resolution.code
        if page.rolled_up:
            body["rolledUp"] = True
        body.update(self._extra(page))
        body[self.body_key or self.quantity] = _formatted(page.items)
        url = request.build_absolute_uri()
        bound = self._bound()
        for rel, cursor in (("next", page.next), ("previous", page.previous)):
            body[rel] = replace_query_param(url, "cursor", encode_cursor(cursor, query, bound)) if cursor else None
        links = [f'<{body[rel]}>; rel="{rel}"' for rel in ("next", "previous") if body[rel]]
        headers = {"Link": ", ".join(links)} if links else {}
        response = Response(body, headers={**headers, "ETag": etag})

        def keep(rendered: HttpResponseBase) -> None:
            if rendered.status_code == 200:
                keep_response(key, CachedResponse(rendered.content, rendered["Content-Type"], headers, charge))

        response.add_post_render_callback(keep)
        return response


def _plain_json(request: HttpRequest) -> bool:
    """Whether content negotiation can only choose JSON: no `format` parameter, and no Accept header or one that
    names JSON or anything."""
    return "format" not in request.GET and request.headers.get("Accept", "*/*") in ("*/*", JSON_MEDIA_TYPE)


def _response_key(request: HttpRequest, version: int, media_type: str) -> tuple[str, str]:
    """The answer's key (data version, absolute URL, media type) and the ETag taken from it."""
    key = response_key(version, request.build_absolute_uri(), media_type)
    return key, f'"{key[:32]}"'


def _kept_answer(request: HttpRequest, version: int, media_type: str) -> HttpResponseBase | None:
    """The answer to `request` if the client holds it (a 304) or it is kept (charged as computed), else None."""
    key, etag = _response_key(request, version, media_type)
    if _matches(request, etag):
        # The Vary of the 200 (JSON and CSV are gzipped, ApiGZipMiddleware); DRF adds Accept, CORS Origin.
        return HttpResponseNotModified(headers={"ETag": etag, "Vary": "Accept-Encoding"})
    hit = cached_response(key)
    if hit is None:
        return None
    charge_points(request, hit.charge)
    return HttpResponse(hit.content, content_type=hit.content_type, headers={**hit.headers, "ETag": etag})


def _matches(request: HttpRequest, etag: str) -> bool:
    """Whether the request's If-None-Match names `etag` (weakly compared: a gzipped answer's ETag is marked weak)."""
    header = request.headers.get("If-None-Match")
    if not header:
        return False
    tags = parse_etags(header)
    return "*" in tags or etag in (t.removeprefix("W/") for t in tags)


def value_count(items: list[dict]) -> int:
    """The values `items` hold, what a caller's points budget is charged: each interval's value and each item of
    its breakdown (by fuel, by connected PSR)."""
    return len(items) + sum(len(v) for item in items for v in item.values() if isinstance(v, list))


def _formatted(items: list[dict]) -> list[dict]:
    """The items with their start and end (seconds since the epoch) as RFC 3339 text."""
    text_of = format_epochs(item[key] for item in items for key in ("startDatetime", "endDatetime"))
    for item in items:
        item["startDatetime"] = text_of[item["startDatetime"]]
        item["endDatetime"] = text_of[item["endDatetime"]]
    return items


def _parameters(quantity: str) -> list[OpenApiParameter]:
    energy = quantity != Quantity.PRICE
    return [
        OpenApiParameter(
            "id",
            {"type": "string", "pattern": PSR_ID_PATTERN, "maxLength": 128},
            OpenApiParameter.PATH,
            description="The PSR id, e.g. US-WECC-CISO.",
        ),
        OpenApiParameter(
            "startDatetime",
            DATETIME_PARAM_SCHEMA,
            description="RFC 3339 datetime, or a date (00:00 UTC; a datetime without offset is UTC too). Intervals "
            "starting at or after it.",
        ),
        OpenApiParameter(
            "endDatetime",
            DATETIME_PARAM_SCHEMA,
            description="RFC 3339 datetime, or a date (00:00 UTC). Intervals ending at or before it. Must be after "
            "startDatetime.",
        ),
        OpenApiParameter(
            "timeframe",
            {"type": "string", "enum": Timeframe.values, "default": default_timeframe(quantity)},
            description=f"Which values: measured (actual) or a market/forecast horizon. Default "
            f"{default_timeframe(quantity)}.",
        ),
        OpenApiParameter(
            "resolution",
            OpenApiTypes.STR,
            description="Resample to an ISO 8601 duration: PT15M, PT30M, PT1H, ... (dividing a day), P1D, P1M, P1Y. "
            "Energy is summed, prices are time-weighted averages; days, months and years are cut in the PSR's "
            "timezone. A resolution finer than the data is a 400.",
        ),
        OpenApiParameter(
            "unit",
            {"type": "string", "enum": list(ENERGY_UNITS), "default": "MWh"} if energy else OpenApiTypes.STR,
            description="Energy unit of the values (default MWh)."
            if energy
            else "The currency of the prices (no conversion; another currency is a 400).",
        ),
        OpenApiParameter(
            "pageSize",
            {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE, "default": DEFAULT_PAGE_SIZE},
            description=f"Intervals per page (default {DEFAULT_PAGE_SIZE}, maximum {MAX_PAGE_SIZE}).",
        ),
        OpenApiParameter(
            "cursor",
            OpenApiTypes.STR,
            description="Opaque cursor from a `next` or `previous` link, bound to the query it was issued for: send "
            "the link as it is (another PSR, range, timeframe, resolution or unit is a 400).",
        ),
        OpenApiParameter(
            "format", {"type": "string", "enum": ["json", "csv"]}, description="csv: one row per interval and item."
        ),
        layout_parameter(),
    ]


LAYOUT_HELP = (
    "The CSV's layout. `long` (default): a row per interval (item `total`) and one per breakdown item. `wide`: a "
    "row per interval, columns `id, quantity, timeframe, unit, startDatetime, endDatetime, total` (`value` for "
    "prices), then one per fuel (`type`, or `type / technology` for a type held with several technologies) or "
    "connected PSR, in the JSON breakdown's order; an empty cell where the interval has no value for that item. "
    "Ignored with JSON."
)


def layout_parameter(description: str = LAYOUT_HELP) -> OpenApiParameter:
    return OpenApiParameter(
        "layout", {"type": "string", "enum": list(LAYOUTS), "default": LONG}, description=description
    )


def timeseries_view(quantity: str):
    """The view class of one quantity, with its own OpenAPI description."""
    view = type(f"{quantity.title()}TimeseriesView", (TimeseriesView,), {"quantity": quantity})
    return extend_schema_view(
        get=extend_schema(
            summary=f"{quantity.title()} time series of a PSR",
            description=(
                f"Intervals of {quantity} at the PSR in time order, cursor-paginated (spec 3.3). A PSR with no "
                f"series of its own answers with the sum over its descendants (`rolledUp`)."
            ),
            parameters=_parameters(quantity),
            responses={(200, "application/json"): response_serializer(quantity), (200, "text/csv"): OpenApiTypes.STR},
            tags=["timeseries"],
        )
    )(view)


def csv_twin(view: type[TimeseriesView], name: str) -> type[TimeseriesView]:
    """The CSV twin of a time-series view, served at its path + `.csv`: the same handler and parameters (no `format`),
    answering `text/csv` only, as an operation of its own, so that a client generated from the schema has a function
    that reads CSV (a generator parses an operation's 200 with the first media type it supports, JSON)."""
    twin = type(
        f"{view.__name__}CSV",
        (view,),
        {
            "renderer_classes": [TimeseriesCSVRenderer],
            "content_negotiation_class": FixedContentNegotiation,
            "csv_only": True,
        },
    )
    json_operation = f"power_system_resources_timeseries_{name.replace('-', '_')}_retrieve"
    title = name.replace("-", " ")
    return extend_schema_view(
        get=extend_schema(
            operation_id=f"{json_operation}_csv",
            summary=f"{title[0].upper()}{title[1:]} time series of a PSR as CSV",
            description=(
                f"The CSV twin of `GET /power-system-resources/{{id}}/timeseries/{name}` (`{json_operation}`): the "
                "same intervals and parameters, as `text/csv` whatever the Accept header says; `layout` chooses "
                "long or wide rows. Without pageSize or cursor, the whole asked window (streamed); with them, one "
                "page and its `Link` header. Errors are problem documents (JSON)."
            ),
            parameters=[OpenApiParameter("format", exclude=True)],
            responses={(200, "text/csv"): OpenApiTypes.STR},
            extensions={"x-csv-twin-of": json_operation},
        )
    )(twin)

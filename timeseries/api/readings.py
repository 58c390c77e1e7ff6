"""Meter readings as CDS-WG3-01 usage segments: /usage-segments and /production-projects/{id}/usage-segments."""

from datetime import UTC, datetime

from django.core import signing
from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView

from cdsc_site.api.datetimes import DATETIME_PARAM_SCHEMA, format_datetime, parse_datetime_param
from cdsc_site.api.errors import InvalidParameter
from cdsc_site.api.pagination import NOT_ISSUED, check_cursor_query
from cdsc_site.api.params import int_param, shown
from cdsc_site.api.renderers import FastJSONRenderer
from cdsc_site.api.views import ProblemJsonErrorsMixin
from cdsc_site.clients.authentication import ApiKeyAuthentication
from cdsc_site.clients.permissions import ApiClientOrStaff
from cdsc_site.clients.ratelimit import charge_points
from psr import selectors as psr_selectors
from psr.api.access import visible_to_caller
from psr.api.views import PROJECT_ID_PARAM
from psr.choices import WG3_VALUE_TYPE, ReadingDirection, ReadingFormat, ReadingValidity
from psr.models import Meter, ProductionProject
from timeseries import readings
from timeseries.choices import READING
from timeseries.models import Series

from .serializers import UsageSegmentsResponseSerializer
from .views import gc_paused

CURSOR_SALT = "timeseries.readings.cursor"
MAX_SEGMENT_IDS = 100
CHOICE_FILTERS = {
    "reading_formats": ("reading_format", ReadingFormat),
    "reading_validity": ("validity", ReadingValidity),
    "directions": ("direction", ReadingDirection),
}


def _words(request: Request, name: str) -> list[str] | None:
    """A WG3 list-valued filter: space-separated values (a `+` in the URL is a space); None when not given."""
    raw = request.query_params.get(name)
    return None if raw is None else raw.split()


class UsageSegmentsView(ProblemJsonErrorsMixin, APIView):
    """Usage segments of the meter streams the caller may see (granted projects for a key, all for staff)."""

    authentication_classes = [ApiKeyAuthentication, SessionAuthentication]
    permission_classes = [ApiClientOrStaff]
    renderer_classes = [FastJSONRenderer]

    def get(self, request: Request, cds_productionproject_id: str | None = None) -> Response:
        series = self._series(request, cds_productionproject_id)
        params = request.query_params
        after = parse_datetime_param("after", params["after"]) if "after" in params else None
        before = parse_datetime_param("before", params["before"]) if "before" in params else None
        if after is not None and before is not None and before <= after:
            raise InvalidParameter("before", "must be later than after.")
        page_size = int_param(
            request, "pageSize", default=readings.MAX_PAGE_SIZE, minimum=1, maximum=readings.MAX_PAGE_SIZE
        )
        starts = self._segment_starts(request)
        if starts is not None:
            series = series.filter(pk__in=list(starts))
        bound = self._bound_query(request, cds_productionproject_id, after, before)
        cursor = _decode_cursor(params["cursor"], bound) if "cursor" in params else None
        with gc_paused():  # 10,000 value sets: no cyclic collection for them (reference counting frees them)
            page = readings.usage_segments_page(
                series=series, after=after, before=before, cursor=cursor, page_size=page_size, segment_starts=starts
            )
        charge_points(request._request, sum(len(s.values) for s in page.segments))
        url = request.build_absolute_uri()
        links = {
            rel: replace_query_param(url, "cursor", _encode_cursor(position, bound)) if position else None
            for rel, position in (("next", page.next), ("previous", page.previous))
        }
        return Response({"usage_segments": [_segment_body(s) for s in page.segments], **links})

    def _series(self, request: Request, project_id: str | None) -> QuerySet[Series]:
        """The reading streams of the meters the caller may see, narrowed by the path's project and the filters."""
        meters = visible_to_caller(self, Meter, psr_selectors.meters_visible)
        if project_id is not None:
            projects = visible_to_caller(self, ProductionProject, psr_selectors.production_projects_visible)
            if not projects.filter(pk=project_id).exists():
                # The same words as the project's own path: a project not granted does not exist.
                raise NotFound(f"There is no production project '{project_id}'.")
            meters = meters.filter(project_id=project_id)
        series = Series.objects.filter(quantity=READING, meter__in=meters.values("pk"))
        if (numbers := _words(request, "meter_numbers")) is not None:
            series = series.filter(meter__meter_number__in=numbers)
        if (ids := _words(request, "cds_meterdevice_ids")) is not None:
            # WG3 ids are text; one that is not this server's (not a number) matches nothing.
            series = series.filter(meter_id__in=[int(i) for i in ids if i.isascii() and i.isdigit() and len(i) < 19])
        if (projects_asked := _words(request, "cds_productionproject_ids")) is not None:
            series = series.filter(meter__project_id__in=projects_asked)
        for name, (field, choices) in CHOICE_FILTERS.items():
            if (asked := _words(request, name)) is not None:
                unknown = [word for word in asked if word not in choices.values]
                if unknown:
                    raise InvalidParameter(name, f"'{shown(unknown[0])}' is not one of: {', '.join(choices.values)}.")
                series = series.filter(**{f"{field}__in": asked})
        return series

    def _segment_starts(self, request: Request) -> dict[int, set[datetime]] | None:
        """`cds_usagesegment_ids` as series id -> segment starts; an id this server does not make matches nothing."""
        ids = _words(request, "cds_usagesegment_ids")
        if ids is None:
            return None
        if len(ids) > MAX_SEGMENT_IDS:
            raise InvalidParameter("cds_usagesegment_ids", f"at most {MAX_SEGMENT_IDS} ids, got {len(ids)}.")
        starts: dict[int, set[datetime]] = {}
        for text in ids:
            parsed = readings.parse_segment_id(text)
            if parsed is not None:
                starts.setdefault(parsed[0], set()).add(parsed[1])
        return starts

    def _bound_query(
        self, request: Request, project_id: str | None, after: datetime | None, before: datetime | None
    ) -> dict[str, str | None]:
        """What a cursor is bound to: the path's project and every filter, as understood (sorted lists; datetimes
        in UTC). Not `pageSize`: a position stays right at any page size."""
        bound: dict[str, str | None] = {"cds_productionproject_id": project_id}
        for name in ("cds_usagesegment_ids", "cds_meterdevice_ids", "meter_numbers", "cds_productionproject_ids",
                     *CHOICE_FILTERS):  # fmt: skip
            words = _words(request, name)
            bound[name] = None if words is None else " ".join(sorted(set(words)))
        bound["after"] = format_datetime(after) if after else None
        bound["before"] = format_datetime(before) if before else None
        return bound


def _encode_cursor(cursor: readings.SegmentCursor, bound: dict[str, str | None]) -> str:
    data = {"k": list(cursor.key), "s": int(cursor.start.timestamp()), "p": cursor.previous, "q": bound}
    return signing.dumps(data, salt=CURSOR_SALT, compress=True)


def _decode_cursor(token: str, bound: dict[str, str | None]) -> readings.SegmentCursor:
    """The cursor of a `next` or `previous` link; a token not signed here, or issued for other filters, is a 400."""
    try:
        data = signing.loads(token, salt=CURSOR_SALT)
        key, start, previous, issued = data["k"], data["s"], data["p"], data["q"]
        if not (
            isinstance(key, list)
            and len(key) == 4
            and all(isinstance(part, str) for part in key)
            and type(start) is int
            and type(previous) is bool
            and isinstance(issued, dict)
        ):
            raise ValueError(data)
        cursor = readings.SegmentCursor(tuple(key), datetime.fromtimestamp(start, UTC), previous)
    except (signing.BadSignature, ValueError, TypeError, KeyError, OverflowError, OSError):
        raise InvalidParameter("cursor", NOT_ISSUED) from None
    check_cursor_query(issued, bound)
    return cursor


def _segment_body(segment: readings.UsageSegment) -> dict:
    return {
        "cds_usagesegment_id": segment.id,
        "cds_created": format_datetime(segment.created),
        "cds_modified": format_datetime(segment.modified),
        "related_meterdevices": [str(segment.meter_id)],
        "related_productionprojects": [segment.project_id],
        "segment_start": format_datetime(segment.start),
        "segment_end": format_datetime(segment.end),
        "interval": segment.interval,
        "format": [WG3_VALUE_TYPE[segment.direction]],
        "values": segment.values,
        "reading_format": segment.reading_format,
        "reading_validity": segment.validity,
        "direction": segment.direction,
    }


def _list_param(name: str, description: str, enum: list[str] | None = None) -> OpenApiParameter:
    schema: dict = {"type": "string"}
    if enum:
        schema["pattern"] = rf"^\s*(({'|'.join(enum)})\s*)*$"
    return OpenApiParameter(name, schema, description=description)


PARAMETERS = [
    _list_param("cds_usagesegment_ids", "Space-separated usage segment ids (cds_usagesegment_id)."),
    _list_param("cds_meterdevice_ids", "Space-separated meter device ids (cds_meterdevice_id, as /meter-devices)."),
    _list_param("meter_numbers", "Space-separated meter numbers."),
    _list_param("cds_productionproject_ids", "Space-separated production project ids."),
    _list_param(
        "reading_formats", "Space-separated reading formats; an unknown one is a 400.", list(ReadingFormat.values)
    ),
    _list_param(
        "reading_validity", "Space-separated reading validities; an unknown one is a 400.", list(ReadingValidity.values)
    ),
    _list_param("directions", "Space-separated directions; an unknown one is a 400.", list(ReadingDirection.values)),
    OpenApiParameter(
        "after",
        DATETIME_PARAM_SCHEMA,
        description="ISO 8601 date or datetime: segments ending after it, cut to the readings ending after it.",
    ),
    OpenApiParameter(
        "before",
        DATETIME_PARAM_SCHEMA,
        description="ISO 8601 date or datetime: segments starting before it, cut to the readings starting before it.",
    ),
    OpenApiParameter(
        "pageSize",
        {"type": "integer", "minimum": 1, "maximum": readings.MAX_PAGE_SIZE, "default": readings.MAX_PAGE_SIZE},
        description=f"Segments per page (default and maximum {readings.MAX_PAGE_SIZE}).",
    ),
    OpenApiParameter(
        "cursor",
        OpenApiTypes.STR,
        description="Opaque cursor from a `next` or `previous` link, bound to the filters it was issued for: send "
        "the link as it is (other filters are a 400).",
    ),
]
DESCRIPTION = (
    "Meter readings of production projects as CDS-WG3-01 usage segments: one stream (meter, format, validity, "
    "direction) over one local day of its project, cut where the interval length changes or a reading starts off "
    "the grid; `null` value sets where readings are missing. Ordered by meter number, format, validity, direction, "
    "then segment start. Private: an API key sees its granted projects' meters, staff all."
)


class AllUsageSegmentsView(UsageSegmentsView):
    @extend_schema(
        summary="List usage segments",
        description=DESCRIPTION,
        parameters=PARAMETERS,
        responses=UsageSegmentsResponseSerializer,
        tags=["production-projects"],
    )
    def get(self, request: Request) -> Response:
        return super().get(request)


class ProjectUsageSegmentsView(UsageSegmentsView):
    @extend_schema(
        summary="Usage segments of one production project",
        description=DESCRIPTION + " A project not granted is a 404, as one that does not exist.",
        parameters=[PROJECT_ID_PARAM, *PARAMETERS],
        responses=UsageSegmentsResponseSerializer,
        tags=["production-projects"],
    )
    def get(self, request: Request, cds_productionproject_id: str) -> Response:
        return super().get(request, cds_productionproject_id)

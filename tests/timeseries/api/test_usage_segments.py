"""GET /usage-segments and /production-projects/{id}/usage-segments: meter readings as CDS-WG3-01 usage segments,
cut per local day, interval and grid, paged by a cursor, private like the projects."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openapi_core import Config, OpenAPI
from openapi_core.contrib.django import DjangoOpenAPIRequest, DjangoOpenAPIResponse

from cdsc_site.api.datetimes import format_datetime
from cdsc_site.clients import services as client_services
from cdsc_site.clients.selectors import forget_keys
from psr.models import ProductionProjectGrant
from tests.factories import MeterFactory, ProductionProjectFactory, SuperuserFactory, UserFactory
from timeseries.choices import READING_QUALITIES
from timeseries.models import Point
from timeseries.services import PointIn, meter_series_get_or_create, points_write

pytestmark = pytest.mark.django_db

Q = timedelta(minutes=15)
H = timedelta(hours=1)


@pytest.fixture(autouse=True)
def _fresh_keys():
    forget_keys()


def _stream(meter, reading_format="settlement", validity="total_gross", direction="delivered"):
    return meter_series_get_or_create(
        meter=meter, reading_format=reading_format, validity=validity, direction=direction
    )


def _write(series, start: datetime, count: int, step: timedelta = Q, *, skip=(), quality="revenue") -> list:
    """`count` readings of `step` from `start` (less the indexes in `skip`), value = 1 + index; their starts."""
    points = [
        PointIn(start + i * step, start + (i + 1) * step, 1.0 + i, READING_QUALITIES[quality])
        for i in range(count)
        if i not in skip
    ]
    points_write(series=series, points=points, unit="kWh")
    return [p.start for p in points]


def _key(*granted, organisation: str = "Carbon Co") -> dict[str, str]:
    client = client_services.api_client_get_or_create(organisation=organisation)
    for project in granted:
        ProductionProjectGrant.objects.create(client=client, project=project)
    _, raw = client_services.api_key_create(client=client, label="tests")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def _get(client, url: str, **headers) -> dict:
    response = client.get(url, **headers)
    assert response.status_code == 200, response.content
    return response.json()


def _pages(client, url: str, rel: str = "next", **headers) -> list[dict]:
    """The bodies of the pages from `url` on, following `rel` links."""
    bodies = []
    while url:
        bodies.append(_get(client, url, **headers))
        url = bodies[-1][rel]
        assert len(bodies) < 1000
    return bodies


def _walk(client, url: str, **headers) -> list[dict]:
    return [segment for body in _pages(client, url, **headers) for segment in body["usage_segments"]]


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _reading_starts(segment: dict) -> list[datetime]:
    """The starts of the readings a segment holds (its value sets that are not null)."""
    start, step = _instant(segment["segment_start"]), timedelta(seconds=segment["interval"])
    return [start + i * step for i, value_set in enumerate(segment["values"]) if value_set != [None]]


@pytest.fixture
def staff(client):
    client.force_login(SuperuserFactory())
    return client


def test_a_walk_over_all_pages_returns_every_reading_once(staff):
    project = ProductionProjectFactory(timezone="America/New_York")
    meters = [MeterFactory(project=project, meter_number=f"W-{n}") for n in range(2)]
    written = {}
    for meter in meters:
        for fmt, validity in (("settlement", "total_gross"), ("scada", "total_gross"), ("settlement", "contracted")):
            series = _stream(meter, fmt, validity)
            starts = _write(series, datetime(2024, 3, 8, 5, tzinfo=UTC), 96 * 5, skip={7, 100, 101, 300})
            written[(meter.pk, fmt, validity)] = starts
    segments = _walk(staff, "/usage-segments?pageSize=3")
    seen = [
        ((int(s["related_meterdevices"][0]), s["reading_format"], s["reading_validity"]), start)
        for s in segments
        for start in _reading_starts(s)
    ]
    assert len(seen) == len(set(seen)) == sum(len(v) for v in written.values())
    assert set(seen) == {(stream, start) for stream, starts in written.items() for start in starts}
    # One per stream and local day (no gap here is a cut): 2024-03-10 has 23 hours, so the 480 quarters from
    # 2024-03-08 00:00 New York time reach an hour into a sixth local day.
    assert len(segments) == 6 * 6
    assert len({s["cds_usagesegment_id"] for s in segments}) == len(segments)
    # Meter number, then format, validity, direction, then the segment's start.
    order = [
        (s["related_meterdevices"], s["reading_format"], s["reading_validity"], s["segment_start"]) for s in segments
    ]
    keyed = {str(m.pk): m.meter_number for m in meters}
    assert order == sorted(order, key=lambda o: (keyed[o[0][0]], o[1], o[2], o[3]))


@pytest.mark.parametrize(
    "query",
    [
        "pageSize=3",
        "pageSize=4&after=2024-03-09T12:07:00Z&before=2024-03-12T03:00:00Z",
        "pageSize=1&reading_formats=settlement",
    ],
)
def test_previous_links_walk_back_over_the_same_pages(staff, query):
    project = ProductionProjectFactory(timezone="America/New_York")
    for n in range(2):
        meter = MeterFactory(project=project, meter_number=f"P-{n}")
        for fmt in ("settlement", "scada"):
            series = _stream(meter, fmt)
            _write(series, datetime(2024, 3, 8, 5, tzinfo=UTC), 96 * 4, skip={7, 100, 101})
            _write(series, datetime(2024, 3, 12, 5, 5, tzinfo=UTC), 8)  # off the grid: one more segment that day
    forward = _pages(staff, f"/usage-segments?{query}")
    assert forward[0]["previous"] is None and len(forward) > 2
    backward = _pages(staff, forward[-1]["previous"], "previous")
    assert [b["usage_segments"] for b in reversed(backward)] == [f["usage_segments"] for f in forward[:-1]]
    assert _get(staff, backward[0]["next"])["usage_segments"] == forward[-1]["usage_segments"]


def test_missing_readings_are_null_exactly_where_they_are_missing(staff):
    meter = MeterFactory(project=ProductionProjectFactory(timezone="UTC"))
    _write(_stream(meter), datetime(2024, 6, 1, tzinfo=UTC), 96, skip={3, 4, 50}, quality="estimated")
    (segment,) = _get(staff, "/usage-segments")["usage_segments"]
    nulls = [i for i, value_set in enumerate(segment["values"]) if value_set == [None]]
    assert nulls == [3, 4, 50]
    assert len(segment["values"]) == 96
    assert segment["values"][5] == [{"value": 6.0, "quality": "estimated"}]
    assert segment["segment_start"] == "2024-06-01T00:00:00Z" and segment["segment_end"] == "2024-06-02T00:00:00Z"


def test_a_segment_never_starts_or_ends_with_null(staff):
    meter = MeterFactory(project=ProductionProjectFactory(timezone="UTC"))
    _write(_stream(meter), datetime(2024, 6, 1, tzinfo=UTC), 96, skip={0, 1, 95})
    (segment,) = _get(staff, "/usage-segments")["usage_segments"]
    assert segment["segment_start"] == "2024-06-01T00:30:00Z"
    assert segment["segment_end"] == "2024-06-01T23:45:00Z"
    assert len(segment["values"]) == 93 and [None] not in segment["values"]


@pytest.mark.parametrize(
    ("day_start", "day_end", "values"),
    [
        # America/New_York springs forward on 2024-03-10: a 23-hour local day.
        ("2024-03-10T05:00:00Z", "2024-03-11T04:00:00Z", 92),
        # ... and falls back on 2024-11-03: a 25-hour local day, one segment of 100 quarters.
        ("2024-11-03T04:00:00Z", "2024-11-04T05:00:00Z", 100),
    ],
)
def test_segments_are_cut_at_local_midnight_on_short_and_long_days(staff, day_start, day_end, values):
    meter = MeterFactory(project=ProductionProjectFactory(timezone="America/New_York"))
    first = _instant(day_start) - 24 * H
    _write(_stream(meter), first, int((_instant(day_end) + 24 * H - first) / Q))
    segments = _get(staff, "/usage-segments")["usage_segments"]
    assert [(s["segment_start"], s["segment_end"]) for s in segments] == [
        (format_datetime(first), day_start),
        (day_start, day_end),
        (day_end, format_datetime(_instant(day_end) + 24 * H)),
    ]
    assert [len(s["values"]) for s in segments] == [96, values, 96]


def test_a_change_of_interval_length_cuts_a_segment(staff):
    meter = MeterFactory(project=ProductionProjectFactory(timezone="UTC"))
    series = _stream(meter)
    _write(series, datetime(2024, 6, 1, tzinfo=UTC), 8)  # 00:00-02:00 in quarters
    _write(series, datetime(2024, 6, 1, 2, tzinfo=UTC), 3, H)  # 02:00-05:00 in hours
    segments = _get(staff, "/usage-segments")["usage_segments"]
    assert [(s["segment_start"], s["segment_end"], s["interval"], len(s["values"])) for s in segments] == [
        ("2024-06-01T00:00:00Z", "2024-06-01T02:00:00Z", 900, 8),
        ("2024-06-01T02:00:00Z", "2024-06-01T05:00:00Z", 3600, 3),
    ]


def test_a_reading_off_the_grid_starts_a_new_segment(staff):
    meter = MeterFactory(project=ProductionProjectFactory(timezone="UTC"))
    series = _stream(meter)
    _write(series, datetime(2024, 6, 1, tzinfo=UTC), 4)  # 00:00-01:00
    _write(series, datetime(2024, 6, 1, 1, 5, tzinfo=UTC), 4)  # 01:05-02:05: five minutes off the grid
    _write(series, datetime(2024, 6, 1, 3, 5, tzinfo=UTC), 1)  # after a gap of whole quarters: nulls
    segments = _get(staff, "/usage-segments")["usage_segments"]
    assert [(s["segment_start"], s["segment_end"], len(s["values"])) for s in segments] == [
        ("2024-06-01T00:00:00Z", "2024-06-01T01:00:00Z", 4),
        ("2024-06-01T01:05:00Z", "2024-06-01T03:20:00Z", 9),
    ]
    assert segments[1]["values"][4:8] == [[None]] * 4


def test_a_segment_holds_its_stream_meter_project_and_wg3_format(staff):
    project = ProductionProjectFactory(id="SEG-1", timezone="UTC")
    meter = MeterFactory(project=project)
    series = _stream(meter, "scada", "net_metering", "received")
    _write(series, datetime(2024, 6, 1, tzinfo=UTC), 2, quality="valid")
    Point.objects.filter(series=series, start=datetime(2024, 6, 1, tzinfo=UTC)).update(
        updated_at=datetime(2024, 6, 2, 8, 0, 0, 500_000, tzinfo=UTC)
    )
    Point.objects.filter(series=series, start=datetime(2024, 6, 1, 0, 15, tzinfo=UTC)).update(
        updated_at=datetime(2024, 6, 3, 9, tzinfo=UTC)
    )
    (segment,) = _get(staff, "/production-projects/SEG-1/usage-segments")["usage_segments"]
    assert segment == {
        "cds_usagesegment_id": f"{series.pk}-{int(datetime(2024, 6, 1, tzinfo=UTC).timestamp())}",
        "cds_created": "2024-06-02T08:00:00Z",
        "cds_modified": "2024-06-03T09:00:00Z",
        "related_meterdevices": [str(meter.pk)],
        "related_productionprojects": ["SEG-1"],
        "segment_start": "2024-06-01T00:00:00Z",
        "segment_end": "2024-06-01T00:30:00Z",
        "interval": 900,
        "format": ["usage_fwd_kwh"],
        "values": [[{"value": 1.0, "quality": "valid"}], [{"value": 2.0, "quality": "valid"}]],
        "reading_format": "scada",
        "reading_validity": "net_metering",
        "direction": "received",
    }
    meter_ids = [m["cds_meterdevice_id"] for m in _get(staff, "/meter-devices")["meter_devices"]]
    assert segment["related_meterdevices"][0] in meter_ids


@pytest.fixture
def two_streams(db):
    project = ProductionProjectFactory(id="F-1", timezone="UTC")
    other = ProductionProjectFactory(id="F-2", timezone="UTC")
    a, b = MeterFactory(project=project, meter_number="A"), MeterFactory(project=other, meter_number="B")
    day = datetime(2024, 6, 1, tzinfo=UTC)
    for meter, fmt, validity, direction in (
        (a, "settlement", "total_gross", "delivered"),
        (a, "scada", "contracted", "received"),
        (b, "settlement", "net_metering", "net"),
    ):
        _write(_stream(meter, fmt, validity, direction), day, 96 * 2)
    return a, b


def _streams_of(body: dict) -> set[tuple]:
    return {(s["related_productionprojects"][0], s["reading_format"], s["direction"]) for s in body["usage_segments"]}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", {("F-1", "settlement", "delivered"), ("F-1", "scada", "received"), ("F-2", "settlement", "net")}),
        ("reading_formats=settlement", {("F-1", "settlement", "delivered"), ("F-2", "settlement", "net")}),
        ("reading_formats=scada+forecast_day_ahead", {("F-1", "scada", "received")}),
        ("reading_validity=net_metering", {("F-2", "settlement", "net")}),
        ("directions=delivered%20received", {("F-1", "settlement", "delivered"), ("F-1", "scada", "received")}),
        ("meter_numbers=B", {("F-2", "settlement", "net")}),
        ("meter_numbers=A&reading_formats=scada", {("F-1", "scada", "received")}),
        ("cds_productionproject_ids=F-2+NOPE", {("F-2", "settlement", "net")}),
        ("meter_numbers=NOPE", set()),
        ("cds_meterdevice_ids=abc", set()),
    ],
)
def test_filters_take_space_separated_lists_and_intersect(staff, two_streams, query, expected):
    assert _streams_of(_get(staff, f"/usage-segments?{query}")) == expected


def test_meter_device_and_segment_ids_find_their_segments(staff, two_streams):
    _, b = two_streams
    body = _get(staff, f"/usage-segments?cds_meterdevice_ids={b.pk}")
    assert _streams_of(body) == {("F-2", "settlement", "net")} and len(body["usage_segments"]) == 2
    everything = _get(staff, "/usage-segments")["usage_segments"]
    wanted = [everything[1], everything[4]]
    ids = "+".join([*(s["cds_usagesegment_id"] for s in wanted), "junk", "1-2"])
    assert _get(staff, f"/usage-segments?cds_usagesegment_ids={ids}")["usage_segments"] == wanted
    pages = _pages(staff, f"/usage-segments?cds_usagesegment_ids={ids}&pageSize=1")
    assert [segment for body in pages for segment in body["usage_segments"]] == wanted
    assert _get(staff, pages[-1]["previous"])["usage_segments"] == wanted[:1]


def test_after_and_before_cut_segments_to_the_readings_in_range(staff, two_streams):
    body = _get(staff, "/usage-segments?meter_numbers=B&after=2024-06-01T22:10:00Z&before=2024-06-02T01:00:00Z")
    assert [(s["segment_start"], s["segment_end"], len(s["values"])) for s in body["usage_segments"]] == [
        ("2024-06-01T22:00:00Z", "2024-06-02T00:00:00Z", 8),  # the reading holding `after` is in
        ("2024-06-02T00:00:00Z", "2024-06-02T01:00:00Z", 4),
    ]
    assert _get(staff, "/usage-segments?after=2024-06-03")["usage_segments"] == []
    assert len(_get(staff, "/usage-segments?before=2024-06-01T00:15:00Z")["usage_segments"]) == 3


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("reading_formats=settlement+hourly", "reading_formats"),
        ("reading_validity=gross", "reading_validity"),
        ("directions=up", "directions"),
        ("after=yesterday", "after"),
        ("before=2024-13-01", "before"),
        ("after=2024-06-02&before=2024-06-01", "before"),
        ("pageSize=101", "pageSize"),
        ("cursor=junk", "cursor"),
    ],
)
def test_a_bad_parameter_is_a_400_naming_it(staff, query, parameter):
    response = staff.get(f"/usage-segments?{query}")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"][0]["parameter"] == parameter


def test_a_cursor_serves_only_the_filters_it_was_issued_for(staff, two_streams):
    url = _get(staff, "/usage-segments?meter_numbers=A&pageSize=1")["next"]
    changed = url.replace("meter_numbers=A", "meter_numbers=B")
    response = staff.get(changed)
    assert response.status_code == 400 and response.json()["errors"][0]["parameter"] == "meter_numbers"


def test_a_page_holds_at_most_a_hundred_segments_and_links_the_next(staff):
    meter = MeterFactory(project=ProductionProjectFactory(timezone="UTC"))
    _write(_stream(meter), datetime(2024, 1, 1, tzinfo=UTC), 24 * 130, H)
    body = _get(staff, "/usage-segments")
    assert len(body["usage_segments"]) == 100 and body["next"]
    rest = _get(staff, body["next"])
    assert len(rest["usage_segments"]) == 30 and rest["next"] is None
    assert rest["usage_segments"][0]["segment_start"] == "2024-04-10T00:00:00Z"


def test_a_page_reads_only_the_days_it_needs_in_few_queries(staff):
    meter = MeterFactory(project=ProductionProjectFactory(timezone="UTC"))
    _write(_stream(meter), datetime(2024, 1, 1, tzinfo=UTC), 24 * 365, H)
    with CaptureQueriesContext(connection) as queries:
        body = _get(staff, "/usage-segments?pageSize=10&after=2024-03-01")
    assert len(body["usage_segments"]) == 10
    point_reads = [q["sql"] for q in queries.captured_queries if "timeseries_point" in q["sql"]]
    assert len(point_reads) <= 3, point_reads


# --- access -----------------------------------------------------------------------------------------------------


@pytest.fixture
def granted(db):
    mine = ProductionProjectFactory(id="MINE")
    theirs = ProductionProjectFactory(id="THEIRS")
    for project in (mine, theirs):
        meter = MeterFactory(project=project, meter_number=f"{project.id}-1")
        _write(_stream(meter), datetime(2024, 6, 1, 4, tzinfo=UTC), 4)
    return mine, theirs


def test_an_outsider_gets_401(client, granted):
    for url in (
        "/usage-segments",
        "/production-projects/MINE/usage-segments",
        "/production-projects/NO/usage-segments",
    ):
        response = client.get(url)
        assert response.status_code == 401
        assert "WWW-Authenticate" in response


def test_a_logged_in_user_who_is_not_staff_gets_403(client, granted):
    client.force_login(UserFactory(is_staff=False))
    assert client.get("/usage-segments").status_code == 403
    assert client.get("/production-projects/MINE/usage-segments").status_code == 403


def test_a_client_sees_only_its_granted_projects_segments(client, granted):
    mine, _ = granted
    headers = _key(mine)
    everything = _get(client, "/usage-segments", **headers)["usage_segments"]
    assert {s["related_productionprojects"][0] for s in everything} == {"MINE"}
    assert _get(client, "/production-projects/MINE/usage-segments", **headers)["usage_segments"] == everything
    assert _get(client, "/usage-segments?meter_numbers=THEIRS-1", **headers)["usage_segments"] == []
    assert _get(client, "/usage-segments?cds_productionproject_ids=THEIRS", **headers)["usage_segments"] == []


def test_a_project_not_granted_is_a_404_like_one_that_does_not_exist(client, granted):
    headers = _key(granted[0])
    hidden = client.get("/production-projects/THEIRS/usage-segments", **headers)
    missing = client.get("/production-projects/NOPE/usage-segments", **headers)
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json()["detail"] == missing.json()["detail"].replace("NOPE", "THEIRS")


def test_staff_see_every_projects_segments(staff, granted):
    body = _get(staff, "/usage-segments")
    assert {s["related_productionprojects"][0] for s in body["usage_segments"]} == {"MINE", "THEIRS"}


# --- the schema ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/usage-segments", 200),
        ("/usage-segments?pageSize=1", 200),
        ("/production-projects/MINE/usage-segments?reading_formats=settlement", 200),
        ("/production-projects/THEIRS/usage-segments", 404),
        ("/usage-segments?directions=sideways", 400),
    ],
)
def test_real_responses_match_the_schema(client, granted, url, status):
    client.get("/")  # any request: the schema below is generated without a key
    schema = json.loads(client.get("/openapi.json").content)
    headers = _key(granted[0])
    _write(_stream(granted[0].meters.get(), "scada"), datetime(2024, 6, 1, 4, tzinfo=UTC), 8, skip={2})
    response = client.get(url, **headers)
    assert response.status_code == status, response.content
    config = Config(extra_media_type_deserializers={"application/problem+json": json.loads})
    OpenAPI.from_dict(schema, config=config).validate_response(
        DjangoOpenAPIRequest(response.wsgi_request), DjangoOpenAPIResponse(response)
    )

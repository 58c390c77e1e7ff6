"""The Green Button (ESPI Atom XML) adapter: the real PG&E and Enbridge samples, and small feeds written here for
namespaces, links, directions, units, qualities and hostile XML."""

import io
import re
from datetime import UTC, datetime, timedelta
from xml.etree import ElementTree

import pytest

from tests.timeseries.imports.adapters.meters import meter_sample
from tests.timeseries.imports.adapters.test_contract import _check_reading
from tests.timeseries.imports.helpers import errors, read
from timeseries.imports.adapters.greenbutton import ADAPTER
from timeseries.imports.files import HEAD_BYTES
from timeseries.imports.records import ImportFileError, ImportOptions, ReadingRecord

PGE = "greenbutton/pge_electric_interval_data.xml"
GAS = "greenbutton/EGD_Gas_EnergyUsage_20221225_20241225.xml"
ESPI = "{http://naesb.org/espi}"
QUARTER = timedelta(minutes=15)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def readings(items: list) -> list[ReadingRecord]:
    return [i for i in items if isinstance(i, ReadingRecord)]


def feed(*entries: str, prefix: str = "") -> str:
    """An Atom feed of Green Button entries; `prefix` "espi:" writes the ESPI elements prefixed, as Enbridge does,
    else each content's element declares the ESPI namespace as its default, as PG&E does."""
    declare = ' xmlns:espi="http://naesb.org/espi"' if prefix else ""
    body = "\n".join(entries)
    if prefix:
        body = body.replace(' xmlns:E="http://naesb.org/espi"', "").replace("<E:", "<espi:").replace("</E:", "</espi:")
    else:
        body = body.replace("<E:", "<").replace("</E:", "</").replace(' xmlns:E="', ' xmlns="')
    return f'<?xml version="1.0"?>\n<feed xmlns="http://www.w3.org/2005/Atom"{declare}>\n{body}\n</feed>\n'


def entry(
    self_href: str, resource: str, *, related: tuple[str, ...] = (), up: str = "", links_last: bool = False
) -> str:
    """An entry with its links before its content (PG&E), or after it (`links_last`, Enbridge)."""
    links = [f'<link rel="self" href="{self_href}"/>']
    links += [f'<link rel="related" href="{href}"/>' for href in related]
    links += [f'<link rel="up" href="{up}"/>'] if up else []
    content = f"<content>{resource}</content>"
    return f"<entry>{content}{''.join(links)}</entry>" if links_last else f"<entry>{''.join(links)}{content}</entry>"


def usage_point(kind: int = 0, href: str = "/UsagePoint/1") -> str:
    return entry(
        href,
        f'<E:UsagePoint xmlns:E="http://naesb.org/espi"><E:ServiceCategory><E:kind>{kind}</E:kind>'
        "</E:ServiceCategory></E:UsagePoint>",
        related=(f"{href}/MeterReading/1",),
    )


def meter_reading(href: str = "/UsagePoint/1/MeterReading/1", reading_type: str = "/ReadingType/1") -> str:
    return entry(
        href, '<E:MeterReading xmlns:E="http://naesb.org/espi"/>', related=(reading_type, f"{href}/IntervalBlock/1")
    )


def reading_type(href: str = "/ReadingType/1", **fields: object) -> str:
    fields = {"uom": 72, "powerOfTenMultiplier": 0} | fields
    inner = "".join(f"<E:{k}>{v}</E:{k}>" for k, v in fields.items() if v is not None)
    return entry(href, f'<E:ReadingType xmlns:E="http://naesb.org/espi">{inner}</E:ReadingType>')


def interval_reading(start: int, value: object = 1000, duration: int = 900, quality: str = "") -> str:
    value_element = "" if value is None else f"<E:value>{value}</E:value>"
    quality_element = f"<E:ReadingQuality><E:quality>{quality}</E:quality></E:ReadingQuality>" if quality else ""
    return (
        f"<E:IntervalReading>{quality_element}<E:timePeriod><E:duration>{duration}</E:duration><E:start>{start}"
        f"</E:start></E:timePeriod>{value_element}</E:IntervalReading>"
    )


def interval_block(
    *readings_xml: str, href: str = "/UsagePoint/1/MeterReading/1/IntervalBlock/1", links_last: bool = False
) -> str:
    return entry(
        href,
        '<E:IntervalBlock xmlns:E="http://naesb.org/espi"><E:interval><E:duration>86400</E:duration>'
        f"<E:start>0</E:start></E:interval>{''.join(readings_xml)}</E:IntervalBlock>",
        links_last=links_last,
    )


START = 1_700_000_100  # 2023-11-14T22:15:00Z


def electric_feed(*readings_xml: str, prefix: str = "", **type_fields: object) -> str:
    return feed(
        usage_point(),
        meter_reading(),
        reading_type(**type_fields),
        interval_block(*(readings_xml or (interval_reading(START),))),
        prefix=prefix,
    )


# ---------------------------------------------------------------- the real samples


def test_pge_sample_gives_95_readings_of_15_minutes_in_wh_received_from_the_grid():
    items = read(ADAPTER, meter_sample(PGE))

    assert not errors(items)
    got = readings(items)
    assert len(got) == 95
    assert {(r.end - r.start, r.unit, r.direction, r.quality) for r in got} == {(QUARTER, "Wh", "received", "valid")}
    assert (got[0].start, got[0].value) == (utc(2011, 3, 6, 5, 0), 3000.0)
    assert (got[-1].start, got[-1].value) == (utc(2011, 3, 7, 5, 0), 2700.0)
    assert {(r.meter, r.reading_format, r.validity) for r in got} == {(None, None, None)}


def test_pge_sample_leaves_its_two_missing_quarters_absent_not_zero():
    got = readings(read(ADAPTER, meter_sample(PGE)))
    starts = {r.start for r in got}
    every_quarter = {utc(2011, 3, 6, 5, 0) + i * QUARTER for i in range(97)}

    assert sorted(every_quarter - starts) == [utc(2011, 3, 7, 0, 45), utc(2011, 3, 7, 3, 45)]
    assert starts <= every_quarter and 0.0 not in {r.value for r in got}


def test_pge_sample_values_sum_to_the_files_own_sum_of_319800_wh():
    text = meter_sample(PGE)
    # Independently of the adapter: every IntervalReading's value, read with the standard library's parser.
    root = ElementTree.fromstring(text)
    in_file = sum(int(v.text) for v in root.iter(f"{ESPI}value"))
    # The multiplier is 0 and the unit 72 (Wh) in its one ReadingType: the sum is in Wh as written.
    assert re.findall(r"<powerOfTenMultiplier>(-?\d+)</powerOfTenMultiplier>\s*<uom>(\d+)</uom>", text) == [("0", "72")]

    assert in_file == 319_800
    assert sum(r.value for r in readings(read(ADAPTER, text))) == in_file


def test_pge_readings_point_to_the_line_of_their_interval_reading():
    text = meter_sample(PGE)
    lines = text.splitlines()

    got = readings(read(ADAPTER, text))
    assert [lines[r.line - 1].strip() for r in got[:3]] == ["<IntervalReading>"] * 3
    assert got[0].line == 63


def test_gas_sample_is_refused_whole_naming_a_stream_and_its_unit_m3():
    yielded = []
    with pytest.raises(ImportFileError) as refused:
        yielded.extend(ADAPTER.records(io.StringIO(meter_sample(GAS)), ImportOptions()))

    message = str(refused.value)
    assert "m3 (uom 42) is not electric energy" in message
    assert "MeterReading/5F10805E-8F55-53B0-9405-2AB44D863AF3" in message
    assert readings(yielded) == []
    # Every one of its 20 streams was refused by a row error of its own, each naming its unit.
    assert len(yielded) == 20 and all("m3" in e.reason and "MeterReading/" in e.reason for e in yielded)


def test_both_samples_are_sniffed_as_green_button():
    assert ADAPTER.sniff(meter_sample(PGE)[:HEAD_BYTES])
    assert ADAPTER.sniff(meter_sample(GAS)[:HEAD_BYTES])


def test_pge_sample_keeps_the_reading_record_contract():
    for item in read(ADAPTER, meter_sample(PGE)):
        _check_reading(item, None)


# ---------------------------------------------------------------- namespaces, links and order


def test_prefixed_and_default_namespace_feeds_give_the_same_readings():
    readings_xml = (interval_reading(START, 1200), interval_reading(START + 900, 1300))
    plain = read(ADAPTER, electric_feed(*readings_xml))
    prefixed_text = electric_feed(*readings_xml, prefix="espi:")

    assert "<espi:IntervalReading>" in prefixed_text and "<IntervalReading>" not in prefixed_text
    prefixed = read(ADAPTER, prefixed_text)
    assert [(r.start, r.value) for r in readings(plain)] == [(r.start, r.value) for r in readings(prefixed)]
    assert [r.value for r in readings(plain)] == [1200.0, 1300.0]


def test_blocks_link_through_the_feed_they_are_up_in_whatever_the_order_of_entries():
    # Enbridge's way: the MeterReading links to its blocks' feed, each block names that feed as `up`; the block
    # comes before its MeterReading and ReadingType here.
    block = entry(
        "/UsagePoint/1/MeterReading/A/IntervalBlock/9",
        '<E:IntervalBlock xmlns:E="http://naesb.org/espi">' + interval_reading(START, 500) + "</E:IntervalBlock>",
        up="/UsagePoint/1/MeterReading/A/IntervalBlock",
    )
    reading = entry(
        "/UsagePoint/1/MeterReading/A",
        '<E:MeterReading xmlns:E="http://naesb.org/espi"/>',
        related=("/UsagePoint/1/MeterReading/A/IntervalBlock", "/ReadingType/7"),
        up="/UsagePoint/1/MeterReading",
    )
    point = entry(
        "/UsagePoint/1",
        '<E:UsagePoint xmlns:E="http://naesb.org/espi"><E:ServiceCategory><E:kind>0</E:kind></E:ServiceCategory>'
        "</E:UsagePoint>",
        related=("/UsagePoint/1/MeterReading",),
    )
    text = feed(block, reading, reading_type("/ReadingType/7", powerOfTenMultiplier=3), point)

    got = readings(read(ADAPTER, text))
    assert [(r.start, r.value, r.unit) for r in got] == [(datetime.fromtimestamp(START, UTC), 500_000.0, "Wh")]


def test_a_block_whose_links_follow_its_readings_is_read_at_the_end_of_its_entry():
    block = interval_block(interval_reading(START, 10), interval_reading(START + 900, 20), links_last=True)
    text = feed(usage_point(), meter_reading(), reading_type(), block)

    assert [r.value for r in readings(read(ADAPTER, text))] == [10.0, 20.0]


def test_a_long_block_becomes_records_while_the_file_is_still_being_read():
    text = electric_feed(*(interval_reading(START + 900 * i, i) for i in range(5000)))
    stream = io.StringIO(text)

    first = next(iter(ADAPTER.records(stream, ImportOptions())))
    assert first.value == 0.0
    assert stream.tell() < len(text) // 2  # the rest of the block is not held in memory first


def test_a_block_linked_to_no_meter_reading_is_refused_for_its_unknown_unit():
    text = feed(usage_point(), reading_type(), interval_block(interval_reading(START)))

    with pytest.raises(ImportFileError, match="no MeterReading in the file links to it, so its unit is unknown"):
        read(ADAPTER, text)


# ---------------------------------------------------------------- directions, units, scaling, quality


@pytest.mark.parametrize(("flow", "direction"), [(1, "received"), (19, "delivered"), (None, "received")])
def test_flow_direction_forward_is_received_and_reverse_is_delivered_and_absent_is_forward(flow, direction):
    got = readings(read(ADAPTER, electric_feed(flowDirection=flow)))

    assert [r.direction for r in got] == [direction]


def test_a_net_flow_direction_is_refused_with_its_code():
    with pytest.raises(ImportFileError, match=re.escape("flowDirection 4 is neither 1 (forward) nor 19 (reverse)")):
        read(ADAPTER, electric_feed(flowDirection=4))


@pytest.mark.parametrize(("uom", "unit"), [(42, "m3"), (169, "therm"), (38, "W"), (73, "VArh"), (23, "°C")])
def test_a_stream_in_a_unit_that_is_not_energy_is_refused_naming_the_unit(uom, unit):
    with pytest.raises(ImportFileError) as refused:
        read(ADAPTER, electric_feed(uom=uom))

    assert f"{unit} (uom {uom}) is not electric energy in Wh" in str(refused.value)
    assert "MeterReading UsagePoint/1/MeterReading/1 (ReadingType ReadingType/1)" in str(refused.value)


def test_a_gas_usage_point_in_wh_is_still_refused_as_not_electricity():
    text = feed(usage_point(kind=1), meter_reading(), reading_type(), interval_block(interval_reading(START)))

    with pytest.raises(ImportFileError, match=re.escape("gas is not electricity (UsagePoint ServiceCategory kind 1)")):
        read(ADAPTER, text)


def test_register_totals_are_refused_as_not_energy_per_interval():
    with pytest.raises(
        ImportFileError, match=re.escape("bulk quantity (a register total) readings are not energy per interval")
    ):
        read(ADAPTER, electric_feed(accumulationBehaviour=1))


def test_a_feed_with_an_electric_and_a_gas_usage_point_imports_the_electric_one_and_refuses_the_gas_stream():
    gas = (
        usage_point(kind=1, href="/UsagePoint/2"),
        meter_reading("/UsagePoint/2/MeterReading/1", "/ReadingType/2"),
        reading_type("/ReadingType/2", uom=42, powerOfTenMultiplier=-3),
        interval_block(interval_reading(START, 58000), href="/UsagePoint/2/MeterReading/1/IntervalBlock/1"),
    )
    electric = (usage_point(), meter_reading(), reading_type(), interval_block(interval_reading(START, 1500)))

    items = read(ADAPTER, feed(*electric, *gas))

    assert [r.value for r in readings(items)] == [1500.0]
    [error] = errors(items)
    assert (error.column, error.value) == ("uom", "42")
    assert "m3 (uom 42)" in error.reason and "UsagePoint/2/MeterReading/1" in error.reason


@pytest.mark.parametrize(("exponent", "written", "wh"), [(0, 3000, 3000.0), (3, 12, 12_000.0), (-3, 58000, 58.0)])
def test_values_are_scaled_by_the_power_of_ten_into_wh(exponent, written, wh):
    got = readings(read(ADAPTER, electric_feed(interval_reading(START, written), powerOfTenMultiplier=exponent)))

    assert [(r.value, r.unit) for r in got] == [(wh, "Wh")]


def test_each_reading_keeps_its_own_time_period_whatever_the_block_says():
    got = readings(read(ADAPTER, electric_feed(interval_reading(START, duration=3600), interval_reading(START + 3600))))

    start = datetime.fromtimestamp(START, UTC)
    assert [(r.start, r.end) for r in got] == [
        (start, start + timedelta(hours=1)),
        (start + timedelta(hours=1), start + timedelta(hours=1, minutes=15)),
    ]


def test_a_reading_without_a_value_is_left_out_never_a_zero():
    got = readings(read(ADAPTER, electric_feed(interval_reading(START, None), interval_reading(START + 900, 7))))

    assert [r.value for r in got] == [7.0]


@pytest.mark.parametrize(
    ("code", "quality"),
    [("", "valid"), ("0", "valid"), ("7", "corrected"), ("8", "estimated"), ("11", "calculated"), ("14", "raw"),
     ("19", "revenue"), ("10", "raw")],
)  # fmt: skip
def test_reading_quality_codes_map_to_wg3_names(code, quality):
    got = readings(read(ADAPTER, electric_feed(interval_reading(START, quality=code))))

    assert [r.quality for r in got] == [quality]


def test_a_bad_time_or_value_is_a_row_error_on_the_readings_line():
    text = electric_feed(interval_reading(START, "x"), interval_reading(START + 900), prefix="")
    text = text.replace("<IntervalReading>", "\n<IntervalReading>")

    items = read(ADAPTER, text)
    [error] = errors(items)
    assert (error.column, error.value) == ("value", "x")
    assert text.splitlines()[error.line - 1].startswith(
        "<IntervalReading><timePeriod><duration>900</duration><start>1700000100<"
    )
    assert len(readings(items)) == 1


# ---------------------------------------------------------------- hostile and broken files

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE feed [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<feed xmlns="http://www.w3.org/2005/Atom"><title>&lol9;</title></feed>
"""
EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE feed [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<feed xmlns="http://www.w3.org/2005/Atom"><entry><content>
<IntervalBlock xmlns="http://naesb.org/espi"><IntervalReading><value>&secret;</value></IntervalReading></IntervalBlock>
</content></entry></feed>
"""


@pytest.mark.parametrize("text", [BILLION_LAUGHS, EXTERNAL_ENTITY], ids=["billion-laughs", "external-entity"])
def test_a_file_with_a_dtd_or_entities_is_refused_before_anything_expands(text):
    with pytest.raises(ImportFileError, match="declares a DTD") as refused:
        read(ADAPTER, text)

    assert "root:" not in str(refused.value) and "lollol" not in str(refused.value)


def test_an_undeclared_entity_is_refused_as_not_well_formed():
    text = electric_feed(interval_reading(START, "&secret;"))

    with pytest.raises(ImportFileError, match="not well-formed XML: undefined entity"):
        read(ADAPTER, text)


def test_a_truncated_file_is_refused_naming_where():
    text = electric_feed()

    with pytest.raises(ImportFileError, match=r"not well-formed XML: .*line \d+"):
        read(ADAPTER, text[: len(text) // 2])


def test_xml_that_is_not_an_atom_feed_is_refused():
    with pytest.raises(ImportFileError, match="root element is <IntervalBlock>, not an Atom <feed>"):
        read(ADAPTER, '<IntervalBlock xmlns="http://naesb.org/espi"/>')


def test_sniff_wants_an_atom_feed_with_the_espi_namespace():
    assert ADAPTER.sniff(electric_feed()[:500])
    assert not ADAPTER.sniff('<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>news</title>')
    assert not ADAPTER.sniff("start,end,value\nhttp://naesb.org/espi,feed,1\n")

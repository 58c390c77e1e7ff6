"""Green Button (NAESB REQ.21 ESPI Atom XML): a utility's interval readings of one electricity meter, streamed
through a hardened XML parser (no DTD, no entities) into meter readings in Wh."""

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TextIO

from defusedxml import DefusedXmlException, DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden
from defusedxml.ElementTree import DefusedXMLParser, ParseError

from ..records import ImportFileError, ImportOptions, Payload, ReadingRecord, RowError
from .common import number, shown

ESPI_NAMESPACE = "http://naesb.org/espi"
CHUNK = 1 << 16  # characters fed to the parser at a time
MAX_REFUSALS_SHOWN = 3  # refused streams a file-level error names, then "… and N more"

# ReadingType uom (UnitSymbolKind): only 72, Wh of active energy, is imported. The others are named in refusals.
WH = 72
UNIT_NAMES = {
    0: "no unit", 5: "A", 23: "°C", 29: "V", 38: "W", 42: "m3", 61: "VA", 63: "VAr", 71: "VAh", 72: "Wh",
    73: "VArh", 119: "ft3", 128: "US gal", 169: "therm",
}  # fmt: skip
# UsagePoint ServiceCategory kind: 0 is electricity.
SERVICE_NAMES = {0: "electricity", 1: "gas", 2: "water", 3: "time", 4: "heat", 5: "refuse", 6: "sewerage", 7: "rates"}
ELECTRICITY = 0
# ReadingType commodity: 0 none, 1 and 2 electricity (secondary, primary metered); anything else is not electricity.
ELECTRIC_COMMODITIES = {0, 1, 2}
# ReadingType accumulationBehaviour: register totals (bulk quantity, cumulative) and instantaneous values are not
# energy per interval: summing them would count a meter's whole history again at every reading.
NOT_PER_INTERVAL = {1: "bulk quantity (a register total)", 2: "continuous cumulative", 3: "cumulative",
                    6: "indicating", 12: "instantaneous"}  # fmt: skip
# ReadingType flowDirection, seen from the customer (WG3's side too): forward (1) is energy delivered to the customer,
# which a producer receives from the grid; reverse (19) is energy the customer sends to the grid. Absent means forward.
DIRECTIONS = {1: "received", 19: "delivered"}
FORWARD = 1
# IntervalReading ReadingQuality codes as WG3 names: 0 valid, 7 manually edited, 8 and 9 estimated (reference day,
# linear interpolation), 11 derived, 12 projected, 14 raw, 15 normalised for weather, 17 validated, 18 verified,
# 19 revenue-quality. Unknown or questionable codes (10 questionable, 13 mixed, 16 other) are "raw": unchecked.
QUALITIES = {0: "valid", 7: "corrected", 8: "estimated", 9: "estimated", 11: "calculated", 12: "estimated",
             14: "raw", 15: "calculated", 17: "valid", 18: "valid", 19: "revenue"}  # fmt: skip
# A reading with several codes takes the least trustworthy of them.
QUALITY_RANK = ("estimated", "calculated", "corrected", "raw", "valid", "revenue")
# A reading with no ReadingQuality is what the utility publishes (and bills from) without a flag: "valid".
DEFAULT_QUALITY = "valid"

_FEED = re.compile(r"<(?:[A-Za-z_][\w.-]*:)?feed[\s>]")


@dataclass
class _Entry:
    """One Atom entry as far as linking and its ESPI resource need it."""

    line: int
    self_href: str = ""
    up: list[str] = field(default_factory=list)
    related: list[str] = field(default_factory=list)
    title: str = ""
    resource: str = ""  # the local name of the content's ESPI element: UsagePoint, MeterReading, IntervalBlock, ...
    fields: dict[str, str] = field(default_factory=dict)  # ReadingType's and UsagePoint's values
    # IntervalReadings: (line, start, duration, value, quality codes), texts as written
    readings: list[tuple[int, str, str, str | None, list[str]]] = field(default_factory=list)
    # An IntervalBlock whose links came before its readings (PG&E's order) may know its stream while they are read:
    # its readings then become records one by one instead of waiting for the end of the entry.
    stream: "_Stream | RowError | None" = None
    tried: bool = False

    def name(self) -> str:
        """The entry as a message names it: its resource and link (short), and its title when it has one."""
        title = f" {self.title!r}" if self.title and self.title.lower() != _spaced(self.resource) else ""
        where = _short(self.self_href) if self.self_href else f"at line {self.line}"
        return f"{self.resource or 'entry'}{title} {where}"


@dataclass(frozen=True)
class _Stream:
    """What a MeterReading's ReadingType says about its readings: how to scale them, and which way they flow."""

    exponent: int
    direction: str


class GreenButtonAdapter:
    kind = Payload.READINGS
    name = "greenbutton-xml"
    label = "Green Button (NAESB ESPI Atom XML) interval readings of an electricity meter"
    # A utility's interval data is what it bills from: settlement readings of the whole production (or consumption).
    DEFAULT_FORMAT = "settlement"
    DEFAULT_VALIDITY = "total_gross"

    def sniff(self, head: str) -> bool:
        return ESPI_NAMESPACE in head and _FEED.search(head) is not None

    def records(self, text: TextIO, options: ImportOptions) -> Iterator[ReadingRecord | RowError]:
        feed = _Feed()
        parser = DefusedXMLParser(target=feed, forbid_dtd=True, forbid_entities=True, forbid_external=True)
        feed.expat = parser.parser
        try:
            while chunk := text.read(CHUNK):
                parser.feed(chunk)
                yield from feed.take()
            parser.close()
        except DTDForbidden as exc:
            raise ImportFileError(
                "The file declares a DTD (<!DOCTYPE …>): refused, since a DTD can define entities that expand to "
                f"gigabytes or read other files; Green Button files have none ({exc})."
            ) from exc
        except (EntitiesForbidden, ExternalReferenceForbidden) as exc:
            raise ImportFileError(f"The file declares or refers to XML entities: refused ({exc}).") from exc
        except DefusedXmlException as exc:
            raise ImportFileError(f"The file uses an XML feature we refuse: {exc}.") from exc
        except ParseError as exc:
            raise ImportFileError(f"The file is not well-formed XML: {exc}.") from exc
        yield from feed.finish()


class _Feed:
    """The parser's target: follows the elements, keeps each entry's links and resource, and turns IntervalBlocks
    into records as soon as their MeterReading, ReadingType and UsagePoint are known (else at the end of the file)."""

    def __init__(self) -> None:
        self.expat = None  # the expat parser, for the line of each element as it starts
        self._stack: list[str] = []
        self._text: list[str] = []
        self._entry: _Entry | None = None
        self._reading: list | None = None
        self._root_checked = False
        self._usage_points: list[_Entry] = []
        self._meter_readings: list[_Entry] = []
        self._reading_types: dict[str, _Entry] = {}
        self._pending: list[_Entry] = []  # IntervalBlocks whose stream cannot be told yet
        self._verdicts: dict[str, _Stream | RowError] = {}
        self._usage_point_taken: str | None = None  # the first UsagePoint imported: an import fills one meter
        self._out: list[ReadingRecord | RowError] = []
        self._refusals: list[str] = []
        self._imported = 0
        self._reading_errors = 0

    # ------------------------------------------------------------ the parser's target

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        local = tag.rpartition("}")[2]
        if not self._root_checked:
            self._root_checked = True
            if local != "feed":
                raise ImportFileError(f"The file's root element is <{local}>, not an Atom <feed> of Green Button data.")
        parent = self._stack[-1] if self._stack else ""
        self._stack.append(local)
        self._text = []
        line = self.expat.CurrentLineNumber if self.expat is not None else 0
        if local == "entry":
            self._entry = _Entry(line)
        elif self._entry is None:
            return
        elif local == "link" and parent == "entry":
            href = _href(attrib.get("href", ""))
            rel = attrib.get("rel", "alternate")
            if rel == "self":
                self._entry.self_href = href
            elif rel == "up":
                self._entry.up.append(href)
            elif rel == "related":
                self._entry.related.append(href)
        elif parent == "content" and not self._entry.resource:
            self._entry.resource = local
        elif local == "IntervalReading":
            self._reading = [line, "", "", None, []]

    def data(self, text: str) -> None:
        self._text.append(text)

    def end(self, tag: str) -> None:
        local = self._stack.pop()
        parent = self._stack[-1] if self._stack else ""
        text = "".join(self._text).strip()
        self._text = []
        entry, reading = self._entry, self._reading
        if entry is None:
            return
        if reading is not None:
            if local == "IntervalReading":
                self._reading = None
                if not entry.tried and (entry.self_href or entry.up):
                    entry.tried = True
                    entry.stream = self._stream_of(entry, final=False)
                if entry.stream is None:
                    entry.readings.append(tuple(reading))
                elif isinstance(entry.stream, _Stream):
                    self._readings([tuple(reading)], entry.stream)
            elif parent == "timePeriod" and local in ("start", "duration"):
                reading[1 if local == "start" else 2] = text
            elif local == "value" and parent == "IntervalReading":
                reading[3] = text
            elif local == "quality" and parent == "ReadingQuality":
                reading[4].append(text)
        elif local == "entry":
            self._entry = None
            self._add(entry)
        elif local == "title" and parent == "entry":
            entry.title = text
        elif parent == entry.resource and entry.resource == "ReadingType":
            entry.fields[local] = text
        elif local == "kind" and parent == "ServiceCategory":
            entry.fields["kind"] = text

    def close(self) -> None:
        return None

    # ------------------------------------------------------------ entries and streams

    def take(self) -> list[ReadingRecord | RowError]:
        """What the file read so far gave."""
        out, self._out = self._out, []
        return out

    def finish(self) -> list[ReadingRecord | RowError]:
        """What the rest gives, once every entry is known; a file that gave nothing to import is refused whole."""
        for block in self._pending:
            self._block(block, final=True)
        self._pending = []
        if not self._imported and not self._reading_errors:
            if self._refusals:
                more = len(self._refusals) - MAX_REFUSALS_SHOWN
                raise ImportFileError(
                    "Nothing in the file is electric energy we can import. "
                    + " ".join(self._refusals[:MAX_REFUSALS_SHOWN])
                    + (f" … and {more} more stream(s) refused." if more > 0 else "")
                )
            raise ImportFileError("The file holds no IntervalReading of a Green Button (ESPI) IntervalBlock.")
        return self.take()

    def _add(self, entry: _Entry) -> None:
        if entry.resource == "UsagePoint":
            self._usage_points.append(entry)
        elif entry.resource == "MeterReading":
            self._meter_readings.append(entry)
        elif entry.resource == "ReadingType" and entry.self_href:
            self._reading_types[entry.self_href] = entry
        elif entry.resource == "IntervalBlock":
            self._block(entry, final=False)
        # LocalTimeParameters (the meter's UTC offset and DST rules) place nothing: ESPI times are UTC epoch seconds.

    def _block(self, block: _Entry, *, final: bool) -> None:
        """A whole IntervalBlock (its entry ended): its readings not yet written become records, wait for the rest
        of the file, or are dropped with their refused stream."""
        stream = block.stream or self._stream_of(block, final=final)
        if stream is None:
            self._pending.append(block)
            return
        if isinstance(stream, _Stream):
            self._readings(block.readings, stream)
        block.readings = []

    def _stream_of(self, block: _Entry, *, final: bool) -> _Stream | RowError | None:
        """The block's stream, or the row error refusing it (given once per stream); None while the file has not
        yet shown its MeterReading, ReadingType and UsagePoint (`final`: it will not show them any more)."""
        meter_reading = _meter_reading_of(block, self._meter_readings)
        reading_type = self._reading_type_of(meter_reading) if meter_reading else None
        usage_point = _usage_point_of(meter_reading, self._usage_points) if meter_reading else None
        if not final and (meter_reading is None or reading_type is None or usage_point is None):
            return None
        key = meter_reading.self_href if meter_reading else f"IntervalBlock {block.self_href or block.line}"
        verdict = self._verdicts.get(key)
        if verdict is None:
            verdict = self._verdicts[key] = self._verdict(block, meter_reading, reading_type, usage_point)
            if isinstance(verdict, RowError):
                self._refusals.append(verdict.reason)
                self._out.append(verdict)
        return verdict

    def _reading_type_of(self, meter_reading: _Entry) -> _Entry | None:
        for href in meter_reading.related:
            if href in self._reading_types:
                return self._reading_types[href]
        return None

    def _verdict(
        self, block: _Entry, meter_reading: _Entry | None, reading_type: _Entry | None, usage_point: _Entry | None
    ) -> _Stream | RowError:
        """How the stream's readings are imported, or the one row error that refuses all of them."""

        def refused(column: str, value: str, why: str) -> RowError:
            return RowError(block.line, column, shown(value), f"{why}: {stream} is refused (none of its readings "
                            "is imported).")  # fmt: skip

        if meter_reading is None:
            stream = block.name()
            return refused("link", block.self_href, "no MeterReading in the file links to it, so its unit is unknown")
        stream = f"the stream of {meter_reading.name()}"
        if reading_type is None:
            return refused(
                "link", meter_reading.self_href, "its ReadingType is not in the file, so its unit is unknown"
            )
        stream += f" (ReadingType {_short(reading_type.self_href)})"
        fields = reading_type.fields
        uom = _int(fields.get("uom"))
        unit = UNIT_NAMES.get(uom, f"uom {fields.get('uom')}") if uom is not None else "no uom"
        if uom != WH:
            return refused(
                "uom", fields.get("uom", ""), f"{unit} (uom {fields.get('uom', '')}) is not electric energy in Wh"
            )
        service = _int(usage_point.fields.get("kind")) if usage_point else None
        commodity = _int(fields.get("commodity"))
        if usage_point is None and commodity not in (1, 2):
            return refused("link", meter_reading.self_href, "no UsagePoint in the file holds it and its ReadingType "
                           "names no electricity commodity, so it may not be electricity")  # fmt: skip
        if usage_point is not None and service != ELECTRICITY:
            what = SERVICE_NAMES.get(service, f"ServiceCategory kind {usage_point.fields.get('kind', 'missing')}")
            return refused("kind", usage_point.fields.get("kind", ""), f"{what} is not electricity (UsagePoint "
                           f"ServiceCategory kind {usage_point.fields.get('kind', 'missing')})")  # fmt: skip
        if commodity is not None and commodity not in ELECTRIC_COMMODITIES:
            return refused("commodity", fields["commodity"], f"commodity {commodity} is not electricity")
        accumulation = _int(fields.get("accumulationBehaviour"))
        if accumulation in NOT_PER_INTERVAL:
            return refused("accumulationBehaviour", fields["accumulationBehaviour"],
                           f"{NOT_PER_INTERVAL[accumulation]} readings are not energy per interval")  # fmt: skip
        raw_flow = fields.get("flowDirection")
        flow = FORWARD if raw_flow is None else _int(raw_flow)
        if flow not in DIRECTIONS:
            return refused("flowDirection", raw_flow or "", f"flowDirection {raw_flow} is neither 1 (forward) nor 19 "
                           "(reverse); a net flow (4) counts the other way round from our net (delivered less "
                           "received)")  # fmt: skip
        exponent = _int(fields.get("powerOfTenMultiplier", "0"))
        if exponent is None or not -12 <= exponent <= 12:
            return refused("powerOfTenMultiplier", fields.get("powerOfTenMultiplier", ""),
                           "its powerOfTenMultiplier is not a whole number from -12 to 12")  # fmt: skip
        point = usage_point.self_href if usage_point else ""
        if self._usage_point_taken is None:
            self._usage_point_taken = point
        elif point != self._usage_point_taken:
            return refused("link", point, "the file holds more than one electricity UsagePoint and an import fills "
                           f"one meter (the first, {_short(self._usage_point_taken)}, is imported; split the "
                           "file)")  # fmt: skip
        return _Stream(exponent, DIRECTIONS[flow])

    def _readings(self, readings: list[tuple[int, str, str, str | None, list[str]]], stream: _Stream) -> None:
        for line, start_text, duration_text, value_text, codes in readings:
            if not value_text:
                continue  # a reading with no value is missing: it writes nothing, never a zero
            item = _reading(line, start_text, duration_text, value_text, codes, stream)
            if isinstance(item, RowError):
                self._reading_errors += 1
            else:
                self._imported += 1
            self._out.append(item)


def _reading(
    line: int, start_text: str, duration_text: str, value_text: str, codes: list[str], stream: _Stream
) -> ReadingRecord | RowError:
    """An IntervalReading as a record in Wh over its own timePeriod, or why it is not one."""
    start, duration = _int(start_text), _int(duration_text)
    if start is None:
        return RowError(line, "timePeriod/start", start_text, "not a whole number of epoch seconds.")
    if duration is None or duration <= 0:
        return RowError(line, "timePeriod/duration", duration_text, "not a positive whole number of seconds.")
    value = number(value_text)
    if isinstance(value, str):
        return RowError(line, "value", value_text, value)
    try:
        begin = datetime.fromtimestamp(start, UTC)
        end = begin + timedelta(seconds=duration)
    except (OverflowError, OSError, ValueError):
        return RowError(line, "timePeriod/start", start_text, "not a datetime we can place.")
    exponent = stream.exponent
    # Dividing by an exact power of ten rounds once; multiplying by 10**-3 would round twice.
    value = value * 10**exponent if exponent >= 0 else value / 10**-exponent
    return ReadingRecord(line, begin, end, value, "Wh", stream.direction, _quality(codes))


def _href(text: str) -> str:
    return text.strip().rstrip("/")


def _short(href: str) -> str:
    """A link as messages show it: from its UsagePoint on (…/UsagePoint/1/MeterReading/2), else its last two parts."""
    at = href.find("UsagePoint/")
    return href[at:] if at >= 0 else "/".join(href.rsplit("/", 2)[-2:])


def _spaced(name: str) -> str:
    """MeterReading -> "meter reading": a title that only repeats the resource's name says nothing."""
    return re.sub(r"(?<!^)(?=[A-Z])", " ", name).lower()


def _int(text: str | None) -> int | None:
    try:
        return int(text.strip()) if text is not None else None
    except ValueError:
        return None


def _quality(codes: list[str]) -> str:
    if not codes:
        return DEFAULT_QUALITY
    names = [QUALITIES.get(_int(code), "raw") for code in codes]
    return min(names, key=QUALITY_RANK.index)


def _meter_reading_of(block: _Entry, meter_readings: list[_Entry]) -> _Entry | None:
    """The block's MeterReading: one that links to the block or to the feed it is in (`up`), one the block links
    to, or the one its own link sits under (…/MeterReading/1/IntervalBlock/1)."""
    own = [block.self_href, *block.up]
    for meter_reading in meter_readings:
        mine = meter_reading.self_href
        if any(href and href in meter_reading.related for href in own) or (mine and mine in block.related):
            return meter_reading
    for meter_reading in meter_readings:
        mine = meter_reading.self_href
        if mine and any(href.startswith(mine + "/") for href in own):
            return meter_reading
    return None


def _usage_point_of(meter_reading: _Entry, usage_points: list[_Entry]) -> _Entry | None:
    """The MeterReading's UsagePoint: one that links to it or its feed, or the one its link sits under."""
    own = [meter_reading.self_href, *meter_reading.up]
    for usage_point in usage_points:
        if any(href and href in usage_point.related for href in own):
            return usage_point
    for usage_point in usage_points:
        mine = usage_point.self_href
        if mine and any(href.startswith(mine + "/") for href in own):
            return usage_point
    return None


ADAPTER = GreenButtonAdapter()

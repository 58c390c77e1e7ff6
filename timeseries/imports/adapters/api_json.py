"""The API's own time-series JSON responses, read back in: what we serve can be imported again as it was."""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TextIO

import ijson

from ...choices import FLOW_QUANTITIES, FUEL_QUANTITIES, UNIT_EXPONENT, Quantity, Timeframe
from ...selectors import PRICE_DIGITS
from ..records import ImportFileError, ImportOptions, Payload, Record, RowError
from .common import NOT_UTF8, Utf8Reader, invalid_json, listed, shown

QUANTITIES = tuple(Quantity.values)
FUEL_KEY, FLOW_KEY = "valueByFuelSource", "valueByConnectedPSR"
BREAKDOWN_KEY = {q: FUEL_KEY for q in FUEL_QUANTITIES} | {q: FLOW_KEY for q in FLOW_QUANTITIES}
HEADER_KEYS = frozenset({"id", "unit", "timeframe", "resolution", "rolledUp", "source"})
# An emissions response says whether its values were measured by the operator ("reported"), computed from
# generation and emission factors ("computed"), or some of each ("mixed"). Only reported ones are data of their own.
REPORTED = "reported"
# Intervals of a response whose data array comes before its `id` and `unit` are held until those arrive. The API
# writes them first and never more than 10,000 intervals a page (timeseries.api.views.MAX_PAGE_SIZE): holding one
# page's worth keeps memory flat and still reads a response whose keys were reordered (e.g. sorted by a tool).
HELD_INTERVALS_LIMIT = 10_000
# Parsed datetimes are memoised (an interval's end is the next one's start); bounded so memory stays flat.
DATETIME_MEMO_SIZE = 10_000

_FIRST_KEY_IS_ID = re.compile(r'\[?\s*\{\s*"id"\s*:')
_DATA_ARRAY = re.compile(r'"(?:' + "|".join(QUANTITIES) + r')"\s*:\s*\[')


class ApiJsonAdapter:
    kind = Payload.TIMESERIES
    name = "api-json"
    label = "This API's time-series JSON responses (one response, or an array of them)"

    def sniff(self, head: str) -> bool:
        text = head.lstrip("\ufeff \t\r\n")
        # Strict enough not to claim CSV (which never starts with a bracket) nor other JSON: our responses start
        # with "id", and a reordered one still has a quantity key holding an array.
        return text[:1] in ("{", "[") and bool(_FIRST_KEY_IS_ID.match(text) or _DATA_ARRAY.search(text))

    def records(self, text: TextIO, options: ImportOptions) -> Iterator[Record | RowError]:
        # options.psr and options.timezone do not apply: responses name their PSR and datetimes carry offsets.
        return _Reader(text).read()


@dataclass(frozen=True)
class _Response:
    """What a response says about all of its intervals."""

    psr: str
    quantity: str
    unit: str | None
    timeframe: str | None
    breakdown: str | None  # the key of the intervals' breakdown, if the quantity has one
    digits: int  # decimals the API rounds a breakdown's sum to, in this unit


class _Reader:
    """One pass over the file's JSON events: responses, their headers, then their intervals one at a time."""

    def __init__(self, text: TextIO) -> None:
        self.source = Utf8Reader(text)
        self.events = ijson.basic_parse(self.source, use_float=True)
        self.intervals = 0  # intervals read so far; an interval's `line` is its running number
        self.memo: dict[str, datetime | str] = {}

    def read(self) -> Iterator[Record | RowError]:
        try:
            yield from self._document()
        except ijson.JSONError as exc:
            if not self.source.text_seen:
                raise ImportFileError("The file is empty.") from None
            where = f"after interval {self.intervals}" if self.intervals else "before the first interval"
            raise invalid_json(exc, where) from None
        except UnicodeEncodeError:
            raise ImportFileError(NOT_UTF8) from None

    def _document(self) -> Iterator[Record | RowError]:
        events = self.events
        event, _ = next(events)
        if event == "start_map":
            yield from self._response(None)
        elif event == "start_array":
            index = 0
            for event, _ in events:
                if event == "end_array":
                    break
                if event != "start_map":
                    raise ImportFileError(
                        f"Element {index} of the top-level array is not a time-series response object."
                    )
                yield from self._response(index)
                index += 1
            if index == 0:
                raise ImportFileError("The file is an empty JSON array: there is no time-series response in it.")
        else:
            raise ImportFileError(
                "The file is a single JSON value, not a time-series response object (or an array of them)."
            )
        for _ in events:  # whatever follows the document: the parser reports it as trailing garbage
            pass

    def _response(self, index: int | None) -> Iterator[Record | RowError]:
        name = "The JSON object" if index is None else f"Object {index} of the top-level array"
        path = "" if index is None else f"[{index}]."
        events = self.events
        header: dict[str, Any] = {}
        keys: list[str] = []  # the first few, to describe an object that is no response
        quantity: str | None = None
        held: list[tuple[int, str, Any]] | None = None  # intervals read before the header was complete
        streamed = 0  # intervals read as they came, with the header seen before them
        for _, key in events:  # a map_key, or the end_map that closes the response
            if key is None:
                break
            if len(keys) < 10:
                keys.append(key)
            event, value = next(events)
            if key in QUANTITIES:
                if quantity is not None:
                    raise ImportFileError(f"{name} holds both '{quantity}' and '{key}': one quantity per response.")
                if event != "start_array":
                    raise ImportFileError(f"{name}: '{key}' must be an array of intervals.")
                quantity = key
                if _header_complete(header, quantity):
                    before = self.intervals
                    yield from self._intervals(_describe(name, header, quantity), f"{path}{quantity}")
                    streamed = self.intervals - before
                else:
                    held = self._hold(name, quantity, f"{path}{quantity}")
            elif key in HEADER_KEYS:
                value = self._value(event, value)
                if quantity is not None and held is None:
                    _check_late(name, header, quantity, key, value, streamed)
                header[key] = value
            else:
                self._skip(event)  # next, previous, and keys a later version may add
        if quantity is None:
            raise ImportFileError(
                f"{name} is not a time-series response: it has none of the keys {', '.join(QUANTITIES)} "
                f"(its keys: {listed(keys) or 'none'})."
            )
        if held is not None:
            response = _describe(name, header, quantity)
            for number, where, raw in held:
                yield from self._interval(response, raw, number, where)

    def _intervals(self, response: _Response, path: str) -> Iterator[Record | RowError]:
        for index, (event, value) in enumerate(self.events):
            if event == "end_array":
                return
            self.intervals += 1
            yield from self._interval(response, self._value(event, value), self.intervals, f"{path}[{index}]")

    def _hold(self, name: str, quantity: str, path: str) -> list[tuple[int, str, Any]]:
        held: list[tuple[int, str, Any]] = []
        for event, value in self.events:
            if event == "end_array":
                return held
            if len(held) == HELD_INTERVALS_LIMIT:
                keys = "'id', 'unit' and 'source'" if quantity == Quantity.EMISSIONS else "'id' and 'unit'"
                raise ImportFileError(
                    f"{name}: its '{quantity}' array comes before {keys} and holds more than "
                    f"{HELD_INTERVALS_LIMIT:,} intervals, too many to hold until they come. Put {keys} "
                    f"before the array, as the API writes them."
                )
            self.intervals += 1
            held.append((self.intervals, f"{path}[{len(held)}]", self._value(event, value)))
        return held

    def _value(self, event: str, value: Any) -> Any:
        """The whole JSON value that starts with this event (one interval at most: never a whole array of them)."""
        if event == "start_map":
            root: Any = {}
        elif event == "start_array":
            root = []
        else:
            return value
        stack = [root]
        key = None
        for event, value in self.events:
            if event == "map_key":
                key = value
                continue
            if event == "end_map" or event == "end_array":
                stack.pop()
                if not stack:
                    return root
                continue
            if event == "start_map":
                value = {}
            elif event == "start_array":
                value = []
            top = stack[-1]
            if isinstance(top, list):
                top.append(value)
            else:
                top[key] = value
            if event == "start_map" or event == "start_array":
                stack.append(value)
        return root  # not reached: the parser raises on a document that ends inside a value

    def _skip(self, event: str) -> None:
        if event != "start_map" and event != "start_array":
            return
        depth = 1
        for event, _ in self.events:
            if event == "start_map" or event == "start_array":
                depth += 1
            elif event == "end_map" or event == "end_array":
                depth -= 1
                if not depth:
                    return

    def _interval(self, response: _Response, raw: Any, number: int, path: str) -> list[Record | RowError]:
        """The records of one interval: its total where the breakdown does not imply it, and each breakdown item.

        An interval with any error gives its errors and no record: a part of it alone would change its total.
        """
        if not isinstance(raw, dict):
            reason = "an interval must be an object with startDatetime, endDatetime and value."
            return [RowError(number, path, shown(raw), reason)]
        errors: list[RowError] = []
        start = self._datetime(raw, "startDatetime", number, path, errors)
        end = self._datetime(raw, "endDatetime", number, path, errors)
        value = _number(raw, "value", number, path, errors)
        parts: list[tuple[str | None, str | None, str | None, float]] = []
        key = response.breakdown
        for other in (FUEL_KEY, FLOW_KEY):
            if other != key and other in raw:
                errors.append(
                    RowError(number, f"{path}.{other}", shown(raw[other]), f"{response.quantity} has no {other}.")
                )
        if key is not None:
            items = raw.get(key, [])
            if not isinstance(items, list):
                errors.append(RowError(number, f"{path}.{key}", shown(items), f"{key} must be an array."))
                items = []
            for i, item in enumerate(items):
                where = f"{path}.{key}[{i}]"
                if not isinstance(item, dict):
                    errors.append(RowError(number, where, shown(item), "a breakdown item must be an object."))
                elif key == FUEL_KEY:
                    fuel = _name(item, "type", number, where, errors, required=True)
                    technology = _name(item, "technology", number, where, errors, required=False)
                    parts.append((fuel, technology, None, _number(item, "value", number, where, errors)))
                else:
                    connected = _name(item, "connectedPSR", number, where, errors, required=True)
                    parts.append((None, None, connected, _number(item, "value", number, where, errors)))
        if errors:
            return errors
        psr, quantity, unit, timeframe = response.psr, response.quantity, response.unit, response.timeframe
        records: list[Record | RowError] = []
        # The API serves an interval's value as the PSR's reported total where there is one, else the sum of its
        # breakdown rounded to `digits`. A value that is that sum is no reported total: importing it as one would
        # add a total series the source did not have. Any other value is one, and is written back as a total.
        if not parts or value != round(sum(p[3] for p in parts), response.digits):
            records.append(Record(number, psr, quantity, start, end, value, unit, None, None, None, timeframe))
        for fuel, technology, connected, part in parts:
            records.append(
                Record(number, psr, quantity, start, end, part, unit, fuel, technology, connected, timeframe)
            )
        return records

    def _datetime(self, raw: dict, key: str, number: int, path: str, errors: list[RowError]) -> datetime | None:
        text = raw.get(key)
        result = self.memo.get(text) if isinstance(text, str) else None
        if result is None:
            if not isinstance(text, str):
                reason = f"{key} is missing." if key not in raw else f"{key} must be a datetime string."
                errors.append(RowError(number, f"{path}.{key}", shown(text), reason))
                return None
            if len(self.memo) >= DATETIME_MEMO_SIZE:
                self.memo.clear()
            self.memo[text] = result = _parse_datetime(text)
        if isinstance(result, str):
            errors.append(RowError(number, f"{path}.{key}", text, result))
            return None
        return result


def _header_complete(header: dict[str, Any], quantity: str) -> bool:
    """Whether the header says enough to read intervals as they come: an emissions response's must also say where
    its values come from (until then they are held, and refused with the response if they are computed)."""
    return "id" in header and "unit" in header and (quantity != Quantity.EMISSIONS or "source" in header)


def _check_late(name: str, header: dict[str, Any], quantity: str, key: str, value: Any, streamed: int) -> None:
    """Refuse a header field that comes after the intervals it applies to were read (the API writes it before)."""
    if key == "rolledUp" and value is True:
        _describe(name, header | {key: value}, quantity)  # refuses a roll-up, saying why
    if not streamed or key in ("resolution", "rolledUp", "source"):
        return  # changes nothing that was read (an emissions response's intervals wait for its source)
    raise ImportFileError(
        f"{name}: '{key}' comes after the '{quantity}' array, whose intervals were read without it; put it "
        f"before the array, as the API writes it."
    )


def _describe(name: str, header: dict[str, Any], quantity: str) -> _Response:
    """The response's header checked: a PSR id, a unit, a known timeframe, no roll-up, and emissions that were
    reported, not computed."""
    psr = header.get("id")
    if not isinstance(psr, str) or not psr.strip():
        raise ImportFileError(f"{name} has no PSR 'id' (found {shown(psr) or 'none'}).")
    if header.get("rolledUp") is True:
        raise ImportFileError(
            f'{name} is rolled up ("rolledUp": true): its {quantity} values are sums over the PSRs below '
            f"'{psr}', which hold the data. Importing them on '{psr}' would count them twice; import the responses "
            f"of those PSRs instead."
        )
    if quantity == Quantity.EMISSIONS and header.get("source") != REPORTED:
        raise ImportFileError(_not_reported(name, psr, header.get("source")))
    if "unit" not in header:
        raise ImportFileError(f"{name} has no 'unit'.")
    unit = header["unit"]
    if unit is not None and not isinstance(unit, str):
        raise ImportFileError(f"{name}: 'unit' must be a unit name or currency code (found {shown(unit)}).")
    timeframe = header.get("timeframe")
    if timeframe is not None and timeframe not in Timeframe.values:
        raise ImportFileError(f"{name}: 'timeframe' {shown(timeframe)} is not one of {', '.join(Timeframe.values)}.")
    return _Response(
        psr=psr,
        quantity=quantity,
        unit=unit,
        timeframe=timeframe,
        breakdown=BREAKDOWN_KEY.get(quantity),
        digits=UNIT_EXPONENT.get(unit, PRICE_DIGITS),
    )


def _not_reported(name: str, psr: str, source: Any) -> str:
    """Why an emissions response that is not the operator's reported emissions is refused."""
    why = (
        f"computed emissions are derived from generation and emission factors, not measured: imported on '{psr}' "
        "they would pass for reported emissions and take the place of what is computed. Import the generation "
        'instead; only reported emissions ("source": "reported") are imported.'
    )
    if source == "computed":
        return f'{name} holds computed emissions ("source": "computed"): {why}'
    if source == "mixed":
        return f'{name} holds emissions partly computed ("source": "mixed"): {why}'
    if source is None:
        return f"{name} holds emissions and does not say their 'source': {why}"
    return f"{name} holds emissions of an unknown 'source' {shown(source)}: {why}"


def _number(raw: dict, key: str, number: int, path: str, errors: list[RowError]) -> float:
    value = raw.get(key)
    if isinstance(value, int | float) and not isinstance(value, bool):  # a JSON true is no number
        return float(value)
    reason = f"{key} is missing." if key not in raw else f"{key} is not a number."
    errors.append(RowError(number, f"{path}.{key}", shown(value), reason))
    return 0.0


def _name(raw: dict, key: str, number: int, path: str, errors: list[RowError], *, required: bool) -> str | None:
    value = raw.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        reason = f"{key} is missing." if key not in raw else f"{key} must be a non-empty string."
        errors.append(RowError(number, f"{path}.{key}", shown(value), reason))
        return None
    return value


def _parse_datetime(text: str) -> datetime | str:
    """The aware datetime written in `text`, or the reason it is not one."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return "not an ISO 8601 datetime (e.g. 2023-01-01T00:00:00Z)." if text.strip() else "the datetime is empty."
    if value.tzinfo is None:
        return "the datetime has no UTC offset; the API writes them with one (Z)."
    return value


ADAPTER = ApiJsonAdapter()

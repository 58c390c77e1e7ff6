"""The `CDSC` client: the API's resources as dicts (documents) and pandas DataFrames (tables), every page followed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any, TypedDict, Unpack
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd
import requests

from .transport import Retry, Transport

Moment = str | date | datetime


class SeriesOptions(TypedDict, total=False):
    """The options of `CDSC.timeseries` that its shortcuts (`generation`, `demand`, ...) pass on."""

    resolution: str | None
    unit: str | None
    timeframe: str | None
    tz: str | None
    page_size: int | None


# The body key of each time-series endpoint's array, where it is not the quantity itself.
ARRAY_KEYS = {"carbon-intensity": "carbonIntensity"}
# Fields of a time-series body the frame's attrs carry under another name, or not at all (paging).
BODY_FIELDS = {"id", "unit", "timeframe", "resolution", "rolledUp", "next", "previous"}
# Most pages followed for one call: a guard against a server whose `next` never ends.
MAX_PAGES = 100_000
NAN = float("nan")


class CDSC:
    """A client of one CDSC-WG2-03 server.

    >>> client = CDSC("http://127.0.0.1:8000")                      # anonymous, as the demo allows
    >>> client = CDSC("https://grid.example.org", api_key="AbCd1234.xxxx")

    `api_key` is sent as `Authorization: Bearer <key>` on every request. `timeout` is in seconds (one number, or
    `(connect, read)`). `retry` says how 429, 503 and dropped connections are retried (`Retry`). Each answer's
    `ETag` is kept with its body, the most recently used first, within `etag_cache_bytes` of JSON: asking the same
    URL again sends `If-None-Match`, and a 304 reuses the kept body (0 turns this off). `session` is a
    `requests.Session` of your own (proxies, certificates); the client sets its User-Agent, Accept and Authorization
    headers.

    Documents (`describe`, `topology`) come back as dicts; tables (`psrs`, `capacity`, `transmission_capacity`
    and every time series) as pandas DataFrames. Errors raise `CDSCError` subclasses carrying the problem document.
    """

    def __init__(
        self,
        base_url: str,
        api_key: str | None = None,
        *,
        timeout: float | tuple[float, float] = (10.0, 120.0),
        retry: Retry | None = None,
        etag_cache_bytes: int = 64_000_000,
        session: requests.Session | None = None,
    ):
        self._transport = Transport(
            base_url,
            api_key=api_key,
            timeout=timeout,
            retry=retry or Retry(),
            etag_cache_bytes=etag_cache_bytes,
            session=session,
        )
        self._timezones: dict[str, str] = {}

    @property
    def base_url(self) -> str:
        return self._transport.base_url

    @property
    def session(self) -> requests.Session:
        """The `requests.Session` the client sends with (add hooks, adapters or proxies to it)."""
        return self._transport.session

    def close(self) -> None:
        self._transport.session.close()

    def __enter__(self) -> CDSC:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # Raw access.

    def get(self, path: str, **params: Any) -> Any:
        """The JSON body of one API path (`"/metadata/fuel-source/types"`), unparsed and not paged: for what the
        other methods do not cover. Parameters of value None are left out."""
        return self._transport.get_json(self._transport.url(path, params))

    def pages(self, path: str, **params: Any) -> Iterator[dict[str, Any]]:
        """Each page's body of a paged path, from the first, following `next` to the end."""
        url: str | None = self._transport.url(path, params)
        for _ in range(MAX_PAGES):
            if url is None:
                return
            body = self._transport.get_json(url)
            yield body
            url = self._transport.rebase(body["next"]) if body.get("next") else None
        raise RuntimeError(f"{path}: more than {MAX_PAGES} pages; the server's `next` links do not end.")

    # Power system resources.

    def psrs(
        self, level: int | str | None = None, parent: str | None = None, *, page_size: int | None = None
    ) -> pd.DataFrame:
        """Every PSR (every page), optionally of one topology `level` (its number or id) or under one `parent`, as a
        DataFrame with columns `id`, `name`, `level` (the level's id) and `parent` (None at the top)."""
        rows: list[dict[str, Any]] = []
        params = {"level": level, "parent": parent, "pageSize": page_size}
        for body in self.pages("/power-system-resources", **params):
            rows.extend(body["power_system_resources"])
        return pd.DataFrame(rows, columns=["id", "name", "level", "parent"])

    def describe(self, id: str) -> dict[str, Any]:
        """A PSR's description: `name`, `level`, `parent`, `timezone` (IANA), `external_identifiers`, `asset_info`
        and `location` (address and GeoJSON), with its `id`."""
        body = self.get(f"/power-system-resources/{_segment(id)}/describe")
        self._timezones[id] = body["describe"].get("timezone") or "UTC"
        return {"id": body["id"], **body["describe"]}

    def topology(self, id: str, levels: int = 1) -> dict[str, Any]:
        """A PSR's place in the tree `levels` levels up and down (the server's `numLevels`, 0 to 100, default 1):
        `parent`, `children` and `connectedSiblings`, with its `id`. A node at the depth limit has no `parent` or
        `children` key; `parent: None` is the top of the tree."""
        body = self.get(f"/power-system-resources/{_segment(id)}/topology", numLevels=levels)
        return {"id": body["id"], **body["topology"]}

    def capacity(self, id: str, unit: str | None = None) -> pd.DataFrame:
        """Installed capacity by fuel source over time: columns `type`, `technology`, `value`, `start`, `end` (UTC;
        NaT where open). `unit` is `MW` (the server's default), `kW` or `W`; `attrs["unit"]` says which."""
        body = self.get(f"/power-system-resources/{_segment(id)}/capacity", unit=unit)
        rows = [
            {
                "type": item["fuelSource"]["type"],
                "technology": item["fuelSource"].get("technology"),
                "value": item["value"],
                "start": item.get("startDatetime"),
                "end": item.get("endDatetime"),
            }
            for item in body["capacity"]
        ]
        return _dated_table(rows, ["type", "technology", "value", "start", "end"], id=body["id"], unit=body["unit"])

    def transmission_capacity(self, id: str, unit: str | None = None) -> pd.DataFrame:
        """Transmission capacity between the PSR and each connected PSR: columns `connected_psr`, `value`, `start`,
        `end` (UTC; NaT where open); `attrs["unit"]` is the unit (`MW` unless `unit` asks for `kW` or `W`)."""
        body = self.get(f"/power-system-resources/{_segment(id)}/transmission-capacity", unit=unit)
        rows = [
            {
                "connected_psr": item["connectedPSR"]["id"],
                "value": item["value"],
                "start": item.get("startDatetime"),
                "end": item.get("endDatetime"),
            }
            for item in body["transmissionCapacity"]
        ]
        return _dated_table(rows, ["connected_psr", "value", "start", "end"], id=body["id"], unit=body["unit"])

    # Time series.

    def timeseries(
        self,
        id: str,
        quantity: str,
        start: Moment,
        end: Moment,
        resolution: str | None = None,
        unit: str | None = None,
        timeframe: str | None = None,
        tz: str | None = None,
        *,
        page_size: int | None = None,
        **params: Any,
    ) -> pd.DataFrame:
        """One time series of a PSR, every page of it, as a DataFrame.

        `quantity`: `generation`, `demand`, `imports`, `exports`, `price`, `curtailment`, `emissions` or
        `carbon-intensity`. `start` and `end`: a `datetime` (naive means UTC, as the server reads it), a `date`
        (00:00 UTC) or ISO 8601 text; the server returns the intervals with `start >= start` and `end <= end`.
        `resolution` (`PT15M`, `PT1H`, `P1D`, `P1M`, ...: buckets cut in the PSR's own time zone), `unit` (`Wh`,
        `kWh`, `MWh`, `GWh`; a price is in its currency and cannot be converted) and `timeframe` (`actual`,
        `day-ahead`, `hour-ahead`, `real-time`) are the server's parameters; None leaves the server's default.
        Other keyword parameters (`basis=` of emissions, `method=` of carbon intensity) are sent as they are.

        The index (`start`) holds each interval's start, in UTC unless `tz` is given: `"local"` is the PSR's own
        time zone (from `describe`), or any IANA name (`"Europe/Madrid"`). Columns: `end`, then one per fuel source
        (generation, curtailment, emissions: the fuel type's name, with ` / <technology>` after it where the same
        type comes with several technologies) or per connected PSR (imports, exports: its id), then `total` (the
        interval's `value`). Demand and prices have `end` and `total` alone. A fuel or neighbour absent from an
        interval is NaN there. `attrs` holds `id`, `quantity`, `unit`, `timeframe`, `resolution` (None when not
        resampled), `rolled_up` (True when the PSR's values are sums over its subtree), `tz`, `partial` (the index
        labels of resampled buckets the range cut: the server clips such a bucket to `start` or `end`, so a local
        day at an edge of a UTC range holds only the hours the range holds; ask from local midnights for whole
        days) and any other field of the body (`basis`, `source`, `factors`, ...).
        """
        zone = self._zone(id, tz)
        array_key = ARRAY_KEYS.get(quantity, quantity)
        query = {
            "startDatetime": _moment("start", start),
            "endDatetime": _moment("end", end),
            "resolution": resolution,
            "unit": unit,
            "timeframe": timeframe,
            "pageSize": page_size,
            **params,
        }
        items: list[dict[str, Any]] = []
        first: dict[str, Any] | None = None
        for body in self.pages(f"/power-system-resources/{_segment(id)}/timeseries/{quantity}", **query):
            if first is None:
                first = body
            elif body.get("unit") != first.get("unit"):
                raise RuntimeError(
                    f"{id} {quantity}: the unit changed between pages ({first['unit']}, {body['unit']})."
                )
            items.extend(body[array_key])
        assert first is not None  # pages() yields the first page or raises
        frame = _series_frame(items)
        if zone != "UTC":
            assert isinstance(frame.index, pd.DatetimeIndex)
            frame.index = frame.index.tz_convert(zone)
            frame["end"] = frame["end"].dt.tz_convert(zone)
        frame.attrs = {
            "id": first["id"],
            "quantity": quantity,
            "unit": first.get("unit"),
            "timeframe": first.get("timeframe") or timeframe or ("day-ahead" if quantity == "price" else "actual"),
            "resolution": first.get("resolution"),
            "rolled_up": bool(first.get("rolledUp", False)),
            "tz": zone,
            # Resampled buckets the range cut (the server clips them to start or end), by their index label.
            "partial": [start for start, item in zip(frame.index, items, strict=True) if item.get("partial")],
            **{k: v for k, v in first.items() if k not in BODY_FIELDS and k != array_key},
        }
        return frame

    def generation(self, id: str, start: Moment, end: Moment, **options: Unpack[SeriesOptions]) -> pd.DataFrame:
        """Generation by fuel source: `timeseries(id, "generation", start, end, **options)`."""
        return self.timeseries(id, "generation", start, end, **options)

    def demand(self, id: str, start: Moment, end: Moment, **options: Unpack[SeriesOptions]) -> pd.DataFrame:
        """Demand (`timeframe="day-ahead"` for its forecast): `timeseries(id, "demand", start, end, **options)`."""
        return self.timeseries(id, "demand", start, end, **options)

    def imports(self, id: str, start: Moment, end: Moment, **options: Unpack[SeriesOptions]) -> pd.DataFrame:
        """Imports by connected PSR: `timeseries(id, "imports", start, end, **options)`."""
        return self.timeseries(id, "imports", start, end, **options)

    def exports(self, id: str, start: Moment, end: Moment, **options: Unpack[SeriesOptions]) -> pd.DataFrame:
        """Exports by connected PSR: `timeseries(id, "exports", start, end, **options)`."""
        return self.timeseries(id, "exports", start, end, **options)

    def curtailment(self, id: str, start: Moment, end: Moment, **options: Unpack[SeriesOptions]) -> pd.DataFrame:
        """Curtailment by fuel source: `timeseries(id, "curtailment", start, end, **options)`."""
        return self.timeseries(id, "curtailment", start, end, **options)

    def price(self, id: str, start: Moment, end: Moment, **options: Unpack[SeriesOptions]) -> pd.DataFrame:
        """Prices of one timeframe (`day-ahead` unless `timeframe=` says otherwise), per MWh in the currency of
        `attrs["unit"]`: `timeseries(id, "price", start, end, **options)`."""
        return self.timeseries(id, "price", start, end, **options)

    def prices(
        self,
        id: str,
        start: Moment,
        end: Moment,
        timeframes: tuple[str, ...] = ("day-ahead", "real-time"),
        *,
        resolution: str | None = None,
        tz: str | None = None,
        page_size: int | None = None,
    ) -> pd.DataFrame:
        """Prices of several timeframes side by side: columns `end`, then one per timeframe (its `total`), on the
        union of their intervals (NaN where one timeframe has no price). `attrs["unit"]` is the currency."""
        if not timeframes:
            raise ValueError("prices() needs at least one timeframe.")
        frames = {
            tf: self.timeseries(
                id, "price", start, end, resolution=resolution, timeframe=tf, tz=tz, page_size=page_size
            )
            for tf in timeframes
        }
        joined = pd.DataFrame({tf: frame["total"] for tf, frame in frames.items()})
        ends = pd.concat([frame["end"] for frame in frames.values()])
        joined.insert(0, "end", ends[~ends.index.duplicated()].reindex(joined.index))
        first = next(iter(frames.values()))
        units = {frame.attrs["unit"] for frame in frames.values() if len(frame)}
        joined.attrs = {**first.attrs, "timeframe": list(timeframes), "unit": units.pop() if len(units) == 1 else None}
        joined.index.name = "start"
        return joined

    def emissions(
        self, id: str, start: Moment, end: Moment, basis: str | None = None, **options: Unpack[SeriesOptions]
    ) -> pd.DataFrame:
        """Emissions by fuel source in tCO2e; `basis` is `"lifecycle"` (the server's default) or `"direct"`:
        `timeseries(id, "emissions", start, end, basis=basis, **options)`."""
        return self.timeseries(id, "emissions", start, end, basis=basis, **options)

    def carbon_intensity(
        self,
        id: str,
        start: Moment,
        end: Moment,
        method: str | None = None,
        basis: str | None = None,
        **options: Unpack[SeriesOptions],
    ) -> pd.DataFrame:
        """Carbon intensity in gCO2e/kWh as `total`; `method` is `"consumption"` (the server's default, flows traced)
        or `"production"`. The mix each number comes from is left out of the frame (`client.get` returns it):
        `timeseries(id, "carbon-intensity", start, end, method=method, basis=basis, **options)`."""
        return self.timeseries(id, "carbon-intensity", start, end, method=method, basis=basis, **options)

    def _zone(self, id: str, tz: str | None) -> str:
        """The IANA name the index is shown in, checked before any time series is asked for."""
        if tz is None or tz == "UTC":
            return "UTC"
        if tz == "local":
            if id not in self._timezones:
                self.describe(id)
            return self._timezones[id]
        try:
            ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"tz must be None, 'local' or an IANA time zone name, not {tz!r}.") from None
        return tz


def _segment(id: str) -> str:
    """A PSR id as one path segment: ids are letters, digits and dashes, but a caller's typo must not walk paths."""
    if not id or "/" in id or "?" in id or "#" in id:
        raise ValueError(f"Not a PSR id: {id!r}.")
    return id


def _moment(name: str, value: Moment) -> str:
    """A start or end as the server reads it: ISO 8601, UTC for datetimes."""
    if isinstance(value, datetime):
        aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return aware.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return value
    raise TypeError(f"{name} must be a datetime, a date or ISO 8601 text, not {type(value).__name__}.")


def _labels(items: list[dict[str, Any]]) -> dict[tuple[str, ...], str]:
    """The column name of each breakdown label of the items, in the order they first appear."""
    fuels: dict[tuple[str, ...], None] = {}
    for item in items:
        for part in item.get("valueByFuelSource") or ():
            fuels[("fuel", part["type"], part.get("technology") or "")] = None
        for part in item.get("valueByConnectedPSR") or ():
            fuels[("psr", part["connectedPSR"])] = None
    technologies: dict[str, set[str]] = {}
    for label in fuels:
        if label[0] == "fuel":
            technologies.setdefault(label[1], set()).add(label[2])
    names = {}
    for label in fuels:
        if label[0] == "psr":
            names[label] = label[1]
        elif len(technologies[label[1]]) > 1 and label[2]:
            # As the intensity's supply-mix names them; a fuel of unknown technology keeps the type's name alone.
            names[label] = f"{label[1]} / {label[2]}"
        else:
            names[label] = label[1]
    return names


def _series_frame(items: list[dict[str, Any]]) -> pd.DataFrame:
    """Time-series items as a frame: index `start` (UTC), `end`, a column per breakdown label, `total`."""
    names = _labels(items)
    columns: dict[str, list[float | None]] = {name: [None] * len(items) for name in names.values()}
    for row, item in enumerate(items):
        for part in item.get("valueByFuelSource") or ():
            columns[names["fuel", part["type"], part.get("technology") or ""]][row] = part["value"]
        for part in item.get("valueByConnectedPSR") or ():
            columns[names["psr", part["connectedPSR"]]][row] = part["value"]
    index = pd.DatetimeIndex(pd.to_datetime([i["startDatetime"] for i in items], utc=True), name="start")
    data: dict[str, Any] = {"end": pd.to_datetime([i["endDatetime"] for i in items], utc=True)}
    data.update({name: _floats(values) for name, values in columns.items()})
    data["total"] = _floats([i.get("value") for i in items])
    return pd.DataFrame(data, index=index)


def _floats(values: list[float | None]) -> np.ndarray:
    """Numbers with NaN where a value is missing (the API leaves an absent value out, never a zero)."""
    return np.array([NAN if v is None else v for v in values], dtype="float64")


def _dated_table(rows: list[dict[str, Any]], columns: list[str], **attrs: Any) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=columns)
    for column in ("start", "end"):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    frame.attrs.update(attrs)
    return frame

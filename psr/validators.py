"""Validators for PSR fields: URL-safe ids, IANA timezones, GeoJSON, identifier schemes."""

import math
import zoneinfo
from functools import cache

import geojson
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator

# For the OpenAPI schema (ECMA-262, where `$` is the end of the string) and, without its anchors, for URL patterns
# (Django matches an endpoint's whole path). Python's `$` also matches before a final newline: to validate, \A...\Z.
PSR_ID_PATTERN = r"^[A-Za-z0-9._~-]+$"

validate_psr_id = RegexValidator(
    rf"\A{PSR_ID_PATTERN.strip('^$')}\Z",
    "A PSR id must be URL safe: letters, digits and . _ ~ - only (e.g. US-WECC-CISO).",
    code="invalid_psr_id",
)

validate_scheme = RegexValidator(
    r"^[a-z][a-z0-9_.-]*$",
    "A scheme is lower-case letters, digits and . _ - starting with a letter (e.g. eia, entsoe, elexon).",
    code="invalid_scheme",
)


@cache
def _timezones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def validate_timezone(value: str) -> None:
    if value not in _timezones():
        raise ValidationError(
            "'%(value)s' is not an IANA timezone name (e.g. America/Los_Angeles, Europe/Madrid, UTC).",
            code="invalid_timezone",
            params={"value": value},
        )


def validate_finite_json(value: object) -> None:
    """Refuse NaN and infinities anywhere in a JSON value: JSON has no such numbers and PostgreSQL refuses them."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, float) and not math.isfinite(item):
            raise ValidationError("JSON numbers must be finite (no NaN or Infinity).", code="non_finite_json")
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)


def validate_finite(value: float) -> None:
    if value is not None and not math.isfinite(value):
        raise ValidationError("The value must be a finite number.", code="non_finite")


GEOMETRY_TYPES = ("Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon")
GEOJSON_TYPES = (*GEOMETRY_TYPES, "GeometryCollection", "Feature", "FeatureCollection")


def _invalid(reason: str, path: str) -> ValidationError:
    where = f" at {path}" if path else ""
    return ValidationError(
        "Not valid GeoJSON%(where)s: %(reason)s", code="invalid_geojson", params={"where": where, "reason": reason}
    )


def _members(value: dict, key: str, path: str) -> list:
    members = value.get(key)
    if not isinstance(members, list):
        raise _invalid(f"'{key}' must be an array", path)
    return members


def _check_geojson(value: object, path: str, allowed: tuple[str, ...]) -> None:
    if not isinstance(value, dict) or not isinstance(value.get("type"), str):
        raise _invalid("expected an object with a 'type' member", path)
    kind = value["type"]
    if kind not in allowed:
        raise _invalid(f"type '{kind}' is not one of {', '.join(allowed)}", path)
    if kind == "FeatureCollection":
        for i, feature in enumerate(_members(value, "features", path)):
            _check_geojson(feature, _join(path, f"features[{i}]"), ("Feature",))
    elif kind == "Feature":
        if value.get("properties") is not None and not isinstance(value["properties"], dict):
            raise _invalid("'properties' must be an object or null", path)
        if "geometry" not in value:
            raise _invalid("a Feature needs a 'geometry' member (null is allowed)", path)
        if value["geometry"] is not None:
            _check_geojson(value["geometry"], _join(path, "geometry"), (*GEOMETRY_TYPES, "GeometryCollection"))
    elif kind == "GeometryCollection":
        for i, geometry in enumerate(_members(value, "geometries", path)):
            _check_geojson(geometry, _join(path, f"geometries[{i}]"), GEOMETRY_TYPES)
    else:
        _check_coordinates(value.get("coordinates"), path)
        # The geojson library knows the shape rules of each geometry (ring closure, position counts, ...).
        try:
            errors = geojson.GeoJSON.to_instance(value, strict=True).errors()
        except (ValueError, TypeError, IndexError, KeyError, AttributeError) as exc:
            raise _invalid(str(exc), path) from None
        if errors:
            raise _invalid(_describe(errors), path)


def _join(path: str, member: str) -> str:
    return f"{path}.{member}" if path else member


def _check_coordinates(coordinates: object, path: str) -> None:
    if not isinstance(coordinates, list):
        raise _invalid("'coordinates' must be an array", path)
    for item in coordinates:
        if isinstance(item, list):
            _check_coordinates(item, path)
        elif isinstance(item, bool) or not isinstance(item, int | float) or not math.isfinite(item):
            raise _invalid(f"coordinates must be finite numbers, found {item!r}", path)


def validate_geojson(value: object) -> None:
    """Refuse anything that is not a GeoJSON object (RFC 7946) with valid geometry; errors say where."""
    if value in (None, ""):
        return
    _check_geojson(value, "", GEOJSON_TYPES)


def _describe(errors: object) -> str:
    if isinstance(errors, list | tuple):
        return "; ".join(_describe(e) for e in errors if e) or "invalid geometry"
    if isinstance(errors, dict):
        return "; ".join(f"{k}: {_describe(v)}" for k, v in errors.items())
    return str(errors)

"""Validators for PSR fields: URL-safe ids, IANA timezones, GeoJSON, identifier schemes."""

import zoneinfo
from functools import cache

import geojson
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator

PSR_ID_PATTERN = r"^[A-Za-z0-9._~-]+$"

validate_psr_id = RegexValidator(
    PSR_ID_PATTERN,
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


def validate_geojson(value: object) -> None:
    """Refuse anything that is not a GeoJSON object (RFC 7946) with valid geometry."""
    if value in (None, ""):
        return
    if not isinstance(value, dict) or "type" not in value:
        raise ValidationError("GeoJSON must be an object with a 'type' member.", code="invalid_geojson")
    try:
        obj = geojson.GeoJSON.to_instance(value, strict=True)
    except (ValueError, TypeError, IndexError, KeyError, AttributeError) as exc:
        raise ValidationError(
            "Not valid GeoJSON: %(reason)s", code="invalid_geojson", params={"reason": str(exc)}
        ) from None
    if type(obj) is geojson.GeoJSON or not getattr(obj, "is_valid", False):
        errors = obj.errors() if hasattr(obj, "errors") else "unknown GeoJSON type"
        raise ValidationError(
            "Not valid GeoJSON: %(reason)s", code="invalid_geojson", params={"reason": _describe(errors)}
        )


def _describe(errors: object) -> str:
    if isinstance(errors, list | tuple):
        return "; ".join(_describe(e) for e in errors if e) or "invalid geometry"
    if isinstance(errors, dict):
        return "; ".join(f"{k}: {_describe(v)}" for k, v in errors.items())
    return str(errors)

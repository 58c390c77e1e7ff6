"""Parsing of query parameters shared by the API views; every failure names the parameter (HTTP 400)."""

from collections.abc import Iterable

from rest_framework.request import Request

from .errors import InvalidParameter


def int_param(request: Request, name: str, *, default: int, minimum: int = 0, maximum: int | None = None) -> int:
    """An integer query parameter within [minimum, maximum]; `default` when absent."""
    raw = request.query_params.get(name)
    if raw is None:
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise InvalidParameter(name, f"'{raw}' is not an integer.") from None
    if value < minimum or (maximum is not None and value > maximum):
        bounds = f"between {minimum} and {maximum}" if maximum is not None else f"at least {minimum}"
        raise InvalidParameter(name, f"must be {bounds}, got {value}.")
    return value


def choice_param(request: Request, name: str, choices: Iterable[str], *, default: str) -> str:
    """A query parameter that must be one of `choices`; `default` when absent."""
    raw = request.query_params.get(name)
    if raw is None:
        return default
    allowed = list(choices)
    if raw not in allowed:
        raise InvalidParameter(name, f"'{raw}' is not one of: {', '.join(allowed)}.")
    return raw

"""Parsing of query parameters shared by the API views; every failure names the parameter (HTTP 400)."""

import re
from collections.abc import Iterable

from rest_framework.request import Request

from .errors import InvalidParameter

# Up to 18 digits: more than any bound here, and far below what int() refuses (4300 digits, a ValueError).
INTEGER = re.compile(r"[+-]?[0-9]{1,18}")
SHOWN = 40  # characters of a refused value quoted back in an error message


def shown(raw: str) -> str:
    """The value as quoted in an error message: cut short, so a 20,000-character value is not echoed whole."""
    return raw if len(raw) <= SHOWN else f"{raw[:SHOWN]}... ({len(raw)} characters)"


def parse_int(name: str, raw: str) -> int:
    """An integer in ASCII digits; anything else (a fraction, '²', more digits than int() converts) is a 400."""
    text = raw.strip()
    if not INTEGER.fullmatch(text):
        raise InvalidParameter(name, f"'{shown(raw)}' is not an integer.")
    return int(text)


def int_param(request: Request, name: str, *, default: int, minimum: int = 0, maximum: int | None = None) -> int:
    """An integer query parameter within [minimum, maximum]; `default` when absent."""
    raw = request.query_params.get(name)
    if raw is None:
        return default
    value = parse_int(name, raw)
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
        raise InvalidParameter(name, f"'{shown(raw)}' is not one of: {', '.join(allowed)}.")
    return raw

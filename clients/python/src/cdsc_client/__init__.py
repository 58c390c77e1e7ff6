"""Python client of the CDSC-WG2-03 Power Systems Data API: `CDSC(base_url).generation(...)` as a pandas DataFrame."""

from ._version import __version__
from .client import CDSC
from .errors import (
    BadRequest,
    CDSCError,
    Forbidden,
    NotFound,
    RateLimited,
    ServerError,
    TransportError,
    Unauthorized,
)
from .transport import Retry

__all__ = [
    "CDSC",
    "BadRequest",
    "CDSCError",
    "Forbidden",
    "NotFound",
    "RateLimited",
    "Retry",
    "ServerError",
    "TransportError",
    "Unauthorized",
    "__version__",
]

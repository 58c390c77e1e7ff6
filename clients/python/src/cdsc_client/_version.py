"""The client's version, sent in its User-Agent; the same as clients/python/pyproject.toml's."""

__version__ = "0.1.0"

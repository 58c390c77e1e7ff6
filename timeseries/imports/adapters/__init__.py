"""Source-format adapters: each turns one file format into a stream of canonical records, never the whole file."""

from collections.abc import Iterator
from typing import Protocol, TextIO

from ..records import ImportFileError, ImportOptions, Payload, Record, RowError


class Adapter(Protocol):
    name: str  # the value of --format and of the upload form's choice, e.g. "canonical-csv"
    label: str  # what the upload form shows
    kind: Payload  # what its records are, and so which pipeline writes them

    def sniff(self, head: str) -> bool:
        """Whether the file starting with `head` (its first decoded characters) is in this format."""

    def records(self, text: TextIO, options: ImportOptions) -> Iterator[Record | RowError]:
        """The file's records in file order; raises ImportFileError for a problem with the file as a whole."""


def registry() -> dict[str, Adapter]:
    """Every adapter by name, in the order auto-detection tries them."""
    from . import api_json, canonical, capacity, eia930, elexon, entsoe

    adapters = [
        canonical.ADAPTER,
        api_json.ADAPTER,
        *entsoe.ADAPTERS,
        *eia930.ADAPTERS,
        *elexon.ADAPTERS,
        *capacity.ADAPTERS,
    ]
    return {a.name: a for a in adapters}


def adapter_for(name: str, head: str) -> Adapter:
    """The named adapter, or ("auto") the first whose sniff accepts the file's head."""
    adapters = registry()
    if name != "auto":
        if name not in adapters:
            raise ImportFileError(f"Unknown format '{name}'; the formats we read: {', '.join(adapters)}.")
        return adapters[name]
    for adapter in adapters.values():
        if adapter.sniff(head):
            return adapter
    raise ImportFileError(
        "The file matches none of the formats we read: "
        + "; ".join(f"{a.name} ({a.label})" for a in adapters.values())
        + ". Choose the format explicitly if it is one of them."
    )


__all__ = ["Adapter", "ImportFileError", "ImportOptions", "Payload", "Record", "RowError", "adapter_for", "registry"]

"""Source-format adapters: each turns one file format into a stream of canonical records, never the whole file."""

from collections.abc import Iterator
from typing import Protocol, TextIO, runtime_checkable

from ..records import (
    CapacityRecord,
    GeneratingUnit,
    ImportFileError,
    ImportOptions,
    Payload,
    Record,
    RecordColumns,
    RowError,
)


class Adapter(Protocol):
    name: str  # the value of --format and of the upload form's choice, e.g. "canonical-csv"
    label: str  # what the upload form shows
    kind: Payload  # its records (Record, ReadingRecord, CapacityRecord, GeneratingUnit): which pipeline writes them

    def sniff(self, head: str) -> bool:
        """Whether the file starting with `head` (its first decoded characters) is in this format."""

    def records(
        self, text: TextIO, options: ImportOptions
    ) -> Iterator[Record | CapacityRecord | GeneratingUnit | RowError]:
        """The file's records of its kind, in file order; raises ImportFileError for a problem with the file as a
        whole."""


@runtime_checkable
class BlocksAdapter(Adapter, Protocol):
    """An adapter that can also give its rows in blocks of columns, for the time-series import's bulk path."""

    def blocks(self, text: TextIO, options: ImportOptions) -> Iterator[RecordColumns | Record | RowError]:
        """The rows of `records`, the same ones in the same order, some of them in blocks of columns."""


@runtime_checkable
class InventoryAdapter(Adapter, Protocol):
    """An adapter of kind INVENTORY: its units' descriptive facts go to an asset info item of theirs."""

    asset_info: str  # the name of the unit's asset info item that holds its properties


def adapters() -> list[Adapter]:
    """Every adapter, in the order auto-detection tries them."""
    from . import api_json, canonical, capacity, eia860m, eia930, elexon, entsoe, greenbutton, meter_csv, scada

    return [
        canonical.ADAPTER,
        meter_csv.ADAPTER,
        greenbutton.ADAPTER,
        scada.ADAPTER,
        api_json.ADAPTER,
        *entsoe.ADAPTERS,
        *eia930.ADAPTERS,
        eia860m.ADAPTER,
        *elexon.ADAPTERS,
        *capacity.ADAPTERS,
    ]


def registry() -> dict[str, Adapter]:
    """Every adapter by name, in the order auto-detection tries them."""
    return {a.name: a for a in adapters()}


def adapter_for(name: str, head: str) -> Adapter:
    """The named adapter, or ("auto") the first whose sniff accepts the file's head."""
    by_name = registry()
    if name != "auto":
        if name not in by_name:
            raise ImportFileError(f"Unknown format '{name}'; the formats we read: {', '.join(by_name)}.")
        return by_name[name]
    for adapter in by_name.values():
        if adapter.sniff(head):
            return adapter
    raise ImportFileError(
        "The file matches none of the formats we read: "
        + "; ".join(f"{a.name} ({a.label})" for a in by_name.values())
        + ". Choose the format explicitly if it is one of them."
    )


__all__ = [
    "Adapter",
    "ImportFileError",
    "ImportOptions",
    "InventoryAdapter",
    "Payload",
    "Record",
    "RowError",
    "adapter_for",
    "adapters",
    "registry",
]

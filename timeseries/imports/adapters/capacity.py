"""Installed-capacity files (ENTSO-E, Elexon): a capacity per production type and year, for the PSR chosen."""

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import TextIO

from ..records import CapacityRecord, ImportFileError, ImportOptions, Payload, RowError
from . import elexon, entsoe


class CapacityAdapter:
    """A capacity file read by its source's row parser; each year's capacity holds from 1 January to 1 January."""

    kind = Payload.CAPACITY  # installed capacities, not time series

    def __init__(
        self,
        name: str,
        label: str,
        sniff: Callable[[str], bool],
        rows: Callable[[TextIO], Iterator],
        fuel_key: Callable[[object], str],
    ) -> None:
        self.name, self.label = name, label
        self._sniff, self._rows, self._fuel_key = sniff, rows, fuel_key

    def sniff(self, head: str) -> bool:
        return self._sniff(head)

    def records(self, text: TextIO, options: ImportOptions) -> Iterator[CapacityRecord | RowError]:
        if not options.psr:
            # These files name no area: the capacities are those of the PSR the person importing chooses.
            raise ImportFileError(
                f"A {self.label} names no area: choose the PSR to import it into (the upload form's PSR field, "
                "or --psr ID)."
            )
        for row in self._rows(text):
            if row.__class__ is RowError:
                yield row
                continue
            start = datetime(row.year, 1, 1, tzinfo=UTC)
            yield CapacityRecord(
                row.line, options.psr, self._fuel_key(row), start, start.replace(year=row.year + 1), row.mw
            )


def _is_elexon_capacity(head: str) -> bool:
    names = {n.lower() for n in elexon.first_line_names(head)}
    return {"quantity", "year", "powersystemresourcetype"} <= names and "settlementdate" not in names


ADAPTERS = (
    CapacityAdapter(
        "entsoe-capacity",
        "ENTSO-E Installed Capacity per Production Type file",
        entsoe.is_installed_capacity,
        entsoe.installed_capacity_rows,
        lambda row: f"entsoe:{row.production_type}",
    ),
    CapacityAdapter(
        "elexon-capacity",
        "Elexon BMRS installed generation capacity per type file",
        _is_elexon_capacity,
        elexon.installed_capacity_rows,
        lambda row: row.fuel_type,
    ),
)

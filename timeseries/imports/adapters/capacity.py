"""Installed-capacity files (ENTSO-E, Elexon): a capacity per production type and year, for the PSR chosen."""

from collections.abc import Callable, Iterator
from typing import TextIO

from ..records import CapacityRecord, ImportOptions, Payload, RowError
from . import elexon, entsoe
from .common import require_psr


class CapacityAdapter:
    """A capacity file read by its source's parser; each year's capacity holds from 1 January to 1 January."""

    kind = Payload.CAPACITY  # installed capacities, not time series

    def __init__(
        self,
        name: str,
        label: str,
        sniff: Callable[[str], bool],
        capacities: Callable[[TextIO, str], Iterator[CapacityRecord | RowError]],
    ) -> None:
        self.name, self.label = name, label
        self._sniff, self._capacities = sniff, capacities

    def sniff(self, head: str) -> bool:
        return self._sniff(head)

    def records(self, text: TextIO, options: ImportOptions) -> Iterator[CapacityRecord | RowError]:
        # These files name no area: the capacities are those of the PSR the person importing chooses.
        return self._capacities(text, require_psr(options, f"A {self.label}"))


ENTSOE_ADAPTER = CapacityAdapter(
    "entsoe-capacity",
    "ENTSO-E Installed Capacity per Production Type file",
    entsoe.is_installed_capacity,
    entsoe.installed_capacities,
)
ELEXON_ADAPTER = CapacityAdapter(
    "elexon-capacity",
    "Elexon BMRS installed generation capacity per type file",
    elexon.is_installed_capacity,
    elexon.installed_capacities,
)
ADAPTERS = (ENTSOE_ADAPTER, ELEXON_ADAPTER)

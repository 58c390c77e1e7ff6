"""The AIB EECS catalogue of energy sources (F codes) and technologies (T codes) that ships with the server."""

import re
from dataclasses import dataclass
from pathlib import Path

CATALOGUE_FILE = Path(__file__).parent / "data" / "aib_eecs_codes.txt"
SOURCE_DOCUMENT = "EECS Rules Fact Sheet 5 TYPES OF ENERGY INPUTS AND TECHNOLOGIES"

FUEL_TYPE_CODE = re.compile(r"^F\d{8}$")
TECHNOLOGY_CODE = re.compile(r"^T\d{6}$")


@dataclass(frozen=True)
class CatalogueEntry:
    code: str
    levels: tuple[str, ...]

    @property
    def name(self) -> str:
        return build_name(self.levels)

    @property
    def is_fuel_type(self) -> bool:
        return self.code.startswith("F")


def build_name(levels: tuple[str, ...] | list[str]) -> str:
    """The spec's name for an AIB code: its level descriptions joined with ' - ', left-out levels skipped."""
    return " - ".join(level for level in levels if level)


def read_catalogue(path: Path = CATALOGUE_FILE) -> list[CatalogueEntry]:
    """Every entry of the shipped catalogue, fuel types (F...) and technologies (T...)."""
    entries = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        code, *levels = line.split("|")
        if not (FUEL_TYPE_CODE.match(code) or TECHNOLOGY_CODE.match(code)):
            raise ValueError(f"{path}: '{code}' is not an AIB EECS code")
        entries.append(CatalogueEntry(code=code, levels=tuple(levels)))
    return entries

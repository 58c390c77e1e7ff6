"""The EIA-860M generator inventory (EIA Open Data API v2 `electricity/operating-generator-capacity`, CSV or JSON):
not a time series, the plants and generating units that become PSRs, with their nameplate capacity."""

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import TextIO

from psr.choices import UnitStatus

from ..records import GeneratingUnit, ImportOptions, Payload, RowError
from .common import number, shown
from .eia_api import EiaRow, eia_rows, head_names

# The cells every generator must fill; the header must also have `period`, the month the inventory describes.
REQUIRED = (
    "plantid",
    "plantname",
    "generatorid",
    "technology",
    "energy_source_code",
    "prime_mover_code",
    "balancing_authority_code",
    "status",
    "nameplate-capacity-mw",
)
CAPACITY_UNITS = frozenset({"mw", ""})
YEAR_MONTH = re.compile(r"(\d{4})-(\d{2})")
# Columns the EIA API v2 writes when asked for them (the sample has none): months as "YYYY-MM", and coordinates
# with the bound of their absolute value.
MONTHS = ("operating-year-month", "planned-retirement-year-month", "retirement-year-month")
COORDINATES = (("latitude", 90.0), ("longitude", 180.0))
# EIA-860 generator status codes, by what they mean for installed capacity. OA ("out of service, expected back
# within the next calendar year") still counts: the unit is part of the fleet, like one on standby. OS ("not
# expected back") and RE (retired) do not. The planned codes: P planned, L regulatory approvals pending, T approvals
# received, U / V under construction (up to / over half done), TS built but not yet in commercial operation, OT
# other; IP (indefinitely postponed) and CN (cancelled) are projects that were planned.
STATUS = {
    **dict.fromkeys(("OP", "SB", "OA"), UnitStatus.INSTALLED),
    **dict.fromkeys(("OS", "RE"), UnitStatus.RETIRED),
    **dict.fromkeys(("P", "L", "T", "U", "V", "TS", "OT", "IP", "CN"), UnitStatus.PLANNED),
}
FUEL_SOURCE = "eia860"  # metadata.SourceFuelMapping.Source.EIA860
PLANT_SCHEME = "eia-plant"
GENERATOR_SCHEME = "eia-generator"
UNSAFE_ID_CHARACTERS = re.compile(r"[^A-Za-z0-9._~-]")  # outside the spec's PSR id alphabet
NAME_MAX_LENGTH = 255


class Eia860mAdapter:
    """The EIA-860M generator inventory: plants and generating units with their nameplate capacity."""

    name = "eia860m-inventory"
    label = "EIA-860M generator inventory (CSV or EIA API v2 JSON)"
    kind = Payload.INVENTORY  # plants and units (PSRs) and their installed capacities, not time series
    asset_info = "EIA-860M generator inventory"  # the name of the unit's asset info item holding its properties
    columns = frozenset({"period", "plantid", "generatorid", "nameplate-capacity-mw", "balancing_authority_code"})

    def sniff(self, head: str) -> bool:
        names = head_names(head)
        return names is not None and self.columns <= names

    def records(self, text: TextIO, options: ImportOptions) -> Iterator[GeneratingUnit | RowError]:
        """The generators in file order, as a stream, each a unit whose area and fuel are still the source's codes.

        A generator with an empty required cell, an unreadable plant code, capacity, month, coordinate or status is
        a RowError; so is one with no capacity published (a unit's capacity is what the inventory is for).
        """
        # options.psr and options.timezone do not apply: every row names its balancing authority, months are UTC.
        for row in eia_rows(text, (*REQUIRED, "period"), "generator inventory"):
            yield row if isinstance(row, RowError) else _unit(row)


def _unit(row: EiaRow) -> GeneratingUnit | RowError:
    """The generator as a unit of its plant under its balancing area, with its capacity's status and dates."""
    text, line = row.text, row.line
    for key in REQUIRED:
        if text(key) is None:
            return RowError(line, row.column(key), "", f"{key} is empty.")
    plant = text("plantid")
    try:
        plant_id = int(plant)
    except ValueError:
        return RowError(line, row.column("plantid"), plant, "the plant id is not a whole number.")
    capacity = number(row.cells.get("nameplate-capacity-mw"))
    if isinstance(capacity, str) or capacity is None or capacity < 0:
        reason = capacity if isinstance(capacity, str) else "the nameplate capacity must be a number of MW, >= 0."
        return RowError(line, row.column("nameplate-capacity-mw"), text("nameplate-capacity-mw") or "", reason)
    units = (text("nameplate-capacity-mw-units") or "").lower()
    if units not in CAPACITY_UNITS:
        reason = "nameplate capacity is published in MW; this unit is not one we read."
        return RowError(line, row.column("nameplate-capacity-mw-units"), units, reason)
    months: dict[str, str | None] = {}
    for key in MONTHS:
        months[key] = month = text(key)
        if month is not None and _month_start(month) is None:
            return RowError(line, row.column(key), shown(month), "not a year and month (YYYY-MM).")
    coordinates: dict[str, float | None] = {}
    for key, bound in COORDINATES:
        coordinates[key] = value = number(row.cells.get(key))
        if isinstance(value, str) or (value is not None and abs(value) > bound):
            reason = value if isinstance(value, str) else f"{key} is out of range (-{bound:g} to {bound:g} degrees)."
            return RowError(line, row.column(key), shown(row.cells.get(key)), reason)
    raw_summer = row.cells.get("net-summer-capacity-mw")
    summer = number(raw_summer)
    if isinstance(summer, str):
        return RowError(line, row.column("net-summer-capacity-mw"), shown(raw_summer), summer)
    period_text = text("period")
    period = _month_start(period_text) if period_text else None
    if period is None:
        reason = "the inventory's month (YYYY-MM) is missing or unreadable; it dates the unit's capacity."
        return RowError(line, row.column("period"), shown(period_text), reason)
    code = text("status").upper()
    status = STATUS.get(code)
    if status is None:
        reason = f"an unknown EIA generator status; we read {', '.join(STATUS)}."
        return RowError(line, row.column("status"), shown(text("status")), reason)
    dates = _capacity_dates(row, status, months, period)
    if isinstance(dates, RowError):
        return dates
    generator, plant_name = text("generatorid"), text("plantname")
    source, prime_mover = text("energy_source_code"), text("prime_mover_code")
    properties = {
        "technology": text("technology"),
        "prime_mover": prime_mover,
        "energy_source": source,
        "energy_source_description": text("energy-source-desc"),
        "status": code,
        "status_description": text("statusdescription"),
        "nameplate_capacity_mw": capacity,
        "net_summer_capacity_mw": summer,
        "operating_year_month": months["operating-year-month"],
        "planned_retirement_year_month": months["planned-retirement-year-month"],
        "retirement_year_month": months["retirement-year-month"],
        "entity_id": text("entityid"),
        "entity_name": text("entityname"),
        "sector": text("sector"),
        "combined_cycle_unit": text("unit"),
        "county": text("county"),
        "inventory_period": period_text,
    }
    return GeneratingUnit(
        line=line,
        area=f"eia:{text('balancing_authority_code')}",
        plant_key=f"{PLANT_SCHEME}:{plant_id}",
        plant_id=f"EIA-{plant_id}",
        plant_name=plant_name[:NAME_MAX_LENGTH],
        unit_key=f"{GENERATOR_SCHEME}:{plant_id}-{generator}",
        unit_id=f"EIA-{plant_id}-{UNSAFE_ID_CHARACTERS.sub('_', generator)}",
        unit_name=f"{plant_name} generator {generator}"[:NAME_MAX_LENGTH],
        fuel_types=(f"{FUEL_SOURCE}:{source}/{prime_mover}", f"{FUEL_SOURCE}:{source}"),
        capacity=capacity,
        status=status,
        start=dates[0],
        end=dates[1],
        period=period,
        properties={key: value for key, value in properties.items() if value is not None},
        state=text("stateid"),
        latitude=coordinates["latitude"],
        longitude=coordinates["longitude"],
    )


def _capacity_dates(
    row: EiaRow, status: UnitStatus, months: dict[str, str | None], period: datetime
) -> tuple[datetime | None, datetime | None] | RowError:
    """When the unit's capacity starts and ends, by its status (see GeneratingUnit), or why the months contradict."""
    operating_month, retirement_month = months["operating-year-month"], months["retirement-year-month"]
    operating = _month_start(operating_month) if operating_month else None
    retired = _month_start(retirement_month) if retirement_month else None
    if status is UnitStatus.INSTALLED:
        # A unit in service since a known month has had its capacity since then; otherwise the inventory only says
        # it is installed in the month it describes.
        return operating or period, None
    if status is UnitStatus.RETIRED:
        if operating is not None and retired is not None and retired <= operating:
            reason = f"the unit retired ({retirement_month}) no later than it began operating ({operating_month})."
            return RowError(row.line, row.column("retirement-year-month"), retirement_month, reason)
        # Its past capacity is known only when both ends are; an OS unit without a date has none we can tell.
        return operating if retired is not None else None, retired or period
    return None, None


def _month_start(text: str) -> datetime | None:
    """The first instant (UTC) of a "YYYY-MM" month, or None if the text is not one."""
    match = YEAR_MONTH.fullmatch(text)
    if not match or not 1 <= int(match[2]) <= 12 or int(match[1]) < 1:
        return None
    return datetime(int(match[1]), int(match[2]), 1, tzinfo=UTC)


ADAPTER = Eia860mAdapter()

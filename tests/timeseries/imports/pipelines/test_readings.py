"""Meter readings through the import service: our meter CSV into meter streams, with the projects' rules as row
errors (line, meter, rule) and nothing written in strict mode."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from psr.models import ContractType
from tests.factories import MeterFactory, ProductionProjectFactory, SuperuserFactory
from tests.timeseries.helpers import METER_SAMPLES, needs_meter_samples
from tests.timeseries.imports.helpers import import_path, import_text, job_errors, lines
from timeseries.choices import Quality
from timeseries.imports.selectors import import_job_written_links
from timeseries.models import ImportJob, Point, Series

pytestmark = pytest.mark.django_db

HEADER = "meter_number,format,validity,direction,start,end,value,unit,quality"


def _rows(meter: str, *, start: str = "2024-03-01T00:00:00Z", n: int = 4, unit: str = "kWh", **dims) -> list[str]:
    """n 15-minute readings of 1.5, 2.5, ... in `unit`, as CSV rows."""
    fmt, validity, direction = dims.get("fmt", "settlement"), dims.get("validity", "total_gross"), "delivered"
    t0 = datetime.fromisoformat(start)
    out = []
    for i in range(n):
        a, b = t0 + timedelta(minutes=15 * i), t0 + timedelta(minutes=15 * (i + 1))
        out.append(f"{meter},{fmt},{validity},{direction},{a:%Y-%m-%dT%H:%M:%SZ},{b:%Y-%m-%dT%H:%M:%SZ},{i + 1.5},"
                   f"{unit},revenue")  # fmt: skip
    return out


def _stream(meter, **dims) -> list[tuple]:
    series = Series.objects.get(meter=meter, **dims)
    return list(Point.objects.filter(series=series).order_by("start").values_list("value", "quality"))


def test_a_meter_csv_writes_each_stream_of_each_meter_in_kwh(tmp_path):
    a, b = MeterFactory(meter_number="A-1"), MeterFactory(meter_number="B-1")
    text = lines(HEADER, *_rows("A-1"), *_rows("B-1", unit="Wh"), *_rows("A-1", fmt="scada", unit="MWh"))
    job = import_text(tmp_path, text)
    assert job.status == ImportJob.Status.SUCCEEDED, (job.message, job_errors(job))
    assert (job.detected_format, job.rows_inserted) == ("meter-csv", 12)
    assert _stream(a, reading_format="settlement") == [(1.5, Quality.REVENUE), (2.5, 5), (3.5, 5), (4.5, 5)]
    assert [v for v, _ in _stream(b)] == [0.0015, 0.0025, 0.0035, 0.0045]
    assert [v for v, _ in _stream(a, reading_format="scada")] == [1500.0, 2500.0, 3500.0, 4500.0]
    assert Series.objects.filter(psr__isnull=False).count() == 0  # nothing in the grid's series


def test_importing_the_same_file_again_changes_nothing(tmp_path):
    MeterFactory(meter_number="A-1")
    text = lines(HEADER, *_rows("A-1"))
    import_text(tmp_path, text)
    again = import_text(tmp_path, text)
    assert (again.rows_inserted, again.rows_updated, again.rows_unchanged) == (0, 0, 4)


def test_the_job_page_links_each_written_stream_to_its_usage_segments(tmp_path, client):
    meter = MeterFactory(meter_number="A-1")
    job = import_text(tmp_path, lines(HEADER, *_rows("A-1")))
    [link] = import_job_written_links(job)
    assert link["label"] == "meter A-1 settlement (total_gross, delivered)"
    assert link["url"].startswith(f"/production-projects/{meter.project_id}/usage-segments?meter_numbers=A-1&")
    assert "after=2024-03-01T00%3A00%3A00Z&before=2024-03-01T01%3A00%3A00Z" in link["url"]
    client.force_login(SuperuserFactory())
    admin_page = client.get(f"/admin/timeseries/importjob/{job.pk}/change/").content.decode()
    assert "meter A-1 settlement (total_gross, delivered), 2024-03-01T00:00:00Z to 2024-03-01T01:00:00Z" in admin_page


def test_every_broken_rule_is_a_row_error_naming_line_meter_and_rule_and_strict_writes_nothing(tmp_path):
    declaring = ProductionProjectFactory(declared_formats=["settlement"], declared_validities=["total_gross"])
    MeterFactory(meter_number="D-1", project=declaring)
    contract = ProductionProjectFactory(
        contract_start_date=datetime(2024, 3, 1, tzinfo=UTC), contract_end_date=datetime(2024, 4, 1, tzinfo=UTC)
    )
    MeterFactory(meter_number="C-1", project=contract)
    MeterFactory(meter_number="U-1")
    text = lines(
        HEADER,
        *_rows("D-1", n=2),  # lines 2-3: fine
        "NOPE,settlement,total_gross,delivered,2024-03-01T00:00:00Z,2024-03-01T00:15:00Z,1,kWh,raw",  # 4
        "D-1,scada,total_gross,delivered,2024-03-01T00:00:00Z,2024-03-01T00:15:00Z,1,kWh,raw",  # 5 undeclared
        "D-1,settlement,contracted,delivered,2024-03-01T00:00:00Z,2024-03-01T00:15:00Z,1,kWh,raw",  # 6 undeclared
        "C-1,settlement,contracted,delivered,2024-02-29T23:45:00Z,2024-03-01T00:00:00Z,1,kWh,raw",  # 7 before contract
        "C-1,settlement,contracted,delivered,2024-03-01T00:00:00Z,2024-03-01T00:15:00Z,1,kWh,raw",  # 8 fine
        "U-1,settlement,total_gross,delivered,2024-03-01T00:00:00Z,2024-03-01T00:15:00Z,1,kWh,raw",  # 9 fine
        "U-1,settlement,total_gross,delivered,2024-03-01T00:15:00Z,2024-03-01T00:30:00Z,1000,Wh,raw",  # 10 mixed
        "U-1,settlement,total_gross,delivered,2024-03-01T00:10:00Z,2024-03-01T00:25:00Z,1,kWh,raw",  # 11 overlap
        "U-1,settlement,total_gross,sideways,2024-03-01T00:00:00Z,2024-03-01T00:15:00Z,1,kWh,raw",  # 12
        "U-1,settlement,total_gross,delivered,2024-03-01T01:00:00Z,2024-03-01T01:15:00Z,1,therm,raw",  # 13
        "U-1,settlement,total_gross,delivered,2024-03-01T02:00:00Z,2024-03-01T02:15:00Z,1,kWh,dubious",  # 14
    )
    job = import_text(tmp_path, text)
    assert job.status == ImportJob.Status.FAILED and Point.objects.count() == 0
    errors = job_errors(job)
    assert sorted(errors) == [4, 5, 6, 7, 10, 11, 12, 13, 14]
    assert errors[4][:2] == ("meter", "NOPE") and "no meter has this number" in errors[4][2]
    assert errors[5][:2] == ("format", "scada") and "meter D-1" in errors[5][2] and "settlement only" in errors[5][2]
    assert errors[6][:2] == ("validity", "contracted") and "total_gross only" in errors[6][2]
    assert "meter C-1" in errors[7][2] and "outside its project's contract" in errors[7][2]
    assert errors[10][:2] == ("unit", "Wh") and "mixed units in one stream" in errors[10][2]
    assert "line 9 gives kWh" in errors[10][2]
    assert "overlaps an earlier interval" in errors[11][2] and "meter U-1" in errors[11][2]
    assert errors[12][:2] == ("direction", "sideways")
    assert errors[13][:2] == ("unit", "therm") and "not an energy unit" in errors[13][2]
    assert errors[14][:2] == ("quality", "dubious")


def test_lenient_mode_writes_the_valid_readings_only(tmp_path):
    meter = MeterFactory(meter_number="U-1")
    text = lines(HEADER, *_rows("U-1", n=2), "U-1,settlement,total_gross,delivered,x,y,1,kWh,raw")
    job = import_text(tmp_path, text, mode=ImportJob.Mode.LENIENT)
    assert (job.status, job.rows_inserted, job.rows_rejected) == (ImportJob.Status.SUCCEEDED, 2, 1)
    assert len(_stream(meter)) == 2


def test_the_import_chooses_the_meter_format_and_validity_a_file_leaves_out(tmp_path):
    meter = MeterFactory(meter_number="F-1")
    text = lines(
        "direction,start,end,value,unit",
        "delivered,2024-03-01T00:00:00Z,2024-03-01T01:00:00Z,12.5,kWh",
    )
    nameless = import_text(tmp_path, text, requested_format="meter-csv")
    assert nameless.status == ImportJob.Status.FAILED and "names no meter" in nameless.message
    job = import_text(
        tmp_path, text, requested_format="meter-csv", meter=meter, reading_format="forecast_day_ahead",
        validity="contracted",
    )  # fmt: skip
    assert job.status == ImportJob.Status.SUCCEEDED, job_errors(job)
    series = Series.objects.get(meter=meter)
    assert (series.reading_format, series.validity, series.timeframe) == (
        "forecast_day_ahead",
        "contracted",
        "day-ahead",
    )
    assert _stream(meter) == [(12.5, Quality.RAW)]  # no quality column: raw


def test_the_command_takes_the_meter_and_refuses_an_unknown_one(tmp_path, capsys):
    meter = MeterFactory(meter_number="CMD-1", project__contract_type=ContractType.objects.create(code="VPPA"))
    path = tmp_path / "readings.csv"
    path.write_text(lines("direction,start,end,value,unit", "net,2024-03-01T00:00:00Z,2024-03-01T00:15:00Z,-0.25,kWh"))
    with pytest.raises(CommandError, match="No meter has the number 'NOPE'"):
        call_command("import_timeseries", str(path), "--meter", "NOPE")
    call_command(
        "import_timeseries", str(path), "--meter", "CMD-1", "--reading-format", "scada", "--validity", "total_gross"
    )
    assert "inserted 1" in capsys.readouterr().out
    assert _stream(meter) == [(-0.25, Quality.RAW)]  # a negative net reading is kept


@needs_meter_samples
def test_the_green_button_sample_imports_strictly_to_its_meter_and_the_gas_sample_writes_nothing():
    meter = MeterFactory(meter_number="PGE-1")
    folder = Path(METER_SAMPLES) / "greenbutton"
    job = import_path(folder / "pge_electric_interval_data.xml", meter=meter)
    assert (job.status, job.detected_format, job.rows_inserted) == ("succeeded", "greenbutton-xml", 95), job.message
    series = Series.objects.get(meter=meter)
    assert (series.reading_format, series.validity, series.direction) == ("settlement", "total_gross", "received")
    points = list(Point.objects.filter(series=series).order_by("start").values_list("start", "end", "value"))
    assert {(b - a).total_seconds() for a, b, _ in points} == {900}
    assert sum(v for _, _, v in points) == pytest.approx(319.8)  # kWh: the file's 319,800 Wh
    starts = {a for a, _, _ in points}
    missing = [points[0][0] + timedelta(minutes=15 * i) for i in range(97)]
    assert [t for t in missing if t not in starts] == [
        datetime(2011, 3, 7, 0, 45, tzinfo=UTC), datetime(2011, 3, 7, 3, 45, tzinfo=UTC)
    ]  # fmt: skip

    gas = import_path(folder / "EGD_Gas_EnergyUsage_20221225_20241225.xml", meter=MeterFactory())
    assert gas.status == ImportJob.Status.FAILED and "m3 (uom 42)" in gas.message and "MeterReading" in gas.message
    assert Point.objects.count() == 95  # nothing more


def test_stream_names_are_read_whatever_their_spaces_and_capitals_and_an_empty_quality_is_raw(tmp_path):
    meter = MeterFactory(meter_number="CASE-1")
    text = lines(
        HEADER,
        " CASE-1 , Settlement ,TOTAL_GROSS, Delivered ,2024-03-01T00:00:00Z,2024-03-01T00:15:00Z,1.5, kWh ,",
        "CASE-1,settlement,total_gross,delivered,2024-03-01T00:15:00Z,2024-03-01T00:30:00Z,2.5,kWh, Revenue",
    )
    job = import_text(tmp_path, text)
    assert job.status == ImportJob.Status.SUCCEEDED, job_errors(job)
    assert _stream(meter) == [(1.5, Quality.RAW), (2.5, Quality.REVENUE)]  # one stream

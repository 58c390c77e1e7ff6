"""Reported emissions through the import service: canonical CSV, a reported api-json response, the command and the
upload page write tCO2e by fuel; bad rows and computed responses are refused and leave the store as it was."""

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client

from tests.factories import UserFactory
from tests.timeseries.helpers import COAL, HOUR, STEAM, run, utc, write, z
from tests.timeseries.imports.helpers import import_text, job_errors
from timeseries.models import ImportJob, Point, Series

GAS = "F02030100"
CISO = "US-WECC-CISO"
T0 = utc(2023, 1, 1)
HEADER = "psr,quantity,start,end,value,unit,fuel_type,technology,connected_psr"


def row(hour: int, value: str, unit: str = "", fuel: str = "", tech: str = "", to: str = "", psr: str = CISO) -> str:
    return f"{psr},emissions,{z(T0 + hour * HOUR)},{z(T0 + (hour + 1) * HOUR)},{value},{unit},{fuel},{tech},{to}"


def csv_text(*rows: str) -> str:
    return "\n".join((HEADER, *rows)) + "\n"


# Two hours of a coal unit (tonnes, one row with its technology) and of gas (kilograms), and an hour of a total
# with no fuel and no unit (the default, tonnes).
GOOD_CSV = csv_text(
    row(0, "812.5", "tCO2e", COAL, STEAM),
    row(1, "790", "tCO2e", COAL, STEAM),
    row(0, "250500", "kgCO2e", GAS),
    row(1, "1500", "kgCO2e", GAS),
    row(2, "42"),
)


def emissions_store() -> set[tuple]:
    """Every emissions point: (fuel type, technology, series unit, start, value)."""
    return set(
        Point.objects.filter(series__quantity="emissions").values_list(
            "series__fuel_type__aib_code", "series__technology__aib_code", "series__unit", "start", "value"
        )
    )


def whole_store() -> list[tuple]:
    return list(
        Point.objects.order_by("series_id", "start").values_list(
            "series__psr_id", "series__quantity", "start", "end", "value", "quality", "updated_at"
        )
    )


EXPECTED = {
    (COAL, STEAM, "tCO2e", T0, 812.5),
    (COAL, STEAM, "tCO2e", T0 + HOUR, 790.0),
    (GAS, None, "tCO2e", T0, 250.5),  # 250,500 kgCO2e
    (GAS, None, "tCO2e", T0 + HOUR, 1.5),  # 1,500 kgCO2e
    (None, None, "tCO2e", T0 + 2 * HOUR, 42.0),
}


# -- canonical CSV ------------------------------------------------------------------------------------------------


def test_canonical_csv_emissions_by_fuel_land_in_tco2e_series(demo, tmp_path):
    job = import_text(tmp_path, GOOD_CSV)

    assert job.status == "succeeded", job.message
    assert (job.detected_format, job.rows_read, job.rows_inserted, job.rows_rejected) == ("canonical-csv", 5, 5, 0)
    assert emissions_store() == EXPECTED
    assert set(Series.objects.filter(quantity="emissions").values_list("psr_id", "timeframe", "unit")) == {
        (CISO, "actual", "tCO2e")
    }
    assert [(w["psr"], w["quantity"], w["timeframe"]) for w in job.written] == [(CISO, "emissions", "actual")]


def test_a_second_import_of_the_same_emissions_changes_nothing(demo, tmp_path):
    import_text(tmp_path, GOOD_CSV)
    after_first = whole_store()

    again = import_text(tmp_path, GOOD_CSV)

    assert (again.status, again.rows_inserted, again.rows_updated, again.rows_unchanged) == ("succeeded", 0, 0, 5)
    assert whole_store() == after_first  # updated_at too: nothing was rewritten


def test_the_same_emissions_in_another_unit_are_unchanged(demo, tmp_path):
    import_text(tmp_path, csv_text(row(0, "2.5", "tCO2e", COAL)))

    again = import_text(tmp_path, csv_text(row(0, "2500", "kgCO2e", COAL)))

    assert (again.rows_inserted, again.rows_updated, again.rows_unchanged) == (0, 0, 1)
    assert emissions_store() == {(COAL, None, "tCO2e", T0, 2.5)}


@pytest.fixture
def stored(demo):
    """Emissions and demand already in the store, so that a refusal can be seen to leave them untouched."""
    write(CISO, "emissions", run(T0 + 24 * HOUR, [5.0, 6.0]), unit="tCO2e", fuel=COAL)
    write(CISO, "demand", run(T0, [10.0] * 3))
    return whole_store()


@pytest.mark.parametrize(
    ("bad", "column", "reason"),
    [
        (row(1, "-3", "tCO2e", COAL), "value", "emissions cannot be negative"),
        (row(1, "3", "MWh", COAL), "unit", "not a unit of emissions (CO2-equivalent mass); use one of gCO2e, kgCO2e"),
        (row(1, "3", "lbCO2e", COAL), "unit", "use one of gCO2e, kgCO2e, tCO2e, ktCO2e"),
        (row(1, "3", "tCO2e", "", "", "US-WECC-NEVP"), "connected_psr", "only imports and exports"),
        (row(1, "NaN", "tCO2e", COAL), "value", "finite"),
        (row(1, "inf", "kgCO2e", GAS), "value", "finite"),
        (row(1, "1e308", "ktCO2e", GAS), "value", "out of range once converted to tCO2e"),
        (row(1, "3", "tCO2e", "F99999999"), "fuel_type", "not in the fuel catalogue"),
    ],
    ids=["negative", "energy-unit", "unknown-unit", "connected-psr", "nan", "inf", "overflow", "unknown-fuel"],
)
def test_a_bad_emissions_row_is_an_error_on_its_line_and_nothing_is_written(stored, tmp_path, bad, column, reason):
    job = import_text(tmp_path, csv_text(row(0, "3", "tCO2e", COAL), bad, row(2, "4", "tCO2e", COAL)))

    assert job.status == "failed"
    assert "strict mode nothing was written" in job.message
    errors = job_errors(job)
    assert list(errors) == [3]  # the header is line 1
    assert errors[3][0] == column
    assert reason in errors[3][2]
    assert whole_store() == stored


def test_lenient_mode_writes_the_good_emissions_and_reports_the_negative_one(demo, tmp_path):
    job = import_text(tmp_path, csv_text(row(0, "3", "", COAL), row(1, "-0.5", "", COAL)), mode="lenient")

    assert (job.status, job.rows_inserted, job.rows_rejected) == ("succeeded", 1, 1)
    assert emissions_store() == {(COAL, None, "tCO2e", T0, 3.0)}


def test_a_fuel_type_on_demand_names_every_quantity_that_has_one(demo, tmp_path):
    content = "psr,quantity,start,end,value,fuel_type\n" + f"{CISO},demand,{z(T0)},{z(T0 + HOUR)},5,{COAL}\n"

    job = import_text(tmp_path, content)

    assert job_errors(job)[2] == ("fuel_type", COAL, "only generation, curtailment and emissions have a fuel type.")


# -- JSON: a reported emissions response of the API, read back --------------------------------------------------


def emissions_response(source: str | None, *, unit: str = "tCO2e", source_first: bool = True) -> dict:
    """An emissions response as the API writes it, with its `source`, by fuel; hour 2 has a total only."""
    intervals = [
        {
            "startDatetime": z(T0 + h * HOUR),
            "endDatetime": z(T0 + (h + 1) * HOUR),
            "value": coal + gas,
            "valueByFuelSource": [
                {"type": COAL, "technology": STEAM, "value": coal},
                {"type": GAS, "technology": None, "value": gas},
            ],
        }
        for h, coal, gas in ((0, 812.5, 250.5), (1, 790.0, 1.5))
    ]
    intervals.append({"startDatetime": z(T0 + 2 * HOUR), "endDatetime": z(T0 + 3 * HOUR), "value": 42})
    header = {"id": CISO, "unit": unit} | ({} if source is None else {"source": source})
    body = {**header, "emissions": intervals} if source_first else {"emissions": intervals, **header}
    return body | {"next": None, "previous": None}


@pytest.mark.parametrize("source_first", [True, False], ids=["source-first", "source-after-the-data"])
def test_a_reported_emissions_response_imports_by_fuel_in_tco2e(demo, tmp_path, source_first):
    body = json.dumps(emissions_response("reported", source_first=source_first))

    job = import_text(tmp_path, body, name="emissions.json")

    assert job.status == "succeeded", job.message
    assert (job.detected_format, job.rows_inserted, job.rows_rejected) == ("api-json", 5, 0)
    assert emissions_store() == EXPECTED  # the sums of hours 0 and 1 are no reported totals: not written


def test_a_reported_response_in_kilograms_is_stored_in_tonnes(demo, tmp_path):
    body = emissions_response("reported", unit="kgCO2e")
    body["emissions"] = body["emissions"][2:]  # the hour with a total only: 42 kgCO2e

    job = import_text(tmp_path, json.dumps(body), name="emissions.json")

    assert job.status == "succeeded", job.message
    assert emissions_store() == {(None, None, "tCO2e", T0 + 2 * HOUR, 0.042)}


def test_reimporting_a_reported_response_changes_nothing(demo, tmp_path):
    body = json.dumps(emissions_response("reported"))
    import_text(tmp_path, body, name="emissions.json")
    after_first = whole_store()

    again = import_text(tmp_path, body, name="emissions.json")

    assert (again.status, again.rows_inserted, again.rows_unchanged) == ("succeeded", 0, 5)
    assert whole_store() == after_first


@pytest.mark.parametrize(
    ("source", "source_first", "says"),
    [
        ("computed", True, 'holds computed emissions ("source": "computed")'),
        ("computed", False, 'holds computed emissions ("source": "computed")'),
        ("mixed", True, 'holds emissions partly computed ("source": "mixed")'),
        (None, True, "does not say their 'source'"),
        ("measured", True, "an unknown 'source' measured"),
    ],
    ids=["computed", "computed-after-the-data", "mixed", "no-source", "unknown-source"],
)
def test_an_emissions_response_that_is_not_reported_is_refused_saying_why(stored, tmp_path, source, source_first, says):
    body = json.dumps(emissions_response(source, source_first=source_first))

    job = import_text(tmp_path, body, name="emissions.json")

    assert job.status == "failed"
    assert says in job.message
    assert "derived from generation and emission factors" in job.message
    assert "Import the generation instead" in job.message
    assert whole_store() == stored


def test_source_on_another_quantitys_response_changes_nothing(demo, tmp_path):
    body = {"id": CISO, "unit": "MWh", "source": "computed", "demand": [], "next": None, "previous": None}
    body["demand"] = [{"startDatetime": z(T0), "endDatetime": z(T0 + HOUR), "value": 7}]

    job = import_text(tmp_path, json.dumps(body), name="demand.json")

    assert (job.status, job.rows_inserted) == ("succeeded", 1), job.message


# -- the command and the upload page ------------------------------------------------------------------------------


def test_the_command_imports_emissions(demo, tmp_path):
    path = tmp_path / "emissions.csv"
    path.write_text(GOOD_CSV)
    out = io.StringIO()

    call_command("import_timeseries", str(path), stdout=out, stderr=io.StringIO())

    assert "inserted 5" in out.getvalue()
    assert emissions_store() == EXPECTED


def test_the_upload_page_imports_emissions(demo, settings, tmp_path, django_capture_on_commit_callbacks):
    settings.CDSC_IMPORT_DIR = tmp_path / "imports"
    client = Client()
    client.force_login(UserFactory(username="importer", is_staff=True, perms=("run_import",)))
    data = {"format": "auto", "mode": "strict", "timezone": "", "psr": ""}
    data["file"] = SimpleUploadedFile("emissions.csv", GOOD_CSV.encode(), "text/csv")

    with django_capture_on_commit_callbacks(execute=True):  # the job runs at commit (in-process in tests)
        response = client.post("/imports/new", data)

    assert response.status_code == 302
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.SUCCEEDED, job.message
    assert emissions_store() == EXPECTED

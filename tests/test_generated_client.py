"""A client generated from the live schema by openapi-python-client: a third party's program on it type-checks
with mypy --strict and runs against the test server (anonymous reads, shared enums, a response's unit sent back, a
304, a private call that needs a key, CSV read through the CSV twin's function in both layouts)."""

import json
import subprocess
import sys
import textwrap
import urllib.request

import pytest
from django.core.management import call_command

GENERATOR_CONFIG = {"project_name_override": "cdsc_api", "package_name_override": "cdsc_api", "post_hooks": []}

PROGRAM = textwrap.dedent(
    '''
    """What a third party writes on the generated client."""

    import csv
    import io
    import json
    import sys
    from datetime import date

    from cdsc_api import AuthenticatedClient, Client
    from cdsc_api.api.power_system_resources import (
        power_system_resources_describe_retrieve,
        power_system_resources_list,
    )
    from cdsc_api.api.production_projects import production_projects_list
    from cdsc_api.api.timeseries import power_system_resources_timeseries_generation_retrieve as generation
    from cdsc_api.api.timeseries import power_system_resources_timeseries_generation_retrieve_csv as generation_csv
    from cdsc_api.models import DescribeResponse, EnergyUnit, GenerationResponse, PaginatedPowerSystemResourceList
    from cdsc_api.models import CsvLayout, Timeframe


    def csv_of(client: Client, layout: CsvLayout) -> list[dict[str, str]]:
        """The day's generation as CSV rows, through the generated function of the CSV twin."""
        text = generation_csv.sync(
            "US-WECC-CISO",
            client=client,
            start_datetime=date(2023, 1, 1),
            end_datetime=date(2023, 1, 2),
            unit=EnergyUnit.KWH,
            layout=layout,
        )
        assert isinstance(text, str)
        return list(csv.DictReader(io.StringIO(text, newline="")))


    def main(base_url: str) -> dict[str, object]:
        client = Client(base_url=base_url, raise_on_unexpected_status=True)  # anonymous: no key
        psrs = power_system_resources_list.sync(client=client, page_size=1000)
        assert isinstance(psrs, PaginatedPowerSystemResourceList)
        described = power_system_resources_describe_retrieve.sync("US-WECC-CISO", client=client)
        assert isinstance(described, DescribeResponse)
        first = generation.sync_detailed(
            "US-WECC-CISO",
            client=client,
            start_datetime=date(2023, 1, 1),
            end_datetime=date(2023, 1, 2),
            unit=EnergyUnit.KWH,
            timeframe=Timeframe.ACTUAL,
        )
        body = first.parsed
        assert isinstance(body, GenerationResponse)
        unit: EnergyUnit = body.unit  # the response's unit is the parameter's enum: it can be sent back
        again = generation.sync_detailed(
            "US-WECC-CISO",
            client=client.with_headers({"If-None-Match": first.headers["ETag"]}),
            start_datetime=date(2023, 1, 1),
            end_datetime=date(2023, 1, 2),
            unit=unit,
            timeframe=Timeframe.ACTUAL,
        )
        private = production_projects_list.sync_detailed(client=AuthenticatedClient(base_url=base_url, token="x.y"))
        long_rows = csv_of(client, CsvLayout.LONG)
        wide_rows = csv_of(client, CsvLayout.WIDE)
        fixed = {"id", "quantity", "timeframe", "unit", "startDatetime", "endDatetime", "total"}
        long_items: list[list[float]] = []
        for row in long_rows:
            if row["item"] == "total":
                long_items.append([])
            else:
                long_items[-1].append(float(row["value"]))
        return {
            "psrs": [psr.id for psr in psrs.power_system_resources],
            "timezone": described.describe.timezone,
            "unit": str(unit),
            "values": [interval.value for interval in body.generation],
            "revalidated": int(again.status_code),
            "private_without_a_valid_key": int(private.status_code),
            "long_totals": [float(row["value"]) for row in long_rows if row["item"] == "total"],
            "long_items": long_items,
            "wide_totals": [float(row["total"]) for row in wide_rows],
            "wide_items": [[float(v) for k, v in row.items() if k not in fixed and v] for row in wide_rows],
        }


    if __name__ == "__main__":
        print(json.dumps(main(sys.argv[1])))
    '''
)


@pytest.fixture
def generated(live_server, grid, tmp_path_factory):
    """The generated package and the program beside it, in a folder of their own."""
    call_command("generate_timeseries", "--start", "2023-01-01", "--days", "1", "--areas", "1", stdout=None)
    folder = tmp_path_factory.mktemp("generated")
    with urllib.request.urlopen(f"{live_server.url}/openapi.json", timeout=30) as response:
        (folder / "openapi.json").write_bytes(response.read())
    (folder / "config.json").write_text(json.dumps(GENERATOR_CONFIG))
    generate = ["generate", "--path", "openapi.json", "--meta", "none", "--output-path", "cdsc_api"]
    result = subprocess.run(
        [sys.executable, "-m", "openapi_python_client", *generate, "--config", "config.json"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0 and (folder / "cdsc_api" / "client.py").exists(), result.stdout + result.stderr
    assert "Unable to" not in result.stdout, result.stdout  # an operation or model the generator left out
    (folder / "program.py").write_text(PROGRAM)
    return folder


def test_a_generated_client_type_checks_and_reads_the_server(generated, live_server, api):
    checked = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--follow-imports=silent", "--cache-dir", ".mypy", "program.py"],
        cwd=generated,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    ran = subprocess.run(
        [sys.executable, "program.py", live_server.url], cwd=generated, capture_output=True, text=True, timeout=120
    )
    assert ran.returncode == 0, ran.stdout + ran.stderr
    out = json.loads(ran.stdout)
    expected = api.get(
        "/power-system-resources/US-WECC-CISO/timeseries/generation?startDatetime=2023-01-01&endDatetime=2023-01-02&unit=kWh"
    )
    assert out["values"] == [interval["value"] for interval in expected.json()["generation"]] and out["values"]
    assert out["unit"] == "kWh" and out["timezone"] == "America/Los_Angeles"
    assert "US-WECC-CISO" in out["psrs"]
    assert out["revalidated"] == 304
    assert out["private_without_a_valid_key"] == 401
    # CSV through the CSV twin's generated function: the JSON's numbers, in both layouts.
    intervals = expected.json()["generation"]
    items = [[item["value"] for item in interval["valueByFuelSource"]] for interval in intervals]
    assert out["long_totals"] == out["wide_totals"] == out["values"]
    assert out["long_items"] == out["wide_items"] == items and any(items)

"""GET /production-projects: private data. Staff see every project, an API client its granted ones; an outsider
gets 401, and a project not granted is a 404 exactly like one that does not exist."""

from datetime import UTC, datetime

import pytest

from cdsc_site.clients import services as client_services
from cdsc_site.clients.models import ApiKey
from cdsc_site.clients.selectors import forget_keys
from psr.models import ContractType, Meter, ProductionProject, ProductionProjectGrant
from tests.factories import SuperuserFactory, UserFactory

pytestmark = pytest.mark.django_db

# The seed's example project (seed 002), field by field with its JSON type.
SEED_EXAMPLE = {
    "cds_productionproject_id": "55555555-55",
    "cds_created": "2024-01-01T00:00:00Z",
    "cds_modified": "2024-01-01T00:00:00Z",
    "contract_start_date": "2020-01-01T00:00:00Z",
    "contract_end_date": "2030-01-01T00:00:00Z",
    "meter_number": ["55555555-55_1", "55555555-55_2", "55555555-55_3"],
    "available_formats": ["settlement", "scada", "forecast_day_ahead", "forecast_hour_ahead"],
    "contract_rule": "100%",
    "contract_type": "PPA",
    "available_reading_validity": ["contracted", "total_gross", "net_metering"],
    "timezone": "America/New_York",
}


def _project(project_id: str, contract: str = "PPA", meters: int = 1, **fields) -> ProductionProject:
    project = ProductionProject.objects.create(
        id=project_id,
        name=f"Project {project_id}",
        contract_type=ContractType.objects.get_or_create(code=contract)[0],
        contract_start_date=datetime(2020, 1, 1, tzinfo=UTC),
        contract_end_date=datetime(2030, 1, 1, tzinfo=UTC),
        contract_rule="100%",
        timezone="America/New_York",
        **fields,
    )
    for n in range(1, meters + 1):
        Meter.objects.create(meter_number=f"{project_id}_{n}", project=project)
    return project


@pytest.fixture(autouse=True)
def _fresh_keys():
    forget_keys()


@pytest.fixture
def projects():
    seed = _project(
        "55555555-55",
        meters=3,
        declared_formats=SEED_EXAMPLE["available_formats"],
        declared_validities=SEED_EXAMPLE["available_reading_validity"],
    )
    other = _project("66666666-66", contract="VPPA")
    return seed, other


def _key(*granted: ProductionProject, organisation: str = "Carbon Co") -> dict[str, str]:
    client = client_services.api_client_get_or_create(organisation=organisation)
    for project in granted:
        ProductionProjectGrant.objects.create(client=client, project=project)
    _, raw = client_services.api_key_create(client=client, label="tests")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_one_project_has_every_field_of_the_seed_example_with_its_name_and_type(client, projects):
    seed, _ = projects
    body = client.get("/production-projects/55555555-55", **_key(seed)).json()
    for field, example in SEED_EXAMPLE.items():
        assert field in body, field
        assert type(body[field]) is type(example), field
    for field in ("cds_productionproject_id", "meter_number", "available_formats", "contract_rule",
                  "contract_type", "available_reading_validity", "timezone", "contract_start_date",
                  "contract_end_date"):  # fmt: skip
        assert body[field] == SEED_EXAMPLE[field], field
    assert body["next"] is None and body["previous"] is None
    assert body["contract_share"] == 1


def test_an_outsider_gets_401_and_learns_nothing(client, projects):
    for path in ("/production-projects", "/production-projects/55555555-55", "/production-projects/NO-SUCH"):
        response = client.get(path)
        assert response.status_code == 401
        assert response["Content-Type"] == "application/problem+json"
        assert "55555555" not in response.content.decode().replace(path, "")


def test_a_client_sees_only_its_granted_projects_and_others_do_not_exist(client, projects):
    seed, _ = projects
    headers = _key(seed)
    listing = client.get("/production-projects", **headers).json()
    assert [p["cds_productionproject_id"] for p in listing["production_projects"]] == ["55555555-55"]
    not_granted = client.get("/production-projects/66666666-66", **headers)
    missing = client.get("/production-projects/77777777-77", **headers)
    assert not_granted.status_code == missing.status_code == 404
    assert not_granted.json()["detail"].replace("66666666-66", "X") == missing.json()["detail"].replace(
        "77777777-77", "X"
    )
    # A key granted nothing sees an empty list, not an error.
    assert client.get("/production-projects", **_key(organisation="Nobody")).json()["production_projects"] == []


def test_a_revoked_key_loses_its_projects(client, projects):
    seed, _ = projects
    headers = _key(seed)
    client_services.api_key_revoke(key=ApiKey.objects.get())
    assert client.get("/production-projects", **headers).status_code == 401


def test_staff_logged_in_see_every_project_and_other_users_nothing(client, projects):
    client.force_login(SuperuserFactory())
    ids = [p["cds_productionproject_id"] for p in client.get("/production-projects").json()["production_projects"]]
    assert ids == ["55555555-55", "66666666-66"]
    client.force_login(UserFactory(is_staff=False))
    for path in ("/production-projects", "/production-projects/55555555-55"):
        refused = client.get(path)
        assert refused.status_code == 403 and "55555555" not in refused.json()["detail"]
    client.force_login(UserFactory(is_staff=True))  # staff without the permission to view projects
    assert client.get("/production-projects").status_code == 403


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("cds_productionproject_ids=55555555-55+66666666-66", ["55555555-55", "66666666-66"]),
        ("cds_productionproject_ids=66666666-66", ["66666666-66"]),
        ("meter_numbers=55555555-55_2", ["55555555-55"]),
        ("meter_numbers=55555555-55_1+55555555-55_2+66666666-66_1", ["55555555-55", "66666666-66"]),
        ("contract_types=VPPA", ["66666666-66"]),
        ("contract_types=PPA&meter_numbers=66666666-66_1", []),
        ("psr=US-WECC-CISO", []),
    ],
)
def test_filters_take_space_separated_lists_and_intersect(client, projects, query, expected):
    client.force_login(SuperuserFactory())
    body = client.get(f"/production-projects?{query}").json()
    assert [p["cds_productionproject_id"] for p in body["production_projects"]] == expected


def test_more_than_a_hundred_projects_are_paged(client, db):
    client.force_login(SuperuserFactory())
    for n in range(105):
        _project(f"P-{n:03d}", meters=0)
    first = client.get("/production-projects").json()
    assert len(first["production_projects"]) == 100 and first["next"]
    second = client.get(first["next"]).json()
    assert [p["cds_productionproject_id"] for p in second["production_projects"]] == [f"P-{n}" for n in range(100, 105)]


# --- GET /meter-devices (WG3) ------------------------------------------------------------------------------------


def test_meter_devices_are_the_meters_of_the_granted_projects_in_wg3_shape(client, projects):
    _, other = projects
    body = client.get("/meter-devices", **_key(other)).json()
    assert [m["meter_number"] for m in body["meter_devices"]] == ["66666666-66_1"]
    device = body["meter_devices"][0]
    assert device["cds_meterdevice_id"] == str(Meter.objects.get(meter_number="66666666-66_1").pk)
    assert device["meter_type"] == "production" and device["cds_productionproject_id"] == "66666666-66"
    assert device["current_servicepoints"] == [] == device["previous_servicepoints"]
    assert {"cds_created", "cds_modified", "next", "previous"} <= {*device, *body}
    assert client.get("/meter-devices").status_code == 401


def test_meter_devices_come_most_recently_modified_first_and_filter_as_wg3_says(client, projects):
    client.force_login(SuperuserFactory())
    touched = Meter.objects.get(meter_number="55555555-55_2")
    touched.description = "replaced in 2024"
    touched.save()
    numbers = [m["meter_number"] for m in client.get("/meter-devices").json()["meter_devices"]]
    assert numbers[0] == "55555555-55_2" and len(numbers) == 4
    first = Meter.objects.get(meter_number="55555555-55_1")
    queries = {
        f"cds_meterdevice_ids={first.pk}+{touched.pk}": ["55555555-55_2", "55555555-55_1"],
        "meter_number=66666666-66_1": ["66666666-66_1"],
        "q=55-55_3": ["55555555-55_3"],
        "cds_meterdevice_ids=abc": [],
    }
    for query, expected in queries.items():
        body = client.get(f"/meter-devices?{query}").json()
        assert [m["meter_number"] for m in body["meter_devices"]] == expected, query

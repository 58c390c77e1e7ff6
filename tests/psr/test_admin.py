"""The operator admin, driven through the Django test client the way a browser would drive it."""

import json
from html.parser import HTMLParser

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.urls import reverse

from metadata.models import FuelSourceTechnology, FuelSourceType
from psr import services
from psr.models import (
    AssetInfo,
    Connection,
    ExternalIdentifier,
    InstalledCapacity,
    Location,
    PowerSystemResource,
    TransmissionCapacity,
)

HistoricalPSR = PowerSystemResource.history.model
PSR_FORM = "powersystemresource_form"


def psr_url(psr_id: str, view: str = "change") -> str:
    return reverse(f"admin:psr_powersystemresource_{view}", args=[psr_id])


ADD_URL = "/admin/psr/powersystemresource/add/"


class _FormValues(HTMLParser):
    """Collects what a browser would submit from one form: inputs, checked boxes, selected options, textareas."""

    def __init__(self, form_id: str) -> None:
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.found = False
        self.data: list[tuple[str, str]] = []
        self._select: str | None = None
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("id") == self.form_id
            self.found = self.found or self.inside
        if not self.inside:
            return
        name = a.get("name")
        if not name or "__prefix__" in name:  # the empty templates of inlines are never submitted
            if tag == "option" and self._select and "selected" in a:
                self.data.append((self._select, a.get("value") or ""))
            return
        if tag == "input":
            kind = a.get("type", "text")
            if kind in ("submit", "button", "image", "file", "reset"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self.data.append((name, a.get("value") or ("on" if kind == "checkbox" else "")))
        elif tag == "select":
            self._select = name
        elif tag == "textarea":
            self._textarea, self._text = name, []

    def handle_data(self, data):
        if self._textarea:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea:
            text = "".join(self._text)
            self.data.append((self._textarea, text.removeprefix("\n")))
            self._textarea = None


def form_data(client, url: str, form_id: str = PSR_FORM) -> dict[str, str]:
    """GET an admin form page and return the values a browser would POST back unchanged."""
    response = client.get(url)
    assert response.status_code == 200
    parser = _FormValues(form_id)
    parser.feed(response.content.decode())
    assert parser.found, f"no form #{form_id} on {url}"
    data: dict[str, str] = {}
    for name, value in parser.data:
        data.setdefault(name, value)
    data["_save"] = "Save"
    return data


def add_inline_row(data: dict[str, str], prefix: str, **fields: str) -> None:
    """Fill in one more row of an inline, as clicking 'Add another' and typing would."""
    index = int(data[f"{prefix}-TOTAL_FORMS"])
    for field, value in fields.items():
        data[f"{prefix}-{index}-{field}"] = value
    data[f"{prefix}-TOTAL_FORMS"] = str(index + 1)


def errors_shown(response) -> str:
    assert response.status_code == 200, "an invalid form is shown again, not saved and redirected"
    html = response.content.decode()
    assert "errornote" in html or "errorlist" in html
    return html


def psr_snapshot(psr_id: str) -> dict:
    return PowerSystemResource.objects.filter(pk=psr_id).values("name", "parent_id", "topology_level_id", "timezone")[0]


# --- the index and the change lists ----------------------------------------------------------------------------

ALL_CHANGELISTS = [
    "metadata_topologylevel",
    "metadata_fuelsourcetype",
    "metadata_fuelsourcetechnology",
    "psr_powersystemresource",
    "psr_location",
    "psr_assetinfo",
    "psr_externalidentifier",
    "psr_connection",
    "psr_installedcapacity",
    "psr_transmissioncapacity",
    "admin_logentry",
]


def test_admin_requires_a_staff_login(client, demo):
    response = client.get(reverse("admin:psr_powersystemresource_changelist"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_admin_index_lists_every_model(admin_client):
    response = admin_client.get(reverse("admin:index"))
    assert response.status_code == 200
    html = response.content.decode()
    for name in ALL_CHANGELISTS:
        assert f'href="{reverse(f"admin:{name}_changelist")}"' in html, name
    for title in ["Power system resources", "Installed capacities", "Transmission capacities", "Log entries"]:
        assert title in html


def test_admin_log_is_read_only(admin_client, admin_user, demo):
    entry = LogEntry.objects.log_actions(
        user_id=admin_user.pk, queryset=PowerSystemResource.objects.filter(pk="US-WECC"), action_flag=CHANGE
    )[0]
    assert admin_client.get(reverse("admin:admin_logentry_add")).status_code == 403
    assert (
        admin_client.post(reverse("admin:admin_logentry_delete", args=[entry.pk]), {"post": "yes"}).status_code == 403
    )
    change = admin_client.get(reverse("admin:admin_logentry_change", args=[entry.pk]))
    assert change.status_code == 200
    assert 'name="_save"' not in change.content.decode()
    assert LogEntry.objects.filter(pk=entry.pk).exists()


def _listed(response) -> list:
    assert response.status_code == 200, getattr(response, "url", response.status_code)
    return list(response.context["cl"].result_list)


def _ids(response) -> set[str]:
    return {str(obj.pk) for obj in _listed(response)}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", None),
        ("?q=CISO", {"US-WECC-CISO", "US-WECC-CISO-ABC", "US-WECC-CISO-ABC-HYDRO"}),
        ("?q=Nevada", {"US-WECC-NEVP"}),
        ("?q=LDWP", {"US-WECC-LADWP"}),  # an external identifier value
        ("?topology_level__id__exact=Zone", {"US-WECC-CISO-ABC"}),
        ("?parent__id__exact=US-WECC-CISO", {"US-WECC-CISO-ABC"}),
        ("?timezone=America/Chicago", {"US-ERCOT"}),
        ("?q=CISO&topology_level__id__exact=Generating+Plant", {"US-WECC-CISO-ABC-HYDRO"}),
    ],
)
def test_psr_changelist_searches_and_filters(admin_client, demo, query, expected):
    found = _ids(admin_client.get(reverse("admin:psr_powersystemresource_changelist") + query))
    if expected is None:
        assert found == set(PowerSystemResource.objects.values_list("pk", flat=True))
        assert len(found) == 9
    else:
        assert found == expected


def test_psr_changelist_shows_the_tree_in_order(admin_client, demo):
    rows = [p.pk for p in _listed(admin_client.get(reverse("admin:psr_powersystemresource_changelist")))]
    # Depth first: each PSR comes right after its parent's subtree starts, never before its parent.
    assert rows.index("US-WECC") < rows.index("US-WECC-CISO") < rows.index("US-WECC-CISO-ABC")
    assert rows.index("US-WECC-CISO-ABC") + 1 == rows.index("US-WECC-CISO-ABC-HYDRO")


def test_topology_level_changelist_searches_and_filters(admin_client, demo):
    url = reverse("admin:metadata_topologylevel_changelist")
    assert _ids(admin_client.get(url + "?q=Substation")) == {"Transmission Node/Substation", "Control area"}
    assert _ids(admin_client.get(url + "?level=2")) == {"Zone", "Bidding zone"}
    assert len(_listed(admin_client.get(url))) == 12


def test_fuel_catalogue_changelists_search_and_filter(admin_client):
    types = reverse("admin:metadata_fuelsourcetype_changelist")
    assert [t.aib_code for t in _listed(admin_client.get(types + "?q=F02010100"))] == ["F02010100"]
    fossil = _listed(admin_client.get(types + "?category=Fossil"))
    assert fossil
    assert {t.category for t in fossil} == {"Fossil"}
    assert len(fossil) == FuelSourceType.objects.filter(name__startswith="Fossil - ").count()
    assert len(fossil) < FuelSourceType.objects.count()

    technologies = reverse("admin:metadata_fuelsourcetechnology_changelist")
    assert [t.aib_code for t in _listed(admin_client.get(technologies + "?q=T050900"))] == ["T050900"]
    category = FuelSourceTechnology.objects.get(aib_code="T050900").category
    listed = _listed(admin_client.get(technologies + f"?category={category}"))
    assert {t.category for t in listed} == {category}
    assert "T050900" in {t.aib_code for t in listed}


@pytest.mark.parametrize(
    ("model", "query", "expected"),
    [
        ("location", "?q=Folsom", {"Location of US-WECC-CISO"}),
        ("location", "?state_or_province=CA", {"Location of US-WECC-CISO", "Location of US-WECC-CISO-ABC-HYDRO"}),
        ("assetinfo", "?q=Turbines", {"US-WECC-CISO-ABC-HYDRO: Turbines"}),
        ("assetinfo", "?name=Turbines", {"US-WECC-CISO-ABC-HYDRO: Turbines"}),
        ("externalidentifier", "?q=NEVP", {"eia:NEVP"}),
        ("externalidentifier", "?scheme=eia", {"eia:ERCO", "eia:CISO", "eia:NEVP", "eia:LDWP", "eia:BANC"}),
        ("connection", "?q=NEVP", {"US-WECC-CISO <-> US-WECC-NEVP"}),
        (
            "installedcapacity",
            "?q=HYDRO",
            {"US-WECC-CISO-ABC-HYDRO: 40 MW Renewable - Mechanical source or other - Hydro & marine - Unspecified"},
        ),
        (
            "installedcapacity",
            "?q=Hard+coal",
            {
                "US-WECC-CISO: 500 MW Fossil - Solid - Hard coal - Unspecified",
                "US-WECC-CISO: 300 MW Fossil - Solid - Hard coal - Unspecified",
            },
        ),
        ("installedcapacity", "?unit=kW", set()),
        ("transmissioncapacity", "?q=ABCD", {"US-WECC-CISO <-> US-WECC-ABCD: 50 MW"}),
        (
            "transmissioncapacity",
            "?unit=MW",
            {"US-WECC-CISO <-> US-WECC-ABCD: 50 MW", "US-WECC-CISO <-> US-WECC-NEVP: 100 MW"},
        ),
    ],
)
def test_psr_child_changelist_searches_and_filters(admin_client, demo, model, query, expected):
    found = _listed(admin_client.get(reverse(f"admin:psr_{model}_changelist") + query))
    assert {str(row) for row in found} == expected


def test_installed_capacity_changelist_filters_by_fuel_type(admin_client, demo):
    coal = FuelSourceType.objects.get(aib_code="F02010100")
    url = reverse("admin:psr_installedcapacity_changelist") + f"?fuel_type__id__exact={coal.pk}"
    assert sorted((c.psr_id, c.value) for c in _listed(admin_client.get(url))) == [
        ("US-WECC-CISO", 300),
        ("US-WECC-CISO", 500),
    ]


def test_connection_changelist_filters_by_topology_level_of_the_psr(admin_client, demo):
    # The filter only offers levels that have connections: add one at the zone level so there are two.
    services.connection_ensure(
        psr=PowerSystemResource.objects.get(pk="US-WECC-CISO-ABC"),
        connected_psr=PowerSystemResource.objects.get(pk="US-WECC-NEVP"),
    )
    url = reverse("admin:psr_connection_changelist")
    zone = _listed(admin_client.get(url + "?psr__topology_level__id__exact=Zone"))
    assert [str(c) for c in zone] == ["US-WECC-CISO-ABC <-> US-WECC-NEVP"]
    area = _listed(admin_client.get(url + "?psr__topology_level__id__exact=Balancing+Authority+Area"))
    assert {c.psr_id for c in area} == {"US-WECC-CISO"}
    assert len(area) == 4


def test_log_entry_changelist_searches_and_filters_admin_actions(admin_client, demo):
    data = form_data(admin_client, psr_url("US-WECC-NEVP"))
    data["name"] = "Nevada Power (renamed)"
    assert admin_client.post(psr_url("US-WECC-NEVP"), data).status_code == 302
    url = reverse("admin:admin_logentry_changelist")
    rows = _listed(admin_client.get(url + "?q=US-WECC-NEVP"))
    assert [(e.object_id, e.action_flag) for e in rows] == [("US-WECC-NEVP", CHANGE)]
    assert "Name" in rows[0].get_change_message()
    assert len(_listed(admin_client.get(url + f"?action_flag={CHANGE}"))) == 1
    assert _listed(admin_client.get(url + "?action_flag=1")) == []


# --- adding and changing a PSR ------------------------------------------------------------------------------------


def test_admin_adds_psr_with_external_identifier_and_records_who(admin_client, admin_user, demo):
    data = form_data(admin_client, ADD_URL)
    data.update(
        id="US-WECC-PACE",
        name="PacifiCorp East",
        topology_level="Balancing Authority Area",
        parent="US-WECC",
        timezone="America/Denver",
    )
    add_inline_row(data, "external_identifiers", scheme="eia", value="PACE")
    add_inline_row(
        data, "location", town_name="Salt Lake City", geojson='{"type": "Point", "coordinates": [-111.9, 40.7]}'
    )
    response = admin_client.post(ADD_URL, data)
    assert response.status_code == 302, response.content.decode()[:3000]

    psr = PowerSystemResource.objects.get(pk="US-WECC-PACE")
    assert (psr.name, psr.parent_id, psr.topology_level_id, psr.timezone) == (
        "PacifiCorp East",
        "US-WECC",
        "Balancing Authority Area",
        "America/Denver",
    )
    assert [str(e) for e in psr.external_identifiers.all()] == ["eia:PACE"]
    assert (psr.location.town_name, psr.location.geojson) == (
        "Salt Lake City",
        {"type": "Point", "coordinates": [-111.9, 40.7]},
    )
    assert [a.pk for a in psr.get_ancestors()] == ["US-WECC"]
    created = HistoricalPSR.objects.get(id="US-WECC-PACE")
    assert created.history_type == "+"
    assert created.history_user == admin_user
    assert ExternalIdentifier.history.get(value="PACE").history_user == admin_user


def test_admin_change_of_name_is_in_history_with_user(admin_client, admin_user, demo):
    url = psr_url("US-WECC-CISO")
    data = form_data(admin_client, url)
    data["name"] = "California Independent System Operator"
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]

    assert PowerSystemResource.objects.get(pk="US-WECC-CISO").name == "California Independent System Operator"
    latest = HistoricalPSR.objects.filter(id="US-WECC-CISO").latest("history_date")
    assert (latest.history_type, latest.history_user, latest.name) == (
        "~",
        admin_user,
        "California Independent System Operator",
    )
    assert latest.prev_record.name == "California ISO"

    history = admin_client.get(psr_url("US-WECC-CISO", "history"))
    assert history.status_code == 200
    html = history.content.decode()
    assert "California Independent System Operator" in html
    assert "California ISO" in html
    assert admin_user.get_username() in html


def test_admin_psr_id_cannot_be_renamed(admin_client, demo):
    url = psr_url("US-WECC-CISO")
    data = form_data(admin_client, url)
    assert "id" not in data, "the id is shown read-only, not as an input"
    data.update(id="US-WECC-RENAMED", name="California ISO (edited)")
    assert admin_client.post(url, data).status_code == 302

    assert not PowerSystemResource.objects.filter(pk="US-WECC-RENAMED").exists()
    assert PowerSystemResource.objects.get(pk="US-WECC-CISO").name == "California ISO (edited)"
    assert PowerSystemResource.objects.get(pk="US-WECC-CISO-ABC").parent_id == "US-WECC-CISO"


def test_admin_change_page_shows_children_and_place_in_tree(admin_client, demo):
    html = admin_client.get(psr_url("US-WECC-CISO")).content.decode()
    assert f'<a href="{psr_url("US-WECC-CISO-ABC")}">US-WECC-CISO-ABC</a>' in html
    assert f'<a href="{psr_url("US-WECC")}">US-WECC</a>' in html
    assert psr_url("US-WECC-CISO-ABC-HYDRO") not in html, "grandchildren are not listed as children"

    leaf = admin_client.get(psr_url("US-WECC-CISO-ABC-HYDRO")).content.decode()
    for ancestor in ["US-WECC", "US-WECC-CISO", "US-WECC-CISO-ABC"]:
        assert f'<a href="{psr_url(ancestor)}">{ancestor}</a>' in leaf


def test_admin_change_page_shows_connections_recorded_on_the_other_side(admin_client, demo):
    html = admin_client.get(psr_url("US-WECC-NEVP")).content.decode()
    assert f'<a href="{psr_url("US-WECC-CISO")}">US-WECC-CISO</a>' in html


def test_admin_parent_field_uses_autocomplete(admin_client, demo):
    html = admin_client.get(psr_url("US-WECC-CISO")).content.decode()
    assert "admin-autocomplete" in html
    response = admin_client.get(
        reverse("admin:autocomplete"),
        {"app_label": "psr", "model_name": "powersystemresource", "field_name": "parent", "term": "CISO"},
    )
    assert response.status_code == 200
    ids = {row["id"] for row in response.json()["results"]}
    assert "US-WECC-CISO" in ids
    assert "US-WECC-NEVP" not in ids


# --- invalid input is refused and nothing is saved ----------------------------------------------------------------


def test_admin_refuses_cycle_and_keeps_parent(admin_client, demo):
    url = psr_url("US-WECC")
    data = form_data(admin_client, url)
    data["parent"] = "US-WECC-CISO"
    data["name"] = "WECC (should not be saved)"
    html = errors_shown(admin_client.post(url, data))
    assert "would form a cycle" in html
    assert psr_snapshot("US-WECC") == {
        "name": "Western Electricity Coordinating Council",
        "parent_id": None,
        "topology_level_id": "Interconnection",
        "timezone": "America/Los_Angeles",
    }
    assert [p.pk for p in PowerSystemResource.objects.get(pk="US-WECC-CISO").get_ancestors()] == ["US-WECC"]


def test_admin_refuses_child_not_below_its_parent_level(admin_client, demo):
    url = psr_url("US-WECC-CISO")
    data = form_data(admin_client, url)
    data["topology_level"] = "Zone"  # its child US-WECC-CISO-ABC is a Zone too
    html = errors_shown(admin_client.post(url, data))
    assert "a parent must be at a lower level number than its children" in html
    assert psr_snapshot("US-WECC-CISO")["topology_level_id"] == "Balancing Authority Area"


def test_admin_refuses_unknown_timezone_on_add(admin_client, demo):
    data = form_data(admin_client, ADD_URL)
    data.update(id="US-WECC-MARS", topology_level="Balancing Authority Area", parent="US-WECC", timezone="Mars/Olympus")
    add_inline_row(data, "external_identifiers", scheme="eia", value="MARS")
    html = errors_shown(admin_client.post(ADD_URL, data))
    assert "is not an IANA timezone name" in html
    assert not PowerSystemResource.objects.filter(pk="US-WECC-MARS").exists()
    assert not ExternalIdentifier.objects.filter(value="MARS").exists()
    assert not HistoricalPSR.objects.filter(id="US-WECC-MARS").exists()


def test_admin_refuses_invalid_psr_id_on_add(admin_client, demo):
    data = form_data(admin_client, ADD_URL)
    data.update(id="US WECC/PACE", topology_level="Balancing Authority Area", parent="US-WECC")
    html = errors_shown(admin_client.post(ADD_URL, data))
    assert "A PSR id must be URL safe" in html
    assert PowerSystemResource.objects.count() == 9


@pytest.mark.parametrize(
    ("psr_id", "geojson", "message"),
    [
        ("US-WECC-NEVP", '{"type": "Foo"}', "Not valid GeoJSON"),
        ("US-WECC-NEVP", "[1, 2]", "expected an object with a &#x27;type&#x27; member"),
        ("US-WECC-NEVP", '{"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [0, 0]]]}', "at least 4 positions"),
        ("US-WECC-NEVP", "{not json", "Enter a valid JSON"),
    ],
)
def test_admin_refuses_invalid_geojson_in_new_location(admin_client, demo, psr_id, geojson, message):
    url = psr_url(psr_id)
    data = form_data(admin_client, url)
    data["name"] = "Nevada Power (should not be saved)"
    add_inline_row(data, "location", psr=psr_id, town_name="Las Vegas", state_or_province="NV", geojson=geojson)
    html = errors_shown(admin_client.post(url, data))
    assert message in html
    assert not Location.objects.filter(psr_id=psr_id).exists()
    assert psr_snapshot(psr_id)["name"] == "Nevada Power Company"


def test_admin_accepts_geometry_collection_location(admin_client, demo):
    url = psr_url("US-WECC-NEVP")
    data = form_data(admin_client, url)
    geojson = {"type": "GeometryCollection", "geometries": [{"type": "Point", "coordinates": [-115.14, 36.17]}]}
    add_inline_row(data, "location", psr="US-WECC-NEVP", geojson=json.dumps(geojson))
    assert admin_client.post(url, data).status_code == 302
    assert Location.objects.get(psr_id="US-WECC-NEVP").geojson == geojson


def test_admin_refuses_invalid_geojson_and_keeps_the_old_shape(admin_client, demo):
    url = psr_url("US-WECC-CISO-ABC-HYDRO")
    data = form_data(admin_client, url)
    assert json.loads(data["location-0-geojson"]) == {"type": "Point", "coordinates": [-121.5, 39.5]}
    data["location-0-geojson"] = '{"type": "Point", "coordinates": [-121.5]}'
    data["location-0-town_name"] = "Elsewhere"
    html = errors_shown(admin_client.post(url, data))
    assert "a position must have exactly 2 or 3 values" in html
    location = Location.objects.get(psr_id="US-WECC-CISO-ABC-HYDRO")
    assert (location.town_name, location.geojson) == ("ABC", {"type": "Point", "coordinates": [-121.5, 39.5]})


def test_admin_refuses_negative_installed_capacity(admin_client, demo):
    url = psr_url("US-WECC-NEVP")
    data = form_data(admin_client, url)
    data["name"] = "Nevada Power (should not be saved)"
    coal = FuelSourceType.objects.get(aib_code="F02010100")
    add_inline_row(
        data,
        "capacities",
        psr="US-WECC-NEVP",
        fuel_type=str(coal.pk),
        value="-5",
        unit="MW",
        start_datetime_0="2020-01-01",
        start_datetime_1="00:00:00",
    )
    html = errors_shown(admin_client.post(url, data))
    assert "A capacity cannot be negative." in html
    assert not InstalledCapacity.objects.filter(psr_id="US-WECC-NEVP").exists()
    assert psr_snapshot("US-WECC-NEVP")["name"] == "Nevada Power Company"


def test_admin_refuses_capacity_ending_before_it_starts(admin_client, demo):
    url = psr_url("US-WECC-CISO")
    data = form_data(admin_client, url)
    index = next(i for i in range(2) if data[f"capacities-{i}-value"] == "300.0")
    data[f"capacities-{index}-end_datetime_0"] = "2009-01-01"
    data[f"capacities-{index}-end_datetime_1"] = "00:00:00"
    html = errors_shown(admin_client.post(url, data))
    assert "The end must be after the start." in html
    assert InstalledCapacity.objects.get(psr_id="US-WECC-CISO", value=300).end_datetime is None


def test_admin_refuses_negative_transmission_capacity_and_keeps_the_old_value(admin_client, demo):
    url = psr_url("US-WECC-CISO")
    data = form_data(admin_client, url)
    index = next(i for i in range(2) if data[f"transmission_capacities_from-{i}-connected_psr"] == "US-WECC-NEVP")
    data[f"transmission_capacities_from-{index}-value"] = "-100"
    html = errors_shown(admin_client.post(url, data))
    assert "A capacity cannot be negative." in html
    assert TransmissionCapacity.objects.get(psr_id="US-WECC-CISO", connected_psr_id="US-WECC-NEVP").value == 100


def test_admin_refuses_transmission_capacity_between_unconnected_psrs(admin_client, demo):
    url = psr_url("US-WECC-NEVP")
    data = form_data(admin_client, url)
    add_inline_row(
        data, "transmission_capacities_from", psr="US-WECC-NEVP", connected_psr="US-WECC-LADWP", value="10", unit="MW"
    )
    html = errors_shown(admin_client.post(url, data))
    assert "are not connected; add the connection first" in html
    assert not TransmissionCapacity.objects.filter(psr_id="US-WECC-NEVP").exists()


def test_admin_refuses_connection_already_recorded_on_the_other_side(admin_client, demo):
    url = psr_url("US-WECC-NEVP")
    data = form_data(admin_client, url)
    add_inline_row(data, "connections_from", psr="US-WECC-NEVP", connected_psr="US-WECC-CISO")
    html = errors_shown(admin_client.post(url, data))
    assert "already connected (recorded on &#x27;US-WECC-CISO&#x27;)" in html
    assert Connection.objects.count() == 4
    assert not Connection.objects.filter(psr_id="US-WECC-NEVP").exists()


def test_admin_refuses_external_identifier_of_another_psr(admin_client, demo):
    url = psr_url("US-WECC-NEVP")
    data = form_data(admin_client, url)
    add_inline_row(data, "external_identifiers", psr="US-WECC-NEVP", scheme="eia", value="CISO")
    html = errors_shown(admin_client.post(url, data))
    assert "This external identifier already belongs to a power system resource." in html
    assert list(ExternalIdentifier.objects.filter(value="CISO").values_list("psr_id", flat=True)) == ["US-WECC-CISO"]


def test_admin_refuses_asset_info_properties_that_are_not_an_object(admin_client, demo):
    url = psr_url("US-WECC-CISO-ABC-HYDRO")
    data = form_data(admin_client, url)
    assert data["asset_info-0-name"] == "Turbines"
    data["asset_info-0-properties"] = '["Francis", "Francis"]'
    html = errors_shown(admin_client.post(url, data))
    assert "Properties must be a JSON object of key-value pairs." in html
    assert AssetInfo.objects.get(name="Turbines").properties == {"count": 2, "type": "Francis"}

"""The PSR admin with a large tree (issue 16): children as a count linking to the filtered list, the filter by parent
through the admin's autocomplete, and the place in the tree with its arrows."""

import html
import re

import pytest
from django.urls import reverse

from psr import services
from psr.admin import CHILDREN_SHOWN
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:psr_powersystemresource_changelist")
AUTOCOMPLETE = reverse("admin:autocomplete")
PARENT_FIELD = {"app_label": "psr", "model_name": "powersystemresource", "field_name": "parent"}


def psr_url(psr_id: str) -> str:
    return reverse("admin:psr_powersystemresource_change", args=[psr_id])


def field_text(page: str, field: str) -> str:
    """The text a browser shows in one read-only field of a change page."""
    found = re.search(rf'class="form-row field-{field}">.*?<div class="readonly">(.*?)</div>', page, re.S)
    assert found, field
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", found.group(1))).split())


@pytest.fixture
def plants(demo) -> list[str]:
    """Fifty plants under one zone (beside the demo's own hydro plant), named so that they sort after it."""
    ids = [f"US-WECC-CISO-ABC-P{i:02d}" for i in range(50)]
    for psr_id in ids:
        services.psr_upsert(id=psr_id, topology_level="Generating Plant", parent="US-WECC-CISO-ABC")
    return ids


def test_children_are_a_count_linking_to_the_filtered_list_with_the_first_few_named(admin_client, plants):
    page = admin_client.get(psr_url("US-WECC-CISO-ABC")).content.decode()
    filtered = f"{CHANGELIST}?parent__id__exact=US-WECC-CISO-ABC"
    assert f'<a href="{filtered}">51 children</a>' in page
    named = [p for p in plants if f'<a href="{psr_url(p)}">{p}</a>' in page]
    assert len(named) == CHILDREN_SHOWN - 1  # the hydro plant first, in tree order, then the first nine
    assert named == plants[: CHILDREN_SHOWN - 1]
    assert field_text(page, "children_list").endswith(", ...")

    listed = admin_client.get(filtered)
    assert {p.pk for p in listed.context["cl"].result_list} == {"US-WECC-CISO-ABC-HYDRO", *plants}


def test_a_psr_with_one_child_or_none_says_so(admin_client, demo):
    page = admin_client.get(psr_url("US-WECC-CISO")).content.decode()
    assert f'<a href="{CHANGELIST}?parent__id__exact=US-WECC-CISO">1 child</a>' in page
    assert field_text(admin_client.get(psr_url("US-WECC-CISO-ABC-HYDRO")).content.decode(), "children_list") == "none"


def test_the_list_filters_by_parent_through_the_admins_autocomplete(admin_client, plants):
    page = admin_client.get(CHANGELIST).content.decode()
    # No link per parent in the sidebar: a select that the admin's autocomplete script fills as the operator types.
    assert "?parent__id__exact=US-WECC-CISO-ABC" not in page
    assert re.search(r'<select id="psr-parent-filter" class="admin-autocomplete"', page)
    assert f'data-ajax--url="{AUTOCOMPLETE}"' in page
    assert 'src="/static/admin/js/autocomplete.js"' in page and 'src="/static/psr/parent-filter.js"' in page

    found = admin_client.get(AUTOCOMPLETE, {**PARENT_FIELD, "term": "CISO-ABC"}).json()["results"]
    assert {"id": "US-WECC-CISO-ABC", "text": str(services.PowerSystemResource.objects.get(pk="US-WECC-CISO-ABC"))} in (
        found
    )
    # What parent-filter.js loads once the operator picks it: the list of its children, the pick shown selected.
    listed = admin_client.get(CHANGELIST, {"parent__id__exact": "US-WECC-CISO-ABC", "q": "P0"})
    assert {p.pk for p in listed.context["cl"].result_list} == {f"US-WECC-CISO-ABC-P0{i}" for i in range(10)}
    assert '<option value="US-WECC-CISO-ABC" selected>' in listed.content.decode()


def test_place_in_the_tree_shows_arrows_not_their_escaped_entity(admin_client, demo):
    page = admin_client.get(psr_url("US-WECC-CISO-ABC-HYDRO")).content.decode()
    assert "&amp;rarr;" not in page
    text = field_text(page, "place_in_tree")
    assert "US-WECC (" in text and " → US-WECC-CISO (" in text and " → US-WECC-CISO-ABC-HYDRO (" in text


@pytest.mark.parametrize("logged_in", [False, True])
def test_outsiders_get_the_admin_login_not_the_list_or_the_autocomplete(client, plants, logged_in):
    if logged_in:  # a person with an account who is not staff
        client.force_login(UserFactory())
    for url, query in [(CHANGELIST, {"parent__id__exact": "US-WECC-CISO-ABC"}), (AUTOCOMPLETE, PARENT_FIELD)]:
        response = client.get(url, query)
        assert response.status_code == 302 and response.url.startswith(reverse("admin:login"))

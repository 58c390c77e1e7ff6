"""The orjson renderer: DRF's compact UTF-8 JSON, keys other than strings included."""

import json
from datetime import UTC, datetime

import pytest

from cdsc_site.api.renderers import FastJSONRenderer


def test_renders_compact_utf8_json_with_keys_other_than_strings_as_text():
    render = FastJSONRenderer().render
    assert render({"name": "Zürich", "values": [1.5, None, True], "at": datetime(2023, 1, 1, tzinfo=UTC)}) == (
        '{"name":"Zürich","values":[1.5,null,true],"at":"2023-01-01T00:00:00+00:00"}'.encode()
    )
    assert json.loads(render({"items": [{1: "a", 2.5: "b", None: "c"}]})) == {
        "items": [{"1": "a", "2.5": "b", "null": "c"}]
    }
    assert render(None) == b""


def test_a_value_it_cannot_write_is_still_an_error():
    with pytest.raises(TypeError):
        FastJSONRenderer().render({"x": object()})

"""The live OpenAPI schema lints clean with Redocly CLI (pinned in tools/openapi-lint, rules in its redocly.yaml)."""

import json
import subprocess

import pytest

from tests.conftest import REPO

TOOLS = REPO / "tools" / "openapi-lint"
REDOCLY = TOOLS / "node_modules" / ".bin" / "redocly"


def redocly_lint(document: dict, folder) -> subprocess.CompletedProcess:
    path = folder / "openapi.json"
    path.write_text(json.dumps(document))
    return subprocess.run(
        [str(REDOCLY), "lint", "--config", str(TOOLS / "redocly.yaml"), "--format", "stylish", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=folder,
    )


@pytest.fixture(scope="module")
def live_schema(django_db_setup, django_db_blocker) -> dict:
    from rest_framework.test import APIClient

    assert REDOCLY.exists(), "run `make tools` (npm ci in tools/openapi-lint)"
    with django_db_blocker.unblock():
        response = APIClient().get("/openapi.json")
    assert response.status_code == 200
    return json.loads(response.content)


def test_the_live_schema_lints_clean(live_schema, tmp_path):
    result = redocly_lint(live_schema, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_linter_fails_on_what_issue_17_found(live_schema, tmp_path):
    # The rules hold: a summary, a declared tag and a 200 description taken away are each an error.
    broken = json.loads(json.dumps(live_schema))
    operation = broken["paths"]["/metadata/topology-levels"]["get"]
    del operation["summary"]
    operation["tags"] = ["undeclared"]
    operation["responses"]["200"]["description"] = ""
    result = redocly_lint(broken, tmp_path)
    assert result.returncode != 0
    for rule in ("operation-summary", "operation-tag-defined", "response-description-not-empty"):
        assert rule in result.stdout + result.stderr, rule

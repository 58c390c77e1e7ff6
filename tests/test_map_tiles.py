"""The explorer map's optional tile server (CDSC_MAP_TILE_URL): off by default, its origin in the CSP's img-src."""

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import REPO

# The page's CSP header and the tile URL the maps are given (/explore/ and a PSR's page), as a server started with
# the environment would send them.
SHOW_PAGE = """
import json, re
import django
django.setup()
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()
response = Client().get("/explore/")
tile = re.search(r'data-tile-url="([^"]*)"', response.content.decode()).group(1)
psr_page = Client().get("/explore/psr/US-WECC-CISO").content.decode()
psr_tile = re.search(r'data-tiles="([^"]*)"', psr_page).group(1)
print(json.dumps({"status": response.status_code, "csp": response["Content-Security-Policy"], "tile": tile,
                  "psr_tile": psr_tile}))
"""


def explore_page(tmp_path, **env: str) -> dict:
    clean = {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "cdsc_site.settings.test",
        "CDSC_VAR_DIR": str(tmp_path / "var"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    done = subprocess.run(
        [sys.executable, "-c", SHOW_PAGE], cwd=REPO, env={**clean, **env}, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def img_src(csp: str) -> list[str]:
    directive = next(d.strip() for d in csp.split(";") if d.strip().startswith("img-src "))
    return directive.split()[1:]


def test_no_tile_server_by_default_and_images_only_from_the_server(tmp_path):
    page = explore_page(tmp_path)
    assert page["status"] == 200
    assert page["tile"] == page["psr_tile"] == ""
    assert img_src(page["csp"]) == ["'self'", "data:"]


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("https://{s}.tiles.example.org/base/{z}/{x}/{y}.png", "https://*.tiles.example.org"),
        ("http://127.0.0.1:8081/tiles/{z}/{x}/{y}.png", "http://127.0.0.1:8081"),
    ],
)
def test_a_tile_server_is_given_to_the_map_and_its_origin_allowed_for_images(tmp_path, url, origin):
    page = explore_page(tmp_path, CDSC_MAP_TILE_URL=url)
    assert page["tile"] == page["psr_tile"] == url  # both maps: the tree's and a PSR's
    assert img_src(page["csp"]) == ["'self'", "data:", origin]
    # Only images: scripts, styles and connections stay this server's own.
    for directive in ("script-src", "style-src", "connect-src", "default-src"):
        assert origin not in next(d for d in page["csp"].split(";") if d.strip().startswith(directive))


def test_a_tile_url_that_is_not_http_is_refused_at_start(tmp_path):
    url = "ftp://tiles.example.org/{z}/{x}/{y}.png"
    clean = {"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "cdsc_site.settings.test", "CDSC_MAP_TILE_URL": url}
    done = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"], cwd=REPO, env=clean, capture_output=True, text=True
    )
    assert done.returncode != 0
    assert "CDSC_MAP_TILE_URL must be an http(s) URL template" in done.stderr

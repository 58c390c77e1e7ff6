"""The client's package: its dependency ranges admit the server's pins, its version is the one it announces, it
ships its type marker, and the types it ships hold (mypy --strict)."""

import subprocess
import sys
import tomllib
from pathlib import Path

from cdsc_client import __version__
from packaging.requirements import Requirement

REPO = Path(__file__).resolve().parents[2]
CLIENT = REPO / "clients" / "python"


def _pins() -> dict[str, str]:
    """The server's pinned versions (dependencies and extras), by package name."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    pinned = [*project["dependencies"], *(r for extra in project["optional-dependencies"].values() for r in extra)]
    pins = {}
    for text in pinned:
        requirement = Requirement(text)
        for spec in requirement.specifier:
            if spec.operator == "==":
                pins[requirement.name.lower()] = spec.version
    return pins


def test_the_servers_pins_satisfy_the_clients_ranges():
    project = tomllib.loads((CLIENT / "pyproject.toml").read_text())["project"]
    pins = _pins()
    for text in project["dependencies"]:
        requirement = Requirement(text)
        assert requirement.name.lower() in pins, f"{requirement.name} is not pinned in the server's pyproject.toml"
        assert requirement.specifier.contains(pins[requirement.name.lower()]), (text, pins[requirement.name.lower()])
    assert project["version"] == __version__


def test_the_package_ships_its_type_marker_and_readme():
    project = tomllib.loads((CLIENT / "pyproject.toml").read_text())
    assert (CLIENT / "src" / "cdsc_client" / "py.typed").exists()
    assert project["tool"]["setuptools"]["package-data"]["cdsc_client"] == ["py.typed"]
    assert (CLIENT / project["project"]["readme"]).exists()


def test_the_package_type_checks_strictly():
    # A third party's mypy reads these hints (py.typed): they must hold against pandas' and requests' own stubs.
    checked = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", str(CLIENT / "src" / "cdsc_client")],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr

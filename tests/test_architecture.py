"""The project's shape as tests: every module imports, no import cycle anywhere, and imports point one way
(catalogue < grid < time series; the read path knows no source format; the import path knows no HTTP)."""

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

APPS = ("cdsc_site", "metadata", "psr", "timeseries")


def _modules() -> dict[str, Path]:
    """Every module of the project's apps by dotted name (a package by its own name, for its __init__.py)."""
    found = {}
    for app in APPS:
        for path in sorted((REPO / app).rglob("*.py")):
            parts = list(path.relative_to(REPO).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


MODULES = _modules()


def _imports(name: str, path: Path) -> set[str]:
    """The project modules a module imports, at its top or inside a function (a late import is still a need)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            # `from package import module` needs that module; `from module import name` needs the module.
            names = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base for alias in node.names]
        else:
            continue
        for target in names:
            while target and target not in MODULES:  # `import a.b.c` of a name inside a module
                target = target.rpartition(".")[0]
            if target and target != name:
                targets.add(target)
    return targets


GRAPH = {name: _imports(name, path) for name, path in MODULES.items()}


def _cycles() -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each a set of modules in a cycle."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(GRAPH[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(GRAPH):
        if node not in index:
            visit(node)
    return found


def test_the_walker_sees_the_imports_it_must_see():
    # Relative, absolute, `from package import module` and late imports inside functions.
    assert "timeseries.imports.pipelines.timeseries" in GRAPH["timeseries.imports.pipelines"]
    assert "timeseries.imports.dispatch" in GRAPH["timeseries.imports.services"]
    assert "timeseries.models.store" in GRAPH["timeseries.models"]
    assert "psr.services.inventory" in GRAPH["timeseries.imports.pipelines.inventories"]
    assert "timeseries.imports.adapters.entsoe" in GRAPH["timeseries.imports.adapters"]  # inside registry()
    assert len(MODULES) > 100


def test_no_import_cycle_anywhere_in_the_project():
    assert _cycles() == []


def test_a_cycle_would_be_found(monkeypatch):
    monkeypatch.setitem(GRAPH, "timeseries.imports.dispatch", {*GRAPH["timeseries.imports.dispatch"],
                                                               "timeseries.imports.services"})  # fmt: skip
    assert ["timeseries.imports.dispatch", "timeseries.imports.services"] in _cycles()


def _needs(prefixes: tuple[str, ...]) -> dict[str, set[str]]:
    """For each module under the prefixes, what it imports."""
    return {name: targets for name, targets in GRAPH.items() if name.startswith(prefixes)}


def _offending(sources: tuple[str, ...], forbidden: tuple[str, ...], allowed: tuple[str, ...] = ()) -> list[str]:
    return sorted(
        f"{name} -> {target}"
        for name, targets in _needs(sources).items()
        if not name.startswith(allowed)
        for target in targets
        if target.startswith(forbidden)
    )


def test_imports_point_one_way_catalogue_grid_time_series():
    assert _offending(("metadata",), ("psr", "timeseries")) == []
    assert _offending(("psr",), ("timeseries",)) == []


def test_the_cross_cutting_api_floor_imports_no_domain_app():
    # Any app's API may use cdsc_site.api and cdsc_site.clients (errors, pagination, rate limits); so they use none.
    assert _offending(("cdsc_site.api", "cdsc_site.clients"), ("metadata", "psr", "timeseries")) == []


def test_the_read_path_knows_nothing_of_imports_and_source_formats():
    read_path = ("timeseries.api", "timeseries.selectors", "timeseries.db", "timeseries.resolution", "timeseries.cache",
                 "timeseries.coverage", "timeseries.readings")  # fmt: skip
    store = ("timeseries.services", "timeseries.models.store", "timeseries.choices", "psr.api", "metadata.api")
    assert _offending(read_path + store, ("timeseries.imports",)) == []


def test_the_import_path_knows_no_http():
    # Only its pages and admin speak HTTP; the services, pipelines and adapters serve the command and the worker too.
    web = ("timeseries.imports.web", "timeseries.imports.admin")
    needs = {
        f"{name} -> {module}"
        for name, path in MODULES.items()
        if name.startswith("timeseries.imports") and not name.startswith(web)
        for module in _third_party(path)
        if module.startswith(("rest_framework", "django.http", "django.urls", "django.shortcuts", "django.views"))
    }
    assert needs == set()


def _third_party(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("group", APPS)
def test_every_module_of_the_project_imports(group):
    # In a fresh interpreter: importing the WSGI module freezes the garbage collector, and settings modules other
    # than the test one read the environment (tests/test_settings.py checks those).
    names = [n for n in MODULES if n.split(".")[0] == group and not n.startswith("cdsc_site.settings")]
    script = (
        "import importlib, json, sys, django; django.setup(); failed = {}\n"
        "for name in json.loads(sys.argv[1]):\n"
        "    try:\n        importlib.import_module(name)\n"
        "    except Exception as exc:\n        failed[name] = repr(exc)\n"
        "print(json.dumps(failed))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "cdsc_site.settings.test"}
    result = subprocess.run(
        [sys.executable, "-c", script, json.dumps(names)], cwd=REPO, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {}
    assert names


def test_the_read_path_reads_through_the_router():
    # With read replicas, the request's database is the router's word (cdsc_site.replicas): raw SQL of the read path
    # takes `timeseries.db.read_connection()` (connections[router.db_for_read(...)]), never django.db.connection,
    # which is always the primary. The data version is read from the same database as the data it keys.
    read_path = ("timeseries.api", "timeseries.selectors", "timeseries.db", "timeseries.resolution", "timeseries.cache",
                 "timeseries.coverage", "timeseries.readings", "timeseries.emissions", "timeseries.versions",
                 "psr.selectors", "psr.api", "metadata.selectors", "metadata.api")  # fmt: skip
    offending = []
    for name, path in MODULES.items():
        if not name.startswith(read_path):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module == "django.db":
                offending += [f"{name}: from django.db import connection" for a in node.names if a.name == "connection"]
    assert offending == []
    assert any(name.startswith("timeseries.db") for name in MODULES)

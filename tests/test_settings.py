"""The settings modules: which entry point loads which, what each needs from the environment, what none may write."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

LONG_KEY = "production-settings-test-" + "k3y" * 15
# Every HTTPS variable docs/deployment.md documents, as an operator behind a TLS-ending proxy sets them.
HTTPS = {
    "DJANGO_SECURE_SSL_REDIRECT": "1",
    "DJANGO_SECURE_COOKIES": "1",
    "DJANGO_SECURE_HSTS_SECONDS": "31536000",
    "DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS": "1",
    "DJANGO_SECURE_HSTS_PRELOAD": "1",
    "DJANGO_SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto",
}
PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "cdsc_site.settings.production",
    "DJANGO_SECRET_KEY": LONG_KEY,
    "DJANGO_ALLOWED_HOSTS": "api.example.org",
}
PRINT_SETTINGS = "from django.conf import settings; print(settings.SETTINGS_MODULE, settings.DEBUG)"


def _run(args: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    """`args` in a clean environment: PATH, a var folder that does not exist yet, a SQLite file in tmp_path, `env`.
    Nothing of this process's own settings (pytest's DJANGO_SETTINGS_MODULE) leaks in."""
    clean = {
        "PATH": os.environ["PATH"],
        "CDSC_VAR_DIR": str(tmp_path / "var"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    return subprocess.run(args, cwd=REPO, env={**clean, **env}, capture_output=True, text=True, timeout=120)


def _manage(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    return _run([sys.executable, "manage.py", *args], tmp_path, **env)


def _python(tmp_path: Path, code: str, **env: str) -> subprocess.CompletedProcess:
    return _run([sys.executable, "-c", code], tmp_path, **env)


@pytest.mark.parametrize(
    ("module", "env"),
    [
        ("cdsc_site.settings.base", {}),
        ("cdsc_site.settings.local", {}),
        ("cdsc_site.settings.production", {"DJANGO_SECRET_KEY": LONG_KEY, "DJANGO_ALLOWED_HOSTS": "api.example.org"}),
        ("cdsc_site.settings.test", {}),
    ],
)
def test_importing_a_settings_module_writes_no_file(tmp_path, module, env):
    # Loaded as Django loads it, apps included, with every default path (SQLite file, key, imports, static) under
    # a var folder that does not exist. Base alone is never loaded by Django: it has no secret key.
    code = f"import {module}"
    if module != "cdsc_site.settings.base":
        code += "; import django; django.setup(); from django.conf import settings; settings.SECRET_KEY"
    result = _python(tmp_path, code, DJANGO_SETTINGS_MODULE=module, **env)
    assert result.returncode == 0, result.stderr
    assert list(tmp_path.iterdir()) == []


def test_manage_py_runs_on_the_local_settings_with_no_variable_at_all(tmp_path):
    check = _manage(tmp_path, "check")
    assert check.returncode == 0, check.stderr
    assert "no issues" in check.stdout
    shell = _manage(tmp_path, "shell", "-v", "0", "-c", PRINT_SETTINGS)
    assert shell.returncode == 0, shell.stderr
    assert shell.stdout.split() == ["cdsc_site.settings.local", "True"]
    assert _manage(tmp_path, "import_timeseries", "--help").returncode == 0


def test_local_settings_use_the_key_make_run_keeps_and_a_fixed_development_key_before(tmp_path):
    code = "from django.conf import settings; print(settings.SECRET_KEY)"
    before = _python(tmp_path, code, DJANGO_SETTINGS_MODULE="cdsc_site.settings.local")
    assert before.returncode == 0, before.stderr
    assert before.stdout.strip().startswith("django-insecure-")
    (tmp_path / "var").mkdir()
    (tmp_path / "var" / "dev-secret-key").write_text("a-key-of-this-clone-" + "x" * 40 + "\n")
    after = _python(tmp_path, code, DJANGO_SETTINGS_MODULE="cdsc_site.settings.local")
    assert after.stdout.strip() == "a-key-of-this-clone-" + "x" * 40


@pytest.mark.parametrize("variable", ["DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS"])
@pytest.mark.parametrize("value", [None, ""])
def test_production_refuses_to_start_without_its_secret_key_or_allowed_hosts(tmp_path, variable, value):
    env = {k: v for k, v in PRODUCTION.items() if k != variable}
    if value is not None:
        env[variable] = value
    result = _manage(tmp_path, "check", **env)
    assert result.returncode != 0
    assert f"ImproperlyConfigured: {variable} is not set" in result.stderr


@pytest.mark.parametrize(
    "entry",
    [
        "import cdsc_site.wsgi",
        "import cdsc_site.asgi",
        "from cdsc_site.celery import app; app.conf.task_serializer",
    ],
)
def test_wsgi_asgi_and_celery_default_to_the_production_settings(tmp_path, entry):
    refused = _python(tmp_path, entry)
    assert refused.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in refused.stderr
    env = {k: v for k, v in PRODUCTION.items() if k != "DJANGO_SETTINGS_MODULE"}
    started = _python(tmp_path, f"{entry}; {PRINT_SETTINGS}", **env)
    assert started.returncode == 0, started.stderr
    assert started.stdout.split() == ["cdsc_site.settings.production", "False"]


def test_django_settings_module_overrides_the_default_of_every_entry_point(tmp_path):
    result = _python(
        tmp_path, f"import cdsc_site.wsgi; {PRINT_SETTINGS}", DJANGO_SETTINGS_MODULE="cdsc_site.settings.local"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["cdsc_site.settings.local", "True"]


def test_check_deploy_passes_without_a_warning_with_the_documented_https_variables(tmp_path):
    result = _manage(tmp_path, "check", "--deploy", "--fail-level", "WARNING", **PRODUCTION, **HTTPS)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in result.stdout + result.stderr


def test_the_proxy_header_is_trusted_only_when_named(tmp_path):
    code = "from django.conf import settings; print(settings.SECURE_PROXY_SSL_HEADER)"
    assert _manage(tmp_path, "shell", "-v", "0", "-c", code, **PRODUCTION).stdout.strip() == "None"
    named = _manage(
        tmp_path, "shell", "-v", "0", "-c", code, **PRODUCTION, DJANGO_SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto"
    )
    assert named.stdout.strip() == "('HTTP_X_FORWARDED_PROTO', 'https')"


def test_check_deploy_passes_on_the_production_defaults(tmp_path):
    result = _manage(tmp_path, "check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNING" not in result.stdout + result.stderr


@pytest.mark.parametrize(
    ("variable", "warnings"),
    [
        ("DJANGO_SECURE_SSL_REDIRECT", ["security.W008"]),
        ("DJANGO_SECURE_COOKIES", ["security.W012", "security.W016"]),
        ("DJANGO_SECURE_HSTS_SECONDS", ["security.W004"]),
        ("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", ["security.W005"]),
        ("DJANGO_SECURE_HSTS_PRELOAD", ["security.W021"]),
    ],
)
def test_each_https_variable_turned_off_is_what_check_deploy_reports(tmp_path, variable, warnings):
    result = _manage(tmp_path, "check", "--deploy", "--fail-level", "WARNING", **PRODUCTION, **{variable: "0"})
    assert result.returncode != 0
    reported = sorted({word.strip("():") for word in (result.stdout + result.stderr).split() if "security.W" in word})
    assert reported == warnings


REPLICA_SETTINGS = (
    "import json; from django.conf import settings; d = settings.DATABASES; print(json.dumps({'aliases': list(d), "
    "'replicas': settings.DATABASE_REPLICAS, 'routers': settings.DATABASE_ROUTERS, 'default': d['default'], "
    "'replica_2': d.get('replica_2')}, default=str))"
)


def test_replica_urls_become_aliases_with_the_primarys_connection_options(tmp_path):
    result = _python(
        tmp_path,
        REPLICA_SETTINGS,
        DJANGO_SETTINGS_MODULE="cdsc_site.settings.local",
        DATABASE_URL="postgres://cdsc:secret@db-primary:5432/cdsc",
        DATABASE_REPLICA_URLS="postgres://cdsc:secret@db-replica-1:5432/cdsc, postgres://cdsc:secret@db-replica-2/cdsc",
        DJANGO_CONN_MAX_AGE="30",
        DJANGO_DB_CONNECT_TIMEOUT="4",
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    assert seen["aliases"] == ["default", "replica_1", "replica_2"]
    assert seen["replicas"] == ["replica_1", "replica_2"]
    assert seen["routers"] == ["cdsc_site.replicas.ReplicaRouter"]
    replica, default = seen["replica_2"], seen["default"]
    assert replica["HOST"] == "db-replica-2"
    for option in ("CONN_MAX_AGE", "CONN_HEALTH_CHECKS", "ATOMIC_REQUESTS"):
        assert replica[option] == default[option]
    assert replica["OPTIONS"] == default["OPTIONS"] == {"connect_timeout": 4, "options": "-c jit=off"}
    assert replica["CONN_MAX_AGE"] == 30
    # The test run reads the primary's test database through it: no test database of its own.
    assert replica["TEST"]["MIRROR"] == "default"


def test_no_replica_means_no_router(tmp_path):
    result = _python(tmp_path, REPLICA_SETTINGS, DJANGO_SETTINGS_MODULE="cdsc_site.settings.local")
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    assert (seen["aliases"], seen["replicas"], seen["routers"]) == (["default"], [], [])


def test_replicas_of_a_sqlite_database_are_refused(tmp_path):
    result = _manage(tmp_path, "check", DATABASE_REPLICA_URLS="postgres://cdsc@db-replica-1/cdsc")
    assert result.returncode != 0
    assert "ImproperlyConfigured: DATABASE_REPLICA_URLS is set but DATABASE_URL is not a PostgreSQL database" in (
        result.stderr
    )


@pytest.mark.parametrize(
    ("variable", "value"), [("DATABASE_REPLICA_CHECK_SECONDS", "0"), ("DATABASE_REPLICA_MAX_LAG", "-1")]
)
def test_replica_check_period_and_lag_limit_are_checked(tmp_path, variable, value):
    result = _manage(tmp_path, "check", **{variable: value})
    assert result.returncode != 0
    assert "DATABASE_REPLICA_CHECK_SECONDS must be above 0 and DATABASE_REPLICA_MAX_LAG at least 0" in result.stderr

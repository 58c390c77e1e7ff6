"""Test settings (pytest's): the base settings with a fixed throwaway key and a fast password hasher."""

from pathlib import Path

from .base import *  # noqa: F403
from .base import DATABASES

SECRET_KEY = "insecure-key-for-the-test-suite-only"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Serve app static files straight from the apps, as `make run` does, without a collectstatic step.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# Import jobs run before the upload request returns, so a test sees the finished job. The worker tests start a real
# Redis and `celery worker` and switch to "celery" (tests/timeseries/imports/workers/workers.py).
CDSC_IMPORT_RUNNER = "sync"

_database = DATABASES["default"]
if _database["ENGINE"] == "django.db.backends.sqlite3" and _database["NAME"] not in ("", ":memory:"):
    # A file beside the database, not Django's default in-memory test database: the worker tests' `celery worker`
    # process must open the same database as the tests. tests/conftest.py creates its folder.
    _name = Path(_database["NAME"])
    _database.setdefault("TEST", {}).setdefault("NAME", str(_name.with_name(f"test_{_name.name}")))

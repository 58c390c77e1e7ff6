"""Test settings: the base settings with a fixed throwaway key and a fast password hasher."""

import os
from pathlib import Path

os.environ.setdefault("DJANGO_SECRET_KEY", "insecure-key-for-the-test-suite-only")

from .base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
# Serve app static files straight from the apps, as `make run` does, without a collectstatic step.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# Import jobs run before the upload request returns, so a test sees the finished job. The worker tests start a real
# Redis and `celery worker` and switch to "celery" (tests/timeseries/imports/workers/workers.py).
CDSC_IMPORT_RUNNER = "sync"

_database = DATABASES["default"]  # noqa: F405
if _database["ENGINE"] == "django.db.backends.sqlite3" and _database["NAME"] not in ("", ":memory:"):
    # A file beside the database, not Django's default in-memory test database: the worker tests' `celery worker`
    # process must open the same database as the tests.
    _name = Path(_database["NAME"])
    _database.setdefault("TEST", {}).setdefault("NAME", str(_name.with_name(f"test_{_name.name}")))

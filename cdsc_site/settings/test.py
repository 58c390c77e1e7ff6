"""Test settings (pytest's): the base settings with a fixed throwaway key and a fast password hasher."""

from pathlib import Path

from .base import *  # noqa: F403
from .base import DATABASES, env

SECRET_KEY = "insecure-key-for-the-test-suite-only"
# The test client's host, and the local servers some tests start.
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Serve app static files straight from the apps, as `make run` does, without a collectstatic step.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# Import jobs run before the upload request returns, so a test sees the finished job. The worker tests start a real
# Redis and `celery worker` and switch to "celery" (tests/timeseries/imports/workers/workers.py).
CDSC_IMPORT_RUNNER = "sync"

# The version is read per request: a test's writes stay in its transaction, which never commits, so no
# notification would tell a following process (tests/timeseries/test_versions.py turns it on for its own).
CDSC_FOLLOW_DATA_VERSION = env.bool("CDSC_FOLLOW_DATA_VERSION", default=False)

# No rate limits, except in the tests about them (which set them, also through the environment for their server
# processes): a property test sends thousands of requests from one address.
CDSC_RATE_LIMIT_ANONYMOUS = env.int("CDSC_RATE_LIMIT_ANONYMOUS", default=0)
CDSC_RATE_LIMIT_ANONYMOUS_POINTS = env.int("CDSC_RATE_LIMIT_ANONYMOUS_POINTS", default=0)
CDSC_RATE_LIMIT_CLIENT = env.int("CDSC_RATE_LIMIT_CLIENT", default=0)
CDSC_RATE_LIMIT_CLIENT_POINTS = env.int("CDSC_RATE_LIMIT_CLIENT_POINTS", default=0)

_database = DATABASES["default"]
if _database["ENGINE"] == "django.db.backends.sqlite3" and _database["NAME"] not in ("", ":memory:"):
    # A file beside the database, not Django's default in-memory test database: the worker tests' `celery worker`
    # process must open the same database as the tests. tests/conftest.py creates its folder.
    _name = Path(_database["NAME"])
    _database.setdefault("TEST", {}).setdefault("NAME", str(_name.with_name(f"test_{_name.name}")))

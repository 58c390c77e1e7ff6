"""Local development settings, the default of manage.py: debug on, localhost only, a development secret key."""

from .base import *  # noqa: F403
from .base import VAR_DIR, env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])

# `make run` writes this file (never an import of these settings), so the dev server signs its sessions with a key
# of this clone's own. Before it has, commands still run on a fixed key: these settings serve one machine with debug
# on, where a known key opens nothing that debug mode does not already show.
DEV_SECRET_KEY_FILE = VAR_DIR / "dev-secret-key"
INSECURE_DEV_SECRET_KEY = "django-insecure-local-development-only-never-use-this-key-in-production"


def _dev_secret_key() -> str:
    if key := env.str("DJANGO_SECRET_KEY", default=""):
        return key
    try:
        return DEV_SECRET_KEY_FILE.read_text().strip() or INSECURE_DEV_SECRET_KEY
    except FileNotFoundError:
        return INSECURE_DEV_SECRET_KEY


SECRET_KEY = _dev_secret_key()

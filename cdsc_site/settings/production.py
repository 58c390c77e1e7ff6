"""Production settings, the default of wsgi, asgi and Celery: debug off, HTTPS only, no start without the secrets."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import STORAGES, env


def _required(name: str, what: str) -> str:
    value = env.str(name, default="").strip()
    if not value:
        raise ImproperlyConfigured(
            f"{name} is not set: the production settings (cdsc_site.settings.production) need {what}. "
            "For development, use cdsc_site.settings.local (manage.py's default)."
        )
    return value


DEBUG = False
SECRET_KEY = _required("DJANGO_SECRET_KEY", "a long random secret key (50 characters or more)")
ALLOWED_HOSTS = [
    host.strip()
    for host in _required("DJANGO_ALLOWED_HOSTS", "the comma-separated host names this server answers to").split(",")
    if host.strip()
]

# HTTPS: every default is the secure one, as `manage.py check --deploy` asks; each can be relaxed by its variable.
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
# Load balancers probe a web process directly, often over plain HTTP: its health answers are not redirected.
SECURE_REDIRECT_EXEMPT = [r"^health/"]
SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# A minute at first, so a broken certificate does not lock browsers out for long; raise it to a year (31536000)
# once HTTPS is known to work (docs/deployment.md).
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
# Only an invitation: browsers preload a domain once its owner submits it (and its max-age is a year or more).
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=True)
# Behind a proxy that ends TLS, Django sees plain HTTP; the proxy tells it the request came over HTTPS in this header
# (e.g. X-Forwarded-Proto: https). Set it only when the proxy overwrites that header on every request: anyone could
# send it otherwise.
_proxy_header = env.str("DJANGO_SECURE_PROXY_SSL_HEADER", default="").strip()
if _proxy_header:
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + _proxy_header.upper().replace("-", "_"), "https")

# Hashed names and compressed copies made by `manage.py collectstatic`, served by WhiteNoise with far-future caching.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}}

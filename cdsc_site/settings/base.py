"""Settings shared by every use (local, production, test), all read from the environment with documented defaults."""

from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import environ
from csp.constants import NONCE
from django.core.exceptions import ImproperlyConfigured
from kombu import Queue

BASE_DIR = Path(__file__).resolve().parent.parent.parent
env = environ.Env()

# The SQLite file, the local key and the demo's admin passwords live here. Nothing creates it on import: `make run`
# does, and so do the commands that write into it.
VAR_DIR = Path(env.str("CDSC_VAR_DIR", default=str(BASE_DIR / "var")))

# Off unless local.py turns it on. SECRET_KEY is set by each settings module in its own way: local.py reads a kept
# development key, production.py refuses to start without DJANGO_SECRET_KEY, test.py fixes one.
DEBUG = False
ALLOWED_HOSTS: list[str] = []
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])


def _database(config: dict) -> dict:
    """A database's settings from its URL's: the options every connection of this server takes, the same for the
    primary and each read replica."""
    config["ATOMIC_REQUESTS"] = False
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # WAL lets the API read while an import writes; a busy timeout instead of "database is locked".
        config.setdefault("OPTIONS", {}).update(
            {"timeout": 20, "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"}
        )
        return config
    config.setdefault("CONN_MAX_AGE", env.int("DJANGO_CONN_MAX_AGE", default=60))
    config["CONN_HEALTH_CHECKS"] = True
    # A PostgreSQL that does not answer (host down, packets dropped) fails a request within this many seconds, as
    # a 503, instead of holding a web process for the operating system's TCP timeout (minutes). libpq's minimum is 2.
    options = config.setdefault("OPTIONS", {})
    options.setdefault("connect_timeout", env.int("DJANGO_DB_CONNECT_TIMEOUT", default=3))
    # PostgreSQL's JIT compiles a query whose estimated cost passes jit_above_cost, which the read path's range scans
    # over a year of series do: compiling cost 75 ms of a 250 ms read and saved nothing (docs/performance.md). Off
    # for this server's sessions unless DJANGO_DB_JIT=server leaves it to the server's configuration.
    if env.str("DJANGO_DB_JIT", default="off") == "off":
        options["options"] = f"{options.get('options', '')} -c jit=off".strip()
    return config


DATABASES = {"default": _database(env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"))}

# Read replicas (PostgreSQL streaming standbys), comma-separated URLs: aliases replica_1, replica_2, ... API reads go
# to a healthy one, everything else to the primary (cdsc_site/replicas.py; docs/deployment.md, "Read replicas").
DATABASE_REPLICA_URLS = [url.strip() for url in env.list("DATABASE_REPLICA_URLS", default=[]) if url.strip()]
# A replica further behind the primary than this many seconds is not read from until it catches up; a caller that
# has just written reads from the primary for as long (plus a check period).
DATABASE_REPLICA_MAX_LAG = env.float("DATABASE_REPLICA_MAX_LAG", default=5.0)
# How often each web process checks each replica (up or down, how far behind).
DATABASE_REPLICA_CHECK_SECONDS = env.float("DATABASE_REPLICA_CHECK_SECONDS", default=1.0)
if DATABASE_REPLICA_CHECK_SECONDS <= 0 or DATABASE_REPLICA_MAX_LAG < 0:
    raise ImproperlyConfigured(
        "DATABASE_REPLICA_CHECK_SECONDS must be above 0 and DATABASE_REPLICA_MAX_LAG at least 0 (seconds)."
    )
DATABASE_REPLICAS: list[str] = []
if DATABASE_REPLICA_URLS and DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured(
        "DATABASE_REPLICA_URLS is set but DATABASE_URL is not a PostgreSQL database: read replicas are PostgreSQL "
        "streaming standbys of a PostgreSQL primary. Unset DATABASE_REPLICA_URLS, or use PostgreSQL."
    )
for _number, _url in enumerate(DATABASE_REPLICA_URLS, start=1):
    _replica = _database(env.db_url_config(_url))
    if _replica["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured(f"DATABASE_REPLICA_URLS: replica {_number} is not a PostgreSQL URL.")
    # The test run has one database: a replica alias reads the primary's test database, it gets none of its own.
    _replica["TEST"] = {"MIRROR": "default"}
    DATABASES[f"replica_{_number}"] = _replica
    DATABASE_REPLICAS.append(f"replica_{_number}")
DATABASE_ROUTERS = ["cdsc_site.replicas.ReplicaRouter"] if DATABASE_REPLICAS else []

REDIS_URL = env.str("REDIS_URL", default="")
# Seconds to connect to Redis and to wait for one answer (the cache, sending an import job, /health/ready): a Redis
# that is down or hung costs a request this long at most, never a hang (docs/deployment.md "When PostgreSQL or Redis
# fails").
CDSC_REDIS_TIMEOUT = env.float("CDSC_REDIS_TIMEOUT", default=2.0)

# Rendered time-series responses, keyed on the request and the data version (docs/performance.md, "Response cache"):
# in Redis when REDIS_URL is set (shared by every process), else in each process within a byte budget.
CDSC_RESPONSE_CACHE = env.bool("CDSC_RESPONSE_CACHE", default=True)
CDSC_RESPONSE_CACHE_SECONDS = env.int("CDSC_RESPONSE_CACHE_SECONDS", default=24 * 3600)
CDSC_RESPONSE_CACHE_MAX_ENTRY_BYTES = env.int("CDSC_RESPONSE_CACHE_MAX_ENTRY_BYTES", default=16 * 1024**2)
CDSC_RESPONSE_CACHE_LOCAL_BYTES = env.int("CDSC_RESPONSE_CACHE_LOCAL_BYTES", default=128 * 1024**2)
# Cache-Control of API answers (docs/spec-notes.md, "Caching"): public data may be reused for CDSC_CACHE_SECONDS;
# a time series whose endDatetime is more than CDSC_CACHE_OPEN_DAYS days ago (a closed period, which imports rarely
# revise) for CDSC_CACHE_CLOSED_SECONDS. Private data: `private, no-cache`. ETags make revalidation a cheap 304.
CDSC_CACHE_SECONDS = env.int("CDSC_CACHE_SECONDS", default=60)
CDSC_CACHE_OPEN_DAYS = env.int("CDSC_CACHE_OPEN_DAYS", default=7)
CDSC_CACHE_CLOSED_SECONDS = env.int("CDSC_CACHE_CLOSED_SECONDS", default=3600)
# On PostgreSQL each process keeps a copy of the data version, kept current by LISTEN/NOTIFY (timeseries.versions):
# a cached answer or a 304 then costs no query. Off: the version is read per request.
CDSC_FOLLOW_DATA_VERSION = env.bool("CDSC_FOLLOW_DATA_VERSION", default=True)

# Imports (timeseries.imports): uploaded files are kept in a private folder, never served.
CDSC_IMPORT_DIR = Path(env.str("CDSC_IMPORT_DIR", default=str(VAR_DIR / "imports")))
CDSC_IMPORT_MAX_BYTES = env.int("CDSC_IMPORT_MAX_BYTES", default=2 * 1024**3)
# A gzip file stops being read past this many decompressed bytes (a "gzip bomb" fails instead of filling the disk).
CDSC_IMPORT_MAX_DECOMPRESSED_BYTES = env.int("CDSC_IMPORT_MAX_DECOMPRESSED_BYTES", default=20 * 1024**3)
# Hard time limit of one import job, in seconds; the soft limit (a clean failure) comes a minute earlier.
CDSC_IMPORT_TIME_LIMIT = env.int("CDSC_IMPORT_TIME_LIMIT", default=4 * 3600)
# Uploaded files of jobs finished more than this many days ago are deleted by `manage.py cleanup_imports` (run it
# daily from cron or Celery beat); the jobs and their row errors stay.
CDSC_IMPORT_RETENTION_DAYS = env.int("CDSC_IMPORT_RETENTION_DAYS", default=30)
# Files of this many bytes or more are imported from the Celery queue "imports-large", the others from "imports".
CDSC_IMPORT_LARGE_BYTES = env.int("CDSC_IMPORT_LARGE_BYTES", default=64 * 1024**2)

# API clients (cdsc_site.clients). Grid data is public: without a key a request is anonymous, unless keys are
# required. A key that is sent must be valid either way (else 401).
CDSC_API_KEYS_REQUIRED = env.bool("CDSC_API_KEYS_REQUIRED", default=False)
# Rate limits per one-minute window (0: no limit). Requests, and time-series values returned ("points": a day of
# hourly generation with ten fuels is 264: each hour's total and fuels), per anonymous IP and per key; a client's
# own limits are set in the admin.
CDSC_RATE_LIMIT_ANONYMOUS = env.int("CDSC_RATE_LIMIT_ANONYMOUS", default=300)
CDSC_RATE_LIMIT_ANONYMOUS_POINTS = env.int("CDSC_RATE_LIMIT_ANONYMOUS_POINTS", default=1_000_000)
CDSC_RATE_LIMIT_CLIENT = env.int("CDSC_RATE_LIMIT_CLIENT", default=1_200)
CDSC_RATE_LIMIT_CLIENT_POINTS = env.int("CDSC_RATE_LIMIT_CLIENT_POINTS", default=5_000_000)
# How many reverse proxies in front set X-Forwarded-For: the anonymous caller's IP is then taken from that header
# (0: the peer's address, the right setting when clients connect to gunicorn directly).
CDSC_TRUSTED_PROXIES = env.int("CDSC_TRUSTED_PROXIES", default=0)

# Celery (cdsc_site/celery.py reads the CELERY_* settings). Owned by the Celery work of issue 4.
# How an import job runs once its upload commits. "celery": sent through Redis to a `celery worker` process (the
# default with REDIS_URL). Without a broker it runs in the web process: "thread", in one background thread, so the
# upload returns at once and the job page shows progress (the default: `make run` needs no servers); "sync", before
# the request returns (the tests).
CDSC_IMPORT_RUNNER = env.str("CDSC_IMPORT_RUNNER", default="celery" if REDIS_URL else "thread")
if CDSC_IMPORT_RUNNER not in ("celery", "thread", "sync"):
    raise ImproperlyConfigured(f"CDSC_IMPORT_RUNNER must be celery, thread or sync, not {CDSC_IMPORT_RUNNER!r}.")
if CDSC_IMPORT_RUNNER == "celery" and not REDIS_URL:
    raise ImproperlyConfigured("CDSC_IMPORT_RUNNER=celery needs a broker: set REDIS_URL.")

CELERY_BROKER_URL = REDIS_URL or "memory://"
# Import jobs go to "imports", or "imports-large" for files of CDSC_IMPORT_LARGE_BYTES or more (timeseries.imports.
# dispatch). A worker started without --queues consumes both; `--queues imports` keeps one free for small jobs.
CELERY_TASK_DEFAULT_QUEUE = "imports"
CELERY_TASK_QUEUES = [Queue("imports"), Queue("imports-large")]
CELERY_RESULT_BACKEND = REDIS_URL or None
# Without a broker nothing is ever sent: a task called with .delay() runs at once, in the caller.
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_EXPIRES = 24 * 3600
# Tasks whose caller ignores their result (run_import: the job's row is its result) still record their failures.
CELERY_TASK_STORE_ERRORS_EVEN_IF_IGNORED = True
# A job's message is acknowledged when the job ends, not when it starts, so a worker that vanishes (machine lost,
# SIGKILL of the whole worker) leaves it to be delivered again; the job's row lock makes a second run a no-op.
CELERY_TASK_ACKS_LATE = True
# But a pool process killed under a live worker (out of memory, hard time limit) is not run again on its own: a file
# that kills its worker would kill every worker in turn. The job is marked failed instead and can be retried.
CELERY_TASK_REJECT_ON_WORKER_LOST = False
# One job at a time per worker process; a long import must not hold other jobs back in its prefetch buffer.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = CDSC_IMPORT_TIME_LIMIT
# SoftTimeLimitExceeded is raised inside the job, which fails cleanly; the hard limit then kills the process.
CELERY_TASK_SOFT_TIME_LIMIT = CDSC_IMPORT_TIME_LIMIT - min(60, CDSC_IMPORT_TIME_LIMIT // 2)
# Redis delivers a message again when it is not acknowledged within this time; with late acknowledgement that would
# start a second copy of every long import, so it must be longer than any job may run.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CDSC_IMPORT_TIME_LIMIT + 3600,
    # An upload sends its job within a few seconds or fails it, saying so, instead of hanging on a dead Redis.
    "socket_connect_timeout": CDSC_REDIS_TIMEOUT,
    "socket_timeout": max(CDSC_REDIS_TIMEOUT, 2.0),  # above the workers' 1 s blocking reads
}
CELERY_BROKER_CONNECTION_TIMEOUT = CDSC_REDIS_TIMEOUT
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.5, "interval_max": 1}
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = CDSC_REDIS_TIMEOUT
CELERY_REDIS_SOCKET_TIMEOUT = max(CDSC_REDIS_TIMEOUT, 2.0)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# The worker logs through LOGGING below, like the web process.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False


def _redis_database(url: str, *, offset: int) -> str:
    """The Redis server of `url` (redis://host:port/N), `offset` logical databases after the one it names."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    number = parts.path.strip("/") or "0"
    if parts.scheme not in ("redis", "rediss") or not number.isdigit():
        raise ImproperlyConfigured(f"Set REDIS_CACHE_URL: no cache database can be derived from REDIS_URL={url!r}.")
    return parts._replace(path=f"/{int(number) + offset}").geturl()


if REDIS_URL:
    # Another logical database than the broker's: cache.clear() empties a whole database, queued jobs included.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": env.str("REDIS_CACHE_URL", default="") or _redis_database(REDIS_URL, offset=1),
            # Bounded, so a dead Redis costs little; cdsc_site.api.shared_cache then falls back to a per-process cache.
            "OPTIONS": {"socket_connect_timeout": CDSC_REDIS_TIMEOUT, "socket_timeout": CDSC_REDIS_TIMEOUT},
        }
    }

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "corsheaders",
    "csp",
    "axes",
    "mptt",
    "simple_history",
    "cdsc_site",
    "rest_framework_api_key",  # its abstract key model; its own concrete model is installed but unused
    "cdsc_site.clients",
    "metadata",
    "psr",
    "timeseries",
    "timeseries.imports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "cdsc_site.api.middleware.AllowedHostMiddleware",  # before anything reads the Host: a bad one is a 400 problem
    # Oversized query strings, headers and declared bodies: a 414/431/413 problem before anything reads them.
    "cdsc_site.api.middleware.RequestLimitsMiddleware",
    # High, before CommonMiddleware and the API-key middleware: a CORS preflight (OPTIONS) is answered here, with
    # no key, and every later answer (401, 429 included) carries the CORS headers a browser needs to read it.
    "corsheaders.middleware.CorsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # The caller's key (401) and rate limits (429, RateLimit headers), before anything else does work for it.
    "cdsc_site.clients.middleware.ApiAccessMiddleware",
    # Which database this request reads (a read replica for API reads), chosen once before anything else reads; below
    # the key check (keys are read from the primary) and above everything that may run again from the primary when
    # the replica fails under the request (docs/deployment.md, "Read replicas").
    "cdsc_site.replicas.ReplicaMiddleware",
    # Above ConditionalGetMiddleware: the ETag is computed on the plain body, then marked weak when gzipped.
    "cdsc_site.api.middleware.ApiGZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Django's, for HEAD too (the ETag a GET would have), a 304's Vary as its 200's.
    "cdsc_site.api.middleware.ApiConditionalGetMiddleware",
    # Below it: a 304 made from a 200 copies the 200's Cache-Control.
    "cdsc_site.api.middleware.ApiCacheControlMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "cdsc_site.api.middleware.ApiErrorMiddleware",
    # Last, as django-axes asks: turns a locked-out admin login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "cdsc_site.urls"
# The human pages (upload, import jobs) log in through the admin's login page.
LOGIN_URL = "admin:login"
WSGI_APPLICATION = "cdsc_site.wsgi.application"
# The spec's paths have no trailing slash; never redirect API requests to a slashed path.
APPEND_SLASH = False

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# The lockout backend first (django-axes: it refuses a locked-out login before any password is checked).
AUTHENTICATION_BACKENDS = [
    "cdsc_site.auth.LoginLockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# Filled by `manage.py collectstatic` in production; local and test serve static files straight from the apps.
STATIC_ROOT = Path(env.str("DJANGO_STATIC_ROOT", default=str(VAR_DIR / "static")))
# The site's own static files beside the apps': the explorer's scripts and the vendored front-end libraries
# (static/vendor/, copied from the npm registry at pinned versions by scripts/vendor-static).
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_AUTHENTICATION_CLASSES": ["cdsc_site.clients.authentication.ApiKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "UNAUTHENTICATED_USER": None,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "cdsc_site.api.pagination.EnvelopeCursorPagination",
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "cdsc_site.api.negotiation.StrictContentNegotiation",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "cdsc_site.api.errors.problem_exception_handler",
    "DATETIME_FORMAT": "iso-8601",
    "COERCE_DECIMAL_TO_STRING": False,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "CDSC-WG2-03 Power Systems Data API",
    "DESCRIPTION": (
        "Power system data (topology, fuel sources, capacities, time series) published by a grid operator "
        "through the LF Energy CDSC-WG2-03 'Endpoints' specification. Every response carries the spec's "
        "envelope with `next` and `previous`; every error is an RFC 9457 problem-details JSON body."
    ),
    "VERSION": "0.0.1",
    "OAS_VERSION": "3.1.0",
    "CONTACT": {
        "name": "LF Energy Carbon Data Specification Consortium",
        "url": "https://lfenergy.org/projects/carbon-data-specification-consortium/",
    },
    "LICENSE": {"name": "Apache-2.0", "identifier": "Apache-2.0"},
    # Every tag an operation uses, declared with what it groups (a linter and the docs' navigation ask for them).
    "TAGS": [
        {
            "name": "metadata",
            "description": "The system's vocabularies: topology levels, fuel-source types and technologies (spec 3.1).",
        },
        {
            "name": "power-system-resources",
            "description": "Power system resources: list, describe, topology, capacities (spec 3.2).",
        },
        {"name": "timeseries", "description": "Time series of each quantity at a PSR, JSON or CSV (spec 3.3)."},
        {
            "name": "emissions",
            "description": "Emissions and carbon intensity computed from the spec's series (an extension).",
        },
        {
            "name": "production-projects",
            "description": "Private: production projects, their meters and usage segments (seed 002); a key or staff.",
        },
    ],
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # One name for the choice set two responses share (the emissions' `source`, the intensity's `emissionsSource`).
    # The shared vocabularies keep these names: cdsc_site.api.schema points the query parameters at the same ones.
    "ENUM_NAME_OVERRIDES": {
        "EmissionsSourceEnum": "timeseries.emissions.EMISSION_SOURCES",
        "Timeframe": "timeseries.choices.Timeframe",
        "EnergyUnit": "timeseries.choices.ENERGY_UNITS",
        "EmissionsUnit": "timeseries.choices.EMISSIONS_UNITS",
        "PowerUnit": "psr.choices.PowerUnit",
        "IntensityUnit": ["gCO2e/kWh"],
        "EmissionBasis": ["direct", "lifecycle"],
        "IntensityMethod": ["production", "consumption"],
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "cdsc_site.api.schema.add_problem_responses",
        "psr.api.schema.add_topology_components",
        "cdsc_site.api.schema.polish_schema",
    ],
}

# Security headers, CORS, admin login lockout and request limits (docs/deployment.md, "Security headers, CORS and
# limits"). SecurityMiddleware sends the first two on every response; HSTS only over HTTPS (production.py).
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# The explorer's map draws on a plain background (this server may run offline). With a tile server's URL template
# (e.g. https://tile.openstreetmap.org/{z}/{x}/{y}.png) it draws those tiles under the shapes; its origin is then
# allowed in the CSP's img-src, with a `{s}` subdomain placeholder as a wildcard.
CDSC_MAP_TILE_URL = env.str("CDSC_MAP_TILE_URL", default="").strip()
CDSC_MAP_TILE_ATTRIBUTION = env.str("CDSC_MAP_TILE_ATTRIBUTION", default="")
_tile_url = urlsplit(CDSC_MAP_TILE_URL.replace("{s}", "s-placeholder"))
if CDSC_MAP_TILE_URL and (_tile_url.scheme not in ("https", "http") or not _tile_url.hostname):
    raise ImproperlyConfigured(
        f"CDSC_MAP_TILE_URL must be an http(s) URL template such as https://tile.example.org/{{z}}/{{x}}/{{y}}.png, "
        f"not {CDSC_MAP_TILE_URL!r}."
    )
_tile_host = (_tile_url.hostname or "").replace("s-placeholder", "*")
_tile_port = f":{_tile_url.port}" if CDSC_MAP_TILE_URL and _tile_url.port else ""
MAP_TILE_ORIGINS = [f"{_tile_url.scheme}://{_tile_host}{_tile_port}"] if CDSC_MAP_TILE_URL else []

# Content-Security-Policy (django-csp) on every response; it matters on the HTML pages (landing, Swagger UI, ReDoc,
# admin, imports), which load only this server's own files. Inline <script> and <style> elements carry the
# request's nonce (templates use {{ request.csp_nonce }}); Swagger UI's start script is a file (/docs/?script).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", NONCE],
        "style-src": ["'self'", NONCE],
        # Swagger UI and ReDoc draw their icons and logos as data: URLs.
        "img-src": ["'self'", "data:", *MAP_TILE_ORIGINS],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        # ReDoc builds its search index in a web worker made from a blob: URL of its own code.
        "worker-src": ["'self'", "blob:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# CORS (django-cors-headers): the public API may be read by scripts of any web site (or only of the origins listed),
# with GET only and without cookies; the human pages (admin, imports, docs) are never shared.
CORS_ALLOWED_ORIGINS = env.list("CDSC_CORS_ALLOWED_ORIGINS", default=[])
CORS_ALLOW_ALL_ORIGINS = not CORS_ALLOWED_ORIGINS
CORS_ALLOW_CREDENTIALS = False
CORS_ALLOW_METHODS = ["GET", "HEAD", "OPTIONS"]
CORS_URLS_REGEX = r"^/(?!(admin|imports|docs|redoc|static)(/|$)).*$"
# Only what a reading script sends. No Content-Type: a cross-site POST with a JSON body then fails its preflight.
CORS_ALLOW_HEADERS = ["accept", "authorization", "x-api-key", "if-none-match", "if-modified-since", "x-requested-with"]
CORS_EXPOSE_HEADERS = ["ETag", "Link", "Retry-After", "RateLimit", "RateLimit-Policy", "Content-Disposition"]

# Admin login lockout (django-axes, attempts kept in the database): after CDSC_ADMIN_LOGIN_FAILURES failed logins
# for one user name from one IP address, that pair is refused (429, a page that says why) for
# CDSC_ADMIN_LOCKOUT_MINUTES, even with the right password. Per user name and address together, so a guesser
# cannot lock every admin out from elsewhere; a correct login before the limit resets the count.
AXES_FAILURE_LIMIT = env.int("CDSC_ADMIN_LOGIN_FAILURES", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("CDSC_ADMIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_HTTP_RESPONSE_CODE = 429
AXES_LOCKOUT_CALLABLE = "cdsc_site.auth.lockout_response"
# No "AXES: BEGIN ..." banner on every manage.py command.
AXES_VERBOSE = False
# The caller's address as the rate limits see it: behind CDSC_TRUSTED_PROXIES proxies, from X-Forwarded-For.
AXES_CLIENT_IP_CALLABLE = "cdsc_site.clients.ratelimit.login_client_ip"

# Request limits answered by RequestLimitsMiddleware with a problem document, below gunicorn's own limits
# (cdsc_site/gunicorn.py), so Django answers first: 414 past this many bytes of query string...
CDSC_MAX_QUERY_STRING_BYTES = env.int("CDSC_MAX_QUERY_STRING_BYTES", default=4096)
# ... 431 past this many bytes of request headers (names and values summed) ...
CDSC_MAX_HEADER_BYTES = env.int("CDSC_MAX_HEADER_BYTES", default=16384)
# ... and 413 for a declared body (Content-Length) above DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB, Django's default),
# refused before it is read; the upload pages under /imports/ take up to CDSC_IMPORT_MAX_BYTES.

LOG_LEVEL = env.str("DJANGO_LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # The handler's level also applies to records propagated from Django's own loggers.
    "handlers": {"console": {"class": "logging.StreamHandler", "level": LOG_LEVEL}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
}

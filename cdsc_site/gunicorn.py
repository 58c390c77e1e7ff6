"""gunicorn's settings for production, from GUNICORN_* environment variables:
`gunicorn -c python:cdsc_site.gunicorn cdsc_site.wsgi` (docs/deployment.md, "Gunicorn").

Read by gunicorn's master process before the application loads, so it imports nothing from Django."""

import multiprocessing
import os


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def _str(name: str, default: str) -> str:
    return os.environ.get(name, "").strip() or default


bind = _str("GUNICORN_BIND", "0.0.0.0:8000").split(",")
# Threads: a worker keeps answering while some of its requests wait on the database, and an idle kept-alive
# connection waits in the worker's poller instead of holding a thread.
worker_class = _str("GUNICORN_WORKER_CLASS", "gthread")
workers = _int("GUNICORN_WORKERS", 2 * multiprocessing.cpu_count() + 1)
threads = _int("GUNICORN_THREADS", 4)

# A worker that has not reported for this many seconds (a request stuck in a sync worker) is killed and replaced.
timeout = _int("GUNICORN_TIMEOUT", 30)
# On a restart or SIGTERM, running requests get this long to finish.
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
# Seconds an idle connection is kept open for its next request (and, with gthread, how long a new connection may
# stay silent before it is closed). Short, so idle or silent clients do not pile up; behind a load balancer that
# reuses connections, set it above the balancer's idle timeout.
keepalive = _int("GUNICORN_KEEPALIVE", 5)

# gunicorn's own limits (answered with its plain HTML 400/414/431) sit above Django's (CDSC_MAX_QUERY_STRING_BYTES,
# CDSC_MAX_HEADER_BYTES: problem documents), so a request a little over Django's limits gets Django's answer.
# The request line may be at most 8190 bytes (gunicorn's maximum; its default is 4094).
limit_request_line = _int("GUNICORN_LIMIT_REQUEST_LINE", 8190)
limit_request_fields = _int("GUNICORN_LIMIT_REQUEST_FIELDS", 100)
# One header line; above CDSC_MAX_HEADER_BYTES (16384 by default, all headers together).
limit_request_field_size = _int("GUNICORN_LIMIT_REQUEST_FIELD_SIZE", 32768)

# Each worker is replaced after about this many requests (the jitter spreads the restarts), which bounds any slow
# growth of a worker's memory.
max_requests = _int("GUNICORN_MAX_REQUESTS", 1000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 100)

# Logs to stdout and stderr, for the process manager to collect.
accesslog = _str("GUNICORN_ACCESS_LOG", "-")
# gunicorn's default access line, with the path alone (%(U)s) in place of the whole request line: a query string
# may be as long as the limits above, or carry a secret a client put there by mistake (an API key).
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s "%(f)s" "%(a)s"'
errorlog = _str("GUNICORN_ERROR_LOG", "-")
loglevel = _str("GUNICORN_LOG_LEVEL", "info")

# gunicorn's control socket (for `gunicornc`) is off unless a path is named: its default path in the home folder is
# shared by every gunicorn of the same user on the host.
if os.environ.get("GUNICORN_CONTROL_SOCKET", "").strip():
    control_socket = os.environ["GUNICORN_CONTROL_SOCKET"].strip()
else:
    control_socket_disable = True

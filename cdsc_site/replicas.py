"""Read replicas: which database a request reads (the router and the middleware that chooses once per request) and
how each web process knows which replicas may be read (a checker thread per replica, down or lagging ones left out).

API reads (safe methods on the public API's paths) go to a healthy replica, everything else to the primary: writes,
the admin, the import pages, the health endpoints, who may do what (users, sessions, API keys), and every read of a
caller that wrote within the last DATABASE_REPLICA_MAX_LAG seconds (a signed cookie). docs/deployment.md, "Read
replicas", says why each of these is so.
"""

import contextlib
import contextvars
import copy
import itertools
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.utils import load_backend
from django.http import HttpRequest, HttpResponseBase, StreamingHttpResponse

logger = logging.getLogger(__name__)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# The public API's paths (metadata, PSRs and their time series, production projects, meters, usage segments): the
# only requests read from a replica. Human pages, the schema and health endpoints never are.
API_PATH_PREFIXES = (
    "/metadata/",
    "/power-system-resources",
    "/production-projects",
    "/meter-devices",
    "/usage-segments",
)
# Who may do what is read from the primary: a deactivated user or a logged-out session never passes on a replica's
# older rows. These are small reads, mostly kept by their callers (API keys, sessions). Production projects' grants
# are read in the projects' own queries (a join), so from the request's database, within MAX_LAG of the primary.
PRIMARY_APPS = frozenset({"auth", "sessions", "admin", "contenttypes", "axes", "clients"})

# The cookie that sends a caller who has just written to the primary, signed so nobody forges a long one (a forged
# one could only put load on the primary, but needs the secret key all the same).
PIN_COOKIE = "cdsc_primary"
_PIN_SALT = "cdsc_site.replicas.pin"

# The check of a replica: whether it is a standby, whether its WAL receiver streams from the primary (without it the
# standby cannot know how far behind it is; the status is NULL for a role without pg_read_all_stats, which still sees
# that a receiver runs), and its lag: 0 when it has replayed all it received, else the age of the last transaction
# it replayed (paused or slow replay counts once new WAL waits; NULL when it has replayed none yet: unknown).
CHECK_SQL = (
    "SELECT pg_is_in_recovery(), "
    "EXISTS (SELECT 1 FROM pg_stat_wal_receiver WHERE status IS NULL OR status = 'streaming'), "
    "CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0 "
    "ELSE EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()) END"
)
# A check is bounded: libpq's shortest connect timeout, and a statement timeout.
CHECK_CONNECT_TIMEOUT = 2
CHECK_STATEMENT_TIMEOUT_MS = 2000

# The database of the request being answered (None: the primary). Set by ReplicaMiddleware, once per request.
_read_alias: contextvars.ContextVar[str | None] = contextvars.ContextVar("cdsc_read_alias", default=None)


@cache
def _primary_only(model: type) -> bool:
    return model._meta.app_label in PRIMARY_APPS


class ReplicaRouter:
    """Reads of the current request from the database its middleware chose; everything else on the primary."""

    def db_for_read(self, model: type, **hints) -> str:
        alias = _read_alias.get()
        if alias is None or _primary_only(model):
            return DEFAULT_DB_ALIAS
        # Inside a transaction on the primary, reads must see its own uncommitted writes.
        if connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return DEFAULT_DB_ALIAS
        return alias

    def db_for_write(self, model: type, **hints) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        return True  # the replicas hold the primary's rows: an object from one relates to any from another

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints) -> bool:
        return db == DEFAULT_DB_ALIAS


def current_read_alias() -> str | None:
    """The replica the current request reads from, or None for the primary."""
    return _read_alias.get()


@dataclass(frozen=True)
class ReplicaState:
    usable: bool
    checked_at: float  # time.monotonic()
    reason: str  # why not usable ("" when usable)


class ReplicaPool:
    """The replicas this process may read from now. Each is checked by a thread of its own every
    DATABASE_REPLICA_CHECK_SECONDS (started with the first request that asks, in each process: a forked worker has
    no threads of its parent); one that fails a check, or fails a request, is left out until a check passes."""

    def __init__(self) -> None:
        self._states: dict[str, ReplicaState] = {}
        self._lock = threading.Lock()
        self._turn = itertools.count()
        self._checkers_pid: int | None = None
        self._stop = threading.Event()

    def record(self, alias: str, *, usable: bool, reason: str = "") -> None:
        """Note what a check (or a failed request) found; a change is logged once."""
        with self._lock:
            before = self._states.get(alias)
            self._states[alias] = ReplicaState(usable, time.monotonic(), reason)
        if before is None or before.usable != usable:
            if usable:
                logger.info("Read replica %s is in use.", alias)
            else:
                logger.warning("Read replica %s is not used: %s; reads go to the primary.", alias, reason)

    def mark_down(self, alias: str, reason: str) -> None:
        self.record(alias, usable=False, reason=reason)

    def usable(self, aliases: Iterable[str]) -> list[str]:
        """The replicas among `aliases` whose last check passed recently enough. A check older than three periods
        (and the time a check may take) means the checker is stuck: the replica is not trusted then either."""
        fresh = 3 * settings.DATABASE_REPLICA_CHECK_SECONDS + CHECK_CONNECT_TIMEOUT + CHECK_STATEMENT_TIMEOUT_MS / 1000
        now = time.monotonic()
        states = self._states
        return [a for a in aliases if (s := states.get(a)) is not None and s.usable and now - s.checked_at <= fresh]

    def choose(self) -> str | None:
        """A usable replica (in turn), or None when there is none: read from the primary."""
        aliases = settings.DATABASE_REPLICAS
        if not aliases:
            return None
        self.start_checks(aliases)
        usable = self.usable(aliases)
        if not usable:
            return None
        return usable[next(self._turn) % len(usable)]

    def start_checks(self, aliases: list[str]) -> None:
        pid = os.getpid()
        if self._checkers_pid == pid:
            return
        with self._lock:
            if self._checkers_pid == pid:
                return
            self._checkers_pid = pid
            self._states = {}  # a forked child's copy of its parent's states was never checked here
        for alias in aliases:
            name = f"replica-check-{alias}"
            threading.Thread(target=self._check_forever, args=(alias,), name=name, daemon=True).start()

    def _check_forever(self, alias: str) -> None:
        checker = ReplicaChecker(alias)
        while True:
            started = time.monotonic()
            try:
                usable, reason = checker.check()
            except Exception as exc:  # a bug here must not end the checks: the replica would stay as last seen
                logger.exception("Checking read replica %s failed", alias)
                checker.close()
                usable, reason = False, f"its check failed ({type(exc).__name__})"
            self.record(alias, usable=usable, reason=reason)
            if self._stop.wait(max(0.0, settings.DATABASE_REPLICA_CHECK_SECONDS - (time.monotonic() - started))):
                checker.close()
                return


class ReplicaChecker:
    """One replica's check, on a connection of its own (kept between checks, opened again after an error)."""

    def __init__(self, alias: str) -> None:
        self.alias = alias
        self.wrapper = None

    def _connection(self):
        if self.wrapper is None:
            config = copy.deepcopy(connections.settings[self.alias])
            options = config.setdefault("OPTIONS", {})
            options["connect_timeout"] = CHECK_CONNECT_TIMEOUT
            options["options"] = f"{options.get('options', '')} -c statement_timeout={CHECK_STATEMENT_TIMEOUT_MS}"
            self.wrapper = load_backend(config["ENGINE"]).DatabaseWrapper(config, self.alias)
        return self.wrapper

    def check(self) -> tuple[bool, str]:
        """(usable, why not)."""
        try:
            with self._connection().cursor() as cursor:
                cursor.execute(CHECK_SQL)
                in_recovery, streaming, lag = cursor.fetchone()
        except DatabaseError as exc:
            self.close()
            first_line = (str(exc).strip().splitlines() or [""])[0][:200]
            return False, f"it does not answer ({type(exc).__name__}: {first_line})"
        if not in_recovery:
            return False, "it is not a standby (pg_is_in_recovery() is false): a promoted or wrong server"
        if not streaming:
            return False, "its WAL receiver is not streaming from the primary, so its lag is unknown"
        if lag is None:
            return False, "it has WAL to replay and has replayed no transaction yet, so its lag is unknown"
        limit = settings.DATABASE_REPLICA_MAX_LAG
        if float(lag) > limit:
            return False, f"it is {float(lag):.1f} s behind the primary (DATABASE_REPLICA_MAX_LAG is {limit:g} s)"
        return True, ""

    def close(self) -> None:
        if self.wrapper is not None:
            with contextlib.suppress(DatabaseError):
                self.wrapper.close()
            self.wrapper = None


pool = ReplicaPool()


def reads_from_replica(request: HttpRequest) -> bool:
    """Whether `request` may be answered from a replica: a safe method on the public API, from a caller that has not
    written within the pin's time."""
    if request.method not in SAFE_METHODS or not request.path.startswith(API_PATH_PREFIXES):
        return False
    return not _pinned(request)


def _pin_seconds() -> float:
    # A replica is used while its lag, measured up to one check period ago, is at most MAX_LAG: after that long a
    # write is on every replica in use.
    return settings.DATABASE_REPLICA_MAX_LAG + settings.DATABASE_REPLICA_CHECK_SECONDS


def _pinned(request: HttpRequest) -> bool:
    if PIN_COOKIE not in request.COOKIES:
        return False
    return request.get_signed_cookie(PIN_COOKIE, default=None, salt=_PIN_SALT, max_age=_pin_seconds()) is not None


def _pin(response: HttpResponseBase) -> None:
    seconds = _pin_seconds()
    response.set_signed_cookie(
        PIN_COOKIE,
        "1",
        salt=_PIN_SALT,
        max_age=int(seconds) + 1,
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )


def _answered_database_unavailable(response: HttpResponseBase) -> bool:
    return response.status_code == 503 and getattr(response, "database_unavailable", False)


def _within(alias: str, chunks: Iterable[bytes]) -> Iterator[bytes]:
    """A streamed body's chunks, each produced with the request's database (they are made after the middleware has
    returned: a CSV download reads its later pages then)."""
    iterator = iter(chunks)
    while True:
        token = _read_alias.set(alias)
        try:
            chunk = next(iterator)
        except StopIteration:
            return
        finally:
            _read_alias.reset(token)
        yield chunk


class ReplicaMiddleware:
    """Chooses the database of a request's reads, once, before anything reads: a usable replica for an API read,
    else the primary. A request answered 503 because its replica failed (it went down since its last check) is
    answered again from the primary, once. A request that writes pins its caller to the primary (a signed cookie)
    for DATABASE_REPLICA_MAX_LAG plus one check period, so the caller's next reads see what it wrote."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if not settings.DATABASE_REPLICAS:
            return self.get_response(request)
        if request.method not in SAFE_METHODS:
            response = self.get_response(request)
            _pin(response)
            return response
        alias = pool.choose() if reads_from_replica(request) else None
        if alias is None:
            return self.get_response(request)
        token = _read_alias.set(alias)
        request.read_replica = alias  # for the log line of a failure (cdsc_site.api.errors)
        try:
            response = self.get_response(request)
        finally:
            _read_alias.reset(token)
            del request.read_replica
        if _answered_database_unavailable(response):
            # The replica failed under this request (down or restarting since its last check): leave it out until a
            # check passes, and answer from the primary. A GET changes nothing, so it may run again.
            pool.mark_down(alias, "a request could not read from it")
            logger.warning("Read replica %s failed on %s %s; answered from the primary.", alias, request.method,
                           request.path[:200])  # fmt: skip
            return self.get_response(request)
        if isinstance(response, StreamingHttpResponse):
            response.streaming_content = _within(alias, response.streaming_content)
        return response

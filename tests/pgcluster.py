"""Run a command against a throwaway PostgreSQL cluster: `python -m tests.pgcluster -- pytest ...`.

If DATABASE_URL already points at PostgreSQL, the command runs against it unchanged. Otherwise a cluster is
created in a temporary folder from the PostgreSQL binaries on the machine, started on a free local port, and
removed afterwards. PostgreSQL refuses to run as root, so as root the server runs as the `postgres` user.

`StreamingReplica` adds a hot standby to a running cluster (the read-replica tests): `pg_basebackup -R` of it,
started on a port of its own. The throwaway cluster runs with `full_page_writes=off` for speed; a base backup is
still safe, since PostgreSQL forces full-page writes on the primary while a backup runs (only a backup taken from a
standby is refused then), so nothing changes for the suite's clusters.
"""

import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _bindir() -> Path:
    for candidate in [os.environ.get("PG_BINDIR", ""), *sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)]:
        if candidate and (Path(candidate) / "initdb").exists():
            return Path(candidate)
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    raise SystemExit("No PostgreSQL server binaries (initdb) found; install postgresql or set DATABASE_URL.")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ThrowawayCluster:
    def __init__(self) -> None:
        self.bindir = _bindir()
        self.root = Path(tempfile.mkdtemp(prefix="cdsc-pg-"))
        self.data = self.root / "data"
        self.port = _free_port()
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            user = pwd.getpwnam("postgres")
            os.chown(self.root, user.pw_uid, user.pw_gid)
            self.as_user = ["runuser", "-u", "postgres", "--"]

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/cdsc"

    def _run(self, *args: str) -> None:
        subprocess.run([*self.as_user, *args], check=True, stdout=subprocess.DEVNULL)

    def start(self) -> None:
        self._run(
            str(self.bindir / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
            "--locale=C.UTF-8", "--no-sync",
        )  # fmt: skip
        self.start_server()
        self._run(str(self.bindir / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "cdsc")

    def start_server(self) -> None:
        """Start the server of the cluster's data folder on its port (again, after stop_server)."""
        _start(self, self.data, self.port, self.root / "server.log")

    def stop_server(self, mode: str = "fast") -> None:
        """Stop the server, keeping its data for start_server: `fast` ends the sessions cleanly, `immediate` kills
        them as a crash would."""
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    def stop(self) -> None:
        try:
            self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


def _start(cluster: ThrowawayCluster, data: Path, port: int, log: Path) -> None:
    options = (
        f"-p {port} -k {cluster.root} -c listen_addresses=127.0.0.1 "
        "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    )
    cluster._run(str(cluster.bindir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(log), "-w", "start")


class StreamingReplica:
    """A hot standby of a running ThrowawayCluster, streaming its WAL: `pg_basebackup -R` (the standby signal and
    `primary_conninfo` written for it) into a folder beside the primary's, served on a free port of its own. Stop it
    before the primary's `stop()`, which removes the folder."""

    def __init__(self, primary: ThrowawayCluster) -> None:
        self.primary = primary
        self.port = _free_port()
        self.data = primary.root / f"replica-{self.port}"
        self.log = primary.root / f"replica-{self.port}.log"

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/cdsc"

    def start(self) -> "StreamingReplica":
        self.primary._run(
            str(self.primary.bindir / "pg_basebackup"), "-R", "-D", str(self.data), "-h", "127.0.0.1",
            "-p", str(self.primary.port), "-U", "postgres", "-X", "stream", "-c", "fast", "--no-sync",
        )  # fmt: skip
        self.start_server()
        return self

    def start_server(self) -> None:
        _start(self.primary, self.data, self.port, self.log)

    def stop_server(self, mode: str = "fast") -> None:
        self.primary._run(str(self.primary.bindir / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    def stop(self) -> None:
        subprocess.run(
            [*self.primary.as_user, str(self.primary.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate",
             "stop"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip

    def wait_for(self, sql: str, expected: object, timeout: float = 20) -> None:
        """Wait until `sql` (one value) answers `expected` on the replica: it has replayed that far."""
        import psycopg

        deadline = time.monotonic() + timeout
        seen = None
        while time.monotonic() < deadline:
            with psycopg.connect(self.url, autocommit=True) as connection:
                seen = connection.execute(sql).fetchone()[0]
            if seen == expected:
                return
            time.sleep(0.05)
        raise AssertionError(f"The replica still answers {seen!r} to {sql!r}, not {expected!r}")


def main(argv: list[str]) -> int:
    if argv and argv[0] == "--":
        argv = argv[1:]
    if not argv:
        raise SystemExit("usage: python -m tests.pgcluster -- COMMAND [ARGS...]")
    if os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://", "pgsql://")):
        return subprocess.call(argv)
    cluster = ThrowawayCluster()
    cluster.start()
    try:
        print(f"Throwaway PostgreSQL on 127.0.0.1:{cluster.port}", file=sys.stderr)
        return subprocess.call(argv, env={**os.environ, "DATABASE_URL": cluster.url})
    finally:
        cluster.stop()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""A real gunicorn serving the app on the production settings (cdsc_site.gunicorn, a SQLite file), and a raw HTTP
client that sends exactly the bytes it is given."""

import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


@dataclass
class RawResponse:
    status: int
    headers: dict[str, str]  # lower-case names
    body: bytes


class GunicornServer:
    """`gunicorn -c python:cdsc_site.gunicorn cdsc_site.wsgi` on a free loopback port, one worker, production
    settings behind a TLS-ending proxy (X-Forwarded-Proto: https marks a request as HTTPS)."""

    def __init__(self, folder: Path, migrated: Path | None = None, **env: str) -> None:
        """`migrated`: a migrated SQLite database to start from (a copy of it), rather than migrating one."""
        self.folder = folder
        self.migrated = migrated
        self.log = folder / "gunicorn.log"
        self.env = {
            "PATH": os.environ["PATH"],
            "DJANGO_SETTINGS_MODULE": "cdsc_site.settings.production",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DJANGO_SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto",
            "DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}",
            "CDSC_VAR_DIR": str(folder / "var"),
            "GUNICORN_BIND": "127.0.0.1:0",
            "GUNICORN_WORKERS": "1",
            "GUNICORN_THREADS": "4",
            **env,
        }
        self.process: subprocess.Popen | None = None
        self.port = 0

    def manage(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "manage.py", *args], cwd=REPO, env=self.env, capture_output=True, text=True, timeout=300
        )

    def start(self) -> "GunicornServer":
        if self.migrated:
            shutil.copyfile(self.migrated, self.folder / "db.sqlite3")
        else:
            migrate = self.manage("migrate", "-v", "0")
            assert migrate.returncode == 0, migrate.stderr
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", "python:cdsc_site.gunicorn", "cdsc_site.wsgi"],
                cwd=REPO,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log.read_text()
            listening = re.search(r"Listening at: http://127\.0\.0\.1:(\d+)", self.log.read_text())
            if listening and "Booting worker" in self.log.read_text():
                self.port = int(listening[1])
                break
            time.sleep(0.1)
        else:
            raise AssertionError(f"gunicorn did not start:\n{self.log.read_text()}")
        # The worker answers once it has loaded the app.
        while time.monotonic() < deadline:
            try:
                if self.request(b"GET /metadata/topology-levels").status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"gunicorn does not answer:\n{self.log.read_text()}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def send(self, data: bytes, *, timeout: float = 15) -> RawResponse:
        """Send `data` as it is and read the answer until the server closes the connection."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=timeout) as connection:
            connection.sendall(data)
            chunks = []
            while chunk := connection.recv(65536):
                chunks.append(chunk)
        return parse_response(b"".join(chunks))

    def request(self, request_line: bytes, headers: list[bytes] = (), *, https: bool = True) -> RawResponse:
        """A request with its request line ("GET /path?query") and extra header lines given as bytes."""
        lines = [request_line + b" HTTP/1.1", b"Host: 127.0.0.1", b"Connection: close"]
        if https:
            lines.append(b"X-Forwarded-Proto: https")
        return self.send(b"\r\n".join([*lines, *headers]) + b"\r\n\r\n")


def parse_response(raw: bytes) -> RawResponse:
    head, _, body = raw.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    if headers.get("transfer-encoding") == "chunked":
        body = _dechunk(body)
    return RawResponse(status=int(status_line.split()[1]), headers=headers, body=body)


def _dechunk(data: bytes) -> bytes:
    body = b""
    while data:
        size_line, _, data = data.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            break
        body, data = body + data[:size], data[size + 2 :]
    return body

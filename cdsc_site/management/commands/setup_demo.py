"""Load the demo grid and make sure an admin login exists; print how to log in. Safe to run again."""

import hashlib
import os
import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import DEFAULT_DB_ALIAS, connections

from psr.demo import load_demo_grid

ADMIN_USERNAME = "admin"
# Where one password for every database was kept before: adopted for a database whose admin it still logs in as.
LEGACY_PASSWORD_FILE = "admin-password"


def admin_password_file(database: dict) -> Path:
    """The file keeping the demo admin's password of `database` (a DATABASES entry): one per database, named from
    its identity, so switching DATABASE_URL back and forth never prints another database's password."""
    name = str(database.get("NAME") or "")
    if database["ENGINE"] == "django.db.backends.sqlite3" and name != ":memory:":
        name = os.path.abspath(name)  # as SQLite opens it: relative to the working folder
    identity = "\n".join([database["ENGINE"], name, str(database.get("HOST") or ""), str(database.get("PORT") or "")])
    return settings.VAR_DIR / f"admin-password-{hashlib.sha256(identity.encode()).hexdigest()[:16]}"


def _password_write(path: Path, password: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # Created unreadable to others from the start, not chmod-ed after being written.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(password + "\n")
    path.chmod(0o600)


def _password_read(path: Path) -> str:
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        return ""


class Command(BaseCommand):
    help = (
        "Load the demo grid (the spec's examples and a realistic grid around them); create the demo admin login, "
        "with its password kept per database in $CDSC_VAR_DIR/admin-password-<hash of the database>."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--no-admin", action="store_true", help="Do not create or print the admin login.")

    def handle(self, *args, **options) -> None:
        counts = load_demo_grid()
        self.stdout.write("Demo data: " + ", ".join(f"{n} {label}" for label, n in counts.items()))
        if not options["no_admin"]:
            self._ensure_admin()

    def _ensure_admin(self) -> None:
        password_file = admin_password_file(connections[DEFAULT_DB_ALIAS].settings_dict)
        user = get_user_model().objects.filter(username=ADMIN_USERNAME).first()
        if user is None:
            password = secrets.token_urlsafe(12)
            get_user_model().objects.create_superuser(ADMIN_USERNAME, email="", password=password)
            _password_write(password_file, password)
            self._print(password, password_file, "a new demo login")
            return
        self._admin_enable(user)
        kept = _password_read(password_file)
        if kept and user.check_password(kept):
            self._print(kept, password_file, "the demo login of this database")
            return
        legacy = _password_read(settings.VAR_DIR / LEGACY_PASSWORD_FILE)
        if not kept and legacy and user.check_password(legacy):
            _password_write(password_file, legacy)
            self._print(legacy, password_file, "the demo login of this database")
            return
        # The file is missing, or the password changed since it was written: this is the demo's login, so it gets a
        # fresh password that the output can show, rather than a line that does not log in.
        password = secrets.token_urlsafe(12)
        user.set_password(password)
        user.save(update_fields=["password"])
        _password_write(password_file, password)
        why = "none was kept for this database" if not kept else "the one kept for this database no longer logged in"
        self._print(password, password_file, f"a new demo password: {why}")

    def _admin_enable(self, user) -> None:
        """The demo login opens the admin: active, staff and superuser (saved only when that changes)."""
        if not (user.is_active and user.is_staff and user.is_superuser):
            user.is_active = user.is_staff = user.is_superuser = True
            user.save(update_fields=["is_active", "is_staff", "is_superuser"])

    def _print(self, password: str, password_file: Path, note: str) -> None:
        self.stdout.write(
            f"Admin login: user '{ADMIN_USERNAME}', password '{password}' ({note}; kept in {password_file})"
        )

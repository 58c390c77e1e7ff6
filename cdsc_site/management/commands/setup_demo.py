"""Load the demo grid and make sure an admin login exists; print how to log in. Safe to run again."""

import hashlib
import os
import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import DEFAULT_DB_ALIAS, connections

from cdsc_site.clients import selectors as client_selectors
from cdsc_site.clients import services as client_services
from psr.demo import DEMO_SOLAR_PROJECT, load_demo_grid, load_demo_projects
from psr.models import ProductionProject
from psr.services.projects import production_project_grant

ADMIN_USERNAME = "admin"
DEMO_CLIENT = "Demo third party"
# Where one password for every database was kept before: adopted for a database whose admin it still logs in as.
LEGACY_PASSWORD_FILE = "admin-password"


def admin_password_file(database: dict) -> Path:
    """The file keeping the demo admin's password of `database` (a DATABASES entry): one per database, named from
    its identity, so switching DATABASE_URL back and forth never prints another database's password."""
    return settings.VAR_DIR / f"admin-password-{_database_hash(database)}"


def demo_key_file(database: dict) -> Path:
    """The file keeping the demo API client's key of `database`, named like the admin's password file."""
    return settings.VAR_DIR / f"demo-api-key-{_database_hash(database)}"


def _database_hash(database: dict) -> str:
    name = str(database.get("NAME") or "")
    if database["ENGINE"] == "django.db.backends.sqlite3" and name != ":memory:":
        name = os.path.abspath(name)  # as SQLite opens it: relative to the working folder
    identity = "\n".join([database["ENGINE"], name, str(database.get("HOST") or ""), str(database.get("PORT") or "")])
    return hashlib.sha256(identity.encode()).hexdigest()[:16]


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
        counts.update(load_demo_projects())
        self.stdout.write("Demo data: " + ", ".join(f"{n} {label}" for label, n in counts.items()))
        if not options["no_admin"]:
            self._ensure_admin()
            self._ensure_demo_key()

    def _ensure_demo_key(self) -> None:
        """A demo API client granted the CISO solar project, and a key of it kept (like the admin's password) so
        that every run can print it: the private endpoints to try with curl."""
        client = client_services.api_client_get_or_create(organisation=DEMO_CLIENT)
        production_project_grant(
            project=ProductionProject.objects.get(pk=DEMO_SOLAR_PROJECT), client=client, note="demo"
        )
        key_file = demo_key_file(connections[DEFAULT_DB_ALIAS].settings_dict)
        raw = _password_read(key_file)
        try:
            if client_selectors.api_key_check(raw).client_id != client.pk:
                raise client_selectors.KeyRefused("another client's key")
        except client_selectors.KeyRefused:
            _, raw = client_services.api_key_create(client=client, label="make run")
            _password_write(key_file, raw)
        self.stdout.write(
            f"API key of '{DEMO_CLIENT}', granted the production project {DEMO_SOLAR_PROJECT}: {raw} (kept in "
            f"{key_file}): send it as 'Authorization: Bearer <key>' to /production-projects"
        )

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

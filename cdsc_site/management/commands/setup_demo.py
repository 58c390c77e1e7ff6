"""Load the demo grid and make sure an admin login exists; print how to log in. Safe to run again."""

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from psr.demo import load_demo_grid

ADMIN_USERNAME = "admin"


class Command(BaseCommand):
    help = "Load the demo grid (the spec's examples and a realistic grid around them); create the admin login."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--no-admin", action="store_true", help="Do not create or print the admin login.")

    def handle(self, *args, **options) -> None:
        counts = load_demo_grid()
        self.stdout.write("Demo data: " + ", ".join(f"{n} {label}" for label, n in counts.items()))
        if not options["no_admin"]:
            self._ensure_admin()

    def _ensure_admin(self) -> None:
        password_file = settings.VAR_DIR / "admin-password"
        user_model = get_user_model()
        if not user_model.objects.filter(username=ADMIN_USERNAME).exists():
            password = secrets.token_urlsafe(12)
            user_model.objects.create_superuser(ADMIN_USERNAME, email="", password=password)
            password_file.write_text(password + "\n")
            password_file.chmod(0o600)
        if password_file.exists():
            password = password_file.read_text().strip()
            self.stdout.write(f"Admin login: user '{ADMIN_USERNAME}', password '{password}' (kept in {password_file})")
        else:
            self.stdout.write(
                f"Admin login: user '{ADMIN_USERNAME}' exists; its password was set outside this command."
            )

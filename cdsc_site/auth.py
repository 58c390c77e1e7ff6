"""Authentication backends: django-axes' admin login lockout, for logins that come in over HTTP."""

from typing import Any

from axes.backends import AxesStandaloneBackend
from django.http import HttpRequest


class LoginLockoutBackend(AxesStandaloneBackend):
    """django-axes' lockout check, first in AUTHENTICATION_BACKENDS. A login over HTTP (the admin's login form, the
    import pages') always passes its request, and is counted and refused once locked out. A call without a request
    comes from code running on the server (a management command, `manage.py shell`, the test client's login()):
    there is no client address to count and the caller already holds the database, so it is left to the next
    backend instead of failing as axes' own backend does."""

    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)

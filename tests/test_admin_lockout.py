"""The admin login lockout (django-axes): wrong passwords for one user name from one address lock that pair out, even
with the right password, until the cool-off ends; other users and other addresses are not affected."""

import time
from datetime import timedelta

import pytest
from axes.models import AccessAttempt

from tests.factories import PASSWORD, SuperuserFactory
from tests.test_settings import _python

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/"


@pytest.fixture
def staff(db):
    return SuperuserFactory(username="staff")


def log_in(client, password: str, username: str = "staff", address: str = "203.0.113.7"):
    return client.post(LOGIN, {"username": username, "password": password, "next": "/admin/"}, REMOTE_ADDR=address)


def logged_in(client) -> bool:
    return client.get("/admin/").status_code == 200


def test_the_limit_is_five_failures_and_the_cool_off_fifteen_minutes_by_default(settings):
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.AXES_COOLOFF_TIME.total_seconds() == 15 * 60


def test_a_correct_login_before_the_limit_works_and_starts_the_count_again(client, staff, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert log_in(client, "wrong").status_code == 200  # the form again, with its error
    response = log_in(client, PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert logged_in(client)
    client.logout()
    # The count started again: as many failures as before still do not lock the account out.
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert log_in(client, "wrong").status_code == 200
    assert log_in(client, PASSWORD).status_code == 302


def test_the_limit_of_wrong_passwords_locks_out_even_the_right_password(client, staff, settings):
    for attempt in range(1, settings.AXES_FAILURE_LIMIT + 1):
        response = log_in(client, f"wrong-{attempt}")
        assert response.status_code == (429 if attempt == settings.AXES_FAILURE_LIMIT else 200)
    refused = log_in(client, PASSWORD)
    assert refused.status_code == 429
    assert not logged_in(client)
    page = refused.content.decode()
    assert "Too many failed logins" in page
    assert f"wrong {settings.AXES_FAILURE_LIMIT} times" in page
    assert "Try again in 15 minutes" in page
    assert int(refused["Retry-After"]) == 15 * 60
    assert refused["Content-Type"].startswith("text/html")
    # Kept in the database (axes' AccessAttempt), so every web process sees the same lockout.
    attempt = AccessAttempt.objects.get(username="staff", ip_address="203.0.113.7")
    assert attempt.failures_since_start == settings.AXES_FAILURE_LIMIT + 1


def test_the_lockout_is_per_user_name_and_address(client, staff, settings):
    SuperuserFactory(username="other")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, "wrong")
    assert log_in(client, PASSWORD).status_code == 429
    # The same user from another address, and another user from the same address, log in.
    assert log_in(client, PASSWORD, address="198.51.100.20").status_code == 302
    client.logout()
    assert log_in(client, PASSWORD, username="other").status_code == 302


def test_behind_a_trusted_proxy_the_lockout_is_per_forwarded_address(client, staff, settings):
    settings.CDSC_TRUSTED_PROXIES = 1
    proxy = {"REMOTE_ADDR": "10.0.0.1"}

    def through_proxy(password: str, caller: str):
        form = {"username": "staff", "password": password, "next": "/admin/"}
        return client.post(LOGIN, form, HTTP_X_FORWARDED_FOR=caller, **proxy)

    for _ in range(settings.AXES_FAILURE_LIMIT):
        through_proxy("wrong", "198.51.100.7")
    assert through_proxy(PASSWORD, "198.51.100.7").status_code == 429
    # Another caller behind the same proxy is not locked out with the guesser.
    assert through_proxy(PASSWORD, "198.51.100.8").status_code == 302


def test_a_forged_forwarded_address_is_no_error_on_the_login_page(client, staff, settings):
    settings.CDSC_TRUSTED_PROXIES = 1
    form = {"username": "staff", "password": "wrong", "next": "/admin/"}
    response = client.post(LOGIN, form, HTTP_X_FORWARDED_FOR="<script>", REMOTE_ADDR="10.0.0.1")
    assert response.status_code == 200  # the form again, with its error; the attempt counted for the proxy
    assert AccessAttempt.objects.get().ip_address == "10.0.0.1"


def test_the_lockout_ends_after_the_cool_off(client, staff, settings):
    settings.AXES_COOLOFF_TIME = timedelta(seconds=1)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, "wrong")
    assert log_in(client, PASSWORD).status_code == 429
    time.sleep(1.2)
    assert log_in(client, PASSWORD).status_code == 302
    assert logged_in(client)


def test_the_import_pages_log_in_through_the_same_locked_out_form(client, staff, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, "wrong")
    response = client.post(
        f"{LOGIN}?next=/imports/new",
        {"username": "staff", "password": PASSWORD, "next": "/imports/new"},
        REMOTE_ADDR="203.0.113.7",
    )
    assert response.status_code == 429


def test_server_side_logins_without_a_request_still_work(staff):
    # manage.py shell, commands and the test client's login() authenticate without a request: no address to count.
    from django.contrib.auth import authenticate

    assert authenticate(username="staff", password=PASSWORD) == staff
    assert authenticate(username="staff", password="wrong") is None


def test_the_limit_and_cool_off_come_from_the_environment(tmp_path):
    code = "from django.conf import settings as s; print(s.AXES_FAILURE_LIMIT, s.AXES_COOLOFF_TIME.total_seconds())"
    result = _python(
        tmp_path,
        code,
        DJANGO_SETTINGS_MODULE="cdsc_site.settings.test",
        CDSC_ADMIN_LOGIN_FAILURES="3",
        CDSC_ADMIN_LOCKOUT_MINUTES="60",
    )
    assert result.stdout.split() == ["3", "3600.0"], result.stderr

"""`manage.py setup_demo`'s admin login: the password it prints logs in to the database it ran against, whatever
other databases it ran against in between (each keeps its own password file)."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO


def _manage(tmp_path: Path, database: str, *args: str) -> str:
    """manage.py on its default (local) settings against tmp_path/<database>.sqlite3, var folder in tmp_path."""
    env = {
        "PATH": os.environ["PATH"],
        "CDSC_VAR_DIR": str(tmp_path / "var"),
        "DATABASE_URL": f"sqlite:///{tmp_path / database}.sqlite3",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def _migrate(tmp_path: Path, database: str, migrated: Path) -> None:
    """tmp_path/<database>.sqlite3, freshly migrated: a copy of the session's migrated database (migrated_sqlite)."""
    shutil.copyfile(migrated, tmp_path / f"{database}.sqlite3")


def _setup_demo(tmp_path: Path, database: str) -> tuple[str, str]:
    """The password setup_demo printed, and the line it printed it in."""
    line = next(line for line in _manage(tmp_path, database, "setup_demo").splitlines() if "Admin login" in line)
    return re.search(r"password '([^']+)'", line)[1], line


def _logs_in(tmp_path: Path, database: str, password: str) -> bool:
    code = f"from django.contrib.auth import authenticate; print(authenticate(username='admin', password={password!r}))"
    return _manage(tmp_path, database, "shell", "-v", "0", "-c", code).strip() == "admin"


def _set_password(tmp_path: Path, database: str, password: str) -> None:
    code = (
        "from django.contrib.auth import get_user_model; u = get_user_model().objects.get(username='admin'); "
        f"u.set_password({password!r}); u.save()"
    )
    _manage(tmp_path, database, "shell", "-v", "0", "-c", code)


def test_the_printed_admin_password_logs_in_after_switching_databases_and_back(tmp_path, migrated_sqlite):
    _migrate(tmp_path, "a", migrated_sqlite)
    _migrate(tmp_path, "b", migrated_sqlite)
    first_a, line = _setup_demo(tmp_path, "a")
    assert "a new demo login" in line
    b, _ = _setup_demo(tmp_path, "b")
    again_a, line = _setup_demo(tmp_path, "a")
    assert again_a == first_a
    assert "the demo login of this database" in line
    assert _logs_in(tmp_path, "a", again_a)
    assert _logs_in(tmp_path, "b", b)
    assert not _logs_in(tmp_path, "a", b)
    assert len(list((tmp_path / "var").glob("admin-password-*"))) == 2


def test_a_demo_admin_whose_kept_password_no_longer_logs_in_gets_a_new_one_that_does(tmp_path, migrated_sqlite):
    _migrate(tmp_path, "a", migrated_sqlite)
    _setup_demo(tmp_path, "a")
    _set_password(tmp_path, "a", "changed-behind-the-demos-back")
    changed, line = _setup_demo(tmp_path, "a")
    assert "a new demo password: the one kept for this database no longer logged in" in line
    assert _logs_in(tmp_path, "a", changed)

    for kept in (tmp_path / "var").glob("admin-password-*"):
        kept.unlink()
    missing, line = _setup_demo(tmp_path, "a")
    assert "a new demo password: none was kept for this database" in line
    assert missing != changed and _logs_in(tmp_path, "a", missing)


def test_the_single_password_file_of_before_is_adopted_by_the_database_it_logs_in_to(tmp_path, migrated_sqlite):
    _migrate(tmp_path, "a", migrated_sqlite)
    _setup_demo(tmp_path, "a")
    _set_password(tmp_path, "a", "kept-in-the-old-file")
    for kept in (tmp_path / "var").glob("admin-password-*"):
        kept.unlink()
    (tmp_path / "var" / "admin-password").write_text("kept-in-the-old-file\n")
    password, line = _setup_demo(tmp_path, "a")
    assert password == "kept-in-the-old-file"
    assert "the demo login of this database" in line


def _printed_key(output: str) -> str:
    line = next(line for line in output.splitlines() if line.startswith("API key of"))
    return re.search(r": ([A-Za-z0-9]{8}\.[A-Za-z0-9]{32}) \(kept in", line)[1]


def _projects_seen(tmp_path: Path, database: str, key: str) -> list[str]:
    code = (
        "from django.test import Client; "
        f"r = Client(HTTP_HOST='localhost').get('/production-projects', headers={{'Authorization': 'Bearer {key}'}}); "
        "print(r.status_code, *[p['cds_productionproject_id'] for p in r.json().get('production_projects', [])])"
    )
    return _manage(tmp_path, database, "shell", "-v", "0", "-c", code).split()


def test_the_demo_has_production_projects_and_prints_a_key_that_sees_only_its_granted_one(tmp_path, migrated_sqlite):
    _migrate(tmp_path, "a", migrated_sqlite)
    output = _manage(tmp_path, "a", "setup_demo")
    assert "4 production projects, 6 meters" in output
    key = _printed_key(output)
    assert _projects_seen(tmp_path, "a", key) == ["200", "US-CISO-SERF-PV"]
    # Run again: the same key, still the only one of the demo client.
    again = _manage(tmp_path, "a", "setup_demo")
    assert _printed_key(again) == key
    assert _projects_seen(tmp_path, "a", key[:-1] + ("x" if key[-1] != "x" else "y"))[0] == "401"

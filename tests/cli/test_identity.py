"""The person is the OS login: no environment variable makes `triage` act as someone else.
Real `triage` subprocesses; only tests/support/as_person.py (never shipped) may substitute the
person, inside a test's own process."""

from __future__ import annotations

import json
import os
import pwd
import re
from pathlib import Path

import pytest

from tests.conftest import ROOT, run_cli
from tests.packs.helpers import write_corpus
from tests.support.run_as import real_login, run_cli_as

IMPERSONATE = {"TRIAGE_USER": "boss", "USER": "boss", "LOGNAME": "boss", "USERNAME": "boss"}


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {
        "TRIAGE_DB": str(tmp_path / "store.db"),
        "TRIAGE_PLAIN_STORE": "1",
        "PYTHON_KEYRING_BACKEND": "tests.store.file_keyring.FileKeyring",
        "TRIAGE_TEST_KEYRING_FILE": str(tmp_path / "keyring.json"),
    }


def ok(result: tuple[int, str, str]) -> str:
    code, out, err = result
    assert code == 0, err
    return out


def export_key(user: str, env: dict[str, str], folder: Path) -> str:
    path = folder / f"{user}.pub"
    ok(run_cli_as(user, "keys", "export-personal", "--out", str(path), env=env))
    return str(path)


def test_the_person_is_the_os_login_from_the_user_database():
    assert real_login() == pwd.getpwuid(os.getuid()).pw_name


def test_environment_variables_do_not_make_a_new_store_someone_elses(tmp_path, env):
    ok(run_cli("db", "create", env={**env, **IMPERSONATE}))
    users = json.loads(ok(run_cli("users", "list", "--json", env={**env, **IMPERSONATE})))
    names = {u["name"] for u in users}
    assert names == {real_login()} and "boss" not in names


def test_an_analyst_with_boss_in_the_environment_still_cannot_approve(tmp_path, env):
    """TRIAGE_USER=boss triage review 1 approve, run by an analyst, is refused as the analyst."""
    me = real_login()
    assert me != "boss"
    ok(run_cli_as("boss", "import", str(write_corpus(tmp_path / "corpus", 2)), env=env))
    ok(run_cli_as("boss", "users", "add", me, "--role", "analyst", "--key",
                  export_key(me, env, tmp_path), env=env))  # fmt: skip
    ok(run_cli("tag", "1", "boat_crossing", env={**env, **IMPERSONATE}))
    code, out, err = run_cli("review", "1", "approve", env={**env, **IMPERSONATE})
    assert code == 1, out
    assert err.strip() == f"error: 'approve' needs the supervisor role; {me!r} is analyst"
    shown = json.loads(ok(run_cli("show", "1", "--json", env={**env, **IMPERSONATE})))
    assert shown["status"] == "tagged"
    assert [(d["kind"], d["actor"]) for d in shown["decisions"]] == [("tag", me)]
    assert [t["actor"] for t in shown["tags"]] == [me]


def test_the_shipped_program_reads_no_identity_variable():
    """No TRIAGE_USER in the program, and no getpass (it reads LOGNAME and USER)."""
    for path in (ROOT / "triage_app").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"""["']TRIAGE_USER["']""", text), path
        assert "getpass" not in text, path
        assert not re.search(r"""environ[^\n]*["'](LOGNAME|USER|USERNAME)["']""", text), path


def test_self_approval_on_the_command_line(tmp_path, env):
    """A one-person team: refused with one line, switched on by a supervisor, marked in show."""
    ok(run_cli_as("sam", "import", str(write_corpus(tmp_path / "corpus", 3)), env=env))
    ok(run_cli_as("sam", "users", "add", "ana", "--role", "analyst", "--key",
                  export_key("ana", env, tmp_path), env=env))  # fmt: skip
    ok(run_cli_as("sam", "tag", "1", "boat_crossing", env=env))
    code, _, err = run_cli_as("sam", "review", "1", "approve", env=env)
    assert code == 1 and len(err.strip().splitlines()) == 1, err
    assert "post 1 was tagged by sam (you)" in err
    assert "triage settings self-approval on" in err
    code, _, err = run_cli_as("ana", "settings", "self-approval", "on", env=env)
    assert code == 1 and "needs the supervisor role" in err
    assert "is off" in ok(run_cli_as("sam", "settings", "self-approval", env=env))
    assert "is now on" in ok(run_cli_as("sam", "settings", "self-approval", "on", env=env))
    assert "approved by sam" in ok(run_cli_as("sam", "review", "1", "approve", env=env))
    ok(run_cli_as("ana", "tag", "2", "boat_crossing", env=env))
    ok(run_cli_as("sam", "review", "2", "approve", env=env))
    one = json.loads(ok(run_cli_as("sam", "show", "1", "--json", env=env)))
    two = json.loads(ok(run_cli_as("sam", "show", "2", "--json", env=env)))
    assert one["self_approved"]["approver"] == "sam" and two["self_approved"] is None
    human = ok(run_cli_as("sam", "show", "1", env=env))
    assert "self_approved: self-approved: sam tagged and approved it" in human
    assert "self_approved: no" in ok(run_cli_as("sam", "show", "2", env=env))
    audit = ok(run_cli_as("sam", "audit", "list", "--action", "self_approval", "--json", env=env))
    assert "self_approval" in audit and "sam" in audit
    assert "is now off" in ok(run_cli_as("sam", "settings", "self-approval", "off", env=env))

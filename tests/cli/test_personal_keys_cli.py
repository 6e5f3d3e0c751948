"""Personal signing keys through the real `triage` command (issue 12): `keys export-personal`,
`users add --key`, `users list`, `audit verify` catching a decision forged with the sqlite3
program, `pack build` refusing it (real age and minisign), and the no-keyring passphrase path."""

from __future__ import annotations

import base64
import json
import shutil
import stat
import subprocess
import uuid as uuidlib
from pathlib import Path

import pytest

from tests.packs.helpers import identity, write_corpus
from tests.support.run_as import run_cli_as

FAIL_KEYRING = {"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}


def store_env(folder: Path) -> dict[str, str]:
    return {
        "TRIAGE_DB": str(folder / "store.db"),
        "TRIAGE_PLAIN_STORE": "1",  # so that the colleague can open it with sqlite3
        "PYTHON_KEYRING_BACKEND": "tests.store.file_keyring.FileKeyring",
        "TRIAGE_TEST_KEYRING_FILE": str(folder / "keyring.json"),
    }


def ok(user: str, env: dict[str, str], *args: str) -> str:
    code, out, err = run_cli_as(user, *args, env=env)
    assert code == 0, f"{user}: triage {' '.join(args)} -> {code}: {err}"
    return out


def sqlite(path: str, script: str) -> None:
    subprocess.run(
        ["sqlite3", path],
        input="DROP TRIGGER IF EXISTS decisions_no_update;\n" + script,
        text=True,
        check=True,
        capture_output=True,
    )


@pytest.fixture(scope="module")
def team_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """alice makes the store; ana (analyst) and boss (supervisor) export their keys and alice
    registers them; ana tags posts 1-3, boss approves post 1. Made once (eleven CLI runs) and
    copied for each test with the keyring file holding the three people's keys."""
    folder = tmp_path_factory.mktemp("team")
    env = store_env(folder)
    ok("alice", env, "import", str(write_corpus(folder / "corpus", n=4, media_every=0)))
    for name, role in (("ana", "analyst"), ("boss", "supervisor")):
        pub = folder / f"{name}.pub"
        out = ok(name, env, "keys", "export-personal", "--out", str(pub))
        assert str(pub) in out and stat.S_IMODE(pub.stat().st_mode) == 0o600
        assert pub.read_text().startswith("ed25519:")
        assert ok(name, env, "keys", "export-personal") == pub.read_text()  # same key
        out = ok("alice", env, "users", "add", name, "--role", role, "--key", str(pub))
        assert out.strip() == f"{name} is now a {role} with a registered key"
    for post in ("1", "2", "3"):
        ok("ana", env, "tag", post, "boat_crossing")
    ok("boss", env, "review", "1", "approve")
    return folder


@pytest.fixture
def team(team_template: Path, tmp_path: Path) -> dict[str, str]:
    """A copy of the team's store and keyring file for this test."""
    for path in team_template.iterdir():
        if path.is_file() and path.name.startswith(("store.db", "keyring.json")):
            shutil.copy2(path, tmp_path / path.name)
    return store_env(tmp_path)


def test_users_list_shows_who_has_a_registered_key(team):
    ok("alice", team, "users", "add", "dan", "--role", "analyst")
    lines = ok("alice", team, "users", "list").splitlines()
    assert "ana\tanalyst\tkey registered" in lines and "dan\tanalyst\tno key registered" in lines
    rows = {r["name"]: r for r in json.loads(ok("alice", team, "users", "list", "--json"))}
    assert rows["alice"]["key_registered"] and rows["alice"]["public_key"].startswith("ed25519:")
    assert rows["dan"] == {
        "name": "dan",
        "role": "analyst",
        "key_registered": False,
        "public_key": None,
    }


def test_users_add_key_errors_are_one_line(team, tmp_path):
    bad = tmp_path / "bad.pub"
    bad.write_text("age1notapersonalkey\n")
    code, _, err = run_cli_as("alice", "users", "add", "eve", "--role", "analyst", "--key",
                              str(bad), env=team)  # fmt: skip
    assert code == 2 and err.count("\n") == 1 and "ed25519:" in err
    code, _, err = run_cli_as("alice", "users", "add", "eve", "--role", "analyst", "--key",
                              str(tmp_path / "missing.pub"), env=team)  # fmt: skip
    assert code == 1 and err.count("\n") == 1 and "Cannot read key file" in err
    pub = tmp_path / "eve.pub"
    ok("eve", team, "keys", "export-personal", "--out", str(pub))
    code, _, err = run_cli_as("ana", "users", "add", "eve", "--role", "analyst", "--key",
                              str(pub), env=team)  # fmt: skip
    assert code == 1 and err.count("\n") == 1 and "supervisor" in err


def test_a_decision_forged_with_sqlite3_is_named_by_audit_verify_and_refused_by_pack_build(
    team, tmp_path
):
    out = ok("alice", team, "audit", "verify")
    assert "Signatures good: 4 decisions and referrals" in out

    _identity, recipient = identity(tmp_path)
    ok("alice", team, "pack", "build", "--platform", "facebook", "--recipient", recipient,
       "--out", str(tmp_path / "one.age"))  # fmt: skip
    assert "Signatures good: 5 decisions and referrals" in ok("alice", team, "audit", "verify")

    # ana, who can open the store file, writes boss's approval of post 2 and changes the actor
    # of her own tag of post 3 to boss
    forged = str(uuidlib.uuid4())
    junk = base64.b64encode(b"\x01" * 64).decode()
    tag3 = subprocess.run(
        ["sqlite3", team["TRIAGE_DB"], "SELECT uuid FROM decisions WHERE post_id = 3"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    sqlite(
        team["TRIAGE_DB"],
        "INSERT INTO decisions(uuid, post_id, kind, actor, at, batch, signature) VALUES "
        f"('{forged}', 2, 'approve', 'boss', '2026-01-01T00:00:00.000000Z', 'b', '{junk}');\n"
        "UPDATE posts SET status = 'approved' WHERE id = 2;\n"
        f"UPDATE decisions SET actor = 'boss' WHERE uuid = '{tag3}';\n",
    )
    code, out, err = run_cli_as("alice", "audit", "verify", env=team)
    assert code == 1
    named = [line for line in out.splitlines() if line.startswith("decision ")]
    assert len(named) == 2
    assert any(forged in line and "approve on post 2 by boss" in line for line in named)
    assert any(tag3 in line and "not boss's (altered or forged)" in line for line in named)
    assert err.count("\n") == 1 and "2 signature problem(s)" in err
    report = json.loads(run_cli_as("alice", "audit", "verify", "--json", env=team)[1])
    assert not report["ok"] and len(report["signatures"]["problems"]) == 2

    code, out, err = run_cli_as("alice", "pack", "build", "--platform", "facebook",
                                "--recipient", recipient, "--out", str(tmp_path / "two.age"),
                                env=team)  # fmt: skip
    assert code == 1 and err.count("\n") == 1, err
    assert "post 2: its approval is not signed by boss's registered key" in err
    assert not (tmp_path / "two.age").exists()


def test_an_approved_status_set_with_sqlite3_is_refused_by_pack_build(team, tmp_path):
    sqlite(team["TRIAGE_DB"], "UPDATE posts SET status = 'approved' WHERE id = 3;")
    _identity, recipient = identity(tmp_path)
    code, _, err = run_cli_as("alice", "pack", "build", "--platform", "facebook", "--recipient",
                              recipient, "--out", str(tmp_path / "p.age"), env=team)  # fmt: skip
    assert code == 1 and err.count("\n") == 1
    assert "post 3 is marked approved but no supervisor's approval decision" in err


def test_without_a_keyring_the_personal_key_is_wrapped_by_the_passphrase(tmp_path):
    data = tmp_path / "data"
    profile = tmp_path / "config" / "triage-workstation"
    env = {**FAIL_KEYRING, "TRIAGE_PLAIN_STORE": "1", "TRIAGE_DATA_DIR": str(data)}
    posts = write_corpus(tmp_path / "corpus", n=2, media_every=0)
    ok("alice", env, "import", str(posts))  # a plain store needs no key to import or read
    code, _, err = run_cli_as("alice", "tag", "1", "boat_crossing", env=env)
    assert code == 1 and err.count("\n") == 1 and "Traceback" not in err
    assert "keyring is not available" in err and "--key-passphrase-file" in err
    assert json.loads(ok("alice", env, "show", "1", "--json"))["status"] == "new"

    secret = tmp_path / "key.pass"
    secret.write_text("a long personal passphrase\n")
    ok("alice", env, "--key-passphrase-file", str(secret), "tag", "1", "boat_crossing")
    wrapped = profile / "personal-key-alice.json"
    assert stat.S_IMODE(wrapped.stat().st_mode) == 0o600
    assert stat.S_IMODE(profile.stat().st_mode) == 0o700
    with_env = {**env, "TRIAGE_KEY_PASSPHRASE_FILE": str(secret)}
    assert "Signatures good: 1 decisions" in ok("alice", with_env, "audit", "verify")
    public = ok("alice", with_env, "keys", "export-personal").strip()
    registered = {r["name"]: r for r in json.loads(ok("alice", env, "users", "list", "--json"))}
    assert registered["alice"]["public_key"] == public

    wrong = tmp_path / "wrong.pass"
    wrong.write_text("not it\n")
    code, _, err = run_cli_as("alice", "--key-passphrase-file", str(wrong), "tag", "2",
                              "boat_crossing", env=env)  # fmt: skip
    assert code == 1 and "wrong passphrase for your personal signing key" in err

    # the private key is in the profile only (wrapped), never in the data folder or the store
    from triage_app.store.keywrap import unwrap_key

    seed = unwrap_key(
        json.loads(wrapped.read_text())["wrapped"],
        "a long personal passphrase",
        "personal-key:alice",
    )
    forms = [seed, seed.hex().encode(), base64.b64encode(seed), base64.b64encode(seed)[:40]]
    files = [p for p in data.rglob("*") if p.is_file()]
    assert any(p.name == "store.db" for p in files)
    for path in files:
        content = path.read_bytes()
        assert not any(form in content for form in forms), f"{path} holds the private key"

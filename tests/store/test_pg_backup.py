"""A team server's store backed up with `pg_dump -Fc` and restored with `pg_restore` into a new
database, as docs/team-server.md says: every row comes back and `triage audit verify` holds on
the restored database (the real server binaries of tests/support/pg_server.py)."""

from __future__ import annotations

import json
import subprocess

import pytest

from tests.support.pg_server import BIN
from triage_app.cli import main
from triage_app.store.connection import open_store
from triage_app.store.copy_plan import TABLES


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    rc = main(list(args))
    out, err = capsys.readouterr()
    assert rc == 0, f"triage {' '.join(args)} -> {rc}: {out}{err}"
    return out


def counts(url: str) -> dict[str, int]:
    store = open_store(url)
    try:
        return {t: int(store.scalar(f"SELECT count(*) FROM {t}")) for t in TABLES}
    finally:
        store.close()


def run(*command: str) -> None:
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"{' '.join(command)}: {done.stderr}"


def test_pg_dump_and_pg_restore_into_a_new_database_keep_the_store(pg_server, tmp_path, capsys):
    url = pg_server.empty_database()
    cli(capsys, "--db", url, "db", "create")
    cli(capsys, "--db", url, "demo", "--posts", "150", "--history")
    listed = json.loads(cli(capsys, "--db", url, "queue", "--limit", "1", "--json"))
    post = str((listed["posts"] if isinstance(listed, dict) else listed)[0]["id"])
    cli(capsys, "--db", url, "tag", post, "boat_crossing")
    cli(capsys, "--db", url, "settings", "self-approval", "on")
    cli(capsys, "--db", url, "review", post, "approve")
    cli(capsys, "--db", url, "audit", "checkpoint")
    head = json.loads(cli(capsys, "--db", url, "audit", "verify", "--json"))["head"]
    before = counts(url)
    assert before["decisions"] and before["audit_checkpoints"] and before["outcomes"]

    dump = tmp_path / "team.dump"
    socket, login = str(pg_server.socket_dir), pg_server.superuser
    database = url.split("?")[0].rsplit("/", 1)[1]
    run(str(BIN / "pg_dump"), "-Fc", "-h", socket, "-U", login, "-f", str(dump), database)
    assert dump.stat().st_size > 0

    restored = pg_server.empty_database()
    target = restored.split("?")[0].rsplit("/", 1)[1]
    run(
        str(BIN / "pg_restore"),
        "--exit-on-error",
        "-h",
        socket,
        "-U",
        login,
        "-d",
        target,
        str(dump),
    )

    assert counts(restored) == before
    verified = json.loads(cli(capsys, "--db", restored, "audit", "verify", "--json"))
    assert verified["ok"] and verified["head"] == head
    out = cli(capsys, "--db", restored, "audit", "verify")
    assert "Audit chain intact" in out and "match their tags and statuses" in out
    # The restored store goes on working: new rows take new ids after the restored ones.
    cli(capsys, "--db", restored, "tag", post, "fake_documents")
    assert counts(restored)["decisions"] == before["decisions"] + 1

"""Two processes tagging the same store at once (as two analysts on one shared store would)
finish with no "database is locked" error and every decision stored: the store's writes take
the lock up front (BEGIN IMMEDIATE) and wait for it (busy_timeout), so they queue instead of
failing. Short variant 200 tags each, always on; long variant 1,000 each (slow)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.faults.helpers import (
    assert_sound,
    cli_env,
    open_as_cli,
    popen_python,
    run_cli,
    write_posts,
)

WRITER = """
import os
import sys
import time
from tests.faults.helpers import open_as_cli
from triage_app.store.decisions import apply_tags, toggle_tag
user, first, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
store = open_as_cli(dict(os.environ), user=user)
errors = 0
sys.stdin.readline()  # both writers start together
for n in range(count):
    post = first + n
    try:
        if n % 4 == 3:
            toggle_tag(store, [post], "fake_documents")
        else:
            apply_tags(store, [post], add=["boat_crossing"])
        print(f"ok {post}", flush=True)
    except Exception as exc:
        errors += 1
        print(f"error {post} {type(exc).__name__}: {exc}", flush=True)
store.close()
"""


def two_writers(tmp_path: Path, each: int, encrypted: bool) -> None:
    env = cli_env(tmp_path, encrypted=encrypted)
    posts = write_posts(tmp_path / "posts.jsonl", 2 * each)
    assert run_cli(["import", str(posts), "--no-enrich"], env).code == 0
    added = run_cli(["users", "add", "bob", "--role", "analyst"], env)
    assert added.code == 0, added.err
    procs = [
        popen_python(
            WRITER,
            [user, str(first), str(each)],
            env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for user, first in (("alice", 1), ("bob", each + 1))
    ]
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.write("go\n")
        proc.stdin.flush()
    outputs = [proc.communicate(timeout=600) for proc in procs]
    for proc, (out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err[-2000:]
        assert "locked" not in out + err, [ln for ln in out.splitlines() if "locked" in ln][:3]
        assert not [ln for ln in out.splitlines() if ln.startswith("error")], out[-2000:]
        assert len(out.splitlines()) == each
    store = open_as_cli(env)
    try:
        assert_sound(store)
        tagged = store.scalar("SELECT count(DISTINCT post_id) FROM post_tags")
        assert tagged == 2 * each
        for user in ("alice", "bob"):
            assert store.scalar("SELECT count(*) FROM decisions WHERE actor = ?", (user,)) == each
        audit = store.scalar("SELECT count(*) FROM audit WHERE action = 'tag'")
        assert audit == 2 * each
    finally:
        store.close()


@pytest.mark.parametrize("encrypted", [False, True], ids=["plain", "sqlcipher"])
def test_two_writers_short(tmp_path, encrypted):
    two_writers(tmp_path, 200, encrypted)


@pytest.mark.slow
@pytest.mark.parametrize("encrypted", [False, True], ids=["plain", "sqlcipher"])
def test_two_writers_long(tmp_path, encrypted):
    two_writers(tmp_path, 1000, encrypted)

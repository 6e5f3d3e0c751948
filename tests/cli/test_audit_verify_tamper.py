"""Tampering with a store's file, as someone with the file (and stdlib sqlite3) would, is found
by `triage audit verify`, and a status set by hand never leaves in a pack.

The store is made through the real `triage` command by two people (analyst dana tags, supervisor
alice approves and builds a pack), each with a personal key in a (file) keyring; then the plain
store is edited with sqlite3 after dropping its append-only triggers:

- its newest audit rows (and the checkpoint rows) deleted: found through the checkpoint copy kept
  in alice's profile folder;
- the whole chain rewritten with every hash recomputed: the chain verifies on its own, but not
  against the checkpoint in the profile, nor against the one inside the pack already sent;
- ``UPDATE posts SET status = 'approved'``, or a tag slipped into ``post_tags``: named by the
  replay of decisions, refused by pack build.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest
from pyrage import x25519

from tests.packs.helpers import write_corpus
from tests.support.run_as import run_cli_as
from triage_app.store.audit import GENESIS, row_hash

TAGGED_ONLY = 4  # tagged by dana, never approved


def _env(folder: Path) -> dict[str, str]:
    return {
        "TRIAGE_DB": str(folder / "data" / "store.db"),
        "TRIAGE_DATA_DIR": str(folder / "data"),
        "XDG_CONFIG_HOME": str(folder / "config"),
        "PYTHON_KEYRING_BACKEND": "tests.store.file_keyring.FileKeyring",
        "TRIAGE_TEST_KEYRING_FILE": str(folder / "keyring.json"),
    }


def _ok(user: str, env: dict[str, str], *args: str) -> str:
    code, out, err = run_cli_as(user, *args, env=env)
    assert code == 0, f"{user}: triage {' '.join(args)} -> {code}: {err}"
    return out


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store where dana tagged posts 1-4, alice approved 1-3 and built a pack of 1 and 2."""
    root = tmp_path_factory.mktemp("tamper")
    (root / "data").mkdir()
    (root / "config").mkdir()
    env = _env(root)
    _ok("alice", env, "db", "create", "--plain")
    _ok("alice", env, "import", str(write_corpus(root / "corpus", n=6)))
    _ok("dana", env, "keys", "export-personal", "--out", str(root / "dana.pub"))
    _ok("alice", env, "users", "add", "dana", "--role", "analyst", "--key", str(root / "dana.pub"))
    for post in (1, 2, 3, TAGGED_ONLY):
        _ok("dana", env, "tag", str(post), "boat_crossing")
    for post in (1, 2):
        _ok("alice", env, "review", str(post), "approve")
    ident = x25519.Identity.generate()
    (root / "identity.txt").write_text(str(ident) + "\n")
    _ok(
        "alice",
        env,
        *("pack", "build", "--platform", "facebook", "--recipient", str(ident.to_public())),
        *("--out", str(root / "sent.age")),
    )
    _ok("alice", env, "review", "3", "approve")
    return root


@pytest.fixture
def copy(template: Path, tmp_path: Path) -> Path:
    """This test's own copy of the template (store, profile, keyring, pack)."""
    target = tmp_path / "case"
    shutil.copytree(template, target)
    return target


def _edit(folder: Path, *statements: tuple[str, tuple]) -> None:
    """Edit the plain store with stdlib sqlite3, as an attacker holding the file could."""
    conn = sqlite3.connect(folder / "data" / "store.db")
    with conn:
        for trigger in (
            "audit_no_update",
            "audit_no_delete",
            "audit_checkpoints_no_delete",
            "decisions_no_delete",
        ):
            conn.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        for sql, params in statements:
            conn.execute(sql, params)
    conn.close()


def _verify(folder: Path, *extra: str) -> tuple[int, str, str]:
    return run_cli_as("alice", "audit", "verify", *extra, env=_env(folder))


def _pack_checkpoint(folder: Path) -> Path:
    """checkpoint.json out of the pack that was sent, with the real age and unzip."""
    plain = folder / "sent.zip"
    subprocess.run(
        [
            "age",
            "-d",
            "-i",
            str(folder / "identity.txt"),
            "-o",
            str(plain),
            str(folder / "sent.age"),
        ],
        check=True,
        timeout=60,
    )
    out = folder / "checkpoint.json"
    with open(out, "wb") as handle:
        subprocess.run(["unzip", "-p", str(plain), "checkpoint.json"], stdout=handle, check=True)
    plain.unlink()
    return out


def test_the_untouched_store_verifies_clean(copy):
    code, out, err = _verify(copy)
    assert code == 0, out + err
    assert out.startswith("Audit chain intact:")
    assert "Checkpoint holds: checkpoint" in out and "approval batch" in out
    assert "Decisions replayed: 6 posts match their tags and statuses" in out
    code, out, _ = _verify(copy, "--checkpoint", str(_pack_checkpoint(copy)))
    assert code == 0, out
    made = json.loads(_ok("alice", _env(copy), "audit", "checkpoint", "--json"))
    assert made["reason"] == "manual" and made["by"] == "alice"
    code, out, _ = _verify(copy, "--json")
    report = json.loads(out)
    assert code == 0 and report["ok"] and report["replay"]["posts"] == 6
    assert report["checkpoint"]["latest"]["audit_rows"] == made["audit_rows"]
    assert report["checkpoint"]["rows_since"] == 0 and report["checkpoint"]["problems"] == []


def test_deleting_the_newest_rows_is_caught(copy):
    conn = sqlite3.connect(copy / "data" / "store.db")
    rows = conn.execute("SELECT count(*) FROM audit").fetchone()[0]
    conn.close()
    # The last approval (post 3) and its checkpoint disappear; its status goes back too.
    _edit(
        copy,
        ("DELETE FROM audit WHERE id > ?", (rows - 1,)),
        ("DELETE FROM audit_checkpoints", ()),
        ("DELETE FROM decisions WHERE post_id = 3 AND kind = 'approve'", ()),
        ("UPDATE posts SET status = 'tagged' WHERE id = 3", ()),
    )
    code, out, err = _verify(copy)
    assert code == 1
    assert (
        f"The audit chain was cut or rewritten after checkpoint {rows} (" in out
        and f"by alice): the chain has only {rows - 1} rows, not {rows} (checkpoint in your "
        "profile)"
        in out
    ), out
    assert "changed outside the program: 1 checkpoint problem(s)" in err


def test_rewriting_the_whole_chain_with_recomputed_hashes_is_caught(copy):
    # Make dana the one who approved everything, and recompute every hash so the chain holds.
    conn = sqlite3.connect(copy / "data" / "store.db")
    conn.execute("DROP TRIGGER audit_no_update")
    prev = GENESIS
    for rid, uuid, at, actor, action, otype, oid, detail in conn.execute(
        "SELECT id, uuid, at, actor, action, object_type, object_id, detail FROM audit ORDER BY id"
    ).fetchall():
        if action == "approve":
            actor = "dana"
        digest = row_hash(prev, uuid, at, actor, action, otype, oid, detail)
        conn.execute(
            "UPDATE audit SET actor = ?, prev_hash = ?, hash = ? WHERE id = ?",
            (actor, prev, digest, rid),
        )
        prev = digest
    conn.commit()
    conn.close()
    from_pack = _pack_checkpoint(copy)
    code, out, _ = _verify(copy)
    assert code == 1
    assert "\nAudit chain intact:" in out  # the chain alone cannot tell
    assert "The audit chain was cut or rewritten after checkpoint" in out
    assert "has a different hash" in out
    # Without the profile copy and the store's checkpoints, the pack that was sent still tells.
    _edit(copy, ("DELETE FROM audit_checkpoints", ()))
    for leftover in (copy / "config").rglob("checkpoints/*.json"):
        leftover.unlink()
    code, out, _ = _verify(copy)
    assert code == 0, out  # nothing left to compare with: the reason packs carry checkpoints
    code, out, err = _verify(copy, "--checkpoint", str(from_pack))
    assert code == 1
    assert "has a different hash (checkpoint from checkpoint.json)" in out, out


def test_a_status_set_by_hand_is_named_and_never_exported(copy):
    _edit(copy, ("UPDATE posts SET status = 'approved' WHERE id = ?", (TAGGED_ONLY,)))
    code, out, err = _verify(copy)
    assert code == 1
    assert (
        f"post {TAGGED_ONLY} (facebook:p{TAGGED_ONLY - 1}): status approved but its decisions "
        "give tagged"
    ) in out.splitlines()
    assert "1 post(s) whose tags or status their decisions do not give" in err
    code, err = _build(copy)
    assert code == 1 and not (copy / "forged.age").exists()
    # Refused with one line (by the replay, or by the signatures check that runs first).
    assert "\n" not in err.strip() and "Traceback" not in err
    assert err.startswith(f"error: Refusing to build the pack: post {TAGGED_ONLY} ")


def test_a_tag_added_by_hand_is_named_and_never_exported(copy):
    # Post 3 was rightly approved with boat_crossing; a tag nobody decided is slipped in.
    _edit(
        copy,
        (
            "INSERT INTO post_tags(post_id, tag, actor, at) VALUES "
            "(3, 'fake_documents', 'dana', '2026-01-01T00:00:00Z')",
            (),
        ),
    )
    expected = "post 3 (facebook:p2): tags boat_crossing, fake_documents but its decisions give "
    code, out, _ = _verify(copy)
    assert code == 1 and expected + "boat_crossing" in out.splitlines()
    code, err = _build(copy)
    assert code == 1 and not (copy / "forged.age").exists()
    assert err.strip() == (
        f"error: Refusing to build the pack: {expected}boat_crossing; the store was changed "
        "outside the program (see 'triage audit verify')"
    )


def _build(folder: Path) -> tuple[int, str]:
    ident = x25519.Identity.generate()
    code, _, err = run_cli_as(
        "alice",
        *("pack", "build", "--platform", "facebook", "--recipient", str(ident.to_public())),
        *("--out", str(folder / "forged.age")),
        env=_env(folder),
    )
    return code, err


def test_a_checkpoint_file_that_is_not_one_gets_one_line(copy):
    bad = copy / "bad.json"
    bad.write_text(json.dumps({"hello": 1}))
    code, _, err = _verify(copy, "--checkpoint", str(bad))
    assert code == 1 and err.strip() == "error: bad.json holds no audit checkpoint"
    code, _, err = _verify(copy, "--checkpoint", str(copy / "missing.json"))
    assert code == 1 and err.strip().endswith("missing.json does not exist")

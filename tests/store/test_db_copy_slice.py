"""A field slice's work comes back into the team store (issue 16): a team store (on a PostgreSQL
server, or a SQLite file) -> `db copy --platform` to a laptop's SQLite store -> tags and a note
there -> a sync pack back -> the team store shows those decisions with their author and their
origin (the slice), `audit verify` holds on both, nothing else changed, and doing it again adds
nothing. A pack from a slice of another store, and the same pack again, change nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.store.test_db_copy import cli, error_line, snapshot, verify
from tests.support.run_as import as_person, personal_public_key
from triage_app.packs.signing import public_key_text, sign_file
from triage_app.store.connection import Store, open_store
from triage_app.store.opening import open_for_user

# What a merged sync pack may change in the receiving store besides the slice's decisions:
# its record of the transfer (an imports row, sync_imports, its own audit row, what the peer
# has seen, the peer's last import), the slice's audit rows and checkpoint, and the posts the
# decisions are about (their tags, note and status).
BOOKKEEPING = {
    "imports",
    "sync_imports",
    "sync_seen",
    "peers",
    "audit",
    "peer_audit",
    "peer_checkpoints",
}
WORK = {"decisions", "decision_origin", "post_tags", "posts", "posts_fts"}


def _open(where: str) -> Store:
    return open_store(where) if where.startswith("postgresql") else open_for_user(Path(where))


def _register(capsys: pytest.CaptureFixture[str], where: str, name: str, folder: Path) -> None:
    """The store's supervisor registers ``name`` as an analyst, with their personal key."""
    key = folder / f"{name}.pub"
    key.write_text(str(personal_public_key(name)) + "\n")
    cli(capsys, "--db", where, "users", "add", name, "--role", "analyst", "--key", str(key))


def _team(capsys: pytest.CaptureFixture[str], where: str, folder: Path) -> None:
    """A team store with posts of several platforms, some work of its own already, and dana,
    an analyst who will take a slice into the field."""
    cli(capsys, "--db", where, "db", "create")
    cli(capsys, "--db", where, "demo", "--posts", "60")
    listed = json.loads(cli(capsys, "--db", where, "queue", "--limit", "1", "--json")[0])
    posts = listed["posts"] if isinstance(listed, dict) else listed
    cli(capsys, "--db", where, "tag", str(posts[0]["id"]), "fake_documents")
    _register(capsys, where, "dana", folder)


def _biggest_platform(where: str) -> str:
    store = _open(where)
    try:
        return str(
            store.scalar(
                "SELECT platform FROM posts GROUP BY platform ORDER BY count(*) DESC LIMIT 1"
            )
        )
    finally:
        store.close()


def _slice(capsys: pytest.CaptureFixture[str], team: str, laptop: Path, platform: str) -> str:
    out, _ = cli(
        capsys, "db", "copy", "--from", team, "--to", str(laptop), "--platform", platform, "--json"
    )
    result = json.loads(out)
    assert all(c["source"] == c["destination"] for c in result["tables"].values())
    return str(result["store_id"])


def _untagged(where: str, n: int) -> list[tuple[int, str, str]]:
    store = _open(where)
    try:
        return [
            (int(r[0]), str(r[1]), str(r[2]))
            for r in store.execute(
                "SELECT id, platform, platform_post_id FROM posts p WHERE NOT EXISTS "
                "(SELECT 1 FROM decisions d WHERE d.post_id = p.id) ORDER BY id LIMIT ?",
                (n,),
            )
        ]
    finally:
        store.close()


def _pack(
    capsys: pytest.CaptureFixture[str], laptop: Path, team: str, out: Path
) -> tuple[dict[str, Any], Path]:
    recipient = json.loads(cli(capsys, "--db", team, "sync", "id", "--json")[0])["recipient"]
    signer = out.with_suffix(".pub")
    if not signer.exists():
        cli(capsys, "--db", str(laptop), "keys", "export-public", "--out", str(signer))
    exported, _ = cli(
        capsys, "--db", str(laptop), "sync", "export", "--recipient", recipient,
        "--out", str(out), "--json",
    )  # fmt: skip
    return json.loads(exported), signer


def _state(where: str) -> dict[str, list[tuple[Any, ...]]]:
    store = _open(where)
    try:
        return snapshot(store)
    finally:
        store.close()


def _work_comes_back(capsys: pytest.CaptureFixture[str], team: str, tmp_path: Path) -> None:
    _team(capsys, team, tmp_path)
    platform = _biggest_platform(team)
    laptop = tmp_path / "laptop.db"
    slice_id = _slice(capsys, team, laptop, platform)
    store = _open(team)
    try:
        team_id = store.store_id
        assert store.scalar("SELECT count(*) FROM posts WHERE platform <> ?", (platform,))
    finally:
        store.close()
    assert slice_id != team_id
    laptop_store = _open(str(laptop))
    try:  # a real part of the team's store, with pictures, so "only the work comes back" says
        held = laptop_store.scalar("SELECT count(*) FROM posts")
        assert held > 10 and laptop_store.scalar("SELECT count(*) FROM media")
    finally:
        laptop_store.close()
    verify(capsys, str(laptop))  # the source's chain, registrations and signatures hold there

    # The analyst's work on the laptop: two tags, one with a note.
    (first, _, first_natural), (second, _, second_natural) = _untagged(str(laptop), 2)
    with as_person("dana"):
        cli(capsys, "--db", str(laptop), "tag", str(first), "boat_crossing", "--note", "seen twice")
        cli(capsys, "--db", str(laptop), "tag", str(second), "fake_documents")
    # A registration made on the slice is signed over the team's store id, as the copied ones
    # are (meta.registrations_of), and holds there with them.
    _register(capsys, str(laptop), "erin", tmp_path)
    verify(capsys, str(laptop))
    laptop_store = _open(str(laptop))
    try:
        made = {
            str(r[0]): (str(r[1]), str(r[2]), r[3], str(r[4]))
            for r in laptop_store.execute(
                "SELECT d.uuid, p.platform_post_id, d.kind, d.tag, d.actor FROM decisions d "
                "JOIN posts p ON p.id = d.post_id WHERE d.post_id IN (?, ?)",
                (first, second),
            )
        }
    finally:
        laptop_store.close()
    assert len(made) >= 2

    before = _state(team)
    pack, signer = _pack(capsys, laptop, team, tmp_path / "back-1.age")
    # Only the work done since the slice goes back: not the slice's posts and media again.
    assert pack["counts"]["decisions"] == len(made)
    assert pack["counts"]["posts"] == 2 and not pack["counts"].get("media")
    out, _ = cli(capsys, "--db", team, "sync", "import", str(pack["file"]), "--signer", str(signer))
    assert out.startswith(f"Merged sync pack from store {slice_id}")
    assert "First pack" not in out  # the slice was registered when it was made

    after = _state(team)
    store = _open(team)
    try:
        got = {
            str(r[0]): (str(r[1]), str(r[2]), r[3], str(r[4]), str(r[5]))
            for r in store.execute(
                "SELECT d.uuid, p.platform_post_id, d.kind, d.tag, d.actor, o.store_id "
                "FROM decisions d JOIN posts p ON p.id = d.post_id "
                "LEFT JOIN decision_origin o ON o.uuid = d.uuid WHERE d.uuid IN ("
                + ",".join("?" * len(made))
                + ")",
                tuple(made),
            )
        }
        assert got == {uid: (*row, slice_id) for uid, row in made.items()}
        assert {r[3] for r in got.values()} == {"dana"}
        tags = {
            str(r[0]): str(r[1])
            for r in store.execute(
                "SELECT p.platform_post_id, t.tag FROM post_tags t "
                "JOIN posts p ON p.id = t.post_id "
                "WHERE p.platform = ? AND p.platform_post_id IN (?, ?)",
                (platform, first_natural, second_natural),
            )
        }
        assert tags == {first_natural: "boat_crossing", second_natural: "fake_documents"}
        assert (
            store.scalar(
                "SELECT note FROM posts WHERE platform = ? AND platform_post_id = ?",
                (platform, first_natural),
            )
            == "seen twice"
        )
        # The slice's chain is held as another store's, from its first row (which names us).
        first_row = store.execute(
            "SELECT action, object_id FROM peer_audit WHERE origin = ? AND seq = 1", (slice_id,)
        ).fetchone()
        assert tuple(first_row) == ("field_slice", team_id)
    finally:
        store.close()
    verify(capsys, team)

    # Nothing else changed: every other table as it was, and of the posts only the two.
    for table, rows in before.items():
        if table in BOOKKEEPING | WORK:
            continue
        assert after[table] == rows, table
    changed = {r for r in after["posts"] if r not in before["posts"]}
    assert len(changed) == 2
    for table in ("decisions", "decision_origin", "audit", "peer_audit"):
        assert set(before[table]) <= set(after[table]), table

    # The same pack again: one line, nothing changed.
    out, _ = cli(capsys, "--db", team, "sync", "import", str(pack["file"]), "--signer", str(signer))
    assert out.strip() == f"Sync pack {pack['pack_id']} was already imported; nothing changed"
    assert _state(team) == after
    # A new pack from the slice with nothing new adds no work.
    again, _ = _pack(capsys, laptop, team, tmp_path / "back-2.age")
    assert again["counts"]["decisions"] == 0 and again["counts"]["posts"] == 0
    cli(capsys, "--db", team, "sync", "import", str(again["file"]), "--signer", str(signer))
    last = _state(team)
    for table in WORK:
        assert last[table] == after[table], table
    verify(capsys, team)

    # A pack from a slice of another store is refused in one line and changes nothing.
    other = tmp_path / "other-team.db"
    (tmp_path / "other").mkdir()
    _team(capsys, str(other), tmp_path / "other")
    stranger = tmp_path / "stranger.db"
    _slice(capsys, str(other), stranger, _biggest_platform(str(other)))
    (post, _, _), *_ = _untagged(str(stranger), 1)
    cli(capsys, "--db", str(stranger), "tag", str(post), "boat_crossing")
    foreign, foreign_signer = _pack(capsys, stranger, team, tmp_path / "stranger.age")
    _, err = cli(
        capsys, "--db", team, "sync", "import", str(foreign["file"]), "--signer",
        str(foreign_signer), code=1,
    )  # fmt: skip
    assert "a field slice of store" in error_line(err) and "refused" in error_line(err)
    assert _state(team) == last

    # The slice's pack signed with another key than the one the team registered for the slice.
    forged = tmp_path / "forged.age"
    forged.write_bytes(Path(pack["file"]).read_bytes())
    sign_file("not-the-slice", forged, tmp_path / "forged.age.minisig", "triage-sync")
    (tmp_path / "forged.pub").write_text(public_key_text("not-the-slice"))
    _, err = cli(
        capsys, "--db", team, "sync", "import", str(forged), "--signer",
        str(tmp_path / "forged.pub"), code=1,
    )  # fmt: skip
    assert f"comes from store {slice_id}, whose signing key here is" in error_line(err)
    assert _state(team) == last


@pytest.mark.parametrize("kind", ["sqlite"])
def test_a_slice_of_a_sqlite_team_store_sends_its_work_back(kind, tmp_path, capsys):
    _work_comes_back(capsys, str(tmp_path / "team.db"), tmp_path)


def test_a_slice_of_a_team_server_sends_its_work_back(pg_server, tmp_path, capsys):
    # On the server the person is its login; on the laptop the same person is the OS login.
    with as_person(pg_server.superuser):
        _work_comes_back(capsys, pg_server.empty_database(), tmp_path)

"""`triage db copy` between SQLite and a real PostgreSQL server (tests/support/pg_server.py):
the same rows, ids, media and audit chain on the other side, slices that hold only their posts,
and bad input refused in one line with the destination left as it was."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from triage_app.cli import main
from triage_app.packs.signing import key_id_hex, public_key_of
from triage_app.store.connection import Store, open_store
from triage_app.store.copy import copy_store
from triage_app.store.copy_ends import end_for
from triage_app.store.copy_plan import COLUMNS, LOCAL_META, NO_ROWID, TABLES, Slice, is_skipped
from triage_app.store.evidence_crypto import evidence_key, open_media
from triage_app.store.keys import read_keyinfo
from triage_app.store.opening import open_for_user


def cli(capsys: pytest.CaptureFixture[str], *args: str, code: int = 0) -> tuple[str, str]:
    rc = main(list(args))
    out, err = capsys.readouterr()
    assert rc == code, f"triage {' '.join(args)} -> {rc}: {out}{err}"
    return out, err


def error_line(err: str) -> str:
    """The one error line of a failed command (progress lines aside, there is nothing else)."""
    lines = [line for line in err.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("error: ")]
    assert len(errors) == 1, err
    assert "Traceback" not in err
    return errors[0]


@pytest.fixture
def demo(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """An encrypted store with the demo's two years of casework (decisions, reviews, blind
    reviews, referrals, outcomes) and today's work on top: tags, a note, an approval with its
    checkpoint, and a manual checkpoint, so the audit trail has rows of every kind."""
    path = tmp_path / "field.db"
    cli(capsys, "--db", str(path), "demo", "--posts", "200", "--history")
    listed = json.loads(cli(capsys, "--db", str(path), "queue", "--limit", "3", "--json")[0])
    posts = listed["posts"] if isinstance(listed, dict) else listed
    first, second = (str(p["id"]) for p in posts[:2])
    platform = str(posts[0]["platform"])
    cli(capsys, "--db", str(path), "tag", first, "boat_crossing", "--note", "seen twice")
    cli(capsys, "--db", str(path), "tag", second, "fake_documents")
    cli(capsys, "--db", str(path), "settings", "self-approval", "on")
    cli(capsys, "--db", str(path), "review", first, "approve")
    secret = tmp_path / "pack-passphrase"
    secret.write_text("a long pack passphrase for the copy test\n")
    cli(
        capsys, "--db", str(path), "pack", "build", "--platform", platform,
        "--pack-passphrase-file", str(secret), "--out", str(tmp_path / "pack.zip"),
    )  # fmt: skip
    cli(capsys, "--db", str(path), "audit", "checkpoint")
    return path


def verify(capsys: pytest.CaptureFixture[str], where: str) -> str:
    out, _err = cli(capsys, "--db", where, "audit", "verify")
    assert "Audit chain intact" in out and "Signatures good" in out
    assert "match their tags and statuses" in out
    return out


def snapshot(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    """Every copied table's rows (with their ids), in a comparable order."""
    end = end_for(store)
    rows: dict[str, list[tuple[Any, ...]]] = {}
    meta_where = "key NOT IN ({})".format(", ".join(f"'{k}'" for k in LOCAL_META))
    for table in TABLES:
        columns = sorted(COLUMNS.get(table) or end.columns(table))
        where = meta_where if table == "meta" else ""
        got = list(end.rows(table, columns, where, (), table not in NO_ROWID))
        rows[table] = sorted((tuple(r) for r in got), key=repr)
    return rows


def media_contents(store: Store) -> dict[str, str]:
    from triage_app.ingest.evidence import evidence_dir

    folder, key = evidence_dir(Path(store.path)), evidence_key(store)
    found = {}
    for (stored,) in store.execute(
        "SELECT DISTINCT stored_path FROM media WHERE stored_path IS NOT NULL"
    ):
        with open_media(folder / stored, key) as handle:
            found[stored] = hashlib.sha256(handle.read()).hexdigest()
    return found


def test_sqlite_to_postgresql_and_back_keeps_every_row_and_the_audit_chain(
    pg_server, demo, tmp_path, capsys
):
    url = pg_server.empty_database()
    out, _ = cli(capsys, "db", "copy", "--from", str(demo), "--to", url)
    assert "every table's count matches the source" in out
    back = tmp_path / "back.db"
    out, _ = cli(capsys, "db", "copy", "--from", url, "--to", str(back), "--json")
    counts = json.loads(out)["tables"]
    assert counts["posts"]["destination"] > 200 and counts["audit"]["destination"] >= 5
    assert all(c["source"] == c["destination"] for c in counts.values())

    original = open_for_user(demo)
    on_server = open_store(url)
    returned = open_for_user(back)
    try:
        assert on_server.backend == "postgresql" and returned.key is not None  # encrypted
        before = snapshot(original)
        for table in (
            "decisions",
            "post_tags",
            "blind_reviews",
            "referrals",
            "referral_items",
            "outcomes",
            "audit",
            "audit_checkpoints",
            "media",
            "accounts",
            "users",
        ):
            assert before[table], f"the demo store has no {table}: the test proves nothing"
        # The pack signing key: in this machine's keyring for the laptop's store, inside the
        # store on the server (as a server keeps it), the same key, and then inside the
        # encrypted store that came back.
        key_row = "SELECT key_id, public_key FROM signing_key"
        assert original.scalar("SELECT place FROM signing_key") == "keyring"
        assert on_server.scalar("SELECT place FROM signing_key") == "store"
        assert returned.scalar("SELECT place FROM signing_key") == "store"
        for copy in (on_server, returned):
            assert copy.execute(key_row).fetchall() == original.execute(key_row).fetchall()
        held = key_id_hex(public_key_of(on_server))
        assert held == original.scalar("SELECT key_id FROM signing_key")
        del before["signing_key"]
        for copy in (on_server, returned):
            after = snapshot(copy)
            del after["signing_key"]
            assert after == before
        assert on_server.store_id == original.store_id == returned.store_id
        # Each end keeps its own search folding mark (copied indexes need no re-fold on open).
        from triage_app.store.search_index import fold_is_current

        assert fold_is_current(on_server.conn) and fold_is_current(returned.conn)
        assert media_contents(on_server) == media_contents(original) == media_contents(returned)
        assert media_contents(original)  # the demo has pictures
        # Search works on the copy: its index was rebuilt from the posts.
        assert returned.scalar("SELECT count(*) FROM posts_fts") == len(before["posts"])
        # New rows continue after the copied ids on the server (its identities were moved on).
        top = on_server.scalar("SELECT max(id) FROM audit")
        with on_server.transaction() as conn:
            from triage_app.store.audit import append_audit

            append_audit(conn, on_server.user, "test_row")
        assert on_server.scalar("SELECT max(id) FROM audit") == top + 1
    finally:
        original.close()
        on_server.close()
        returned.close()
    verify(capsys, str(demo))
    verify(capsys, url)
    verify(capsys, str(back))


def _posts(store: Store) -> dict[int, tuple[str, int]]:
    return {
        int(r[0]): (str(r[1]), int(r[2]) if r[2] is not None else -1)
        for r in store.execute("SELECT id, platform, posted_at FROM posts")
    }


def _with_referral_partners(store: Store, picked: set[int]) -> set[int]:
    """``picked`` and every post of a referral that holds one of them (a referral is not cut)."""
    touched = (
        {
            int(r[0])
            for r in store.execute("SELECT referral_id, post_id FROM referral_items")
            if int(r[1]) in picked
        }
        if picked
        else set()
    )
    partners = {
        int(r[1])
        for r in store.execute("SELECT referral_id, post_id FROM referral_items")
        if int(r[0]) in touched
    }
    return picked | partners


def test_a_slice_by_platform_date_or_cluster_holds_only_its_posts(
    pg_server, demo, tmp_path, capsys
):
    source = open_for_user(demo)
    try:
        posts = _posts(source)
        audit_rows = source.scalar("SELECT count(*) FROM audit")
        source_id = source.store_id
        platform = source.scalar(
            "SELECT platform FROM posts GROUP BY platform ORDER BY count(*) LIMIT 1"
        )
        days = sorted(p[1] for p in posts.values() if p[1] >= 0)
        since = dt.datetime.fromtimestamp(days[len(days) // 3], dt.UTC).date()
        until = since + dt.timedelta(days=30)
        low = int(dt.datetime(since.year, since.month, since.day, tzinfo=dt.UTC).timestamp())
        high = low + 31 * 86400
        by_platform = _with_referral_partners(
            source, {i for i, p in posts.items() if p[0] == platform}
        )
        by_date = _with_referral_partners(
            source, {i for i, p in posts.items() if low <= p[1] < high}
        )
        cluster = int(
            source.scalar(
                "SELECT cluster_id FROM posts WHERE cluster_id IS NOT NULL GROUP BY cluster_id "
                "ORDER BY count(*) DESC LIMIT 1"
            )
        )
        by_cluster = _with_referral_partners(
            source,
            {
                int(r[0])
                for r in source.execute("SELECT id FROM posts WHERE cluster_id = ?", (cluster,))
            },
        )
    finally:
        source.close()
    assert 0 < len(by_platform) < len(posts) and 0 < len(by_date) < len(posts)

    url = pg_server.empty_database()
    cli(capsys, "db", "copy", "--from", str(demo), "--to", url, "--platform", str(platform))
    dated = tmp_path / "laptop.db"
    cli(
        capsys,
        "db",
        "copy",
        "--from",
        str(demo),
        "--to",
        str(dated),
        "--since",
        since.isoformat(),
        "--until",
        until.isoformat(),
    )
    clustered = tmp_path / "cluster.db"
    cli(capsys, "db", "copy", "--from", str(demo), "--to", str(clustered), "--plain",
        "--cluster", str(cluster))  # fmt: skip
    info = read_keyinfo(clustered)
    assert info is not None and not info.encrypted  # --plain
    # Each slice is a real part of the store (neither empty, nor one post, nor all of it), so
    # "holds only its posts" below says something.
    for name, chosen in (("platform", by_platform), ("date", by_date), ("cluster", by_cluster)):
        assert 1 < len(chosen) < len(posts), f"the {name} slice is not a proper part of the demo"
    for where, expected in (
        (url, by_platform),
        (str(dated), by_date),
        (str(clustered), by_cluster),
    ):
        store = open_store(where) if where == url else open_for_user(Path(where))
        try:
            assert set(_posts(store)) == expected
            # What the posts refer to came along; nothing of other posts did.
            for table in ("decisions", "post_tags", "media", "indicators", "blind_reviews"):
                ids = {int(r[0]) for r in store.execute(f"SELECT post_id FROM {table}")}
                assert ids <= expected, table
            assert (
                store.scalar(
                    "SELECT count(*) FROM posts p LEFT JOIN accounts a ON a.id = p.account_id "
                    "WHERE p.account_id IS NOT NULL AND a.id IS NULL"
                )
                == 0
            )
            # A slice is a store of its own (store/copy_slice.py): the source's whole chain is
            # held as another store's (never cut), and its own starts with the row naming it.
            assert store.store_id != source_id
            # (each slice made adds the source's record of it: the later slices hold those too)
            held = store.scalar("SELECT count(*) FROM peer_audit WHERE origin = ?", (source_id,))
            assert held >= audit_rows
            assert store.execute("SELECT action, object_id FROM audit").fetchall() == [
                ("field_slice", source_id)
            ]
        finally:
            store.close()
        verify(capsys, where)
    # The platform slice had only that platform's posts.
    on_server = open_store(url)
    try:
        assert {r[0] for r in on_server.execute("SELECT DISTINCT platform FROM posts")} == {
            platform
        }
    finally:
        on_server.close()


def _state(where: str) -> dict[str, int]:
    store = open_store(where) if where.startswith("postgresql") else open_for_user(Path(where))
    try:
        return {t: int(store.scalar(f"SELECT count(*) FROM {t}")) for t in TABLES}
    finally:
        store.close()


def test_bad_input_is_one_line_and_changes_nothing(pg_server, demo, tmp_path, capsys):
    target = tmp_path / "new.db"
    _, err = cli(
        capsys, "db", "copy", "--from", str(tmp_path / "nothing.db"), "--to", str(target), code=1
    )
    assert "No store at" in error_line(err) and not target.exists()

    # A destination with posts is refused and keeps them.
    full = pg_server.empty_database()
    cli(capsys, "--db", full, "db", "create")
    cli(capsys, "--db", full, "demo", "--posts", "20")
    before = _state(full)
    _, err = cli(capsys, "db", "copy", "--from", str(demo), "--to", full, code=1)
    assert "already holds 20 posts" in error_line(err)
    assert _state(full) == before
    before_demo = _state(str(demo))
    _, err = cli(capsys, "db", "copy", "--from", full, "--to", str(demo), code=1)
    assert "already holds" in error_line(err)
    assert _state(str(demo)) == before_demo

    # An address that would cross a network without TLS, either side, before connecting.
    for args in (
        ("--from", "postgresql://db.example.org/triage", "--to", str(target)),
        ("--from", str(demo), "--to", "postgresql://db.example.org/triage"),
    ):
        _, err = cli(capsys, "db", "copy", *args, code=1)
        assert "without TLS" in error_line(err)
    assert not target.exists()
    _, err = cli(capsys, "db", "copy", "--from", str(demo), "--to", "postgresql://[bad", code=1)
    error_line(err)

    for bad in (("--since", "2024-13-01"), ("--until", "yesterday"), ("--cluster", "x")):
        _, err = cli(capsys, "db", "copy", "--from", str(demo), "--to", str(target), *bad, code=2)
        assert bad[0] in error_line(err)
    _, err = cli(
        capsys,
        "db",
        "copy",
        "--from",
        str(demo),
        "--to",
        str(target),
        "--since",
        "2025-02-01",
        "--until",
        "2025-01-01",
        code=2,
    )
    assert "after --until" in error_line(err)
    _, err = cli(capsys, "db", "copy", "--from", str(demo), "--to", str(target),
                 "--platform", "no-such-platform", code=1)  # fmt: skip
    assert "No post of the source matches platform no-such-platform" in error_line(err)
    assert not list(tmp_path.glob("new.db*"))  # the store made for it is removed, key and all
    _, err = cli(capsys, "db", "copy", "--from", str(demo), "--to", str(demo), code=1)
    assert "same store" in error_line(err)
    assert not target.exists()


@pytest.mark.parametrize("engine", ["postgresql", "sqlite"])
def test_an_interrupted_copy_leaves_the_destination_as_it_was(
    engine, pg_server, demo, tmp_path, capsys
):
    """Ctrl+C half-way (media files written, in the middle of the decisions) rolls it all
    back, into a store made by `db create` (whose founder's key registration is in its audit
    trail), and removes the media files the copy wrote."""
    where = pg_server.empty_database() if engine == "postgresql" else str(tmp_path / "made.db")
    cli(capsys, "--db", where, "db", "create")
    before = _state(where)
    assert before["users"] == 1

    stopped_at: list[tuple[int, int]] = []
    files_written: list[int] = []

    def interrupt(what: str, done: int, total: int) -> None:
        if what == "media files" and done:
            files_written.append(done)
        if what == "decisions" and 0 < done < total:  # inside the table's COPY / executemany
            stopped_at.append((done, total))
            raise KeyboardInterrupt

    src = open_for_user(demo)
    dst = open_store(where) if engine == "postgresql" else open_for_user(Path(where))
    try:
        with pytest.raises(KeyboardInterrupt):
            copy_store(src, dst, Slice(), interrupt)
    finally:
        src.close()
        dst.close()
    assert stopped_at, "the copy was never interrupted half-way through a table"
    assert files_written, "no media file was written before the interruption"
    assert _state(where) == before
    from triage_app.ingest.evidence import evidence_dir

    folder = evidence_dir(Path(dst.path))  # a server's is a folder of this machine
    assert not folder.exists() or not [p for p in folder.rglob("*") if p.is_file()]
    # The same copy, uninterrupted, then goes through.
    out, _ = cli(capsys, "db", "copy", "--from", str(demo), "--to", where)
    assert "every table's count matches" in out
    verify(capsys, where)


def test_every_table_of_both_schemas_is_copied_or_left_out_on_purpose(pg_server, tmp_path):
    """A table a new migration adds must be placed in store/copy_plan.py, or db copy stops."""
    sqlite_store = open_store(tmp_path / "s.db", create=True)
    pg_store = pg_server.fresh_store()
    try:
        for store in (sqlite_store, pg_store):
            tables = end_for(store).tables()
            assert {t for t in tables if not is_skipped(t)} == set(TABLES), store.backend
    finally:
        sqlite_store.close()
        pg_store.close()

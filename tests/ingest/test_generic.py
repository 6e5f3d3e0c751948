"""The generic JSONL and CSV formats through the pipeline: idempotence, quarantine, refusals."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.support.backends import child_arguments
from tests.support.run_as import launcher_command
from triage_app.ingest.pipeline import import_paths
from triage_app.store.audit import verify_audit
from triage_app.store.connection import connect, open_store
from triage_app.store.queue import search_match

ROOT = Path(__file__).resolve().parents[2]


def good(i: int, **extra: object) -> dict:
    row = {
        "platform": "facebook",
        "post_id": f"p{i}",
        "created_at": "2025-03-01T10:00:00Z",
        "text": f"Speedboat to Italy post {i}",
        "author_id": f"a{i % 7}",
        "author_handle": f"boatman{i % 7}",
        "author_name": "Boat Man",
        "language": "en",
    }
    row.update(extra)
    return row


def write_jsonl(path: Path, rows: list[object]) -> Path:
    with open(path, "wb") as handle:
        for row in rows:
            if isinstance(row, bytes):
                handle.write(row + b"\n")
            else:
                handle.write(json.dumps(row, ensure_ascii=False).encode() + b"\n")
    return path


def counts(store) -> tuple[int, int, int, int]:
    return tuple(
        store.scalar(f"SELECT count(*) FROM {t}")
        for t in ("posts", "accounts", "quarantine", "audit")
    )  # type: ignore[return-value]


def found(store, what: str, word: str):
    """``what`` over the search index rows matching ``word`` (FTS5 MATCH, or the server's
    full-text condition: store/queue.py search_match)."""
    match, value = search_match(store, word)
    return store.scalar(f"SELECT {what} FROM posts_fts WHERE {match}", (value,))


def test_reimporting_the_same_file_adds_nothing(make_store, tmp_path):
    store = make_store()
    path = write_jsonl(tmp_path / "a.jsonl", [good(i) for i in range(50)])
    first = import_paths(store, [path])[0]
    assert (first.format, first.inserted, first.present) == ("jsonl", 50, 0)
    second = import_paths(store, [path])[0]
    assert (second.inserted, second.present) == (0, 50)
    assert store.scalar("SELECT count(*) FROM posts") == 50
    assert store.scalar("SELECT count(*) FROM accounts") == 7
    # full-text search finds posts by text and by author handle, once each
    assert found(store, "count(*)", "speedboat") == 50
    assert found(store, "count(*)", "boatman3") == 7
    assert store.scalar("SELECT count(*) FROM meta WHERE key = 'fts_bulk'") == 0


def test_posts_written_outside_an_import_are_indexed_by_the_trigger(make_store, tmp_path):
    store = make_store()
    import_paths(store, [write_jsonl(tmp_path / "a.jsonl", [good(1)])])
    with store.transaction() as conn:
        conn.execute("INSERT INTO posts(uuid, platform, platform_post_id, text, import_id, "
                     "imported_at) VALUES ('u-2', 'x', '2', 'zuwara departure', 1, 'now')")
    assert found(store, "rowid", "zuwara") == \
        store.scalar("SELECT id FROM posts WHERE platform_post_id = '2'")


def test_provenance_is_kept_for_every_post(make_store, tmp_path):
    store = make_store()
    path = write_jsonl(tmp_path / "a.jsonl", [good(1)])
    summary = import_paths(store, [path])[0]
    row = store.execute(
        "SELECT i.sha256, i.path, r.raw FROM posts p JOIN imports i ON i.id = p.import_id "
        "JOIN post_raw r ON r.post_id = p.id"
    ).fetchone()
    import hashlib

    assert row[0] == hashlib.sha256(path.read_bytes()).hexdigest() == summary.sha256
    assert row[1] == str(path)
    assert json.loads(row[2])["post_id"] == "p1"


def test_mixed_good_and_bad_records(make_store, tmp_path):
    """Each kind of bad record is quarantined with its reason; the good ones import."""
    store = make_store()
    rows: list[object] = [good(1)]
    rows.append(b'{"platform": "facebook", "post_id": "broken"')  # bad JSON
    rows.append(b'{"platform": "facebook", "post_id": "nul\x00", "created_at": "2025-01-01"}')
    rows.append(b'{"platform": "facebook", "post_id": "bad-utf8 \xff\xfe", "created_at": "2025"}')
    rows.append(
        b'{"platform": "facebook", "post_id": "huge", "text": "'
        + b"x" * 5_000_000
        + b'", "created_at": "2025-01-01"}'
    )
    rows.append({"platform": "facebook", "created_at": "2025-01-01", "text": "no id"})
    rows.append(good(2, created_at="2025-02-30T10:00:00Z"))  # impossible date
    rows.append(good(3, created_at="yesterday"))
    rows.append(good(4))
    path = write_jsonl(tmp_path / "mixed.jsonl", rows)
    summary = import_paths(store, [path])[0]
    assert summary.error is None
    assert summary.inserted == 2
    assert summary.quarantined == 7
    reasons = dict(store.execute("SELECT line_no, reason FROM quarantine ORDER BY line_no"))
    assert reasons[2].startswith("bad JSON")
    assert reasons[3] == "record contains NUL bytes"
    assert reasons[4].startswith("invalid UTF-8")
    assert reasons[5] == "record over 1 MB (5,000,083 bytes); first 64 KB kept"
    assert reasons[6] == "missing post_id"
    assert reasons[7] == "created_at is not a date: '2025-02-30T10:00:00Z'"
    assert reasons[8] == "created_at is not a date: 'yesterday'"
    raw = store.scalar("SELECT raw FROM quarantine WHERE line_no = 3")
    assert b"\x00" in raw
    huge = store.scalar("SELECT length(raw) FROM quarantine WHERE line_no = 5")
    assert huge <= 64 * 1024  # over-long records keep only their start
    assert sorted(r[0] for r in store.execute("SELECT platform_post_id FROM posts")) == ["p1", "p4"]


@pytest.mark.parametrize(
    "content, message",
    [
        (None, "no such file"),
        (b"", "empty"),
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 10, "not a format"),
        (b"name,age\nbob,3\n", "not a format"),
    ],
)
def test_an_unreadable_file_changes_nothing(make_store, tmp_path, content, message):
    store = make_store()
    write_jsonl(tmp_path / "ok.jsonl", [good(1)])
    import_paths(store, [tmp_path / "ok.jsonl"])
    before = counts(store)
    path = tmp_path / "bad.jsonl"
    if content is not None:
        path.write_bytes(content)
    summary = import_paths(store, [path])[0]
    assert summary.error is not None and message in summary.error
    assert "\n" not in summary.error
    assert counts(store) == before
    assert verify_audit(store.conn).ok


def test_csv_generic_format(make_store, tmp_path):
    store = make_store()
    path = tmp_path / "posts.csv"
    path.write_text(
        "platform,post_id,created_at,text,author_id,author_handle,author_name,language\n"
        'tiktok,9007199254740993,2025-01-02T03:04:05Z,"قارب سريع إلى إيطاليا, 3,500€",u1,'
        "sea_king,Sea King,ar\n"
        "tiktok,2,not-a-date,hello,u1,sea_king,Sea King,en\n",
        encoding="utf-8",
    )
    summary = import_paths(store, [path])[0]
    assert (summary.format, summary.inserted, summary.quarantined) == ("csv", 1, 1)
    text, pid, posted = store.execute(
        "SELECT text, platform_post_id, posted_at FROM posts"
    ).fetchone()
    assert text == "قارب سريع إلى إيطاليا, 3,500€"
    assert pid == "9007199254740993"
    assert posted == 1735787045


def test_media_are_hashed_and_kept_as_evidence(make_store, tmp_path):
    store = make_store()
    (tmp_path / "img").mkdir()
    (tmp_path / "img" / "boat.jpg").write_bytes(b"JPEGDATA" * 100)
    path = write_jsonl(tmp_path / "m.jsonl", [good(1, media=["img/boat.jpg", "img/gone.png"])])
    import_paths(store, [path])
    rows = store.execute("SELECT name, sha256, missing, stored_path FROM media ORDER BY name")
    rows = rows.fetchall()
    import hashlib

    assert rows[0][0] == "boat.jpg"
    assert rows[0][1] == hashlib.sha256(b"JPEGDATA" * 100).hexdigest()
    assert rows[0][2] == 0
    evidence = Path(str(store.path) + ".evidence") / rows[0][3]
    assert evidence.read_bytes() == b"JPEGDATA" * 100
    assert rows[1][0] == "gone.png" and rows[1][2] == 1


def test_cancelled_import_keeps_nothing(make_store, tmp_path):
    store = make_store()
    path = write_jsonl(tmp_path / "big.jsonl", [good(i) for i in range(5000)])
    seen = []
    summary = import_paths(
        store, [path], cancelled=lambda: len(seen) > 0, progress=lambda p: seen.append(p.records)
    )
    assert summary[0].error and "cancelled" in summary[0].error
    assert store.scalar("SELECT count(*) FROM posts") == 0
    assert store.scalar("SELECT count(*) FROM imports") == 0


def test_a_killed_import_leaves_all_or_nothing(make_store, tmp_path):
    store = make_store()
    store.close()
    path = write_jsonl(tmp_path / "big.jsonl", [good(i) for i in range(60_000)])
    env = dict(os.environ, TRIAGE_DB=str(tmp_path / "store.db"))
    _, env = child_arguments((), env, "alice")  # on PostgreSQL: the store's database
    for delay in (0.5, 1.5):
        proc = subprocess.Popen(
            launcher_command("alice", "import", str(path), "--no-enrich"),  # the store's maker
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        if store.backend == "sqlite":
            conn = connect(tmp_path / "store.db")
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        else:  # the server's session died with the client: what it committed is all there is
            reopened = open_store(tmp_path / "store.db", user="alice")
            conn = reopened.conn
        n = conn.execute("SELECT count(*) FROM posts").fetchone()[0]
        assert n in (0, 60_000)
        if n:
            assert conn.execute("SELECT count(*) FROM imports").fetchone()[0] == 1
        if store.backend == "sqlite":
            conn.close()
        else:
            reopened.close()

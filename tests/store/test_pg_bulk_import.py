"""Imports into a team server go through COPY (store/pg/bulk_copy.py, chosen by
ingest/batch_rows.py) and keep every guarantee of the SQLite path, on a real server
(tests/support/pg_server.py):

- the same rows as a SQLite store given the same export: posts and their uuids, accounts, raw
  records, search rows and hits, media and refused media, quarantine, the import's audit entry;
- a re-import adds nothing; a file that stops half-way (cancelled after a written batch, or
  refused by the server) leaves nothing, its indexes included;
- a large load into an empty store by the owner rebuilds the indexes at its end, the same ones;
- an analyst login made by `triage users add` (no owner rights: it may not drop an index) can
  import, a large file too, and the audit names the analyst."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql

from triage_app.cli import main
from triage_app.ingest import bulk_load
from triage_app.ingest.batch_rows import ExecutemanyRows, row_writer
from triage_app.ingest.pipeline import import_paths
from triage_app.store import open_store
from triage_app.store.pg.bulk_copy import CopyRows
from triage_app.store.queue import search_hits

QUERIES = ["speedboat", "cafe", "صقليه", "boatman3", "handle:boatman1", "italy*"]


def export(folder: Path, n: int) -> Path:
    """A JSONL export of ``n`` posts with what every table gets: repeated accounts, a post
    given twice, an unreadable line, a blank line, media taken, missing and refused."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "img").mkdir(exist_ok=True)
    (folder / "img" / "boat.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"boat" * 50)
    (folder.parent / "outside.png").write_bytes(b"\x89PNG\r\n\x1a\nout")
    lines = []
    for i in range(n):
        record: dict[str, object] = {
            "platform": "telegram" if i % 2 else "facebook",
            "post_id": f"p{i}",
            "created_at": f"2025-03-0{1 + i % 9}T10:00:00Z",
            "text": "وصلنا إلى صقلية" if i % 3 == 0 else f"Speedboat to Italy post {i} café",
            "author_id": f"a{i % 7}",
            "author_handle": f"boatman{i % 7}",
            "author_name": "أبو حمزة" if i % 7 == 0 else "Boat Man",
            "language": "en",
        }
        if i % 50 == 1:
            record["media"] = ["img/boat.png"]
        if i % 50 == 2:
            record["media"] = ["img/missing.png"]
        if i % 50 == 3:
            record["media"] = ["../outside.png"]
        lines.append(json.dumps(record, ensure_ascii=False))
    lines[5:5] = ["{not json", "", lines[3]]  # unreadable, blank, and a post given twice
    path = folder / "posts.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def snapshot(store) -> dict[str, Any]:
    """Everything an import writes, keyed by natural keys and uuids (ids may differ)."""
    q = store.conn.execute
    post_uuid = "(SELECT uuid FROM posts p WHERE p.id = {})"
    return {
        "posts": q(
            "SELECT p.uuid, p.platform, p.platform_post_id, p.kind, p.parent_post_id, p.url, "
            "p.posted_at, p.text, p.language, p.status, a.uuid FROM posts p "
            "LEFT JOIN accounts a ON a.id = p.account_id ORDER BY p.id"
        ).fetchall(),
        "accounts": q(
            "SELECT uuid, platform, platform_account_id, handle, display_name, url, created_at, "
            "followers FROM accounts ORDER BY id"
        ).fetchall(),
        "raw": q(
            f"SELECT {post_uuid.format('r.post_id')}, raw, extra FROM post_raw r ORDER BY post_id"
        ).fetchall(),
        "fts": q(
            f"SELECT {post_uuid.format('f.rowid')}, text, handle, name FROM posts_fts f "
            "ORDER BY rowid"
        ).fetchall(),
        "media": q(
            f"SELECT {post_uuid.format('m.post_id')}, kind, name, source_path, url, sha256, "
            "size, mime, missing, stored_path IS NULL FROM media m ORDER BY id"
        ).fetchall(),
        "refused": q(
            f"SELECT {post_uuid.format('r.post_id')}, reference, reason FROM media_refused r "
            "ORDER BY post_id"
        ).fetchall(),
        "quarantine": q(
            "SELECT record_no, line_no, reason, raw FROM quarantine ORDER BY id"
        ).fetchall(),
        "imports": q(
            "SELECT format, inserted, present, quarantined, skipped, media_refused, line_account "
            "FROM imports ORDER BY id"
        ).fetchall(),
        "audit": [
            {k: v for k, v in json.loads(d).items() if k != "path"}
            for (d,) in q("SELECT detail FROM audit WHERE action = 'import' ORDER BY id")
        ],
    }


def hits(store) -> dict[str, list[str]]:
    found = {}
    for query in QUERIES:
        ids = search_hits(store, query)
        rows = store.conn.execute(
            "SELECT uuid FROM posts WHERE id IN (SELECT value FROM json_each(?))",
            (json.dumps(list(ids)),),
        ).fetchall()
        found[query] = sorted(r[0] for r in rows)
    return found


def index_definitions(url: str) -> list[tuple[str, str]]:
    """The indexes of posts and posts_fts and the constraints of the tables an import fills
    (a large load drops some and makes them again)."""
    with psycopg.connect(url) as conn:
        return conn.execute(
            "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index "
            "WHERE indrelid IN ('posts'::regclass, 'posts_fts'::regclass) "
            "UNION ALL SELECT conrelid::regclass || ' ' || conname, pg_get_constraintdef(oid) "
            "FROM pg_constraint WHERE conrelid IN ('posts'::regclass, 'post_raw'::regclass, "
            "'media'::regclass, 'posts_fts'::regclass) ORDER BY 1"
        ).fetchall()


@pytest.fixture
def large(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every file counts as a large load into a small store (ingest/bulk_load.py's rule)."""
    monkeypatch.setattr(bulk_load, "MIN_POSTS", 0)
    monkeypatch.setattr(bulk_load, "BYTES_PER_POST", 1)


def test_the_server_is_given_copy_and_sqlite_executemany(pg_server, tmp_path):
    pg = pg_server.fresh_store()
    local = open_store(tmp_path / "local.db", create=True)
    try:
        with pg.transaction() as conn:
            assert isinstance(row_writer(conn), CopyRows)
        with local.transaction() as conn:
            assert isinstance(row_writer(conn), ExecutemanyRows)
    finally:
        pg.close()
        local.close()


@pytest.mark.parametrize("bulk", [False, True], ids=["ordinary", "large-load"])
def test_copy_gives_the_rows_of_the_sqlite_path(pg_server, tmp_path, monkeypatch, bulk):
    if bulk:
        monkeypatch.setattr(bulk_load, "MIN_POSTS", 0)
        monkeypatch.setattr(bulk_load, "BYTES_PER_POST", 1)
    source = export(tmp_path / "export", 2300)  # more than one batch of 2,000
    local = open_store(tmp_path / "local.db", create=True)
    url = pg_server.fresh_database()
    pg = open_store(url, create=True)
    indexes = index_definitions(url)
    try:
        [on_sqlite] = import_paths(local, [source], enrich=False)
        [on_server] = import_paths(pg, [source], enrich=False)
        assert on_server.error is None
        assert on_server.as_dict() | {"sha256": None} == on_sqlite.as_dict() | {"sha256": None}
        assert on_server.inserted == 2300 and on_server.present == 1
        # the post given twice is one with refused media: its refusal is counted each time
        assert on_server.quarantined == 1 and on_server.media_refused == 47
        expected, got = snapshot(local), snapshot(pg)
        for table in expected:
            assert got[table] == expected[table], table
        assert len(got["media"]) == 92 and len(got["refused"]) == 46
        assert hits(pg) == hits(local)
        assert all(hits(pg).values())
        assert index_definitions(url) == indexes  # a large load built them all again
        # the new posts are in the queue order of the SQLite store (ids in the file's order)
        assert [r[0] for r in got["posts"]][:3] == [r[0] for r in expected["posts"]][:3]
    finally:
        local.close()
        pg.close()


def test_reimport_adds_nothing(pg_server, tmp_path, large):
    source = export(tmp_path / "export", 2100)
    store = pg_server.fresh_store()
    try:
        [first] = import_paths(store, [source], enrich=False)
        before = snapshot(store)
        [again] = import_paths(store, [source], enrich=False)
        assert first.inserted == 2100
        assert again.error is None and again.inserted == 0 and again.present == 2101
        after = snapshot(store)
        for table in ("posts", "accounts", "raw", "fts", "media", "refused", "quarantine"):
            assert after[table] == before[table], table
        assert len(after["imports"]) == 2
        assert after["audit"][1]["inserted"] == 0
    finally:
        store.close()


def test_posts_after_a_load_into_an_empty_store_get_new_ids(pg_server, tmp_path, large):
    """The empty store's load gives the posts their ids itself (COPY straight into posts):
    the identity continues after them, so later posts are neither refused nor lost, and the
    batch that met a post given twice went the staging way with the same rule."""
    store = pg_server.fresh_store()
    try:
        [first] = import_paths(store, [export(tmp_path / "one", 2300)], enrich=False)
        assert first.inserted == 2300 and first.present == 1
        top = store.scalar("SELECT max(id) FROM posts")
        more = tmp_path / "two" / "posts.jsonl"
        more.parent.mkdir()
        more.write_text(
            "".join(
                json.dumps(
                    {
                        "platform": "x",
                        "post_id": f"n{i}",
                        "created_at": "2025-03-01T10:00:00Z",
                        "text": f"later post {i}",
                        "author_id": "z",
                    }
                )
                + "\n"
                for i in range(30)
            ),
            encoding="utf-8",
        )
        [second] = import_paths(store, [more], enrich=False)
        assert second.error is None and second.inserted == 30
        assert store.scalar("SELECT min(id) FROM posts WHERE platform = 'x'") > top
        assert store.scalar("SELECT count(*) FROM posts") == 2330
        assert store.scalar("SELECT count(*) FROM posts_fts") == 2330
    finally:
        store.close()


@pytest.mark.parametrize("bulk", [False, True], ids=["ordinary", "large-load"])
def test_a_cancelled_file_leaves_nothing(pg_server, tmp_path, monkeypatch, bulk):
    if bulk:
        monkeypatch.setattr(bulk_load, "MIN_POSTS", 0)
        monkeypatch.setattr(bulk_load, "BYTES_PER_POST", 1)
    source = export(tmp_path / "export", 5000)
    url = pg_server.fresh_database()
    store = open_store(url, create=True)
    indexes = index_definitions(url)
    calls = [0]

    def cancelled() -> bool:
        calls[0] += 1
        return calls[0] > 3  # after two batches were written

    try:
        before = snapshot(store)
        [result] = import_paths(store, [source], enrich=False, cancelled=cancelled)
        assert result.error and "cancelled" in result.error
        assert snapshot(store) == before
        assert index_definitions(url) == indexes
        with psycopg.connect(url) as conn:  # the staging table went with the transaction
            assert conn.execute("SELECT to_regclass('pg_temp.triage_import_posts')").fetchone() == (
                None,
            )
        [later] = import_paths(store, [source], enrich=False)  # and the store takes it whole
        assert later.inserted == 5000
    finally:
        store.close()


def test_a_file_the_server_refuses_half_way_leaves_nothing(pg_server, tmp_path):
    """A record the server itself refuses, after a batch was written: here a CHECK the test
    adds to post_raw (a real server-side refusal in the middle of a COPY). The file is refused
    in one line and nothing of it stays."""
    source = export(tmp_path / "export", 2500)
    with source.open("a", encoding="utf-8") as handle:
        handle.write(
            json.dumps(
                {
                    "platform": "x",
                    "post_id": "late",
                    "created_at": "2025-03-01T10:00:00Z",
                    "text": "poison",
                    "author_id": "z",
                }
            )
            + "\n"
        )
    url = pg_server.fresh_database()
    store = open_store(url, create=True)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "ALTER TABLE post_raw ADD CONSTRAINT refuse_poison CHECK (raw NOT LIKE '%poison%')"
        )
    try:
        before = snapshot(store)
        [result] = import_paths(store, [source], enrich=False)
        assert result.error is not None
        assert "refuse_poison" in result.error and "nothing kept" in result.error
        assert "\n" not in result.error and result.inserted == 0
        assert snapshot(store) == before
    finally:
        store.close()


@pytest.fixture
def analyst(pg_server, capsys) -> Iterator[tuple[str, str, str]]:
    """A store made with `triage db create` by the server's superuser (its owner) and an
    analyst added with `triage users add`: (owner url, analyst url, analyst login)."""
    url = pg_server.empty_database()
    assert main(["--db", url, "db", "create"]) == 0
    login = f"ana_{uuid.uuid4().hex[:8]}"
    assert main(["--db", url, "users", "add", login, "--role", "analyst"]) == 0
    capsys.readouterr()
    db = url.split("///", 1)[1].split("?", 1)[0]
    yield url, f"postgresql://{login}@/{db}?host={pg_server.socket_dir}", login
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s", (login,)
        )
        conn.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(login)))
        conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(login)))


def test_an_analyst_login_imports(pg_server, tmp_path, capsys, analyst, large):
    owner_url, analyst_url, login = analyst
    source = export(tmp_path / "export", 2200)
    indexes = index_definitions(owner_url)
    rc = main(["--db", analyst_url, "import", str(source), "--no-enrich", "--json"])
    out, err = capsys.readouterr()
    assert rc == 0, out + err
    [summary] = json.loads(out)
    assert summary["error"] is None and summary["inserted"] == 2200
    owner = open_store(owner_url)
    try:
        assert owner.scalar("SELECT count(*) FROM posts") == 2200
        assert owner.scalar("SELECT count(*) FROM post_raw") == 2200
        assert owner.scalar("SELECT count(*) FROM posts_fts") == 2200
        # the analyst's import gave the search keys too (s002_search_keys.py)
        assert owner.scalar("SELECT count(*) FROM posts_fts WHERE text_key IS NOT NULL") == 2200
        assert owner.scalar("SELECT actor FROM audit WHERE action = 'import'") == login
        assert owner.scalar("SELECT actor FROM imports") == login
        assert len(search_hits(owner, "صقليه")) == 734
    finally:
        owner.close()
    # an analyst may not drop the indexes: the large load kept them as they were
    assert index_definitions(owner_url) == indexes
    rc = main(["--db", analyst_url, "import", str(source), "--no-enrich", "--json"])
    out, _ = capsys.readouterr()
    assert rc == 0 and json.loads(out)[0]["inserted"] == 0


def _on_raw_rows(monkeypatch, step) -> None:
    """Call ``step(copier, rows)`` on each batch of post_raw rows the load COPYs; the rows it
    returns go in instead."""
    real_insert = CopyRows.insert

    def insert(self, table, columns, rows):
        if table == "post_raw" and rows:
            rows = step(self, rows)
        return real_insert(self, table, columns, rows)

    monkeypatch.setattr(CopyRows, "insert", insert)


def test_a_large_load_builds_the_raw_rows_primary_key_at_its_end(
    pg_server, tmp_path, monkeypatch, large
):
    """post_raw's primary key is not kept row by row during a load into an empty store (a
    btree insert per row on the server, the load's critical path) but built at the end, with
    its definition; a store in use keeps it while the rows go in."""
    seen: list[tuple[str, int]] = []

    def note_the_key(copier, rows):
        keys = copier.conn.raw.execute(
            "SELECT count(*) FROM pg_constraint "
            "WHERE conrelid = 'post_raw'::regclass AND contype = 'p'"
        ).fetchone()[0]
        seen.append(("empty" if not seen else "later", keys))
        return rows

    _on_raw_rows(monkeypatch, note_the_key)
    url = pg_server.fresh_database()
    store = open_store(url, create=True)
    indexes = index_definitions(url)
    try:
        [first] = import_paths(store, [export(tmp_path / "one", 2300)], enrich=False)
        assert first.error is None and first.inserted == 2300
        assert {keys for _, keys in seen} == {0}  # no key while the empty store's load ran
        assert index_definitions(url) == indexes  # and the same key after it
        seen.clear()
        more = export(tmp_path / "two", 2300)
        more.write_text(
            more.read_text(encoding="utf-8").replace('id": "p', 'id": "q'), encoding="utf-8"
        )
        [second] = import_paths(store, [more], enrich=False)
        assert second.inserted == 2300 and seen and {keys for _, keys in seen} == {1}
    finally:
        store.close()


def test_a_large_load_refuses_a_raw_row_given_twice(pg_server, tmp_path, monkeypatch, large):
    """With post_raw's key built at the end, two raw rows for one post (which the load never
    writes: each row is for a post it has just added) still refuse the whole file."""
    _on_raw_rows(monkeypatch, lambda _copier, rows: [*rows, rows[0]])
    url = pg_server.fresh_database()
    store = open_store(url, create=True)
    indexes = index_definitions(url)
    try:
        [result] = import_paths(store, [export(tmp_path / "one", 300)], enrich=False)
        assert result.error is not None and "post_raw_pkey" in result.error
        assert store.scalar("SELECT count(*) FROM posts") == 0
        assert index_definitions(url) == indexes
    finally:
        store.close()


@pytest.mark.parametrize("bulk", [False, True], ids=["ordinary", "large-load"])
def test_raw_and_search_rows_go_in_binary_with_the_same_values(
    pg_server, tmp_path, monkeypatch, bulk
):
    """posts, post_raw and posts_fts are COPYed in binary (half the client's CPU of text);
    the stored posts, raw lines and search rows are the text format's: backslashes, tabs,
    carriage returns, NUL-free control characters, astral characters, an empty extra, ids,
    urls and times given as JSON numbers."""
    if bulk:
        monkeypatch.setattr(bulk_load, "MIN_POSTS", 0)
        monkeypatch.setattr(bulk_load, "BYTES_PER_POST", 1)
    from triage_app.store.pg import bulk_copy

    formats: dict[str, set[bool]] = {}
    real_copy = bulk_copy.copy_into

    def copy_into(raw, table, columns, rows, types=None):
        formats.setdefault(table, set()).add(types is not None)
        return real_copy(raw, table, columns, rows, types)

    monkeypatch.setattr(bulk_copy, "copy_into", copy_into)
    texts = ["a\\b\\\\c", "tab\there", "cr\rlf\r\n", "\x01\x1f\x7f", "𓀀 😀 \\N", "", "\\."]
    folder = tmp_path / "export"
    folder.mkdir()
    source = folder / "posts.jsonl"
    source.write_text(
        "".join(
            json.dumps(
                {
                    "platform": "x",
                    "post_id": f"b{i}" if i % 2 else 9_000_000_000 + i,
                    "created_at": "2025-03-01T10:00:00Z" if i % 3 else 1_740_823_200 + i,
                    "parent_post_id": 7 if i == 1 else None,
                    "url": 8 if i == 2 else f"https://x.example/{i}",
                    "language": "en" if i % 2 else None,
                    "text": text,
                    "author_id": "z",
                    "author_handle": f"h\\{i}\t",
                    "author_name": text or None,
                }
            )
            + "\n"
            for i, text in enumerate(texts)
        ),
        encoding="utf-8",
    )
    local = open_store(tmp_path / "local.db", create=True)
    pg = pg_server.fresh_store()
    try:
        [on_sqlite] = import_paths(local, [source], enrich=False)
        [on_server] = import_paths(pg, [source], enrich=False)
        assert on_server.error is None and on_server.inserted == len(texts)
        expected, got = snapshot(local), snapshot(pg)
        for table in ("posts", "accounts", "raw", "fts"):
            assert got[table] == expected[table], table
        raw_lines = [line for line in source.read_text(encoding="utf-8").split("\n") if line]
        assert [r[1] for r in got["raw"]] == raw_lines
        assert formats["post_raw"] == {True} and formats["posts_fts"] == {True}
        # posts too, and copied at all (an empty set would say nothing)
        assert formats.get("posts", set()) | formats.get("triage_import_posts", set()) == {True}
        # the documents are the server's own for those texts
        assert (
            pg.scalar(
                "SELECT count(*) FROM posts_fts WHERE document IS DISTINCT FROM "
                "setweight(to_tsvector('simple', coalesce(search_key(text), '')), 'A') || "
                "setweight(to_tsvector('simple', coalesce(search_key(handle), '')), 'B') || "
                "setweight(to_tsvector('simple', coalesce(search_key(name), '')), 'C')"
            )
            == 0
        )
    finally:
        local.close()
        pg.close()


def test_binary_types_come_from_the_catalog(pg_server):
    """A binary COPY sends each column in its own type's form, read from the server; a table
    with a column of another type (posts.priority, double precision) goes as text."""
    from triage_app.store.pg.bulk_copy import binary_types

    url = pg_server.fresh_database()
    with psycopg.connect(url) as conn:
        assert binary_types(conn, "post_raw", ("post_id", "raw", "extra")) == [
            "int8",
            "text",
            "text",
        ]
        assert binary_types(conn, "posts", ("id", "priority")) is None
        assert binary_types(conn, "posts", ("id", "no_such_column")) is None

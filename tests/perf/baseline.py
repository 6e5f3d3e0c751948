"""The import baseline: raw stdlib sqlite3 writing the same rows as `triage import` — the same
schema (the store's migrations: tables, indexes, FTS5), the same posts, accounts, raw records
and full-text rows, with executemany in batches of 2,000 inside one transaction (WAL, FULL
sync) — but none of the pipeline's work around it (format detection, field checks, quarantine,
provenance, progress, media). ``--minimal`` is the yardstick of issue 17: the simplest table
that holds the same information (platform, id, time, author, text, the raw line) with an FTS5
index on the text, handle and name, unencrypted like the plain store the benchmark imports into;
the import speed figure is a ratio to it, measured in the same run."""

from __future__ import annotations

import json
import sqlite3
import sys
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
NAMESPACE = uuid.UUID("6f1d3c2e-8a4b-4c5d-9e7f-0a1b2c3d4e5f")  # as triage_app.ingest.pipeline


def store_schema(conn: sqlite3.Connection) -> None:
    from triage_app.store.connection import _split_sql
    from triage_app.store.migrations import all_migrations
    from triage_app.store.search_index import register_functions

    register_functions(conn)  # the index triggers call search_fold()
    for migration in all_migrations():
        for statement in _split_sql(migration.sql):
            conn.execute(statement)
    conn.execute(
        "INSERT INTO imports(uuid, path, sha256, size, format, actor, started_at) "
        "VALUES ('baseline', 'x', 'x', 0, 'jsonl', 'baseline', 'now')"
    )
    conn.execute("INSERT INTO meta(key, value) VALUES ('fts_bulk', '1')")


def same_schema(jsonl: str, db: str) -> None:
    from triage_app.core.search_normal import fold

    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    store_schema(conn)
    conn.execute("BEGIN")
    accounts: dict[tuple[str, str], int] = {}
    posts: list[tuple[object, ...]] = []
    raws: list[tuple[object, ...]] = []
    fts: list[tuple[object, ...]] = []
    new_accounts: list[tuple[object, ...]] = []
    next_post = 1

    def flush() -> None:
        conn.executemany(
            "INSERT INTO accounts(id, uuid, platform, platform_account_id, handle, "
            "display_name) VALUES (?,?,?,?,?,?)",
            new_accounts,
        )
        conn.executemany(
            "INSERT INTO posts(id, uuid, platform, platform_post_id, account_id, "
            "url, posted_at, text, language, import_id, imported_at) "
            "VALUES (?,?,?,?,?,?,?,?,?,1,'now')",
            posts,
        )
        conn.executemany("INSERT INTO post_raw(post_id, raw) VALUES (?,?)", raws)
        conn.executemany("INSERT INTO posts_fts(rowid, text, handle, name) VALUES (?,?,?,?)", fts)
        for batch in (new_accounts, posts, raws, fts):
            batch.clear()

    with open(jsonl, encoding="utf-8") as handle:
        for line in handle:
            r = json.loads(line)
            key = (r["platform"], r["author_id"])
            account = accounts.get(key)
            if account is None:
                account = accounts[key] = len(accounts) + 1
                new_accounts.append(
                    (
                        account,
                        str(uuid.uuid5(NAMESPACE, "a" + "".join(key))),
                        key[0],
                        key[1],
                        r.get("author_handle"),
                        r.get("author_name"),
                    )
                )
            pid = next_post
            next_post += 1
            posts.append(
                (
                    pid,
                    str(uuid.uuid5(NAMESPACE, f"post\x00{r['platform']}\x00{r['post_id']}")),
                    r["platform"],
                    r["post_id"],
                    account,
                    r.get("url"),
                    r["created_at"],
                    r.get("text"),
                    r.get("language"),
                )
            )
            raws.append((pid, line.rstrip("\n")))
            # the same rows as the store: the index holds the search form of the text
            fts.append(
                (pid, fold(r.get("text")), fold(r.get("author_handle")), fold(r.get("author_name")))
            )
            if len(posts) >= 2000:
                flush()
    flush()
    conn.execute("DELETE FROM meta WHERE key = 'fts_bulk'")
    conn.execute("COMMIT")
    conn.close()


def minimal(jsonl: str, db: str) -> None:
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute(
        "CREATE TABLE posts (id INTEGER PRIMARY KEY, platform TEXT, platform_post_id "
        "TEXT, author TEXT, posted_at TEXT, text TEXT, language TEXT, raw TEXT, "
        "UNIQUE (platform, platform_post_id))"
    )
    conn.execute(
        "CREATE VIRTUAL TABLE posts_fts USING fts5(text, handle, name, "
        "tokenize = 'unicode61 remove_diacritics 2')"
    )
    conn.execute("BEGIN")
    batch: list[tuple[object, ...]] = []
    fts: list[tuple[object, ...]] = []
    next_id = 1

    def flush() -> None:
        conn.executemany("INSERT INTO posts VALUES (?,?,?,?,?,?,?,?)", batch)
        conn.executemany("INSERT INTO posts_fts(rowid, text, handle, name) VALUES (?,?,?,?)", fts)
        batch.clear()
        fts.clear()

    with open(jsonl, encoding="utf-8") as handle:
        for line in handle:
            r = json.loads(line)
            batch.append(
                (
                    next_id,
                    r["platform"],
                    r["post_id"],
                    r.get("author_id"),
                    r["created_at"],
                    r.get("text"),
                    r.get("language"),
                    line,
                )
            )
            fts.append((next_id, r.get("text"), r.get("author_handle"), r.get("author_name")))
            next_id += 1
            if len(batch) >= 2000:
                flush()
    flush()
    conn.execute("COMMIT")
    conn.close()


if __name__ == "__main__":
    if "--minimal" in sys.argv:
        args = [a for a in sys.argv[1:] if a != "--minimal"]
        minimal(args[0], args[1])
    else:
        same_schema(sys.argv[1], sys.argv[2])

"""The import baseline: the same JSONL rows into the same tables with raw stdlib sqlite3
(json.loads per line, executemany in batches, FTS5 insert, one transaction, WAL + FULL sync)."""

from __future__ import annotations

import json
import sqlite3
import sys


def main(jsonl: str, db: str) -> None:
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
    main(sys.argv[1], sys.argv[2])

"""Posts inserted with plain SQL for enrichment and pivot tests (no importer needed)."""

from __future__ import annotations

import uuid
from typing import Any

T0 = 1_750_000_000  # posted_at of the first post; NOW is a day after it
NOW = T0 + 86400


def add_import(store: Any) -> int:
    with store.transaction() as conn:
        cur = conn.execute(
            "INSERT INTO imports(uuid, path, sha256, size, format, actor, started_at) "
            "VALUES (?, 'test.jsonl', '0', 0, 'jsonl', 'alice', '2026-01-01T00:00:00Z')",
            (str(uuid.uuid4()),),
        )
        return int(cur.lastrowid)


def add_account(store: Any, handle: str, platform: str = "x", referred: int = 0) -> int:
    with store.transaction() as conn:
        cur = conn.execute(
            "INSERT INTO accounts(uuid, platform, platform_account_id, handle, referred) "
            "VALUES (?, ?, ?, ?, ?)",
            (str(uuid.uuid4()), platform, handle, handle, referred),
        )
        return int(cur.lastrowid)


def add_posts(
    store: Any,
    texts: list[str],
    *,
    account_id: int | None = None,
    platform: str = "x",
    language: str | None = None,
) -> list[int]:
    """Insert posts (one transaction) and return their ids, in order."""
    import_id = add_import(store)
    ids = []
    with store.transaction() as conn:
        start = conn.execute("SELECT count(*) FROM posts").fetchone()[0]
        for n, text in enumerate(texts):
            cur = conn.execute(
                "INSERT INTO posts(uuid, platform, platform_post_id, account_id, posted_at, text, "
                "language, import_id, imported_at) VALUES (?,?,?,?,?,?,?,?, '2026-01-01')",
                (
                    str(uuid.uuid4()),
                    platform,
                    f"p{start + n}",
                    account_id,
                    T0 + start + n,
                    text,
                    language,
                    import_id,
                ),
            )
            ids.append(int(cur.lastrowid))
    return ids


def add_media(
    store: Any, post_id: int, path: str, kind: str = "photo", sha256: str | None = None
) -> None:
    with store.transaction() as conn:
        conn.execute(
            "INSERT INTO media(post_id, kind, name, source_path, sha256) VALUES (?, ?, ?, ?, ?)",
            (post_id, kind, path.rsplit("/", 1)[-1], path, sha256),
        )


def snapshot(store: Any) -> dict[str, Any]:
    """Everything enrichment writes, for comparing two stores."""
    q = store.execute
    return {
        # rounded here: PostgreSQL has no round(double precision, digits)
        "posts": [
            (i, cluster, language, None if priority is None else round(priority, 6))
            for i, cluster, language, priority in q(
                "SELECT id, cluster_id, language, priority FROM posts ORDER BY id"
            )
        ],
        "clusters": q("SELECT id, size FROM clusters ORDER BY id").fetchall(),
        "indicators": q(
            'SELECT post_id, kind, value, raw, start, "end" FROM indicators '
            "ORDER BY post_id, start, kind, value"
        ).fetchall(),
        "buckets": q("SELECT key, post_id FROM lsh_buckets ORDER BY key").fetchall(),
        "signatures": q(
            "SELECT post_id, signature FROM text_signatures ORDER BY post_id"
        ).fetchall(),
        "phash": q("SELECT id, phash FROM media ORDER BY id").fetchall(),
    }

"""Bulk loads into an empty or small store: the posts table's secondary indexes are dropped at
the start of the file's transaction and built again, sorted, at its end.

Why: every post row also goes into six secondary indexes (status, priority, posting time,
account, cluster, import); kept up to date row by row, the random-order ones (time, account)
cost more than the row itself once the store outgrows the page cache — they were the largest
single cost of importing a million posts (docs/bench-import-profile.md). CREATE INDEX over the
finished table sorts once instead.

Why it is safe: SQLite's schema changes are transactional. The DROP INDEX, the rows and the
CREATE INDEX are one transaction (the file's, ingest/pipeline.py), so a killed, cancelled or
failed import rolls the drop back with everything else and the store keeps its indexes; no
repair is needed on the next open. The UNIQUE indexes stay: they are what makes a re-import add
nothing (INSERT OR IGNORE on the natural key).

When: only when the file is large and the store holds fewer posts than half of what the file
probably carries (size / BYTES_PER_POST), so rebuilding never costs more than it saves; a
re-import into a full store, or a small file, keeps the indexes as they are."""

from __future__ import annotations

from typing import Any

# Only the natural key's index is kept up to date row by row: a smaller page cache does (at 1M
# posts 32 MB imported faster than 128 MB and kept the importing process at 160 MB, not 265).
BULK_CACHE_KIB = 32768
BYTES_PER_POST = 250  # a generous lower bound of an export's bytes per post (JSONL is ~430)
MIN_POSTS = 10_000  # below this, keeping the indexes up to date costs next to nothing


def should_defer(conn: Any, file_size: int) -> bool:
    """Whether this file's posts should go in with the secondary indexes dropped."""
    expected = file_size // BYTES_PER_POST
    if expected < MIN_POSTS:
        return False
    # max(id) is instant on a rowid table; deleted posts only make it overestimate
    present = conn.execute("SELECT coalesce(max(id), 0) FROM posts").fetchone()[0]
    return int(present) * 2 <= expected


class DeferredIndexes:
    """The posts table's non-unique indexes, dropped by ``drop`` and built again by
    ``restore``, both inside the caller's transaction."""

    def __init__(self) -> None:
        self.dropped: list[tuple[str, str]] = []

    def drop(self, conn: Any) -> None:
        rows = conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'posts' "
            "AND sql IS NOT NULL ORDER BY name"
        ).fetchall()
        for name, sql in rows:
            if str(sql).lstrip().upper().startswith("CREATE UNIQUE"):
                continue  # the natural key: re-imports rely on it
            conn.execute(f'DROP INDEX "{name}"')
            self.dropped.append((str(name), str(sql)))

    def restore(self, conn: Any) -> None:
        for _name, sql in self.dropped:
            conn.execute(sql)
        self.dropped = []

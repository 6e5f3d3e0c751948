"""How one import batch's rows reach the store: the store's connection decides.

The import pipeline (ingest/pipeline.py) hands each batch to a row writer with two calls,
``insert_posts`` (INSERT OR IGNORE on the natural key, answering the ids of the posts that went
in) and ``insert`` (a plain INSERT of rows into a table), and ``finish`` before its transaction
commits. A SQLite store takes them as ``executemany`` (``ExecutemanyRows``, below); a team
server's connection offers a COPY writer (store/pg/bulk_copy.py) through ``bulk_rows``, so the
pipeline never asks which backend it writes to."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

POST_COLUMNS = (
    "uuid",
    "platform",
    "platform_post_id",
    "account_id",
    "kind",
    "parent_post_id",
    "url",
    "posted_at",
    "text",
    "language",
    "import_id",
    "imported_at",
)


class RowWriter(Protocol):
    def insert_posts(self, rows: Sequence[Sequence[Any]]) -> dict[tuple[str, str], int]: ...

    def insert(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None: ...

    def finish(self) -> None: ...


class ExecutemanyRows:
    """The batch as ``executemany`` of INSERTs, inside the caller's transaction."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn

    def insert_posts(self, rows: Sequence[Sequence[Any]]) -> dict[tuple[str, str], int]:
        """INSERT OR IGNORE the posts (values in POST_COLUMNS order); the ids of those that
        went in, by (platform, platform_post_id). Ids only grow inside the file's transaction,
        so the new rows are those above the largest id before."""
        if not rows:
            return {}
        before = self.conn.execute("SELECT coalesce(max(id), 0) FROM posts").fetchone()[0]
        self.conn.executemany(
            f"INSERT OR IGNORE INTO posts({', '.join(POST_COLUMNS)}) "
            f"VALUES ({', '.join('?' for _ in POST_COLUMNS)})",
            rows,
        )
        return {
            (r[1], r[2]): r[0]
            for r in self.conn.execute(
                "SELECT id, platform, platform_post_id FROM posts WHERE id > ?", (before,)
            )
        }

    def insert(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            self.conn.executemany(
                f"INSERT INTO {table}({', '.join(columns)}) "
                f"VALUES ({', '.join('?' for _ in columns)})",
                rows,
            )

    def finish(self) -> None:
        """Nothing to do: SQLite's bulk load keeps its own index rule (ingest/bulk_load.py)."""


def row_writer(conn: Any, large_load: bool = False) -> RowWriter:
    """The connection's own bulk writer when it has one (a team server's COPY), else
    ``executemany``. ``large_load``: ingest/bulk_load.should_defer's answer for this file."""
    by_row = ExecutemanyRows(conn)
    bulk = getattr(conn, "bulk_rows", None)
    if bulk is not None:
        return bulk(POST_COLUMNS, large_load, by_row.insert_posts)  # type: ignore[no-any-return]
    return by_row

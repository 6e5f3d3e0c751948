"""The full-text index in its search form (core/search_normal.py): the SQL function the index
triggers call, and the re-folding of an existing index (migration 16, or a newer fold table).

``posts_fts`` keeps its columns and FTS5's ``unicode61`` tokenizer; what it holds is the folded
text (``search_fold(text)``), never shown to anyone: the preview reads ``posts.text``. Every
connection registers ``search_fold`` (store/connection.py: connect), so the triggers that keep
the index in step with ``posts`` and ``accounts`` work from any code path.

On a PostgreSQL store the server folds (``search_fold``/``search_key``, made from the same
tables by pg_migrations/_fold_sql.py); the functions below take either connection and do there
what the server needs: re-fold in place with the server's function, and when the fold tables
changed, make the functions again and rebuild the index (pg_migrations/m016_search_normal.py)."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any

from ..core.search_normal import FOLD_VERSION, fold

Progress = Callable[[int, int], None]
_BATCH = 5000
_META_KEY = "search_fold_version"


def register_functions(conn: Any) -> None:
    """``search_fold(text)`` on this connection (deterministic, so SQLite may cache it)."""
    conn.create_function("search_fold", 1, fold, deterministic=True)


def stderr_progress(label: str = "Updating the search index for spelling variants") -> Progress:
    """A progress reporter that writes one line to stderr every couple of seconds, only for
    big stores (small ones upgrade in a blink)."""
    state = {"last": 0.0}

    def report(done: int, total: int) -> None:
        if total < 20000:
            return
        now = time.monotonic()
        if done < total and now - state["last"] < 2.0:
            return
        state["last"] = now
        pct = 100 * done // max(total, 1)
        print(f"{label}: {pct}% ({done:,} of {total:,} posts)", file=sys.stderr, flush=True)

    return report


def _on_postgresql(conn: Any) -> bool:
    return hasattr(conn, "raw")  # the PostgreSQL adapter (store/pg/adapter.py)


def refold_index(conn: Any, progress: Progress | None = None) -> int:
    """Re-fold every row of ``posts_fts`` in place (inside the caller's transaction); only rows
    whose search form differs are rewritten. Returns how many were."""
    if _on_postgresql(conn):
        return _refold_on_server(conn, progress)
    total = int(conn.execute("SELECT count(*) FROM posts_fts").fetchone()[0])
    done = changed = 0
    last = -1
    while True:
        rows = conn.execute(
            "SELECT rowid, text, handle, name FROM posts_fts WHERE rowid > ? ORDER BY rowid "
            "LIMIT ?",
            (last, _BATCH),
        ).fetchall()
        if not rows:
            break
        updates = []
        for rowid, text, handle, name in rows:
            folded = (fold(text), fold(handle), fold(name))
            if folded != (text, handle, name):
                updates.append((*folded, rowid))
        if updates:
            conn.executemany(
                "UPDATE posts_fts SET text = ?, handle = ?, name = ? WHERE rowid = ?", updates
            )
        changed += len(updates)
        done += len(rows)
        last = rows[-1][0]
        if progress is not None:
            progress(done, total)
    conn.execute(
        "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (_META_KEY, str(FOLD_VERSION))
    )
    return changed


def _refold_on_server(conn: Any, progress: Progress | None) -> int:
    """PostgreSQL: ``search_fold`` on the server over rowid ranges, rewriting only the rows
    whose search form differs (the generated ``document`` follows)."""
    raw = conn.raw
    total = int(raw.execute("SELECT count(*) FROM posts_fts").fetchone()[0])
    top = int(raw.execute("SELECT coalesce(max(rowid), 0) FROM posts_fts").fetchone()[0])
    changed = done = 0
    low = int(raw.execute("SELECT coalesce(min(rowid), 1) - 1 FROM posts_fts").fetchone()[0])
    while low < top:
        high = low + _BATCH * 4
        changed += raw.execute(
            "UPDATE posts_fts SET text = search_fold(text), handle = search_fold(handle), "
            "name = search_fold(name) WHERE rowid > %s AND rowid <= %s AND "
            "(text IS DISTINCT FROM search_fold(text) OR handle IS DISTINCT FROM "
            "search_fold(handle) OR name IS DISTINCT FROM search_fold(name))",
            (low, high),
        ).rowcount
        done += int(
            raw.execute(
                "SELECT count(*) FROM posts_fts WHERE rowid > %s AND rowid <= %s", (low, high)
            ).fetchone()[0]
        )
        low = high
        if progress is not None:
            progress(done, total)
    conn.execute(
        "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (_META_KEY, str(FOLD_VERSION))
    )
    return changed


def fold_is_current(conn: Any) -> bool:
    """Whether the index was folded by this program's tables (on PostgreSQL: whether the
    server's functions were made from them, meta ``search_fold_digest``)."""
    if _on_postgresql(conn):
        from .pg_migrations.m016_search_normal import is_current

        return is_current(conn)
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (_META_KEY,)).fetchone()
    return row is not None and row[0] == str(FOLD_VERSION)


def ensure_current(conn: Any, progress: Progress | None = None) -> None:
    """Re-fold the index when it was folded by an older table (FOLD_VERSION went up; on
    PostgreSQL also another Unicode version: the server's functions are made again and the
    index rebuilt, under the store's writer lock so that two programs do it once)."""
    if fold_is_current(conn):
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        if not fold_is_current(conn):
            if _on_postgresql(conn):
                from .pg_migrations.m016_search_normal import ensure_current as rebuild

                rebuild(conn, progress)
            else:
                refold_index(conn, progress)
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")

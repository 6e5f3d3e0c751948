"""The full-text index in its search form (core/search_normal.py): the SQL function the index
triggers call, and the re-folding of an existing index (migration 16, or a newer fold table).

``posts_fts`` keeps its columns and FTS5's ``unicode61`` tokenizer; what it holds is the folded
text (``search_fold(text)``), never shown to anyone: the preview reads ``posts.text``. Every
connection registers ``search_fold`` (store/connection.py: connect), so the triggers that keep
the index in step with ``posts`` and ``accounts`` work from any code path."""

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


def refold_index(conn: Any, progress: Progress | None = None) -> int:
    """Re-fold every row of ``posts_fts`` in place (inside the caller's transaction); only rows
    whose search form differs are rewritten. Returns how many were."""
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


def fold_is_current(conn: Any) -> bool:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (_META_KEY,)).fetchone()
    return row is not None and row[0] == str(FOLD_VERSION)


def ensure_current(conn: Any, progress: Progress | None = None) -> None:
    """Re-fold the index when it was folded by an older table (FOLD_VERSION went up)."""
    if fold_is_current(conn):
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        if not fold_is_current(conn):
            refold_index(conn, progress)
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")

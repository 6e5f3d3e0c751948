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
re-import into a full store, or a small file, keeps the indexes as they are.

Memory (issue 17: <= 300 MB at any size). The sort of CREATE INDEX is SQLite's external merge
sort, and where its runs live decides what it costs. SQLCipher is built with
SQLITE_TEMP_STORE=2 (temporary data in memory), and with temporary data in memory SQLite never
spills the sort: every key of the table is held at once (~60 bytes a post, 620 MB for the
importing process at 10M posts). On disk the runs are cache_size bytes each and the peak is
flat — but SQLCipher does not encrypt temporary files (its design notes say so; tested here: a
marker written into an encrypted store shows up in clear in the sorter's file). So:

- a plain store sorts on disk (``PRAGMA temp_store = FILE``), in an owner-only scratch folder
  beside the store (core/scratch.py): its data is in clear in the store file anyway, SQLite
  unlinks the sort's files as it opens them, and the folder goes as the sort ends (or, after a
  kill, the next time the store is opened). On disk the sort is also faster than in memory.
- an encrypted store sorts in memory, but never more than SORT_BUDGET_ROWS posts: once the
  posts table reaches that many inside the file's transaction, the indexes are built there and
  the rest of the file goes in with its indexes kept row by row (``keep_bounded``, after every
  batch). Slower above the budget, and nothing of the store ever lands on disk in clear."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlcipher3.dbapi2 as sqlite

from ..core.scratch import make_scratch

log = logging.getLogger(__name__)

# Only the natural key's index is kept up to date row by row: a smaller page cache does (at 1M
# posts 32 MB imported faster than 128 MB and kept the importing process at 160 MB, not 265).
# It is also the size of one run of an on-disk sort (SQLite's sorter takes cache_size).
BULK_CACHE_KIB = 32768
BYTES_PER_POST = 250  # a generous lower bound of an export's bytes per post (JSONL is ~430)
MIN_POSTS = 10_000  # below this, keeping the indexes up to date costs next to nothing
# An encrypted store's in-memory index sort, in posts. Measured: ~58 bytes a post for the
# largest index; at 2M the importing process peaked at 247 MB (+ 67 MB for the reading one:
# over 300), so 1M: ~60 MB on top of ~130 MB (docs/bench-10m.md, "Import memory").
SORT_BUDGET_ROWS = 1_000_000
# A migration's CREATE INDEX on a plain store sorts on disk from this many posts (build_indexes).
MIGRATION_DISK_SORT = 100_000


def is_sqlite(conn: Any) -> bool:
    """Whether ``conn`` is a SQLite (SQLCipher) connection, not a team server's."""
    return isinstance(conn, sqlite.Connection)


def is_encrypted(conn: Any) -> bool:
    """Whether this SQLite connection's main database is keyed: SQLCipher answers
    ``cipher_provider`` only for a keyed database."""
    return bool(conn.execute("PRAGMA cipher_provider").fetchall())


def _posts_present(conn: Any) -> int:
    # max(id) is instant on a rowid table; deleted posts only make it overestimate
    return int(conn.execute("SELECT coalesce(max(id), 0) FROM posts").fetchone()[0])


def should_defer(conn: Any, file_size: int) -> bool:
    """Whether this file's posts should go in with the secondary indexes dropped."""
    expected = file_size // BYTES_PER_POST
    if expected < MIN_POSTS:
        return False
    present = _posts_present(conn)
    if is_sqlite(conn) and is_encrypted(conn) and present >= SORT_BUDGET_ROWS:
        return False  # the rebuild's sort would already be over the in-memory budget
    return present * 2 <= expected


class DeferredIndexes:
    """The posts table's non-unique indexes, dropped by ``drop`` and built again by
    ``restore`` (or by ``keep_bounded`` once an encrypted store reaches the sort budget), all
    inside the caller's transaction."""

    def __init__(self) -> None:
        self.dropped: list[tuple[str, str]] = []
        self.budgeted = False  # an encrypted store: its sort, in memory, within SORT_BUDGET_ROWS
        self.on_disk = False  # a plain store: its sort on disk

    def drop(self, conn: Any) -> None:
        if is_sqlite(conn):
            self.budgeted = is_encrypted(conn)
            self.on_disk = not self.budgeted
        rows = conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'posts' "
            "AND sql IS NOT NULL ORDER BY name"
        ).fetchall()
        for name, sql in rows:
            if str(sql).lstrip().upper().startswith("CREATE UNIQUE"):
                continue  # the natural key: re-imports rely on it
            conn.execute(f'DROP INDEX "{name}"')
            self.dropped.append((str(name), str(sql)))

    def keep_bounded(self, conn: Any) -> None:
        """After a batch: an encrypted store whose posts table has reached SORT_BUDGET_ROWS gets
        its indexes back now, so that no later sort holds more than that many keys."""
        if self.dropped and self.budgeted and _posts_present(conn) >= SORT_BUDGET_ROWS:
            log.info("bulk load: indexes built at %d posts (encrypted store)", SORT_BUDGET_ROWS)
            self.restore(conn)

    def restore(self, conn: Any) -> None:
        if not self.dropped:
            return
        with _sort_on_disk(conn, self.on_disk):
            for _name, sql in self.dropped:
                conn.execute(sql)
        self.dropped = []


def build_indexes(conn: Any, statements: list[str]) -> None:
    """Run CREATE INDEX ``statements`` on an existing posts table (a migration adding an
    index) with the sort where a bulk load puts it: on disk beside a plain store, in memory
    for an encrypted one (nothing in clear on disk) or a small table (a few MB at most)."""
    on_disk = (
        is_sqlite(conn) and _posts_present(conn) >= MIGRATION_DISK_SORT and not is_encrypted(conn)
    )
    with _sort_on_disk(conn, on_disk):
        for sql in statements:
            conn.execute(sql)


def _main_file(conn: Any) -> Path | None:
    for _seq, name, file in conn.execute("PRAGMA database_list").fetchall():
        if name == "main" and file:
            return Path(str(file))
    return None


@contextmanager
def _sort_on_disk(conn: Any, wanted: bool) -> Iterator[None]:
    """A plain store's sorts go to files in an owner-only scratch folder beside the store,
    for the statements run inside; anything else (an encrypted store) is left as it is."""
    store_file = _main_file(conn) if wanted else None
    if store_file is None:
        yield
        return
    folder = make_scratch(store_file.parent, "sort")
    # SQLite's only per-process way to say where temporary files go (SQLITE_TMPDIR is read once,
    # at start-up). Setting and reading it take SQLite's temp-directory mutex; connections that
    # keep temporary data in memory (every other one) never read it; it is put back below.
    before_dir = conn.execute("PRAGMA temp_store_directory").fetchone()
    before_store = int(conn.execute("PRAGMA temp_store").fetchone()[0])
    try:
        try:
            conn.execute(f"PRAGMA temp_store_directory = '{_quoted(str(folder))}'")
            conn.execute("PRAGMA temp_store = FILE")
        except sqlite.OperationalError as exc:  # e.g. a temp table is open: sort in memory
            log.warning("bulk load: index sort stays in memory (%s)", exc)
        yield
    finally:
        try:
            conn.execute(f"PRAGMA temp_store = {before_store}")
            previous = str(before_dir[0]) if before_dir and before_dir[0] else ""
            conn.execute(f"PRAGMA temp_store_directory = '{_quoted(previous)}'")
        finally:
            shutil.rmtree(folder, ignore_errors=True)


def _quoted(text: str) -> str:
    return text.replace("'", "''")

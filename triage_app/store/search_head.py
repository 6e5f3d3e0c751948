"""A search's first page read from the head of the queue (SQLite, issue 17).

A first page that walks the order index (store/queue.py: _search_start, "walk") first has
SQLite gather every match of the search into a set: FTS5 decodes the whole posting list and
the set takes an insert per match. For a common word that is most of the cost (10M posts:
"whatsapp OR telegram" matches 1.25M posts, ~260 ms of a ~265 ms first page), although its
first hundred matches sit among the first few hundred posts of the queue.

So the first HEAD_ROWS posts of the queue (the same query without the search, read off the
order index) are indexed alone, in a small FTS5 table in memory built with the store index's
own tokenizer from the already folded text that the store's index keeps, and the search runs
there. FTS5 decides a match from one document's tokens only, so a post matches there exactly
when it matches in the store: when the head holds a full page of matches, that page is the
first page of the whole list, found in work bounded by HEAD_ROWS (~14 ms for 1,024 posts under
load), whatever the number of matches. Otherwise (matches deep in the queue) the caller walks as
before; the probe then cost those milliseconds in vain.

The table lives in an attached in-memory database: nothing of it reaches a disk file."""

from __future__ import annotations

from array import array
from typing import Any

from .connection import OperationalError, Store

HEAD_ROWS = 1024  # posts of the queue's head searched first (four pages' worth, if more)
_SCHEMA = "search_head"


def head_matches(
    store: Store, head_sql: str, params: list[Any], folded: str, limit: int
) -> array | None:
    """The first ``limit`` ids of ``head_sql`` (the queue without the search, in queue order,
    ending in a LIMIT of head_rows(limit)) that match the FTS5 query ``folded``; None when the
    head holds fewer than ``limit`` matches and the queue goes on past it (the walk must go
    deeper), or when the probe cannot run here (inside a transaction: no ATTACH)."""
    if not _ready(store):
        return None
    head = array("q", [row[0] for row in store.execute(head_sql, params)])
    conn = store.conn
    conn.execute(f"INSERT INTO {_SCHEMA}.head_fts(head_fts) VALUES ('delete-all')")
    if head:
        conn.execute(
            f"INSERT INTO {_SCHEMA}.head_fts(rowid, text, handle, name) "
            f"SELECT id, c0, c1, c2 FROM main.posts_fts_content "
            f"WHERE id IN ({','.join(map(str, head))})"
        )
    found = {
        row[0]
        for row in conn.execute(
            f"SELECT rowid FROM {_SCHEMA}.head_fts WHERE head_fts MATCH ?", (folded,)
        )
    }
    conn.execute(f"INSERT INTO {_SCHEMA}.head_fts(head_fts) VALUES ('delete-all')")
    page = array("q", [i for i in head if i in found][:limit])
    if len(page) == limit or len(head) < head_rows(limit):
        return page  # a full page, or the head was the whole queue
    return None


def head_rows(limit: int) -> int:
    """How many posts of the queue's head are searched for a first page of ``limit``."""
    return max(HEAD_ROWS, 4 * limit)


def worth_probing(share: float, limit: int) -> bool:
    """Whether a search matching ``share`` of all posts likely has a page of ``limit`` matches
    in the head: if the matches were spread evenly, a third of a page at least (the head of the
    queue is often denser in a common word: at 10M posts "boat*", 6.6% of posts, has its first
    100 matches among the first 770 posts of the queue). A miss costs the probe only."""
    return share * head_rows(limit) >= limit / 3


def _ready(store: Store) -> bool:
    """Attach the in-memory head index to this connection once (ATTACH is refused inside a
    transaction; then the caller walks instead)."""
    conn = store.conn
    if any(row[1] == _SCHEMA for row in conn.execute("PRAGMA database_list")):
        return True
    if conn.in_transaction:
        return False
    declared = store.scalar("SELECT sql FROM sqlite_master WHERE name = 'posts_fts'")
    if not declared or "fts5(" not in declared:
        return False
    # The store index's columns and tokenizer, contentless: only the probe's MATCH reads it.
    arguments = declared[declared.index("fts5(") + len("fts5(") : declared.rindex(")")]
    try:
        conn.execute(f"ATTACH DATABASE ':memory:' AS {_SCHEMA} KEY ''")
    except OperationalError:  # e.g. the connection's attach limit: the walk answers instead
        return False
    conn.execute(
        f"CREATE VIRTUAL TABLE {_SCHEMA}.head_fts USING fts5({arguments.strip()}, content='')"
    )
    return True

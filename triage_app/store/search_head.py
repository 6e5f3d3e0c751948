"""A search's first page read from the head of the queue (SQLite, issue 17).

A first page that walks the order index (store/queue.py: _search_start, "walk") first has
SQLite gather every match of the search into a set: FTS5 decodes the whole posting list and
the set takes an insert per match. For a common word that is most of the cost (10M posts:
"whatsapp OR telegram" matches 1.25M posts, ~260 ms of a ~265 ms first page), although its
first hundred matches sit among the first few hundred posts of the queue.

So the first posts of the queue (the same query without the search, read off the order index,
at most head_rows(limit)) are indexed alone, in a small FTS5 table in memory built with the
store index's own tokenizer from the already folded text that the store's index keeps, and the
search runs there. FTS5 decides a match from one document's tokens only, so a post matches
there exactly when it matches in the store: a full page among the first posts indexed is the
first page of the whole list, found in work bounded by the head, whatever the number of
matches. Every sixteenth post of the head is indexed first (a taste): the share of it that
matches tells how far to index, and a word with none there (matches deep in the queue) costs
only that. Otherwise the caller walks as before. 10M store, CPU: "whatsapp OR telegram" 212 ->
5 ms, "boat*" 164 -> 44 ms (docs/bench-10m.md).

The table lives in an attached in-memory database: nothing of it reaches a disk file."""

from __future__ import annotations

import sys
from array import array
from collections.abc import Sequence
from typing import Any

from .connection import OperationalError, Store

HEAD_ROWS = 2048  # posts of the queue's head searched at most (eight pages, if more)
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
    whole_queue = len(head) < head_rows(limit)
    indexed: set[int] = set()
    try:
        # A taste first: every sixteenth post of the head. The share that matches tells how
        # deep a page likely lies; the head is indexed that far (and a margin), then again by
        # what that part shows, or no further when the estimate passes the head (a miss then
        # costs the taste: matches deep in the queue).
        taste = head[::16]
        found = _matching(store, taste, indexed, folded)
        depth, share, margin = 0, len(found) / max(len(taste), 1), 1.5
        while True:
            page = [i for i in head[:depth] if i in found][:limit]
            if len(page) == limit or depth == len(head):
                break
            wanted = len(head) if whole_queue else _estimate(depth, share, limit, margin)
            if wanted > len(head):
                if _estimate(depth, share, limit, 1.0) > len(head):
                    return None
                wanted = len(head)  # likely within the head, without the margin
            found |= _matching(store, head[depth:wanted], indexed, folded)
            depth, margin = wanted, 1.25
            share = sum(1 for i in head[:depth] if i in found) / depth
    finally:
        store.conn.execute(f"INSERT INTO {_SCHEMA}.head_fts(head_fts) VALUES ('delete-all')")
    if len(page) == limit or whole_queue:
        return array("q", page)  # a full page, or the head was the whole queue
    return None


def _estimate(depth: int, share: float, limit: int, margin: float) -> int:
    """How far into the head ``limit`` matches likely reach when ``share`` of the posts
    match (past any head when none does), and at least one post further than ``depth``."""
    if not share:
        return sys.maxsize
    return max(depth + 1, int(limit * margin / share))


def _matching(store: Store, more: Sequence[int], indexed: set[int], folded: str) -> set[int]:
    """Add the posts ``more`` (those not ``indexed`` yet) to the head index; the ids there
    that match ``folded``."""
    conn = store.conn
    fresh = [i for i in more if i not in indexed]
    if fresh:
        indexed.update(fresh)
        conn.execute(
            f"INSERT INTO {_SCHEMA}.head_fts(rowid, text, handle, name) "
            f"SELECT id, c0, c1, c2 FROM main.posts_fts_content "
            f"WHERE id IN ({','.join(map(str, fresh))})"
        )
    query = f"SELECT rowid FROM {_SCHEMA}.head_fts WHERE head_fts MATCH ?"
    return {row[0] for row in conn.execute(query, (folded,))}


def head_rows(limit: int) -> int:
    """How many posts of the queue's head may be searched for a first page of ``limit``: 16
    pages' worth (the window's first 400 rows: 6,400 posts). With 8, a word in 6-8% of the posts
    ("boat*", "euro" at 10M) did not qualify for the probe and walked the order index instead
    (175-240 ms against 50-110 ms from the head); the head is indexed only as deep as its taste
    says the page lies, so a deeper limit costs a word that fills the page early nothing."""
    return max(HEAD_ROWS, 16 * limit)


def worth_probing(share: float, limit: int) -> bool:
    """Whether a search matching ``share`` of all posts likely has a page of ``limit`` matches
    in the head: if the matches were spread evenly, a third of a page in its first half (the
    head is often denser in a common word: at 10M posts "boat*", 6.6% of posts, has its first
    100 matches among the first 770 posts of the queue). A miss costs the probe only."""
    return share * head_rows(limit) / 2 >= limit / 3


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

"""A search's matches as a byte map that SQLite tests while it walks the order index (SQLite,
issue 17).

A first page that walks the order index (store/queue.py: _search_start, "walk") tests each
index entry for being a match. Written as ``+p.id IN (SELECT rowid FROM posts_fts WHERE ...)``
SQLite gathers the matches into a temporary b-tree and looks every entry up in it: at 10M
posts "visa" (112,000 matches, its first page a million entries down the queue) took ~250 ms,
~0.17 us an entry for the look-up against ~0.04 us for the walk itself.

Here the matches are read once as one text of ids (FTS5's posting list, ~0.1 us a match) and
set in a byte map, one byte per post id; the walk's test is ``substr(map, id + 1, 1)``, a
direct read of one byte of the bound blob (~0.05 us an entry, in SQLite's own loop: no Python
call per entry). visa: ~95 ms. The ids and their order are those of the IN test: the same
filter, the same ORDER BY, the same index walked.

The map is one byte per id up to the highest match (10 MB at 10M posts, and SQLite's copy of
the bound blob beside it) and lives for the one statement."""

from __future__ import annotations

from typing import Any

from .connection import Store

# The walk's test of an id (``{id}``: the column) against the map bound in its place. The
# length ``{id} >= 0`` reads nothing for a negative id, which substr would count from the
# map's end.
_TEST = "substr(?, {id} + 1, {id} >= 0) = x'01'"


def map_condition(column: str) -> str:
    """The condition that ``column`` (a post id) is set in the map bound as its parameter."""
    return _TEST.format(id=column)


def match_text(store: Store, folded: str) -> str:
    """The ids of the posts matching the FTS5 query ``folded``, ascending, as one text of
    decimal ids joined by commas (about half the time of search_hits' hex digits; the narrow
    sort reads the same text as a JSON array, store/search_narrow.py)."""
    text = store.scalar(
        "SELECT group_concat(rowid) FROM posts_fts WHERE posts_fts MATCH ?", (folded,)
    )
    return str(text or "")


def ids_of(text: str) -> Any:
    """match_text's ids as a numpy int64 array."""
    import numpy as np

    return np.fromstring(text, dtype=np.int64, sep=",")


def map_of(ids: Any) -> bytearray | None:
    """A byte map with 1 at each of ``ids`` (ids_of's), one byte longer than the highest;
    None when an id is negative (no byte for it: the caller tests membership as before)."""
    import numpy as np

    if len(ids) and int(ids[0]) < 0:
        return None
    flags = bytearray(int(ids[-1]) + 2 if len(ids) else 1)
    np.frombuffer(flags, dtype=np.uint8)[ids] = 1
    return flags


def match_map(store: Store, folded: str) -> bytearray | None:
    """map_of the posts matching ``folded``."""
    return map_of(ids_of(match_text(store, folded)))

"""A search's first page sorted from its matches through a narrow index (SQLite, issue 17).

A search whose matches sit deep in the queue is slow to walk: at 10M posts "رحلة" (64k
matches) has its 100th match 3.0M posts down the priority order, and the walk (store/queue.py:
_search_start, "walk") reads those 3M order-index entries (~340 ms CPU). Sorting the matches
themselves needs each one's priority and status: ~4 us a match from the post's big row, about
a fifth of that from the narrow index posts(id, priority, status) (migration 23), which
SQLite reads alone (a covering index). So a search with few enough matches
(worth_narrowing: their lookups then cost less than a deep walk) first walks a bounded stretch
of the queue's head, ``walk_depth`` entries (a page of evenly spread matches is there, found
as before); when that stretch does not fill the page the matches are looked up in the narrow
index and sorted (narrow_sql). The first costs about a fifth of the second, so a deep search
pays little for the try and a shallow one never reaches the lookups. The ids and their
order are the walk's: the same filter (status) and the same ORDER BY."""

from __future__ import annotations

from array import array
from typing import Any

from .connection import Store

NARROW_INDEX = "posts_id_priority_status"  # migrations/m023_posts_narrow_index.py
# Measured at 10M (docs/bench-10m.md): 64k matches sorted through the narrow index ~90 ms CPU
# against a 340 ms walk; "lampedusa" (294k) and "speedboat" (215k) are cheaper walked.
NARROW_MAX_MATCHES = 100_000
# The walk tried first reads this many order-index entries per estimated match (~0.1 us an
# entry with the matches gathered, against ~1.3-2.2 us a narrow lookup: the try costs ~20-30%
# of the lookups). 10M, CPU ms: "رحلة" 64k matches, a try of 1x 18 (2x 26, 4x 41) before the
# lookups' 84; a 4x try took "visa NOT euro" past its 147 ms walk (177), 1x does not (~140).
# Evenly spread words fill their page within it ("2800", 29k matches: 5 ms, as walked).
WALK_PER_MATCH = 1


def worth_narrowing(estimated_matches: float) -> bool:
    """Whether a search of about this many matches is sorted from them when a bounded walk of
    the queue's head does not fill its first page."""
    return estimated_matches <= NARROW_MAX_MATCHES


def walk_depth(estimated_matches: float, limit: int) -> int:
    """How many entries of the queue's head the try before the narrow sort walks."""
    return max(int(WALK_PER_MATCH * estimated_matches), 8 * limit)


def bounded_walk(
    store: Store, head_sql: str, head_params: list[Any], match: str, value: Any, limit: int
) -> array | None:
    """The first ``limit`` ids of the queue's head ``head_sql`` (the queue without the search,
    in queue order, ending in its LIMIT) that satisfy ``match`` (a condition on ``id`` with
    one parameter ``value``); None when the head holds fewer (the narrow sort then answers,
    whatever the queue's length). The head runs as a co-routine in its own order (``+id``: the
    matches are a membership test, never the loop) and the outer LIMIT stops it as soon as
    the page is full."""
    sql = f"SELECT id FROM ({head_sql}) WHERE +{match} LIMIT {int(limit)}"
    page = array("q", [row[0] for row in store.execute(sql, [*head_params, value])])
    return page if len(page) == limit else None


def narrow_sql(matches_sql: str) -> str:
    """The queue's statement that starts from the matches (store/queue.py, "matches") reading
    priority and status from the narrow index instead of each match's row."""
    return matches_sql.replace("FROM posts p ", f"FROM posts p INDEXED BY {NARROW_INDEX} ", 1)

"""A search's first page sorted from its matches through a narrow index, or walked: chosen by
an estimate of how deep the page lies (SQLite, issue 17).

A search whose matches sit deep in the queue is slow to walk: at 10M posts "رحلة" (64k
matches) has its 100th match 3.0M posts down the priority order, and the walk (store/queue.py:
_search_start, "walk"; the matches tested in a byte map, store/search_map.py) reads those 3M
order-index entries (~0.09 us each: ~270 ms). Sorting the matches themselves needs each one's
priority and status: ~4 us a match from the post's big row, ~1.7 us from the narrow index
posts(id, priority, status) (migration 23), which SQLite reads alone (a covering index):
~110 ms for رحلة. Which is cheaper depends on the depth of the page, not on the number of
matches alone: "visa NOT euro" (77k matches, its page a million entries down) walks in ~95 ms
against ~130 ms sorted; "refer a friend" (63k, 1.9M down) is the other way round.

So the depth is estimated before choosing (narrow_cheaper): a systematic sample of the posts
(every n-th id) and of the matches is looked up in the narrow index (SAMPLE_POSTS +
SAMPLE_MATCHES look-ups, ~3 ms),
the sampled matches' best (in queue order) stands for the page's last match, and the share of
sampled posts before it in queue order, times the posts, for its depth. The estimate picks
which statement runs, never which ids: both give the queue's first page exactly (the same
filter, the same ORDER BY). Before (a bounded walk of as many entries as matches, then the
sort) a deep page with more matches than the sort's bound (100,000) was walked at any depth."""

from __future__ import annotations

import math
from typing import Any

from .connection import Store

NARROW_INDEX = "posts_id_priority_status"  # migrations/m023_posts_narrow_index.py

# Costs measured at 10M posts (docs/bench-10m.md, 2026-12-05), in microseconds: an entry of the
# order index walked with the byte map's test, a match gathered into the map, the map's own
# cost per post id (a byte each, set to zero and bound: ~5 ms at 10M), a match sorted through
# the narrow index.
WALK_US = 0.09
MAP_US = 0.12
MAP_PER_ID_US = 0.0005
NARROW_US = 1.7
SAMPLE_POSTS = 256  # posts looked up for the queue's order (a depth to within ~0.4 % of them)
SAMPLE_MATCHES = 128  # matches looked up for where the page's last one lies


def narrow_cheaper(
    store: Store, ids: Any, status: str | None, descending: bool, limit: int
) -> bool:
    """Whether the first ``limit`` of the matches ``ids`` (numpy int64, ascending) in the
    priority order (``descending`` as the queue's; only posts of ``status`` when given) are
    cheaper sorted through the narrow index than walked: the walk's estimated depth against
    the matches' number."""
    import numpy as np

    matches = len(ids)
    if not matches:
        return True
    top = int(store.scalar("SELECT coalesce(max(id), 0) FROM posts"))
    posts = np.unique(np.linspace(1, max(top, 1), SAMPLE_POSTS).astype(np.int64))
    chosen = ids[np.unique(np.linspace(0, matches - 1, SAMPLE_MATCHES).astype(np.int64))]
    keys: dict[int, tuple[float, int]] = {}
    wanted = sorted({*posts.tolist(), *chosen.tolist()})
    for i in range(0, len(wanted), 900):
        part = wanted[i : i + 900]
        for post, priority, state in store.execute(
            f"SELECT id, priority, status FROM posts INDEXED BY {NARROW_INDEX} "
            f"WHERE id IN ({','.join(map(str, part))})"
        ):
            if status is None or state == status:
                # the queue's order as an ascending key (store/queue.py: _queue_sql)
                p = float(priority)
                keys[int(post)] = (-p, post) if descending else (p, -post)
    found = sorted(keys[i] for i in chosen.tolist() if i in keys)
    # The sampled matches stand for matches/len(chosen) each: the page's last match is about
    # the j-th best of them (the best when the sample is sparser than the page).
    j = max(1, math.ceil(limit * len(chosen) / matches))
    if len(found) < j:
        return True  # fewer matches in the filter than a page: a walk would read to the end
    last = found[j - 1]
    sampled = [keys[i] for i in posts.tolist() if i in keys]
    depth = top * sum(1 for k in sampled if k < last) / max(len(posts), 1)
    walk = MAP_PER_ID_US * top + MAP_US * matches + WALK_US * depth
    return NARROW_US * matches < walk


def narrow_sql(status: bool, descending: bool, limit: int) -> str:
    """The first ``limit`` of the matches (bound as a JSON array of their ids, ascending:
    search_map.match_text's, so FTS5 is not read twice) in the queue's priority order, with
    its status filter when ``status`` (a second parameter), each match's priority and status
    read from the narrow index: the queue's statement (store/queue.py: _queue_sql) with the
    same filter and ORDER BY, so the same ids. A join from json_each seeks the index in id
    order, without the temporary b-tree that ``IN (SELECT rowid ...)`` builds first
    (10M posts: "visa NOT euro" 135 -> 108 ms, "refer a friend" 115 -> 102)."""
    where = " WHERE p.status = ?" if status else ""
    direction, tie = ("DESC", "ASC") if descending else ("ASC", "DESC")
    return (
        f"SELECT p.id FROM json_each(?) j JOIN posts p INDEXED BY {NARROW_INDEX} "
        f"ON p.id = j.value{where} ORDER BY p.priority {direction}, p.id {tie} LIMIT {int(limit)}"
    )

"""The review queue as SQL: which post ids a filter set selects, in which order, and the
display rows for one page of them.

The window keeps only ids in memory and asks for rows a page at a time (Anki's browser model),
so every filter and sort is a new query here, never a proxy model over loaded rows."""

from __future__ import annotations

import json
import sys
import time
import unicodedata
from array import array
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from itertools import compress
from typing import Any

from ..core.errors import TriageError
from ..core.search_normal import search_query
from ..core.workflow import STATUSES
from .connection import OperationalError, Store
from .search_head import head_matches, head_rows, worth_probing
from .search_map import ids_of, map_condition, map_of, match_map, match_text
from .search_narrow import narrow_cheaper, narrow_sql

# Sort keys the queue accepts, and the SQL each one orders by (ties broken by id).
SORT_COLUMNS: dict[str, str] = {
    "priority": "p.priority",
    "platform": "p.platform",
    "author": "coalesce(a.handle, a.display_name, '')",
    "posted": "p.posted_at",
    "text": "p.text",
    "tags": "(SELECT min(tag) FROM post_tags t WHERE t.post_id = p.id)",
    "status": "p.status",
    "id": "p.id",
}
SNIPPET_CHARS = 160
_CHUNK = 500


@dataclass(frozen=True)
class QueueQuery:
    """A filter set and sort order for the queue; empty fields do not filter."""

    status: str | None = None
    platform: str | None = None
    tag: str | None = None
    language: str | None = None
    date_from: int | None = None  # unix seconds, inclusive
    date_to: int | None = None  # unix seconds, exclusive
    only_mine: bool = False  # posts the user has decided on or holds a claim on
    search: str = ""  # FTS5 query over text, handle and display name
    pivot: tuple[int, ...] | None = None  # an explicit id list (e.g. "same phone number")
    pivot_label: str = ""
    sort: str = "priority"
    descending: bool = True
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def describe(self) -> str:
        """A short human summary of the filters in force, for the status bar."""
        parts: list[str] = []
        if self.pivot is not None:
            parts.append(self.pivot_label or f"{len(self.pivot)} chosen posts")
        for label, value in (
            ("status", self.status),
            ("platform", self.platform),
            ("tag", self.tag),
            ("language", self.language),
        ):
            if value:
                parts.append(f"{label} {value}")
        if self.only_mine:
            parts.append("mine")
        if self.search.strip():
            parts.append(f"search “{self.search.strip()}”")
        return ", ".join(parts) or "all posts"


@dataclass(frozen=True, slots=True)
class QueueRow:
    """What one queue line shows."""

    id: int
    priority: float
    platform: str
    author: str
    posted_at: int | None
    snippet: str
    tags: tuple[str, ...]
    status: str
    cluster_size: int
    language: str | None
    rtl: bool


def _where(
    store: Store,
    query: QueueQuery,
    start: str | None = None,
    limit: int | None = None,
    flags: bytearray | None = None,
) -> tuple[list[str], list[Any]]:
    """The WHERE terms of ``query`` and their parameters. ``start`` (a search on SQLite, see
    _search_start): "walk" makes the search a membership test while the order index is read,
    "matches" makes SQLite start from the matches (the status index not walked). ``limit``:
    the first page asked for (a search on PostgreSQL picks its form by it)."""
    where: list[str] = []
    params: list[Any] = []
    if query.status:
        _check_status(query)
        where.append("+p.status = ?" if start == "matches" else "p.status = ?")
        params.append(query.status)
    if query.platform:
        where.append("p.platform = ?")
        params.append(query.platform)
    if query.language:
        where.append("p.language = ?")
        params.append(query.language)
    if query.tag:
        where.append("p.id IN (SELECT post_id FROM post_tags WHERE tag = ?)")
        params.append(query.tag)
    if query.date_from is not None:
        where.append("p.posted_at >= ?")
        params.append(int(query.date_from))
    if query.date_to is not None:
        where.append("p.posted_at < ?")
        params.append(int(query.date_to))
    if query.only_mine:
        where.append(
            "p.id IN (SELECT post_id FROM decisions WHERE actor = ? "
            "UNION SELECT post_id FROM claims WHERE user = ? AND expires_at > ?)"
        )
        params.extend([store.user, store.user, time.time()])
    if query.search.strip():
        condition, value = _search_condition(store, query, start == "walk", limit, flags)
        where.append(condition)
        params.append(value)
    if query.pivot is not None:
        # Small lists inline; the caller's pivots come from a pane, so they stay modest.
        ids = [int(i) for i in query.pivot] or [-1]
        where.append(f"p.id IN ({','.join(str(i) for i in ids)})")
    return where, params


def _check_status(query: QueueQuery) -> None:
    """A TriageError in one line for a status filter that is none of the workflow's."""
    if query.status and query.status not in STATUSES:
        raise TriageError(f"Unknown status {query.status!r}; use one of {', '.join(STATUSES)}")


def _search_condition(
    store: Store, query: QueueQuery, walk: bool, limit: int | None, flags: bytearray | None
) -> tuple[str, Any]:
    """The search's term of the WHERE and its parameter: for a walk of the order index on
    SQLite the matches' byte map (``flags``, else made here; store/search_map.py: each entry
    tested by reading one byte, not looked up in a b-tree of the matches), else
    search_filter's."""
    if walk and store.backend != "postgresql":
        if flags is None:
            try:
                flags = match_map(store, fts_query(query.search))
            except OperationalError as exc:
                raise _search_error(query, exc) from exc
        if flags is not None:
            return map_condition("p.id"), flags
    return search_filter(store, query.search, walk=walk, limit=limit)


def queue_ids(
    store: Store,
    query: QueueQuery,
    limit: int | None = None,
    *,
    between_slices: Callable[[], None] | None = None,
    plan: SearchPlan | None = None,
) -> array:
    """The ids the query selects, in queue order, as a compact array of int64 (the first
    ``limit`` only, when given: the window shows a first page before the whole list is read).
    ``between_slices`` is called after each slice of a long read and may raise to stop it
    (the window's worker stops reading a list nobody will see)."""
    start = (plan if plan is not None else search_plan(store, query, limit))[0]
    if start == "head" and limit is not None:
        # First the queue's head alone (store/search_head.py): a common word's first page is
        # there, found without gathering its every match for the walk.
        head_sql, head_params = _queue_sql(store, replace(query, search=""), head_rows(limit))
        try:
            page = head_matches(store, head_sql, head_params, fts_query(query.search), limit)
        except OperationalError as exc:
            raise _search_error(query, exc) from exc
        if page is not None:
            return page
    if start in ("head", "walk") and limit is not None:
        # Not in the head: walked or sorted from the matches, by the page's estimated depth.
        return _deep_page(store, query, limit)
    sql, params = _queue_sql(store, query, limit, start)
    # Read in slices straight into the array: memory stays the array's 8 bytes an id. (One row
    # of every id as 16 hex digits, read before, held the text twice beside the array: 499 MB
    # for the 10M-post queue against 129 MB read this way, in about the same time, 5 s.)
    ids = array("q")
    try:
        cursor = store.execute(sql, params)
        while rows := cursor.fetchmany(ID_SLICE):
            ids.extend([row[0] for row in rows])
            if between_slices is not None:
                between_slices()
    except OperationalError as exc:
        raise _search_error(query, exc) from exc
    return ids


ID_SLICE = 65536  # ids read at a time by queue_ids


def _deep_page(store: Store, query: QueueQuery, limit: int) -> array:
    """A first page of a search not found in the queue's head: its matches gathered once, then
    either the order index walked with them in a byte map (store/search_map.py) or the matches
    sorted through the narrow index, whichever the estimated depth of the page makes cheaper
    (store/search_narrow.py). Both are the queue's statement (the same filter and order), so
    the same ids."""
    _check_status(query)
    try:
        text = match_text(store, fts_query(query.search))
        ids = ids_of(text)
        if narrow_cheaper(store, ids, query.status, query.descending, limit):
            sql = narrow_sql(bool(query.status), query.descending, limit)
            params = [f"[{text}]", *([query.status] if query.status else [])]
            return array("q", [row[0] for row in store.execute(sql, params)])
        sql, params = _queue_sql(store, query, limit, "walk", map_of(ids))
        return array("q", [row[0] for row in store.execute(sql, params)])
    except OperationalError as exc:
        raise _search_error(query, exc) from exc


def queue_sql(store: Store, query: QueueQuery, limit: int | None = None) -> tuple[str, list[Any]]:
    """The SELECT of the ids ``query`` selects in queue order, and its parameters (a first
    page of a search with many matches walks the order index: _search_start)."""
    return _queue_sql(store, query, limit, _search_start(store, query, limit))


def _queue_sql(
    store: Store,
    query: QueueQuery,
    limit: int | None,
    start: str | None = None,
    flags: bytearray | None = None,
) -> tuple[str, list[Any]]:
    """queue_sql with the search's start chosen (_search_start; "head" is walked here, the
    head probe being queue_ids' step before); ``flags``: the walk's byte map, when made."""
    if query.sort not in SORT_COLUMNS:
        raise TriageError(f"Cannot sort the queue by {query.sort!r}")
    where, params = _where(store, query, "walk" if start == "head" else start, limit, flags)
    order = SORT_COLUMNS[query.sort]
    direction = "DESC" if query.descending else "ASC"
    needs_accounts = query.sort == "author"
    sql = "SELECT p.id FROM posts p"
    if needs_accounts:
        sql += " LEFT JOIN accounts a ON a.id = p.account_id"
    if where:
        sql += " WHERE " + " AND ".join(where)
    if query.sort == "id":
        sql += f" ORDER BY p.id {direction}"
    elif query.sort == "priority":
        # posts_priority is (priority DESC, id): tie-break the other way so the index is the order
        tie = "ASC" if query.descending else "DESC"
        sql += f" ORDER BY {order} {direction}, p.id {tie}"
    else:
        sql += f" ORDER BY {order} {direction}, p.id {direction}"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    return sql, params


def search_match(store: Store, text: str) -> tuple[str, str]:
    """The condition on ``posts_fts`` that a search becomes, and its one parameter: FTS5's
    MATCH in a SQLite store, a tsquery over ``document`` on a PostgreSQL server
    (store/search_pg.py), both folded alike (core/search_normal.py)."""
    folded = fts_query(text)
    if store.backend != "postgresql":
        return "posts_fts MATCH ?", folded
    from .search_pg import MATCH_SQL, SearchSyntaxError, to_tsquery_text

    try:
        return MATCH_SQL, to_tsquery_text(store.conn, folded)
    except SearchSyntaxError as exc:
        raise _search_error(QueueQuery(search=text), exc) from None


def search_filter(
    store: Store, text: str, walk: bool = False, limit: int | None = None
) -> tuple[str, str]:
    """The queue's condition on ``p.id`` for a search, and its one parameter (on PostgreSQL in
    the form the planner runs fastest for how many posts match: store/search_pg.py).

    ``walk`` (SQLite): ``+p.id`` keeps SQLite from starting at the matches (a look-up of each
    matching post's row to sort them all); it reads the order index instead and tests each id
    against the matches, gathered once into a set, stopping at the LIMIT. ``limit``
    (PostgreSQL): the first page's length, by which the form is picked."""
    match, value = search_match(store, text)
    if store.backend != "postgresql":
        column = "+p.id" if walk else "p.id"
        return f"{column} IN (SELECT rowid FROM posts_fts WHERE {match})", value
    from .search_pg import posts_condition

    return posts_condition(store.conn, value, limit), value


# Where SQLite starts a search of the queue. With few matches (at most WALK_FACTOR x
# sqrt(posts)) it starts from them: a look-up of each match's row and a sort, instead of
# walking an order index past posts that do not match (SQLite walks the status index for any
# search with a status filter, a million entries for a search that finds nothing). With more
# matches, a first page (queue_ids with a limit) walks the order index, testing each id against
# the matches gathered once into a byte map (store/search_map.py), and stops when the page is
# full, never reading a post row; or, when the page's estimated depth makes it cheaper, sorts
# the matches through the narrow index (store/search_narrow.py). Before either, a search whose
# matches are common ("head": worth_probing) is first run on the queue's head alone
# (store/search_head.py), which spares gathering every match.
WALK_FACTOR = 3
# The orders a first page can walk: an index holds them (posts_priority, and with a status
# filter posts_status_priority), so the walk reads index entries, never post rows.
_WALK_SORTS = frozenset({"priority"})


def _search_start(store: Store, query: QueueQuery, limit: int | None) -> str | None:
    """ "matches", "walk", "head" (probe the head, else walk) or None (SQLite's planner
    chooses) for a search of ``query``.
    SQLite only: PostgreSQL chooses by its planner's estimate (store/search_pg.py)."""
    return search_plan(store, query, limit)[0]


SearchPlan = tuple[str | None, float]


def search_plan(store: Store, query: QueueQuery, limit: int | None) -> SearchPlan:
    """_search_start's answer and the search's estimated number of matches (SQLite: exact up
    to WALK_FACTOR x sqrt(posts), read from that many matches at most; 0 where not estimated:
    no search, PostgreSQL). A "head" or "walk" search whose page lies deep may be sorted from its
    matches through the narrow index (store/search_narrow.py); the window hands the plan back
    to queue_ids (``plan=``) so that it is not worked out twice. Raises TriageError for a
    search FTS5 cannot read."""
    if store.backend == "postgresql" or not query.search.strip():
        return None, 0.0
    posts = int(store.scalar("SELECT coalesce(max(id), 0) FROM posts"))
    few = max(200, int(WALK_FACTOR * posts**0.5))
    try:  # at most few + 1 matches read, in the index's own order (rowid; no sort)
        seen, last = store.execute(
            "SELECT count(*), max(rowid) FROM "
            "(SELECT rowid FROM posts_fts WHERE posts_fts MATCH ? LIMIT ?)",
            (fts_query(query.search), few + 1),
        ).fetchone()
    except OperationalError as exc:
        raise _search_error(query, exc) from exc
    if int(seen) <= few:
        return "matches", float(seen)
    share = int(seen) / max(int(last), 1)
    if limit is not None and query.sort in _WALK_SORTS and not _filters_beyond_status(query):
        # The share of posts that match, estimated from how far in id order those matches
        # reached: common words are probed at the queue's head first.
        return ("head" if worth_probing(share, limit) else "walk"), share * posts
    return None, share * posts


def _filters_beyond_status(query: QueueQuery) -> bool:
    """A filter the order index cannot test (each would need the post's row)."""
    return bool(
        query.platform
        or query.language
        or query.tag
        or query.date_from is not None
        or query.date_to is not None
        or query.only_mine
        or query.pivot is not None
    )


def search_hits(store: Store, text: str) -> array:
    """The ids of posts matching an FTS5 query, in id order (no filters, no sort)."""
    query = QueueQuery(search=text)
    if store.backend == "postgresql":
        from .search_pg import hits_packed

        _match, tsquery = search_match(store, text)
        try:
            return _unpack(hits_packed(store.conn, tsquery))
        except OperationalError as exc:
            raise _search_error(query, exc) from exc
    try:
        # FTS5's ids as decimal text, parsed by numpy (store/search_map.py): at 10M posts
        # "speedboat" (215,000 matches) ~45 ms, against ~75 ms as 16 hex digits each. The
        # window's search over its copy of the queue waits for this on its own thread.
        found = ids_of(match_text(store, fts_query(text)))
    except OperationalError as exc:
        raise _search_error(query, exc) from exc
    ids = array("q")
    ids.frombytes(found.astype("int64", copy=False).tobytes())
    return ids


def fts_query(text: str) -> str:
    """The FTS5 query for what the person typed: folded like the index (Arabic-script letter
    variants, digits of any script, marks and invisible characters; core/search_normal.py),
    a final ة or ه searched in both forms."""
    folded = search_query(text.strip())
    if not folded:
        raise TriageError(
            f"Nothing to search for in “{text.strip()}”: type letters or digits "
            "(marks and invisible characters alone are ignored)"
        )
    return folded


def keep_only(ids: array, hits: array) -> array:
    """``ids`` (in their order) that are also in ``hits``: a search applied to a queue already
    in memory, which is much faster than asking SQLite to sort the matches again."""
    if not ids or not hits:
        return array("q")
    try:
        import numpy as np
    except ImportError:  # pragma: no cover - numpy comes with datasketch
        mask = bytearray(max(max(ids), max(hits)) + 1)
        for h in hits:
            mask[h] = 1
        return array("q", compress(ids, map(mask.__getitem__, ids)))
    base = np.frombuffer(ids, dtype=np.int64)
    flags = _match_flags(hits)
    out = array("q")
    # no second copy of the kept ids
    out.frombytes(base[flags.take(base, mode="clip")].data.cast("B"))
    return out


def first_kept(ids: array, hits: array, limit: int, drop: Iterable[int] = ()) -> tuple[array, bool]:
    """The first ``limit`` of ``ids`` (in their order) that are in ``hits`` and not in
    ``drop``, and whether that is all of them (``ids`` read to the end): keep_only's first page,
    read through the ids a slice at a time, so that a page near the front costs that slice, not
    a pass over ten million ids."""
    import numpy as np

    if not ids or not hits:
        return array("q"), True
    base = np.frombuffer(ids, dtype=np.int64)
    flags = _match_flags(hits, drop)
    page: list[int] = []
    position = 0
    while len(page) < limit and position < len(base):
        part = base[position : position + _KEEP_SLICE]
        position += len(part)
        kept = part[flags.take(part, mode="clip")]
        wanted = limit - len(page)
        page.extend(kept[:wanted].tolist())
        if len(kept) > wanted:
            return array("q", page), False  # more of them after the page
    return array("q", page), position >= len(base)


_KEEP_SLICE = 65536


def _match_flags(hits: array, drop: Iterable[int] = ()) -> Any:
    """A bitmap (numpy bool array) true at the ids of ``hits`` less those of ``drop``, one
    longer than the highest hit: its last entry stays false, so ids past the hits are read
    with ``take(..., mode="clip")`` as no match, without a pass to find the ids' highest."""
    import numpy as np

    found = np.frombuffer(hits, dtype=np.int64)
    flags = np.zeros(int(found.max()) + 2, dtype=bool)
    flags[found] = True
    gone = np.fromiter(drop, dtype=np.int64)
    flags[gone[(gone >= 0) & (gone < len(flags))]] = False
    return flags


def _unpack(packed: str | None) -> array:
    ids = array("q")
    if packed:
        ids.frombytes(bytes.fromhex(packed))
        if sys.byteorder == "little":
            ids.byteswap()
    return ids


def _search_error(query: QueueQuery, exc: Exception) -> TriageError:
    """Turn SQLite's FTS5 complaint into a line a person can act on."""
    message = str(exc)
    # With a search in the query, SQLite's complaints are about it ("unterminated string",
    # "fts5: syntax error near …", "no such column: x" for a stray "x:").
    if query.search.strip():
        detail = message.replace("fts5: ", "")
        return TriageError(
            f'Search not understood ({detail}). Use words, "quoted phrases", OR, NOT, '
            f"and prefix* — put punctuation inside quotes"
        )
    return TriageError(f"The queue query failed: {message}")


def is_rtl(text: str) -> bool:
    """True when the first strongly directional character is right-to-left (Arabic, Hebrew…)."""
    for ch in text[:400]:
        kind = unicodedata.bidirectional(ch)
        if kind in ("R", "AL"):
            return True
        if kind == "L":
            return False
    return False


def _snippet(text: str) -> str:
    first = text.strip().split("\n", 1)[0].strip()
    if len(first) > SNIPPET_CHARS:
        first = first[: SNIPPET_CHARS - 1].rstrip() + "…"
    return first


def queue_rows(store: Store, ids: Sequence[int]) -> list[QueueRow]:
    """Display rows for ``ids`` in the order given (missing ids are left out)."""
    wanted = [int(i) for i in ids]
    if not wanted:
        return []
    base: dict[int, tuple[Any, ...]] = {}
    for i in range(0, len(wanted), _CHUNK):
        among, chunk = ids_in(store, wanted[i : i + _CHUNK])
        # One statement a page, its tags and cluster sizes included: on a team server each
        # statement is a round trip (three a page and a tag key's refreshed row before).
        for r in store.execute(
            "SELECT p.id, p.priority, p.platform, coalesce(a.handle, a.display_name, ''), "
            f"p.posted_at, substr(p.text, 1, {SNIPPET_CHARS * 3}), p.status, p.cluster_id, "
            "p.language, c.size, (SELECT group_concat(tag) FROM "
            "(SELECT tag FROM post_tags WHERE post_id = p.id ORDER BY tag)) "
            "FROM posts p LEFT JOIN accounts a ON a.id = p.account_id "
            f"LEFT JOIN clusters c ON c.id = p.cluster_id WHERE p.id {among}",
            chunk,
        ):
            base[r[0]] = r
    # A cluster missing from the table (enrichment under way) is counted.
    sizes = _cluster_sizes(
        store, {r[7] for r in base.values() if r[7] is not None and r[9] is None}
    )
    out: list[QueueRow] = []
    for post_id in wanted:
        r = base.get(post_id)
        if r is None:
            continue
        text = r[5] or ""
        out.append(
            QueueRow(
                id=post_id,
                priority=float(r[1]),
                platform=r[2],
                author=r[3] or "",
                posted_at=r[4],
                snippet=_snippet(text),
                tags=tuple(r[10].split(",")) if r[10] else (),
                status=r[6],
                cluster_size=_size(r[7], r[9], sizes),
                language=r[8],
                rtl=is_rtl(text),
            )
        )
    return out


def _size(cluster: int | None, size: int | None, counted: dict[int, int]) -> int:
    if cluster is None:
        return 0
    return int(size) if size is not None else counted.get(cluster, 0)


def ids_in(store: Store, ids: Sequence[int]) -> tuple[str, tuple[Any, ...]]:
    """``IN (...)`` of ``ids`` and its parameters. On a server one array (the adapter sends
    ``= ANY(%s)``): the same statement for every page, where a placeholder per id made psycopg
    convert each statement of more than 50 parameters afresh (~5 ms a 200-row page, beside
    ~1 ms on the server). On SQLite a placeholder each: its statement cache keeps the page's
    few forms, and json_each would cost 0.4 ms more a page."""
    if store.backend == "postgresql":
        return "IN (SELECT value FROM json_each(?))", (json.dumps([int(i) for i in ids]),)
    return f"IN ({','.join('?' * len(ids))})", tuple(int(i) for i in ids)


def _cluster_sizes(store: Store, clusters: set[int]) -> dict[int, int]:
    """The size of each cluster, as enrichment keeps it in ``clusters`` (the size the priority
    score uses). Counting the posts of each cluster on a page instead grew with the store: at
    10M posts the demo's clusters hold 10,000-100,000 posts each, and a page of the queue took
    0.9 s to count them. A cluster missing from the table is counted."""
    sizes: dict[int, int] = {}
    wanted = sorted(clusters)
    for i in range(0, len(wanted), _CHUNK):
        among, chunk = ids_in(store, wanted[i : i + _CHUNK])
        for cid, n in store.execute(f"SELECT id, size FROM clusters WHERE id {among}", chunk):
            sizes[cid] = n
    for cid in (c for c in wanted if c not in sizes):
        sizes[cid] = int(
            store.scalar("SELECT count(*) FROM posts WHERE cluster_id = ?", (cid,)) or 0
        )
    return sizes


def distinct_values(store: Store, column: str) -> list[str]:
    """The values present for a filter drop-down (platform or language)."""
    if column not in ("platform", "language"):
        raise TriageError(f"No filter list for {column!r}")
    # This reads the whole posts table (neither column has an index of its own), so the
    # window asks for it only when a drop-down is first opened, not while opening.
    rows = store.execute(
        f"SELECT DISTINCT {column} FROM posts WHERE {column} IS NOT NULL "
        f"AND {column} != '' ORDER BY 1 LIMIT 200"
    ).fetchall()
    values = [str(r[0]) for r in rows]
    return values

"""Pivots from one post to the posts that belong with it: its near-duplicates, the same
account's other posts, and posts sharing a phone number, messaging link, handle or e-mail
(across platforms). Each is a list for the compare pane and, through
:func:`post_ids_for_pivot`, a queue filter.

Every query reads straight off an index (indicators(kind, value, post_id), posts(account_id),
posts(cluster_id)) newest first and stops at ``limit``, so a look-up stays fast on a store of
a million posts even when one phone number appears in a hundred thousand of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from ..core import similarity
from ..core.errors import TriageError, UsageError
from ..core.indicators import PIVOT_KINDS
from .connection import Store

PivotKind = Literal["near_duplicates", "same_account", "same_indicator", "cluster"]
PIVOT_KINDS_ALL: tuple[PivotKind, ...] = (
    "near_duplicates",
    "same_account",
    "same_indicator",
    "cluster",
)
SIMILARITY_SCAN = 200  # cluster members ranked by signature for near_duplicates
FILTER_LIMIT = 100_000  # most ids a pivot hands to the queue as a filter


@dataclass(frozen=True, slots=True)
class PivotHit:
    """One post found by a pivot. ``matched`` says why: ``(kind, value)`` pairs shared with
    the starting post for same_indicator, empty otherwise; ``similarity`` is the estimated
    text similarity (0..1) for near_duplicates, None when the link was an image or unknown."""

    post_id: int
    platform: str
    matched: tuple[tuple[str, str], ...] = ()
    similarity: float | None = None

    @property
    def reason(self) -> str:
        """'phone +447911123456, messaging whatsapp:+447911123456' — for the list's tooltip."""
        return ", ".join(f"{kind} {value}" for kind, value in self.matched)


def _platforms(store: Store, ids: list[int]) -> dict[int, str]:
    if not ids:
        return {}
    marks = ",".join("?" * len(ids))
    return dict(store.execute(f"SELECT id, platform FROM posts WHERE id IN ({marks})", ids))


def _require_post(store: Store, post_id: int) -> tuple[int | None, int | None]:
    row = store.execute(
        "SELECT account_id, cluster_id FROM posts WHERE id = ?", (post_id,)
    ).fetchone()
    if row is None:
        raise TriageError(f"No post with id {post_id} in this store")
    return row[0], row[1]


def cluster_members(store: Store, cluster_id: int, limit: int | None = None) -> list[int]:
    """Ids of the posts in a cluster, oldest first (all of them unless ``limit``)."""
    sql = "SELECT id FROM posts WHERE cluster_id = ? ORDER BY id"
    params: tuple[int, ...] = (cluster_id,)
    if limit is not None:
        sql += " LIMIT ?"
        params = (cluster_id, limit)
    return [r[0] for r in store.execute(sql, params)]


def cluster_size(store: Store, cluster_id: int | None) -> int:
    """Posts in the cluster (1 for a post with no cluster)."""
    if cluster_id is None:
        return 1
    size = store.scalar("SELECT size FROM clusters WHERE id = ?", (cluster_id,))
    return int(size) if size else 1


def near_duplicates(store: Store, post_id: int, limit: int = 50) -> list[PivotHit]:
    """The post's near-duplicates (its cluster), most similar text first.

    In a very large cluster only the newest SIMILARITY_SCAN members are ranked."""
    _, cluster_id = _require_post(store, post_id)
    if cluster_id is None:
        return []
    rows = store.execute(
        "SELECT p.id, p.platform, t.signature FROM posts p "
        "LEFT JOIN text_signatures t ON t.post_id = p.id "
        "WHERE p.cluster_id = ? AND p.id != ? ORDER BY p.id DESC LIMIT ?",
        (cluster_id, post_id, SIMILARITY_SCAN),
    ).fetchall()
    if not rows:
        return []
    scores: dict[int, float] = {}
    own = store.scalar("SELECT signature FROM text_signatures WHERE post_id = ?", (post_id,))
    signed = [r for r in rows if r[2] is not None]
    if own is not None and signed:
        others = np.frombuffer(b"".join(r[2] for r in signed), dtype="<u4").reshape(
            len(signed), similarity.NUM_PERM
        )
        sims = similarity.jaccard_many(similarity.signature_from_bytes(own), others)
        scores = {r[0]: float(x) for r, x in zip(signed, sims, strict=True)}
    ranked = sorted(rows, key=lambda r: (-scores.get(r[0], -1.0), -r[0]))[:limit]
    return [PivotHit(r[0], r[1], (), scores.get(r[0])) for r in ranked]


def same_account(store: Store, post_id: int, limit: int = 50) -> list[PivotHit]:
    """The account's other posts, newest first."""
    account_id, _ = _require_post(store, post_id)
    if account_id is None:
        return []
    rows = store.execute(
        "SELECT id, platform FROM posts WHERE account_id = ? AND id != ? ORDER BY id DESC LIMIT ?",
        (account_id, post_id, limit),
    ).fetchall()
    return [PivotHit(r[0], r[1]) for r in rows]


def post_pivot_values(store: Store, post_id: int) -> list[tuple[str, str]]:
    """The post's distinct phone / messaging / handle / e-mail values, in text order."""
    marks = ",".join("?" * len(PIVOT_KINDS))
    rows = store.execute(
        f"SELECT kind, value FROM indicators WHERE post_id = ? AND kind IN ({marks}) "
        "ORDER BY start, id",
        (post_id, *PIVOT_KINDS),
    ).fetchall()
    return list(dict.fromkeys((r[0], r[1]) for r in rows))


def same_indicator(store: Store, post_id: int, limit: int = 50) -> list[PivotHit]:
    """Posts on any platform sharing a phone number, messaging link, handle or e-mail with
    this post, newest first; each hit names the values it shares."""
    _require_post(store, post_id)
    matched: dict[int, list[tuple[str, str]]] = {}
    for kind, value in post_pivot_values(store, post_id):
        for (other,) in store.execute(
            "SELECT post_id FROM indicators WHERE kind = ? AND value = ? AND post_id != ? "
            "ORDER BY post_id DESC LIMIT ?",
            (kind, value, post_id, limit),
        ):
            matched.setdefault(other, [])
            if (kind, value) not in matched[other]:
                matched[other].append((kind, value))
    chosen = sorted(matched, key=lambda i: (-len(matched[i]), -i))[:limit]
    platforms = _platforms(store, chosen)
    return [PivotHit(i, platforms.get(i, ""), tuple(matched[i])) for i in chosen]


def post_ids_for_pivot(
    store: Store,
    pivot: PivotKind,
    post_id: int | None = None,
    *,
    cluster_id: int | None = None,
    indicator: tuple[str, str] | None = None,
    limit: int = FILTER_LIMIT,
) -> list[int]:
    """Post ids for a queue filter, the starting post included, ascending.

    ``pivot`` is one of near_duplicates / cluster (the post's cluster, or ``cluster_id``),
    same_account, or same_indicator (every value of the post, or just ``indicator`` =
    (kind, value))."""
    if pivot in ("near_duplicates", "cluster"):
        if cluster_id is None:
            if post_id is None:
                raise UsageError("A cluster pivot needs a post or a cluster id")
            _, cluster_id = _require_post(store, post_id)
            if cluster_id is None:
                return [post_id]
        return cluster_members(store, cluster_id, limit)
    if post_id is None and not (pivot == "same_indicator" and indicator):
        raise UsageError(f"The {pivot} pivot needs a post id")
    if pivot == "same_account":
        assert post_id is not None
        account_id, _ = _require_post(store, post_id)
        if account_id is None:
            return [post_id]
        return [
            r[0]
            for r in store.execute(
                "SELECT id FROM posts WHERE account_id = ? ORDER BY id LIMIT ?",
                (account_id, limit),
            )
        ]
    if pivot == "same_indicator":
        if indicator is not None:
            values = [indicator]
        else:
            assert post_id is not None
            _require_post(store, post_id)
            values = post_pivot_values(store, post_id)
        ids: set[int] = {post_id} if post_id is not None else set()
        for kind, value in values:
            ids.update(
                r[0]
                for r in store.execute(
                    "SELECT post_id FROM indicators WHERE kind = ? AND value = ? "
                    "ORDER BY post_id DESC LIMIT ?",
                    (kind, value, limit),
                )
            )
        return sorted(ids)[:limit]
    raise UsageError(f"Unknown pivot '{pivot}' (use one of {', '.join(PIVOT_KINDS_ALL)})")

"""The supervisor's queue: tagged posts awaiting review, filtered or grouped by the analyst who
tagged them, tag, platform and cluster.

Filtering runs in SQL on the indexed ``status`` column so the queue stays quick on a large
store; the verdicts themselves go through :func:`triage_app.store.decisions.review`, which
checks the supervisor role and writes the decision and audit rows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..core.errors import TriageError, UsageError
from .connection import Store
from .decisions import review

GROUPINGS = ("analyst", "tag", "platform", "cluster")
AWAITING = "tagged"


@dataclass(frozen=True)
class ReviewFilter:
    """What the supervisor narrowed the queue to; None means any."""

    analyst: str | None = None
    tag: str | None = None
    platform: str | None = None
    cluster: int | None = None


@dataclass(frozen=True)
class ReviewItem:
    """One tagged post as the supervisor sees it."""

    post_id: int
    platform: str
    handle: str | None
    text: str
    tags: tuple[str, ...]
    analyst: str | None
    tagged_at: str | None
    cluster_id: int | None
    priority: float


def _where(flt: ReviewFilter) -> tuple[str, list[Any]]:
    clauses = ["p.status = ?"]
    params: list[Any] = [AWAITING]
    if flt.platform:
        clauses.append("p.platform = ?")
        params.append(flt.platform)
    if flt.cluster is not None:
        clauses.append("p.cluster_id = ?")
        params.append(flt.cluster)
    if flt.tag:
        # IN drives the lookup from the (tag, post_id) index instead of testing every post.
        clauses.append("p.id IN (SELECT post_id FROM post_tags WHERE tag = ?)")
        params.append(flt.tag)
    if flt.analyst:
        clauses.append("EXISTS (SELECT 1 FROM post_tags t WHERE t.post_id = p.id AND t.actor = ?)")
        params.append(flt.analyst)
    return " AND ".join(clauses), params


def review_items(
    store: Store, flt: ReviewFilter | None = None, limit: int | None = 2000
) -> list[ReviewItem]:
    """Tagged posts awaiting review, highest priority first."""
    where, params = _where(flt or ReviewFilter())
    sql = (
        "SELECT p.id, p.platform, a.handle, substr(p.text, 1, 400), "
        "(SELECT group_concat(tag, ',') FROM (SELECT tag FROM post_tags WHERE post_id = p.id "
        " ORDER BY tag)), "
        "(SELECT actor FROM post_tags WHERE post_id = p.id ORDER BY at DESC LIMIT 1), "
        "(SELECT max(at) FROM post_tags WHERE post_id = p.id), p.cluster_id, p.priority "
        f"FROM posts p LEFT JOIN accounts a ON a.id = p.account_id WHERE {where} "
        "ORDER BY p.priority DESC, p.id"
    )
    if limit is not None:
        sql += " LIMIT ?"
        params.append(int(limit))
    return [
        ReviewItem(
            r[0],
            r[1],
            r[2],
            r[3] or "",
            tuple((r[4] or "").split(",")) if r[4] else (),
            r[5],
            r[6],
            r[7],
            float(r[8] or 0),
        )
        for r in store.execute(sql, params)
    ]


def review_count(store: Store, flt: ReviewFilter | None = None) -> int:
    where, params = _where(flt or ReviewFilter())
    return int(store.scalar(f"SELECT count(*) FROM posts p WHERE {where}", params))


def review_groups(store: Store, by: str) -> list[tuple[str | None, int]]:
    """How many posts await review per analyst, tag, platform or cluster (largest first)."""
    if by == "analyst":
        sql = (
            "SELECT t.actor, count(DISTINCT t.post_id) FROM post_tags t JOIN posts p "
            "ON p.id = t.post_id WHERE p.status = ? GROUP BY t.actor"
        )
    elif by == "tag":
        sql = (
            "SELECT t.tag, count(*) FROM post_tags t JOIN posts p ON p.id = t.post_id "
            "WHERE p.status = ? GROUP BY t.tag"
        )
    elif by == "platform":
        sql = "SELECT platform, count(*) FROM posts WHERE status = ? GROUP BY platform"
    elif by == "cluster":
        sql = (
            "SELECT cluster_id, count(*) FROM posts WHERE status = ? AND cluster_id IS NOT "
            "NULL GROUP BY cluster_id"
        )
    else:
        raise UsageError(f"Group by one of {', '.join(GROUPINGS)}, not {by!r}")
    rows = store.execute(sql, (AWAITING,)).fetchall()
    out = [(None if r[0] is None else str(r[0]), int(r[1])) for r in rows]
    out.sort(key=lambda kv: (-kv[1], kv[0] or ""))
    return out


def approve_cluster(store: Store, cluster_id: int, note: str | None = None) -> str:
    """Approve every tagged post of a cluster in one action; returns the batch id (for undo)."""
    ids = [
        r[0]
        for r in store.execute(
            "SELECT id FROM posts WHERE cluster_id = ? AND status = ? ORDER BY id",
            (cluster_id, AWAITING),
        )
    ]
    if not ids:
        raise TriageError(f"Cluster {cluster_id} has no tagged posts awaiting review")
    return review(store, ids, "approve", note)


def approve_posts(store: Store, post_ids: Sequence[int], note: str | None = None) -> str:
    """Bulk approval of a selection (one decision per post, one audit row, one batch)."""
    return review(store, post_ids, "approve", note)


@dataclass(frozen=True)
class ReturnedItem:
    """A post the person tagged that a supervisor rejected: the reason goes back to them."""

    post_id: int
    platform: str
    handle: str | None
    text: str
    tags: tuple[str, ...]
    rejected_by: str
    rejected_at: str
    reason: str


def rejection(store: Store, post_id: int) -> tuple[str, str, str] | None:
    """(supervisor, when, reason) of the rejection standing on ``post_id``, or None."""
    row = store.execute(
        "SELECT d.actor, d.at, coalesce(d.note, '') FROM decisions d JOIN posts p "
        "ON p.id = d.post_id AND p.status = 'rejected' WHERE d.post_id = ? AND d.kind = 'reject' "
        "AND NOT EXISTS (SELECT 1 FROM decisions u WHERE u.kind = 'undo' AND u.undoes = d.uuid) "
        "ORDER BY d.id DESC LIMIT 1",
        (post_id,),
    ).fetchone()
    return None if row is None else (str(row[0]), str(row[1]), str(row[2]))


def returned_items(store: Store, user: str | None = None, limit: int = 2000) -> list[ReturnedItem]:
    """The rejected posts ``user`` (by default the store's person) tagged, newest rejection
    first, each with the supervisor's reason."""
    who = user or store.user
    rows = store.execute(
        "SELECT p.id, p.platform, a.handle, substr(p.text, 1, 400), "
        "(SELECT group_concat(tag, ',') FROM (SELECT tag FROM post_tags WHERE post_id = p.id "
        " ORDER BY tag)), d.actor, d.at, coalesce(d.note, '') "
        "FROM posts p LEFT JOIN accounts a ON a.id = p.account_id "
        "JOIN decisions d ON d.id = (SELECT max(r.id) FROM decisions r WHERE r.post_id = p.id "
        " AND r.kind = 'reject' AND NOT EXISTS (SELECT 1 FROM decisions u WHERE u.kind = 'undo' "
        " AND u.undoes = r.uuid)) "
        "WHERE p.status = 'rejected' AND EXISTS (SELECT 1 FROM decisions t WHERE "
        "t.post_id = p.id AND t.kind = 'tag' AND t.actor = ?) "
        "ORDER BY d.at DESC, p.id LIMIT ?",
        (who, int(limit)),
    ).fetchall()
    return [
        ReturnedItem(
            r[0],
            r[1],
            r[2],
            r[3] or "",
            tuple(r[4].split(",")) if r[4] else (),
            str(r[5]),
            str(r[6]),
            str(r[7]),
        )
        for r in rows
    ]

"""Blind second review: a supervisor samples an analyst's decisions (dismissals included), a
second reviewer tags the same posts without seeing the first tags, and agreement is measured.

The analyst's tags are replayed from their own decisions at sampling time and kept in
``blind_reviews.first_tags``; nothing that serves the reviewer (``pending_items``) reads that
column or the post's status, so the first answer stays hidden until the second is recorded.
Answers cannot be changed afterwards (a trigger refuses it). Each sampled row is signed by the
supervisor who sampled it and each answer by the second reviewer (store/personal_keys.py);
`audit verify` checks both."""

from __future__ import annotations

import json
import random
import uuid as uuidlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ..core.agreement import ReviewPair, by_analyst, summarise
from ..core.errors import PermissionRefused, TriageError, UsageError
from ..core.timeutil import utc_now_iso
from ..core.workflow import require_role
from .audit import append_audit
from .connection import Store
from .personal_keys import blind_answer_message, blind_sample_message, personal_key_for

MAX_SAMPLE = 1000


@dataclass(frozen=True)
class BlindItem:
    """What the second reviewer sees: the post, never the first analyst's tags or status."""

    id: int
    post_id: int
    platform: str
    handle: str | None
    text: str
    posted_at: int | None
    sampled_at: str


@dataclass(frozen=True)
class Disagreement:
    post_id: int
    analyst: str
    reviewer: str
    first: tuple[str, ...]
    second: tuple[str, ...]
    reviewed_at: str
    text: str


def _natural(conn: Any, post_id: int) -> tuple[str, str]:
    """(platform, platform post id): how a signature names the post."""
    row = conn.execute(
        "SELECT platform, platform_post_id FROM posts WHERE id = ?", (post_id,)
    ).fetchone()
    return str(row[0]), str(row[1])


def _require_supervisor(store: Store, what: str) -> None:
    role = store.role_of()
    require_role(store.user, role, "tag")  # not a user of the store at all: says how to fix
    if role != "supervisor":
        raise PermissionRefused(f"'{what}' needs the supervisor role; {store.user!r} is {role}")


def analyst_tags(store: Store, analyst: str, post_ids: Iterable[int]) -> dict[int, set[str]]:
    """The tags each post carries from ``analyst``'s own tag/untag decisions, in order."""
    out: dict[int, set[str]] = {}
    for post_id in post_ids:
        tags: set[str] = set()
        for kind, tag in store.execute(
            "SELECT kind, tag FROM decisions WHERE post_id = ? AND actor = ? AND kind IN "
            "('tag', 'untag') ORDER BY id",
            (post_id, analyst),
        ):
            if kind == "tag":
                tags.add(tag)
            else:
                tags.discard(tag)
        out[post_id] = tags
    return out


def sample(
    store: Store, analyst: str, n: int, *, reviewer: str | None = None, seed: int | None = None
) -> list[int]:
    """Pick up to ``n`` posts the analyst decided (tagged or dismissed) for a blind review by
    ``reviewer`` (default: the supervisor sampling). Returns the sampled post ids."""
    if n < 1 or n > MAX_SAMPLE:
        raise UsageError(f"A sample is 1 to {MAX_SAMPLE} posts, not {n}")
    _require_supervisor(store, "blind sample")
    reviewer = reviewer or store.user
    if store.role_of(analyst) is None:
        raise TriageError(f"{analyst!r} is not a user of this store")
    if store.role_of(reviewer) is None:
        raise TriageError(f"Reviewer {reviewer!r} is not a user of this store")
    if reviewer == analyst:
        raise UsageError("The second reviewer must be someone other than the analyst")
    candidates = [
        r[0]
        for r in store.execute(
            "SELECT DISTINCT d.post_id FROM decisions d WHERE d.actor = ? AND d.kind IN "
            "('tag', 'untag') AND NOT EXISTS (SELECT 1 FROM blind_reviews b WHERE b.post_id = "
            "d.post_id AND b.analyst = ? AND b.reviewer = ?) ORDER BY d.post_id",
            (analyst, analyst, reviewer),
        )
    ]
    tags = analyst_tags(store, analyst, candidates)
    decided = [p for p in candidates if tags[p]]
    if not decided:
        raise TriageError(f"{analyst} has no decisions left to sample for {reviewer}")
    chosen = sorted(random.Random(seed).sample(decided, min(n, len(decided))))
    sample_id = str(uuidlib.uuid4())
    at = utc_now_iso()
    key = personal_key_for(store)  # each sampled row is signed by the supervisor
    with store.transaction() as conn:
        for post_id in chosen:
            uid, first = str(uuidlib.uuid4()), json.dumps(sorted(tags[post_id]))
            platform, natural = _natural(conn, post_id)
            signature = key.sign(
                blind_sample_message(
                    uid, platform, natural, analyst, reviewer, first, store.user, at
                )
            )
            conn.execute(
                "INSERT INTO blind_reviews(uuid, sample_id, post_id, analyst, reviewer, "
                "first_tags, sampled_by, sampled_at, sample_signature) VALUES (?,?,?,?,?,?,?,?,?)",
                (uid, sample_id, post_id, analyst, reviewer, first, store.user, at, signature),
            )
        append_audit(
            conn,
            store.user,
            "blind_sample",
            "user",
            analyst,
            {"sample": sample_id, "reviewer": reviewer, "posts": len(chosen), "asked": n},
            at=at,
        )
    return chosen


def pending_items(store: Store, reviewer: str | None = None) -> list[BlindItem]:
    """Posts waiting for ``reviewer``'s blind answer (first tags deliberately not selected)."""
    rows = store.execute(
        "SELECT b.id, p.id, p.platform, a.handle, p.text, p.posted_at, b.sampled_at "
        "FROM blind_reviews b JOIN posts p ON p.id = b.post_id "
        "LEFT JOIN accounts a ON a.id = p.account_id "
        "WHERE b.reviewer = ? AND b.second_tags IS NULL ORDER BY b.id",
        (reviewer or store.user,),
    ).fetchall()
    return [BlindItem(*r) for r in rows]


def record_answer(store: Store, post_id: int, tags: Iterable[str]) -> tuple[list[str], list[str]]:
    """Record the current user's independent tags for a sampled post.

    Returns (first analyst's tags, second tags), revealed now that the answer is in."""
    keys = sorted(dict.fromkeys(tags))
    if not keys:
        raise UsageError("Give at least one tag (use not_relevant to dismiss)")
    unknown = [t for t in keys if t not in store.taxonomy]
    if unknown:
        raise UsageError(f"Unknown tag {unknown[0]!r}; known tags: {', '.join(store.taxonomy)}")
    require_role(store.user, store.role_of(), "tag")
    at = utc_now_iso()
    key = personal_key_for(store)  # the answer is signed by the second reviewer
    with store.transaction() as conn:
        row = conn.execute(
            "SELECT id, first_tags, sample_id, uuid FROM blind_reviews WHERE post_id = ? AND "
            "reviewer = ? AND second_tags IS NULL ORDER BY id LIMIT 1",
            (post_id, store.user),
        ).fetchone()
        if row is None:
            raise TriageError(f"Post {post_id} is not waiting for a blind review by {store.user}")
        second = json.dumps(keys)
        platform, natural = _natural(conn, post_id)
        signature = key.sign(
            blind_answer_message(row[3], platform, natural, store.user, second, at)
        )
        conn.execute(
            "UPDATE blind_reviews SET second_tags = ?, reviewed_at = ?, answer_signature = ? "
            "WHERE id = ?",
            (second, at, signature, row[0]),
        )
        append_audit(
            conn,
            store.user,
            "blind_review",
            "post",
            post_id,
            {"sample": row[2], "tags": keys},
            at=at,
        )
    return sorted(json.loads(row[1])), keys


def _answered(store: Store, analyst: str | None = None) -> list[tuple[Any, ...]]:
    sql = (
        "SELECT b.post_id, b.analyst, b.reviewer, b.first_tags, b.second_tags, b.reviewed_at "
        "FROM blind_reviews b WHERE b.second_tags IS NOT NULL"
    )
    params: tuple[Any, ...] = ()
    if analyst:
        sql += " AND b.analyst = ?"
        params = (analyst,)
    return store.execute(sql + " ORDER BY b.id", params).fetchall()


def review_pairs(store: Store, analyst: str | None = None) -> list[ReviewPair]:
    return [
        ReviewPair(r[0], r[1], r[2], frozenset(json.loads(r[3])), frozenset(json.loads(r[4])))
        for r in _answered(store, analyst)
    ]


def agreement_report(store: Store) -> dict[str, Any]:
    """Agreement overall, per analyst and per tag, with counts (the ``agreement`` section of
    ``triage stats --json``)."""
    pairs = review_pairs(store)
    offences = [k for k, t in store.taxonomy.items() if t.kind == "offence"]
    pending = int(store.scalar("SELECT count(*) FROM blind_reviews WHERE second_tags IS NULL"))
    return {
        "answered": len(pairs),
        "pending": pending,
        "overall": summarise(pairs, offences).as_dict(),
        "by_analyst": {name: s.as_dict() for name, s in by_analyst(pairs, offences).items()},
    }


def disagreements(store: Store, analyst: str | None = None) -> list[Disagreement]:
    """Answered posts where the two tag sets differ, for discussion."""
    out: list[Disagreement] = []
    for post_id, name, reviewer, first, second, at in _answered(store, analyst):
        a, b = tuple(sorted(json.loads(first))), tuple(sorted(json.loads(second)))
        if a != b:
            text = (
                store.scalar("SELECT substr(text, 1, 200) FROM posts WHERE id = ?", (post_id,))
                or ""
            )
            out.append(Disagreement(post_id, name, reviewer, a, b, at, text))
    return out

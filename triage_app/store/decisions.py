"""Analysts' and supervisors' decisions: tag, untag, note, approve, reject, undo.

Decisions are append-only events; ``post_tags`` and ``posts.status`` are the current state derived
from them. Every call is one user action: one committed transaction with its audit row, so a
crash never loses what was shown as done. Undo is a new event that reverses a batch, never a
deletion."""

from __future__ import annotations

import time
import uuid as uuidlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from ..core.errors import TriageError, UsageError
from ..core.timeutil import utc_now_iso
from ..core.workflow import require_role, status_after_tags
from .audit import GENESIS, append_audit
from .audit import HEAD_SQL as AUDIT_HEAD_SQL
from .checkpoints import checkpoint_after
from .connection import ReadAfterCommit, Store
from .four_eyes import check_approval, refusal
from .personal_keys import has_personal_key, personal_key_for, sign_decision_with

CLAIM_SECONDS = 5 * 60
_CHUNK = 500


@dataclass(frozen=True)
class Decision:
    uuid: str
    post_id: int
    kind: str
    tag: str | None
    note: str | None
    actor: str
    at: str
    batch: str | None
    undoes: str | None


def _check_posts(store: Store, post_ids: Sequence[int]) -> list[int]:
    ids = _distinct_ids(post_ids)
    found: set[int] = set()
    for i in range(0, len(ids), _CHUNK):
        chunk = ids[i : i + _CHUNK]
        marks = ",".join("?" * len(chunk))
        found.update(
            r[0] for r in store.execute(f"SELECT id FROM posts WHERE id IN ({marks})", chunk)
        )
    _require_found(ids, found)
    return ids


def _require_found(ids: Sequence[int], found: set[int]) -> None:
    """A TriageError naming the first of ``ids`` not ``found`` in the store."""
    missing = [p for p in ids if p not in found]
    if missing:
        raise TriageError(f"No post with id {missing[0]} in this store")


def _check_tags(store: Store, tags: Iterable[str]) -> list[str]:
    keys = list(dict.fromkeys(tags))
    unknown = [t for t in keys if t not in store.taxonomy]
    if unknown:
        raise UsageError(f"Unknown tag {unknown[0]!r}; known tags: {', '.join(store.taxonomy)}")
    return keys


def _insert_decision(
    conn: Any,
    store: Store,
    post_id: int,
    kind: str,
    *,
    tag: str | None = None,
    note: str | None = None,
    at: str,
    batch: str,
    undoes: str | None = None,
    post: _Post | None = None,
) -> str:
    uid = str(uuidlib.uuid4())
    # Signed by its author's personal key (store/personal_keys.py); audit verify checks it.
    key = personal_key_for(store)
    identity = None if post is None else post.identity
    signature = sign_decision_with(
        key, conn, uid, post_id, kind, tag, note, at, batch, undoes, identity=identity
    )
    conn.execute(
        "INSERT INTO decisions(uuid, post_id, kind, tag, note, actor, at, workstation, batch, "
        "undoes, signature) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        (
            uid,
            post_id,
            kind,
            tag,
            note,
            store.user,
            at,
            store.workstation,
            batch,
            undoes,
            signature,
        ),
    )
    return uid


def current_tags(store: Store, post_id: int) -> list[str]:
    return [
        r[0]
        for r in store.execute(
            "SELECT tag FROM post_tags WHERE post_id = ? ORDER BY tag", (post_id,)
        )
    ]


def _refresh_status(conn: Any, store: Store, post_id: int, *, supervisor_retag: bool) -> None:
    status = conn.execute("SELECT status FROM posts WHERE id = ?", (post_id,)).fetchone()[0]
    tags = [r[0] for r in conn.execute("SELECT tag FROM post_tags WHERE post_id = ?", (post_id,))]
    if supervisor_retag and status in ("approved", "rejected", "conflict"):
        return  # a supervisor re-tagging a reviewed post keeps the review's status
    new = status_after_tags(status, tags, store.taxonomy)
    if new != status:
        conn.execute("UPDATE posts SET status = ? WHERE id = ?", (new, post_id))


def apply_tags(
    store: Store,
    post_ids: Sequence[int],
    add: Iterable[str] = (),
    remove: Iterable[str] = (),
    note: str | None = None,
) -> str:
    """Add and/or remove tags on posts in one action; returns the batch id (for undo).

    Few round trips, and few of them under the writer lock (on a team server each one is a
    chance to wait for a CPU while every other analyst waits for the lock): the signing key is
    loaded before the lock is taken, and once it is held one query reads what the action needs
    of every post (status, tags, the identity its decision is signed over) with the audit
    chain's head (:func:`_posts_under_lock`)."""
    add_keys = _check_tags(store, add)
    remove_keys = _check_tags(store, remove)
    if not add_keys and not remove_keys and note is None:
        raise UsageError("Nothing to do: name a tag to add or remove, or a note")
    return _tag_posts(store, _distinct_ids(post_ids), add_keys, remove_keys, note).batch


@dataclass(frozen=True)
class TagOutcome:
    """What a tagging action did: its batch (for undo) and each post's tags (sorted) and
    status as committed. Both were known under the writer lock, so the window shows the tagged
    row from them instead of reading it back (two statements, round trips on a team server)."""

    batch: str
    after: dict[int, tuple[tuple[str, ...], str]]


def _tag_posts(
    store: Store,
    ids: list[int],
    add_keys: list[str],
    remove_keys: list[str],
    note: str | None,
    toggle: bool = False,
    then_read: ReadAfterCommit | None = None,
) -> TagOutcome:
    """:func:`apply_tags` with its arguments checked. ``toggle``: ``add_keys`` is one tag,
    removed instead when every post already has it, as read under the writer lock.
    ``then_read``: answered as soon as the tag commits (Store.read_after_commit)."""
    if not has_personal_key(store):
        # Asked first the first time, before a key is made for someone who may not tag.
        require_role(store.user, store.role_of(), "tag")
    # Loaded (made, registered) before the lock: inside, the chain's head read below must stay
    # the head until this action's audit row (a first registration appends one).
    personal_key_for(store)
    batch = str(uuidlib.uuid4())
    at = utc_now_iso()
    with store.decision_transaction("tag") as (conn, role):
        if then_read is not None:
            store.read_after_commit(then_read)
        posts, head = _posts_under_lock(conn, ids)
        if toggle and all(add_keys[0] in posts[p].tags for p in ids):
            add_keys, remove_keys = [], add_keys
        statuses = {p: posts[p].status for p in ids}
        reviewed = [p for p in ids if statuses[p] in ("approved", "rejected", "referred")]
        if reviewed:
            require_role(store.user, role, "retag")
            if any(statuses[p] == "referred" for p in reviewed):
                raise TriageError("A referred post cannot be re-tagged")
        # What changes is known from the tags just read under the lock, not from each write's
        # row count: the writes need no answer until the COMMIT (one round trip on a server).
        store.writes_answered_at_commit()
        changed = 0
        after: dict[int, tuple[tuple[str, ...], str]] = {}
        for post_id in ids:
            post = posts[post_id]
            tags = set(post.tags)
            for tag in add_keys:
                if tag not in tags:
                    conn.execute(
                        "INSERT INTO post_tags(post_id, tag, actor, at) VALUES (?,?,?,?)",
                        (post_id, tag, store.user, at),
                    )
                    _insert_decision(
                        conn, store, post_id, "tag", tag=tag, at=at, batch=batch, post=post
                    )
                    tags.add(tag)
                    changed += 1
            for tag in remove_keys:
                if tag in tags:
                    conn.execute(
                        "DELETE FROM post_tags WHERE post_id = ? AND tag = ?", (post_id, tag)
                    )
                    _insert_decision(
                        conn, store, post_id, "untag", tag=tag, at=at, batch=batch, post=post
                    )
                    tags.discard(tag)
                    changed += 1
            if note is not None:
                _set_note(conn, store, post_id, note, at, batch, post=post)
                changed += 1
            status = _set_status(
                conn, store, post_id, post.status, tags, supervisor_retag=bool(reviewed)
            )
            after[post_id] = (tuple(sorted(tags)), status)
        append_audit(
            conn,
            store.user,
            "tag",
            "posts",
            _id_summary(ids),
            {
                "add": add_keys,
                "remove": remove_keys,
                "note": note is not None,
                "batch": batch,
                "posts": len(ids),
                "changed": changed,
            },
            at=at,
            head=head,
        )
    return TagOutcome(batch, after)


@dataclass
class _Post:
    """What a tagging action reads of a post under the writer lock."""

    status: str
    identity: tuple[str, str]  # (platform, platform_post_id): what its decisions are signed over
    tags: list[str]


def _distinct_ids(post_ids: Sequence[int]) -> list[int]:
    ids = list(dict.fromkeys(int(p) for p in post_ids))
    if not ids:
        raise UsageError("No posts selected")
    return ids


def _posts_under_lock(conn: Any, ids: Sequence[int]) -> tuple[dict[int, _Post], str | None]:
    """Every post of ``ids`` (status, identity, current tags) and the audit chain's head, in
    one query per chunk of posts (the chain's head is a subquery of it); a missing post is
    refused as :func:`_check_posts` does. Read under the writer lock, so nothing changes them
    but the caller."""
    posts: dict[int, _Post] = {}
    head: str | None = None
    for i in range(0, len(ids), _CHUNK):
        chunk = list(ids[i : i + _CHUNK])
        marks = ",".join("?" * len(chunk))
        rows = conn.execute(
            "SELECT p.id, p.status, p.platform, p.platform_post_id, t.tag, "
            f"({AUDIT_HEAD_SQL}) FROM posts p LEFT JOIN post_tags t ON t.post_id = p.id "
            f"WHERE p.id IN ({marks})",
            chunk,
        ).fetchall()
        for post_id, status, platform, platform_post_id, tag, chain_head in rows:
            post = posts.setdefault(
                int(post_id), _Post(str(status), (platform, platform_post_id), [])
            )
            if tag is not None:
                post.tags.append(str(tag))
            head = chain_head if chain_head is not None else GENESIS
    _require_found(ids, set(posts))
    return posts, head


def _set_status(
    conn: Any, store: Store, post_id: int, status: str, tags: set[str], *, supervisor_retag: bool
) -> str:
    """:func:`_refresh_status` from a status and tags the caller already knows; the status
    the post has now."""
    if supervisor_retag and status in ("approved", "rejected", "conflict"):
        return status  # a supervisor re-tagging a reviewed post keeps the review's status
    new = status_after_tags(status, tags, store.taxonomy)
    if new != status:
        conn.execute("UPDATE posts SET status = ? WHERE id = ?", (new, post_id))
    return new


def toggle_tag(store: Store, post_ids: Sequence[int], tag: str) -> str:
    """One-key tagging: remove ``tag`` when every selected post has it, else add it to all.

    Which of the two is decided under the writer lock, from what the action reads there
    anyway (each post's tags): no one else's tag comes between the decision and the change,
    and a team server's tag key needs no statement of its own to decide."""
    return toggle_tag_outcome(store, post_ids, tag).batch


def toggle_tag_outcome(
    store: Store, post_ids: Sequence[int], tag: str, then_read: ReadAfterCommit | None = None
) -> TagOutcome:
    """:func:`toggle_tag`, with what it left on each post (the window's tag key).
    ``then_read``: reads answered as soon as the tag commits, in its COMMIT's round trip on a
    team server (the window's check of the next post's preview: ui/preview_ahead.py)."""
    ids = _distinct_ids(post_ids)
    tags = _check_tags(store, [tag])
    return _tag_posts(store, ids, tags, [], None, toggle=True, then_read=then_read)


def _set_note(
    conn: Any,
    store: Store,
    post_id: int,
    note: str,
    at: str,
    batch: str,
    post: _Post | None = None,
) -> None:
    conn.execute("UPDATE posts SET note = ? WHERE id = ?", (note or None, post_id))
    _insert_decision(conn, store, post_id, "note", note=note, at=at, batch=batch, post=post)


def set_note(store: Store, post_id: int, note: str) -> str:
    """Replace the post's note (an empty note clears it); returns the batch id."""
    require_role(store.user, store.role_of(), "note")
    ids = _check_posts(store, [post_id])
    batch = str(uuidlib.uuid4())
    at = utc_now_iso()
    with store.transaction() as conn:
        _set_note(conn, store, ids[0], note, at, batch)
        append_audit(
            conn, store.user, "note", "post", ids[0], {"batch": batch, "length": len(note)}, at=at
        )
    return batch


def review(store: Store, post_ids: Sequence[int], verdict: str, note: str | None = None) -> str:
    """A supervisor approves or rejects tagged posts (a rejection needs a reason)."""
    if verdict not in ("approve", "reject"):
        raise UsageError("A review is 'approve' or 'reject'")
    require_role(store.user, store.role_of(), verdict)
    if verdict == "reject" and not (note and note.strip()):
        raise UsageError("A rejection needs a reason (--note)")
    ids = _check_posts(store, post_ids)
    batch = str(uuidlib.uuid4())
    at = utc_now_iso()
    new_status = "approved" if verdict == "approve" else "rejected"
    with store.transaction() as conn:
        detail: dict[str, Any] = {"batch": batch, "posts": len(ids), "note": note}
        if verdict == "approve":
            # Four eyes (store/four_eyes.py): all or nothing when the approver tagged any post.
            four_eyes = check_approval(conn, store.user, ids)
            if not four_eyes.allowed:
                raise refusal(four_eyes, len(ids))
            if four_eyes.own:
                detail["self_approved"] = sorted(four_eyes.own)
        statuses = _statuses(conn, ids)
        _refuse_repeated_verdict(conn, statuses, new_status, verdict)
        for post_id, status in statuses:
            if status == "referred":
                raise TriageError(f"Post {post_id} is already referred; it cannot be reviewed")
            if status in ("new", "dismissed") and verdict == "approve":
                raise TriageError(f"Post {post_id} has no offence tag; tag it before approving")
            _insert_decision(conn, store, post_id, verdict, note=note, at=at, batch=batch)
            conn.execute("UPDATE posts SET status = ? WHERE id = ?", (new_status, post_id))
        append_audit(conn, store.user, verdict, "posts", _id_summary(ids), detail, at=at)
    # Anchor the chain at every approval batch (store/checkpoints.py).
    checkpoint_after(store, "approval batch")
    return batch


def _refuse_repeated_verdict(
    conn: Any, statuses: list[tuple[int, str]], new_status: str, verdict: str
) -> None:
    """Two supervisors deciding on one post at the same moment: the second finds the first's
    verdict once the writer lock is theirs and is told so, instead of adding a second one."""
    done = [post_id for post_id, status in statuses if status == new_status]
    if not done:
        return
    row = conn.execute(
        "SELECT actor FROM decisions WHERE post_id = ? AND kind = ? ORDER BY id DESC LIMIT 1",
        (done[0], verdict),
    ).fetchone()
    by = f" by {row[0]}" if row else ""
    what = f"Post {done[0]} was" if len(done) == 1 else f"{len(done)} of these posts were"
    raise TriageError(f"{what} already {new_status}{by}; nothing was changed")


def _statuses(conn: Any, ids: Sequence[int]) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []
    for i in range(0, len(ids), _CHUNK):
        chunk = list(ids[i : i + _CHUNK])
        marks = ",".join("?" * len(chunk))
        out.extend(conn.execute(f"SELECT id, status FROM posts WHERE id IN ({marks})", chunk))
    return out


def _id_summary(ids: Sequence[int]) -> str:
    return str(ids[0]) if len(ids) == 1 else f"{ids[0]}..{ids[-1]} ({len(ids)})"


def undo_refusal_reason(conn: Any, post_id: int) -> str | None:
    """Why a decision about ``post_id`` (its approval or rejection above all) can no longer be
    undone, or None when it can: a post in a referral pack has left the store, so the pack and
    its approval stand; what became of it is an outcome. ``conn`` is a store's connection (or
    the transaction in progress); the window asks this before offering an undo."""
    row = conn.execute(
        "SELECT coalesce(rp.pack_id, r.pack_name), r.created_at FROM referral_items ri "
        "JOIN referrals r ON r.id = ri.referral_id "
        "LEFT JOIN referral_packs rp ON rp.referral_id = r.id "
        "WHERE ri.post_id = ? ORDER BY r.created_at, r.id LIMIT 1",
        (post_id,),
    ).fetchone()
    if row is not None:
        return (
            f"Post {post_id} is already referred in pack {row[0]} on {str(row[1])[:10]}; "
            "record an outcome instead"
        )
    status = conn.execute("SELECT status FROM posts WHERE id = ?", (post_id,)).fetchone()
    if status is not None and status[0] == "referred":
        return (
            f"Post {post_id} is already referred in a pack built by another store; "
            "record an outcome instead"
        )
    return None


def batch_decisions(store: Store, batch: str) -> list[Decision]:
    rows = store.execute(
        "SELECT uuid, post_id, kind, tag, note, actor, at, batch, undoes FROM decisions "
        "WHERE batch = ? ORDER BY id",
        (batch,),
    ).fetchall()
    return [Decision(*r) for r in rows]


def undo_batch(store: Store, batch: str) -> str:
    """Reverse a batch of tag/untag/note/review events with new events; returns the new batch.

    Redo is the undo of an undo. Only the actor's own batches can be undone; nothing about a
    post in a referral pack can be (:func:`undo_refusal_reason`)."""
    return _undo_events(store, batch, batch_decisions(store, batch))


def undo_review(store: Store, post_id: int) -> str:
    """Undo the latest approval or rejection of one post (not yet undone; the person's own);
    returns the new batch. Refused for a post in a referral pack (:func:`undo_refusal_reason`)."""
    ids = _check_posts(store, [post_id])
    row = store.execute(
        "SELECT uuid, post_id, kind, tag, note, actor, at, batch, undoes FROM decisions d "
        "WHERE post_id = ? AND kind IN ('approve', 'reject') AND NOT EXISTS "
        "(SELECT 1 FROM decisions u WHERE u.kind = 'undo' AND u.undoes = d.uuid) "
        "ORDER BY id DESC LIMIT 1",
        (ids[0],),
    ).fetchone()
    reason = undo_refusal_reason(store.conn, ids[0])
    if reason is not None:
        raise TriageError(reason)
    if row is None:
        raise TriageError(f"Post {ids[0]} has no approval or rejection to undo")
    event = Decision(*row)
    return _undo_events(store, str(event.batch), [event])


def _undo_events(store: Store, batch: str, events: list[Decision]) -> str:
    if not events:
        raise TriageError("Nothing to undo")
    if any(e.actor != store.user for e in events):
        raise TriageError("Only the person who made a decision can undo it")
    new_batch = str(uuidlib.uuid4())
    at = utc_now_iso()
    touched: list[int] = []
    with store.transaction() as conn:
        # A referred post's decisions stand (its approval went out in a pack).
        for post_id in dict.fromkeys(e.post_id for e in events):
            reason = undo_refusal_reason(conn, post_id)
            if reason is not None:
                raise TriageError(reason)
        reviewed_any = False
        for e in reversed(events):
            touched.append(e.post_id)
            if e.kind == "tag":
                conn.execute(
                    "DELETE FROM post_tags WHERE post_id = ? AND tag = ?", (e.post_id, e.tag)
                )
                _insert_decision(
                    conn,
                    store,
                    e.post_id,
                    "untag",
                    tag=e.tag,
                    at=at,
                    batch=new_batch,
                    undoes=e.uuid,
                )
            elif e.kind == "untag":
                conn.execute(
                    "INSERT OR IGNORE INTO post_tags(post_id, tag, actor, at) VALUES (?,?,?,?)",
                    (e.post_id, e.tag, store.user, at),
                )
                _insert_decision(
                    conn, store, e.post_id, "tag", tag=e.tag, at=at, batch=new_batch, undoes=e.uuid
                )
            elif e.kind == "note":
                previous = conn.execute(
                    "SELECT note FROM decisions WHERE post_id = ? AND kind = 'note' AND id < "
                    "(SELECT id FROM decisions WHERE uuid = ?) ORDER BY id DESC LIMIT 1",
                    (e.post_id, e.uuid),
                ).fetchone()
                _set_note(conn, store, e.post_id, previous[0] if previous else "", at, new_batch)
            elif e.kind in ("approve", "reject"):
                reviewed_any = True
                _insert_decision(
                    conn, store, e.post_id, "undo", at=at, batch=new_batch, undoes=e.uuid
                )
                conn.execute("UPDATE posts SET status = 'tagged' WHERE id = ?", (e.post_id,))
        for post_id in dict.fromkeys(touched):
            if not reviewed_any:
                _refresh_status(conn, store, post_id, supervisor_retag=False)
            else:
                conn.execute(
                    "UPDATE posts SET status = 'new' WHERE id = ? AND NOT EXISTS "
                    "(SELECT 1 FROM post_tags WHERE post_id = ?)",
                    (post_id, post_id),
                )
        append_audit(
            conn,
            store.user,
            "undo",
            "batch",
            batch,
            {"batch": new_batch, "events": len(events)},
            at=at,
        )
    return new_batch


def claim(store: Store, post_id: int, seconds: int = CLAIM_SECONDS) -> str | None:
    """Claim a post for the user; returns the other user holding it, or None when ours.

    On a team server the claim also ends with the holder's sessions (store/pg/claims.py)."""
    if store.backend == "postgresql":
        from .pg import claims as pg_claims

        return pg_claims.claim(store, post_id, seconds)
    now = time.time()
    with store.transaction() as conn:
        row = conn.execute(
            "SELECT user, expires_at FROM claims WHERE post_id = ?", (post_id,)
        ).fetchone()
        if row and row[0] != store.user and row[1] > now:
            return str(row[0])
        conn.execute(
            "INSERT INTO claims(post_id, user, expires_at) VALUES (?,?,?) "
            "ON CONFLICT(post_id) DO UPDATE SET user = excluded.user, "
            "expires_at = excluded.expires_at",
            (post_id, store.user, now + seconds),
        )
    return None


def claim_holder(store: Store, post_id: int) -> str | None:
    if store.backend == "postgresql":
        from .pg import claims as pg_claims

        return pg_claims.holder(store, post_id)
    row = store.execute(
        "SELECT user FROM claims WHERE post_id = ? AND expires_at > ?", (post_id, time.time())
    ).fetchone()
    return None if row is None else str(row[0])


def claims_of_others(store: Store) -> dict[int, str]:
    """Every post someone else holds right now (the claims table only holds current work)."""
    if store.backend == "postgresql":
        from .pg import claims as pg_claims

        return pg_claims.held_by_others(store)
    rows = store.execute(
        "SELECT post_id, user FROM claims WHERE user != ? AND expires_at > ?",
        (store.user, time.time()),
    ).fetchall()
    return {int(p): str(u) for p, u in rows}


def claim_next(
    store: Store, candidates: Sequence[int] | None = None, seconds: int = CLAIM_SECONDS
) -> int | None:
    """Claim and return the next post nobody else holds: the first of ``candidates`` (in
    order), or with None the first new post in queue order (priority, then id) that nobody
    (the user included) holds; None when there is none. On a team server concurrent callers
    never get the same post (SELECT ... SKIP LOCKED, store/pg/claims.py); here BEGIN IMMEDIATE
    serialises them."""
    if store.backend == "postgresql":
        from .pg import claims as pg_claims

        return pg_claims.take_next(store, candidates, seconds)
    now = time.time()
    with store.transaction() as conn:
        if candidates is None:
            row = conn.execute(
                "SELECT id FROM posts WHERE status = 'new' AND id NOT IN "
                "(SELECT post_id FROM claims WHERE expires_at > ?) "
                "ORDER BY priority DESC, id LIMIT 1",
                (now,),
            ).fetchone()
            chosen = None if row is None else int(row[0])
        else:
            held = {
                int(r[0])
                for r in conn.execute(
                    "SELECT post_id FROM claims WHERE user != ? AND expires_at > ?",
                    (store.user, now),
                )
            }
            chosen = next((int(p) for p in candidates if int(p) not in held), None)
        if chosen is not None:
            conn.execute(
                "INSERT INTO claims(post_id, user, expires_at) VALUES (?,?,?) "
                "ON CONFLICT(post_id) DO UPDATE SET user = excluded.user, "
                "expires_at = excluded.expires_at",
                (chosen, store.user, now + seconds),
            )
    return chosen


def release_claims(store: Store) -> None:
    if store.backend == "postgresql":
        from .pg import claims as pg_claims

        pg_claims.release(store)
        return
    with store.transaction() as conn:
        conn.execute("DELETE FROM claims WHERE user = ?", (store.user,))

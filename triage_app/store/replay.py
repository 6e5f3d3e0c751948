"""Replaying decisions: the tags and status each post's decisions give, compared with the
``post_tags`` and ``posts.status`` the store holds.

Decisions are the append-only record; ``post_tags`` and ``posts.status`` are state derived from
them. A status or tag changed by hand (``UPDATE posts SET status = 'approved'`` by someone with
the file) has no decision behind it: replaying finds it, `triage audit verify` names every such
post, and a pack build refuses to export one.

The rules are the program's own: this store's decisions in the order they were made, with
:func:`~triage_app.core.workflow.status_after_tags` after every tag change, approve/reject setting
the review's status, the undo of a review going back to tagged (or new without tags) as in
:mod:`.decisions`; after decisions from other stores (which arrive together, in a sync import),
the post is replayed as the merge replays it (every decision by time, and a conflict where
stores disagree on its tags with no review since, see :mod:`triage_app.packs.sync_merge`). A
post in a referral of this store is referred; a post referred in a peer's store (marked so by a
sync pack, with no referral here) must be approved by its decisions.

Everything is streamed in post id order (four cursors merged as they go), so a store of a
million posts is checked without holding it in memory."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..core.errors import TriageError
from ..core.taxonomy import Tag
from ..core.workflow import status_after_tags
from .connection import Store

_ORDER = {"tag": 0, "untag": 1}  # decisions made at the same moment: tags first
_CHUNK = 500
_DONE = (1 << 62, None)


@dataclass(frozen=True)
class Mismatch:
    post_id: int
    platform: str
    platform_post_id: str
    what: str  # "status" or "tags"
    stored: str
    replayed: str

    def line(self) -> str:
        return (
            f"post {self.post_id} ({self.platform}:{self.platform_post_id}): {self.what} "
            f"{self.stored} but its decisions give {self.replayed}"
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "post": self.post_id,
            "platform": self.platform,
            "platform_post_id": self.platform_post_id,
            "what": self.what,
            "stored": self.stored,
            "replayed": self.replayed,
        }


@dataclass
class ReplayResult:
    posts: int = 0
    decisions: int = 0
    mismatches: list[Mismatch] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.mismatches


# An event: (uuid, kind, tag, at, origin store id or None for this store's own decisions).
Event = tuple[str, str, str | None, str, str | None]


def replay_events(
    events: Sequence[Event], taxonomy: dict[str, Tag], own_store: str
) -> tuple[set[str], str]:
    """The tags and status that a post's decisions (in the order this store got them) give.

    This store's own decisions change the state one by one, as :mod:`.decisions` does. Decisions
    from other stores arrive together in a sync import, after which the merge replays the post
    from all its decisions so far (:func:`_replay_merged`); so does this replay, after each run
    of them."""
    tags: set[str] = set()
    status = "new"
    for i, (_uid, kind, tag, _at, origin) in enumerate(events):
        if origin is not None:
            if i + 1 == len(events) or events[i + 1][4] is None:
                tags, status = _replay_merged(events[: i + 1], taxonomy, own_store)
            continue
        if kind == "tag" and tag:
            tags.add(tag)
            status = status_after_tags(status, tags, taxonomy)
        elif kind == "untag" and tag:
            tags.discard(tag)
            status = status_after_tags(status, tags, taxonomy)
        elif kind == "approve":
            status = "approved"
        elif kind == "reject":
            status = "rejected"
        elif kind == "undo":  # the undo of a review
            status = "tagged" if tags else "new"
    return tags, status


def _replay_merged(
    events: Sequence[Event], taxonomy: dict[str, Tag], own_store: str
) -> tuple[set[str], str]:
    """The merge's rules (:func:`replay_merged`) over this replay's events, writing nothing."""
    state = replay_merged(
        [
            (uid, kind, tag, None, "", at, origin or own_store)
            for uid, kind, tag, at, origin in events
        ],
        taxonomy,
    )
    return {t for t in state.tags if t in taxonomy}, state.status


# A decision as a merge replays it: (uuid, kind, tag, note, actor, at, store of origin).
MergedEvent = tuple[str, str, str | None, str | None, str, str, str]


@dataclass
class MergedState:
    """What a post's decisions give under the merge's rules."""

    tags: dict[str, tuple[str, str]]  # every tag set (the taxonomy's or not) -> (actor, at)
    status: str
    note: str | None = None
    has_note: bool = False  # whether any decision set the note


def replay_merged(events: Iterable[MergedEvent], taxonomy: dict[str, Tag]) -> MergedState:
    """A post's tags, note and status from all its decisions, whichever store made them: the
    one implementation of the merge's rules, used by a sync import to recompute a post
    (packs/sync_merge.py ``replay_post``) and by :func:`replay_events` to check one.

    Every decision by time (tags before untags made at the same moment, then by uuid); a review
    sets the status, its undo goes back to tagged (or new); and where the stores disagree on the
    post's tags with no review since the last tag change, the post is a conflict."""
    ordered = sorted(events, key=lambda e: (e[5], _ORDER.get(e[1], 2), e[0]))
    tags: dict[str, tuple[str, str]] = {}
    by_origin: dict[str, set[str]] = {}
    state = MergedState(tags, "new")
    last_tag_at = ""
    last_review_at: str | None = None
    for _uid, kind, tag, text, actor, at, origin in ordered:
        if kind in ("tag", "untag") and tag:
            group = by_origin.setdefault(origin, set())
            if kind == "tag":
                tags[tag] = (actor, at)
                group.add(tag)
            else:
                tags.pop(tag, None)
                group.discard(tag)
            last_tag_at = max(last_tag_at, at)
            state.status = status_after_tags(state.status, tags, taxonomy)
        elif kind in ("approve", "reject"):
            state.status = "approved" if kind == "approve" else "rejected"
            last_review_at = at
        elif kind == "undo":
            state.status = "tagged" if tags else "new"
            last_review_at = None
        elif kind == "note":
            state.note, state.has_note = (text or None), True
    disagree = len({frozenset(s) for s in by_origin.values()}) > 1
    if disagree and (last_review_at is None or last_review_at < last_tag_at):
        state.status = "conflict"
    return state


def _grouped(cursor: Any) -> Iterator[tuple[int, list[Any]]]:
    """(post id, rows) from a cursor ordered by post id whose first column is the post id."""
    current: int | None = None
    rows: list[Any] = []
    for row in cursor:
        if row[0] != current:
            if current is not None:
                yield current, rows
            current, rows = row[0], []
        rows.append(row[1:])
    if current is not None:
        yield current, rows


class _Stream:
    """One ordered (post id, rows) stream, advanced to each post in turn."""

    def __init__(self, cursor: Any) -> None:
        self._it = _grouped(cursor)
        self._head: tuple[int, Any] = next(self._it, _DONE)  # type: ignore[arg-type]

    def take(self, post_id: int) -> list[Any]:
        while self._head[0] < post_id:
            self._head = next(self._it, _DONE)  # type: ignore[arg-type]
        if self._head[0] == post_id:
            rows: list[Any] = self._head[1]
            self._head = next(self._it, _DONE)  # type: ignore[arg-type]
            return rows
        return []


def _has_synced(store: Store) -> bool:
    return store.scalar("SELECT 1 FROM sync_imports LIMIT 1") is not None


def _compare(
    result: ReplayResult,
    post: tuple[int, str, str, str],
    events: list[Event],
    stored_tags: list[str],
    referred_here: bool,
    synced: bool,
    taxonomy: dict[str, Tag],
    own_store: str,
) -> None:
    post_id, platform, natural, status = post
    result.posts += 1
    result.decisions += len(events)
    tags, replayed = replay_events(events, taxonomy, own_store)
    if referred_here:
        replayed = "referred"  # referral is final
    elif status == "referred" and synced and replayed == "approved":
        replayed = "referred"  # referred in a peer's store: its approval is here
    if status != replayed:
        result.mismatches.append(Mismatch(post_id, platform, natural, "status", status, replayed))
    have = set(stored_tags)
    if have != tags:
        result.mismatches.append(
            Mismatch(post_id, platform, natural, "tags", _tag_list(have), _tag_list(tags))
        )


def _tag_list(tags: set[str]) -> str:
    return ", ".join(sorted(tags)) if tags else "no tags"


REPLAY_PROGRESS_EVERY = 100_000  # posts between two progress reports


def replay_all(store: Store, progress: Callable[[int, int], None] | None = None) -> ReplayResult:
    """Replay every post's decisions and compare them with its stored tags and status.

    ``progress(last post id, highest post id)`` is called every REPLAY_PROGRESS_EVERY posts and
    at the end: ten million posts take a while, and `triage audit verify` says how far it is."""
    started = time.perf_counter()
    highest = int(store.conn.execute("SELECT coalesce(max(id), 0) FROM posts").fetchone()[0])
    taxonomy = store.taxonomy
    own = store.store_id
    synced = _has_synced(store)
    result = ReplayResult()
    conn = store.conn
    decisions = _Stream(
        conn.execute(
            "SELECT d.post_id, d.uuid, d.kind, d.tag, d.at, o.store_id FROM decisions d "
            "LEFT JOIN decision_origin o ON o.uuid = d.uuid ORDER BY d.post_id, d.id"
        )
    )
    tags = _Stream(conn.execute("SELECT post_id, tag FROM post_tags ORDER BY post_id, tag"))
    referred = _Stream(conn.execute("SELECT DISTINCT post_id FROM referral_items ORDER BY post_id"))
    posts = conn.execute("SELECT id, platform, platform_post_id, status FROM posts ORDER BY id")
    for post in posts:
        pid = post[0]
        if progress is not None and result.posts % REPLAY_PROGRESS_EVERY == 0 and result.posts:
            progress(pid, highest)
        events = decisions.take(pid)
        stored = [r[0] for r in tags.take(pid)]
        is_referred = bool(referred.take(pid))
        if not events and not stored and not is_referred and post[3] == "new":
            result.posts += 1  # the common case, short-cut
            continue
        _compare(result, post, events, stored, is_referred, synced, taxonomy, own)
    if progress is not None:
        progress(highest, highest)
    result.seconds = time.perf_counter() - started
    return result


def replay_posts(store: Store, post_ids: Sequence[int]) -> ReplayResult:
    """The same check for the given posts only (a pack's selection)."""
    started = time.perf_counter()
    taxonomy = store.taxonomy
    own = store.store_id
    synced = _has_synced(store)
    result = ReplayResult()
    ids = sorted(set(int(p) for p in post_ids))
    for i in range(0, len(ids), _CHUNK):
        chunk = ids[i : i + _CHUNK]
        marks = ",".join("?" * len(chunk))
        decisions = _Stream(
            store.execute(
                "SELECT d.post_id, d.uuid, d.kind, d.tag, d.at, o.store_id FROM decisions d "
                "LEFT JOIN decision_origin o ON o.uuid = d.uuid "
                f"WHERE d.post_id IN ({marks}) ORDER BY d.post_id, d.id",
                chunk,
            )
        )
        tags = _Stream(
            store.execute(
                f"SELECT post_id, tag FROM post_tags WHERE post_id IN ({marks}) "
                "ORDER BY post_id, tag",
                chunk,
            )
        )
        referred = _Stream(
            store.execute(
                f"SELECT DISTINCT post_id FROM referral_items WHERE post_id IN ({marks}) "
                "ORDER BY post_id",
                chunk,
            )
        )
        for post in store.execute(
            f"SELECT id, platform, platform_post_id, status FROM posts WHERE id IN ({marks}) "
            "ORDER BY id",
            chunk,
        ).fetchall():
            pid = post[0]
            _compare(
                result,
                post,
                decisions.take(pid),
                [r[0] for r in tags.take(pid)],
                bool(referred.take(pid)),
                synced,
                taxonomy,
                own,
            )
    result.seconds = time.perf_counter() - started
    return result


def refuse_unreplayed(store: Store, post_ids: Sequence[int]) -> None:
    """Refuse (one line) when a post's stored status or tags are not what its decisions give:
    a status set by hand, with no decision behind it, never leaves the store in a pack."""
    result = replay_posts(store, post_ids)
    if result.ok:
        return
    first = result.mismatches[0]
    posts = len({m.post_id for m in result.mismatches})
    more = f" ({posts - 1} more posts like it)" if posts > 1 else ""
    raise TriageError(
        f"Refusing to build the pack: {first.line()}{more}; the store was changed outside the "
        "program (see 'triage audit verify')"
    )

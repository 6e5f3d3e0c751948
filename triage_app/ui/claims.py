"""Claims as the window sees them: the post you settle on is claimed for you, and a post someone
else holds says who.

The claim is written a moment after the current post stops changing, not on every row passed:
holding J through the queue must not write (and fsync) a claim per row, and the tag key's
"commit and show the next post" stays one transaction.

On a team server the post a tag key moves to is claimed ahead, while the analyst reads the
current one (``claim_ahead``, called when the window prepares the next post's preview): the
same SKIP LOCKED claim "next post" makes, but off the key's path, where it was a round trip of
1.6 ms at the median and 3 ms at the 99th percentile. The key then moves to that post without
asking the server again, as long as the claim is surely still ours (half a claim's life, the
same session). Colleagues see the post as held by this person a few seconds early; one not
reached (the analyst went elsewhere) stays held until it expires, as a post settled on does."""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from ..core.errors import TriageError
from ..store.connection import DatabaseError, Store
from ..store.decisions import CLAIM_SECONDS, claim, claim_holder, claim_next, claims_of_others

SETTLE_MS = 250
# Rows after the current one that "next post" considers on a team server.
LOOK_AHEAD = 50
# How long a claim the store gave this person is taken as still theirs without asking again:
# half its life, so that one renewed late (the window busy, the clock stepped) never counts.
OURS_TRUSTED_SECONDS = CLAIM_SECONDS / 2


class ClaimKeeper(QObject):
    """Claims the current post after it settles; ``holderChanged(post_id, holder or "")``."""

    holderChanged = Signal(int, str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store: Store | None = None
        self.post_id: int | None = None
        self.holder: str | None = None  # someone else holding the current post, or None
        # The post the store last said this person holds (claimed by "next post" or on
        # settling), when, and on which session: claims are exclusive until they expire or
        # their session ends, so "who holds it?" needs no round trip for it (following it, or
        # the tag key's "held by someone else?").
        self._ours: tuple[int, float, int] | None = None
        # The post claimed ahead for "next post" from the current one (claim_ahead): (the
        # current post, the post claimed, when, on which session).
        self._ahead: tuple[int, int, float, int] | None = None
        # The post from which the last claim ahead found nothing free (or failed): not asked
        # again until the current post changes; the key claims as it goes.
        self._ahead_failed: int | None = None
        # While the worker holds the write lock (an import), a claim would wait for it on the
        # UI thread; claims wait instead and the post is claimed when the import is over.
        self.paused = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SETTLE_MS)
        self._timer.timeout.connect(self.claim_now)

    def set_store(self, store: Store | None) -> None:
        self._timer.stop()
        self.store = store
        self.post_id = None
        self.holder = None
        self._ours = None
        self._ahead = None
        self._ahead_failed = None

    def follow(self, post_id: int | None) -> None:
        """The current post changed: show who holds it now, claim it once it settles."""
        self.post_id = post_id
        self._timer.stop()
        if post_id is None or self.store is None:
            self.holder = None
            return
        if self._surely_ours([post_id]):
            self.holder = None  # claimed for us a moment ago: a round trip off the tag key
        else:
            self.holder = claim_holder(self.store, post_id)
            if self.holder == self.store.user:
                self.holder = None
        self.holderChanged.emit(post_id, self.holder or "")
        self._timer.start()

    def pause(self, paused: bool) -> None:
        self.paused = paused
        if not paused and self.post_id is not None:
            self._timer.start()

    def claim_now(self) -> None:
        if self.post_id is None or self.store is None or self.paused:
            return
        try:
            holder = claim(self.store, self.post_id)
        except (TriageError, DatabaseError):
            return  # a claim is advisory: failing to record one must not stop the review
        if holder is None:
            self._note_ours(self.post_id)
        if holder != self.holder:
            self.holder = holder
            self.holderChanged.emit(self.post_id, holder or "")

    def held_by_others(self, post_ids: list[int]) -> dict[int, str]:
        """Which of ``post_ids`` someone else holds right now. The post the store gave this
        person a moment ago is known to be held by no one else: the tag key on it asks
        nothing (a round trip on a team server, 0.7 ms of the key at the median)."""
        if self.store is None or self._surely_ours(post_ids):
            return {}
        # The claims table only holds what people are working on now: read it whole.
        others = claims_of_others(self.store)
        return {p: others[p] for p in post_ids if p in others}

    def recheck(self) -> None:
        """Someone's claims changed on the server: say again who holds the current post."""
        if self.store is None or self.post_id is None:
            return
        try:
            holder = claim_holder(self.store, self.post_id)
        except (TriageError, DatabaseError):
            return
        holder = None if holder == self.store.user else holder
        if holder != self.holder:
            self.holder = holder
            self.holderChanged.emit(self.post_id, holder or "")

    def row_after(self, rows: Any, row: int) -> int:
        """The row "next post" goes to from ``row`` of the queue model ``rows``: the next one
        on a store of one's own; on a team server the next one nobody else holds, claimed at
        once (SKIP LOCKED: two analysts pressing a tag key at the same moment never land on
        the same post), or already claimed ahead for this row (``claim_ahead``). The next row
        when every nearby one is held, or on any error."""
        following = row + 1
        if self.store is None or self.store.backend != "postgresql":
            return following
        ahead = self._claimed_ahead(rows, row)
        if ahead is not None:
            self._note_ours(rows.post_id(ahead))
            return ahead
        found = self._claim_after(rows, row)
        if found is None:
            return following
        self._note_ours(rows.post_id(found))
        return found

    def claim_ahead(self, rows: Any, row: int) -> int | None:
        """On a team server, claim now the post "next post" will go to from ``row`` (the
        analyst is reading it) and return that post's row; None on a store of one's own, when
        no nearby post is free, or on any error (the key then claims as it goes)."""
        if self.store is None or self.store.backend != "postgresql" or self.paused:
            return None
        known = self._claimed_ahead(rows, row)
        if known is not None:
            return known
        current = rows.post_id(row)
        if current is None or current == self._ahead_failed:
            return None  # asked already from this post (the window prepares on every scroll)
        found = self._claim_after(rows, row)
        if found is None:
            self._ahead, self._ahead_failed = None, current
            return None
        self._ahead = (current, rows.post_id(found), time.monotonic(), self._session())
        self._ahead_failed = None
        return found

    def _claimed_ahead(self, rows: Any, row: int) -> int | None:
        """The row of the post claimed ahead from ``row``'s post, if surely still ours and
        still after it in ``rows``."""
        ahead = self._ahead
        if ahead is None or ahead[0] != rows.post_id(row):
            return None
        if not self._still_ours(ahead[2], ahead[3]):
            self._ahead = None
            return None
        for candidate in range(row + 1, min(rows.rowCount(), row + 1 + LOOK_AHEAD)):
            if rows.post_id(candidate) == ahead[1]:
                return candidate
        return None  # the list changed under it: claim as the key goes

    def _claim_after(self, rows: Any, row: int) -> int | None:
        """Claim the first post after ``row`` nobody else holds (among LOOK_AHEAD rows); its
        row, or None (none free, or an error: a claim is advisory)."""
        assert self.store is not None
        following = row + 1
        last = min(rows.rowCount(), following + LOOK_AHEAD)
        ids = [p for r in range(following, last) if (p := rows.post_id(r)) is not None]
        if not ids:
            return None
        try:
            taken = claim_next(self.store, ids)
        except (TriageError, DatabaseError):
            return None
        if taken is None:
            return None
        found = rows.row_of(taken, following + ids.index(taken))
        return found if found >= 0 else None

    def _session(self) -> int:
        """Which session of the store's connection this is: a team server's connection
        counts the times it was replaced (claims end with their session)."""
        return int(getattr(self.store.conn, "reconnects", 0)) if self.store is not None else 0

    def _note_ours(self, post_id: int) -> None:
        self._ours = (post_id, time.monotonic(), self._session())

    def _surely_ours(self, post_ids: list[int]) -> bool:
        ours = self._ours
        if ours is not None and list(post_ids) == [ours[0]]:
            return self._still_ours(ours[1], ours[2])
        ahead = self._ahead  # J onto the post claimed ahead asks nothing either
        if ahead is not None and list(post_ids) == [ahead[1]]:
            return self._still_ours(ahead[2], ahead[3])
        return False

    def _still_ours(self, since: float, session: int) -> bool:
        """A claim the store gave this person at ``since`` on ``session`` is surely still
        theirs: claims are exclusive until they expire or their session ends."""
        return time.monotonic() - since < OURS_TRUSTED_SECONDS and session == self._session()

"""Claims as the window sees them: the post you settle on is claimed for you, and a post someone
else holds says who.

The claim is written a moment after the current post stops changing, not on every row passed:
holding J through the queue must not write (and fsync) a claim per row, and the tag key's
"commit and show the next post" stays one transaction."""

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
        the same post). The next row when every nearby one is held, or on any error."""
        following = row + 1
        if self.store is None or self.store.backend != "postgresql":
            return following
        last = min(rows.rowCount(), following + LOOK_AHEAD)
        ids = [p for r in range(following, last) if (p := rows.post_id(r)) is not None]
        if not ids:
            return following
        try:
            taken = claim_next(self.store, ids)
        except (TriageError, DatabaseError):
            return following
        if taken is None:
            return following
        found = rows.row_of(taken, following + ids.index(taken))
        if found < 0:
            return following
        self._note_ours(taken)
        return found

    def _session(self) -> int:
        """Which session of the store's connection this is: a team server's connection
        counts the times it was replaced (claims end with their session)."""
        return int(getattr(self.store.conn, "reconnects", 0)) if self.store is not None else 0

    def _note_ours(self, post_id: int) -> None:
        self._ours = (post_id, time.monotonic(), self._session())

    def _surely_ours(self, post_ids: list[int]) -> bool:
        ours = self._ours
        return (
            ours is not None
            and list(post_ids) == [ours[0]]
            and time.monotonic() - ours[1] < OURS_TRUSTED_SECONDS
            and ours[2] == self._session()
        )

"""Claims as the window sees them: the post you settle on is claimed for you, and a post someone
else holds says who.

The claim is written a moment after the current post stops changing, not on every row passed:
holding J through the queue must not write (and fsync) a claim per row, and the tag key's
"commit and show the next post" stays one transaction."""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal

from ..core.errors import TriageError
from ..store.connection import DatabaseError, Store
from ..store.decisions import claim, claim_holder

SETTLE_MS = 250


class ClaimKeeper(QObject):
    """Claims the current post after it settles; ``holderChanged(post_id, holder or "")``."""

    holderChanged = Signal(int, str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store: Store | None = None
        self.post_id: int | None = None
        self.holder: str | None = None  # someone else holding the current post, or None
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

    def follow(self, post_id: int | None) -> None:
        """The current post changed: show who holds it now, claim it once it settles."""
        self.post_id = post_id
        self._timer.stop()
        if post_id is None or self.store is None:
            self.holder = None
            return
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
        if holder != self.holder:
            self.holder = holder
            self.holderChanged.emit(self.post_id, holder or "")

    def held_by_others(self, post_ids: list[int]) -> dict[int, str]:
        """Which of ``post_ids`` someone else holds right now."""
        if self.store is None:
            return {}
        # The claims table only holds what people are working on now: read it whole.
        import time

        others = dict(
            self.store.execute(
                "SELECT post_id, user FROM claims WHERE user != ? AND expires_at > ?",
                (self.store.user, time.time()),
            ).fetchall()
        )
        return {p: others[p] for p in post_ids if p in others}

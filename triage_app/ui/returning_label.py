"""The status bar's count of returning posts (issue 18): posts that share a phone number, a
messaging link or a near-duplicate with an account already taken down (or referred and still
live). The count is what tells a supervisor a taken-down network is back, so it stays in sight
in every view; a click shows the posts still waiting as the queue.

Counting joins every returning post to its post, so after a tag key or an undo it is counted a
moment later (:meth:`ReturningLabel.update_soon`), once the next post is painted: a key held
down counts once, when it is let go."""

from __future__ import annotations

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QLabel, QWidget

from ..core.errors import TriageError
from ..store.connection import Store
from ..store.networks import returning_counts


class ReturningLabel(QLabel):
    """'3 returning posts (2 waiting)'; hidden when there are none. Emits ``openWaiting``
    with the waiting posts' ids when clicked."""

    openWaiting = Signal(list)  # noqa: N815 (Qt signal name)

    # After a key: long enough for the panes' turns (pane_schedule.py) to come first.
    SOON_MS = 150

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("returningLabel")
        self.counts: dict[str, int] = {"posts": 0, "accounts": 0, "waiting": 0}
        self._store: Store | None = None
        self.linkActivated.connect(self._clicked)
        self._soon = QTimer(self)
        self._soon.setSingleShot(True)
        self._soon.setInterval(self.SOON_MS)
        self._soon.timeout.connect(lambda: self.update_from(self._store))
        self.hide()

    def update_soon(self, store: Store | None) -> None:
        """Count again a moment from now (after a tag key or an undo), once for a burst of
        keys; until then the label shows the count before them."""
        self._store = store
        self._soon.start()

    def cancel_pending(self) -> None:
        """Forget a count asked for by :meth:`update_soon` (the window closes its store)."""
        self._soon.stop()
        self._store = None

    def update_from(self, store: Store | None) -> None:
        """Count again (after an import, a sync, a tag, an undo); nothing shown without a
        store (locked) or without returning posts."""
        self._store = store
        self._soon.stop()
        try:
            counts = returning_counts(store) if store is not None else None
        except (TriageError, OSError):
            counts = None
        if not counts or not counts["posts"]:
            self.counts = {"posts": 0, "accounts": 0, "waiting": 0}
            self.clear()
            self.hide()
            return
        self.counts = counts
        posts, waiting = counts["posts"], counts["waiting"]
        text = f"{posts:,} returning post{'s' if posts != 1 else ''} ({waiting:,} waiting)"
        self.setText(f'<a href="waiting">{text}</a>' if waiting else text)
        self.setToolTip(
            f"Posts sharing a contact point or a near-duplicate with an account taken down, or "
            f"referred and still live, from {counts['accounts']:,} account"
            f"{'s' if counts['accounts'] != 1 else ''}"
            + ("; click to show the waiting ones as the queue" if waiting else "")
        )
        self.show()

    def waiting_ids(self) -> list[int]:
        """The returning posts nobody has decided on yet, newest first."""
        if self._store is None:
            return []
        return [
            int(r[0])
            for r in self._store.execute(
                "SELECT r.post_id FROM returning_posts r JOIN posts p ON p.id = r.post_id "
                "WHERE p.status = 'new' ORDER BY r.post_id DESC"
            )
        ]

    def _clicked(self, _link: str) -> None:
        ids = self.waiting_ids()
        if ids:
            self.openWaiting.emit(ids)
